"""Field names of the stream entries and small helpers to read Redis replies.

Field names are one byte because every entry repeats them; the payload is the codec's bytes,
and the topic travels beside it (not inside) so a consumer skips messages no local handler
wants without decoding them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

TOPIC: Final = b"t"
DATA: Final = b"d"
CORRELATION: Final = b"c"
REPLY_TO: Final = b"r"
DEADLINE_MS: Final = b"x"
ERROR: Final = b"e"

#: Added to a dead-lettered entry next to its original fields.
DEAD_REASON: Final = b"dead.reason"
DEAD_ERROR: Final = b"dead.error"
DEAD_ID: Final = b"dead.id"
DEAD_GROUP: Final = b"dead.group"
DEAD_CONSUMER: Final = b"dead.consumer"
DEAD_DELIVERIES: Final = b"dead.deliveries"

Fields = Mapping[bytes, bytes]
Entry = tuple[bytes, Fields]


def entry_id_key(entry_id: bytes | str) -> tuple[int, int]:
    """``b"1700000000000-3"`` -> ``(1700000000000, 3)``: stream ids compare as this tuple."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def stream_entries(reply: Any) -> list[tuple[bytes, list[Entry]]]:
    """An XREAD/XREADGROUP reply as ``[(stream, [(id, fields), ...]), ...]``; an empty reply
    (the block timed out) is ``[]``.

    redis-py shapes it by protocol: RESP2 ``[[stream, [(id, fields), ...]], ...]``, RESP3
    (``?protocol=3`` in the URL) ``{stream: [[(id, fields), ...]]}``.
    """
    if not reply:
        return []
    if isinstance(reply, dict):
        pairs = [
            (stream, items[0] if items and isinstance(items[0], list) else items)
            for stream, items in reply.items()
        ]
    else:
        pairs = [(stream, items) for stream, items in reply]
    return [(stream, [(item[0], item[1] or {}) for item in items]) for stream, items in pairs]
