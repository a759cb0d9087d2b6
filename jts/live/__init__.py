"""The live node: `jts up` wiring (venue, kernel, journal, bus), start-up recovery and
reconciliation, the asyncio runner and the local control endpoint."""
