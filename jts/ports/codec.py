"""The `Codec` port: how a message becomes bytes and back, for anything that leaves the process.

Adapters that move messages across a process boundary (the Redis Streams bus, a journal) take a
codec instead of importing one, so they can be tested with a small codec of their own and so
the wire format is chosen in one place (the domain codec, msgpack).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from jts.domain.messages import Message


@runtime_checkable
class Codec(Protocol):
    """Turns messages into bytes and back; ``decode(encode(m)) == m`` for every known type."""

    def encode(self, message: Message) -> bytes:
        """Serialize one message; a type the codec does not know is an `InvalidInputError`."""
        ...

    def decode(self, data: bytes) -> Message:
        """Deserialize one message; bytes that are not a known message raise `DecodeError`."""
        ...
