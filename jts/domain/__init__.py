"""The exact domain model: values, identifiers, instruments, orders, positions, market data,
commands, events and reports. Depends on `jts.core` and msgspec only."""
