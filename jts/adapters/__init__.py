"""Venue adapters (KIS, Creon, Upbit, simulators).

Each implements the ports; none imports another.
"""
