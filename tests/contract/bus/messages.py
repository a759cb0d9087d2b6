"""Small messages for bus tests, beside the domain's own types.

They cover field types the domain messages do not all use (ints beyond 64 bits, raw bytes,
maps, nested plain structs), so a backend that mangles any of them fails here too.
"""

from __future__ import annotations

import msgspec

from jts.domain.codec import Codec, registered_message_types
from jts.domain.messages import Message


class Ping(Message, frozen=True, kw_only=True):
    seq: int
    text: str = ""


class Pong(Message, frozen=True, kw_only=True):
    seq: int
    text: str = ""


class Leg(msgspec.Struct, frozen=True):
    symbol: str
    qty: int


class Sample(Message, frozen=True, kw_only=True):
    ts_event: int
    name: str
    raw: bytes
    big: int
    note: str | None = None
    legs: tuple[Leg, ...] = ()
    tags: dict[str, int] = msgspec.field(default_factory=dict)
    flag: bool = False


TEST_TYPES: tuple[type[Message], ...] = (Ping, Pong, Sample)


def make_codec() -> Codec:
    """The real domain codec, knowing the test messages as well as every domain type."""
    return Codec(types=(*registered_message_types(), *TEST_TYPES))
