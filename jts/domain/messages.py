"""Base classes of everything that crosses the bus or lands in the journal.

Every message is an immutable msgspec struct, tagged with its class name so one decoder can
tell them apart. Timestamps are integer nanoseconds since the epoch, UTC: ``ts_event`` when the
thing happened (at the venue, for venue events), ``ts_init`` when JTS created the object.
"""

from __future__ import annotations

import msgspec


class Message(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Root of commands, events, reports and market data."""
