"""The live node: asyncio edge, startup reconciliation, supervision."""
