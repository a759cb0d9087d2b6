"""Order events <-> the JSON text stored in ``order_events.payload`` and ``orders.events``.

The domain codec (`jts.domain.codec.Codec`) writes the JSON; storage never picks fields out of
it, so the payload format is the codec's to evolve. JSON rather than the codec's msgpack: the
journal is kept for years and read by people during incidents (``psql``, the ``sqlite3``
shell), and at one event per order state change the size and speed difference is immaterial
next to the commit that stores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from jts.core.errors import DecodeError
from jts.domain.events_order import OrderEvent
from jts.domain.messages import Message


class JsonCodec(Protocol):
    """The part of the domain codec storage uses."""

    def encode_json(self, message: Message) -> bytes: ...

    def decode_json(self, data: bytes | bytearray | memoryview | str) -> Message: ...


def event_to_text(codec: JsonCodec, event: OrderEvent) -> str:
    return codec.encode_json(event).decode("utf-8")


def event_from_text(codec: JsonCodec, text: str) -> OrderEvent:
    message = codec.decode_json(text)
    if not isinstance(message, OrderEvent):
        raise DecodeError(f"stored order event decodes to a {type(message).__name__}")
    return message


def events_to_text(codec: JsonCodec, events: Sequence[OrderEvent]) -> str:
    """A JSON array of the codec's JSON for each event."""
    return "[" + ",".join(event_to_text(codec, e) for e in events) + "]"


def events_from_text(codec: JsonCodec, text: str) -> list[OrderEvent]:
    return [event_from_text(codec, item) for item in _split(text)]


def first_event_from_text(codec: JsonCodec, text: str) -> OrderEvent | None:
    """The first event of a stored history, decoding only that one."""
    items = _split(text)
    return event_from_text(codec, items[0]) if items else None


def _split(text: str) -> list[str]:
    """The array's elements as JSON texts, without decoding them."""
    try:
        items = msgspec.json.decode(text, type=list[msgspec.Raw])
    except msgspec.MsgspecError as exc:
        raise DecodeError(f"stored order history is not a JSON array: {exc}") from exc
    return [bytes(item).decode("utf-8") for item in items]
