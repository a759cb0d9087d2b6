"""Ports: the protocols the kernel needs from the outside world (venues, storage, bus, alerts)."""
