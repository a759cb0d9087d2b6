"""The message codec: every `Message` to bytes and back, as msgpack (bus, journal) or JSON.

Wire form: each message is a map tagged with its class name (``"type": "OrderFilled"``); exact
values travel as text so nothing is rounded and precision survives (``Price("1.50")`` ->
``"1.50"``, ``Money`` -> ``"1500 KRW"``), currencies as their code, identifiers as plain
strings, `Decimal` as text and enums as their values. Decoding validates every field, runs the
message's own checks, and turns any failure into `DecodeError` naming what was wrong.

Which types a codec knows: `MESSAGE_TYPES` (everything the domain defines) plus whatever was
passed to `register_message_type` (messages defined outside the domain, e.g. custom data). A
`Codec` built without an explicit list follows the registry, including types registered after
it was built; encoders and decoders are built once per codec and rebuilt only then.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Any, Final, TypeVar

import msgspec

from jts.core.errors import DecodeError, InvalidInputError, JtsError
from jts.domain.commands import COMMAND_TYPES
from jts.domain.events import EVENT_TYPES
from jts.domain.events_risk import RISK_EVENT_TYPES
from jts.domain.identifiers import Identifier
from jts.domain.instruments import Instrument
from jts.domain.market_data import (
    Bar,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from jts.domain.messages import Message
from jts.domain.reports import REPORT_TYPES
from jts.domain.signals import Signal
from jts.domain.values import Currency, FixedPoint, Money

MARKET_DATA_TYPES: Final[tuple[type[Message], ...]] = (
    TradeTick,
    QuoteTick,
    Bar,
    OrderBookSnapshot,
    OrderBookDelta,
    OrderBookDeltas,
)

#: Every message type the domain defines, in a fixed order.
MESSAGE_TYPES: Final[tuple[type[Message], ...]] = (
    *EVENT_TYPES,
    *COMMAND_TYPES,
    *REPORT_TYPES,
    *MARKET_DATA_TYPES,
    Instrument,
    Signal,
    *RISK_EVENT_TYPES,
)


_M = TypeVar("_M", bound=type[Message])


class EncodeError(InvalidInputError):
    """A message could not be encoded: its type is not one the codec knows, or a field holds a
    value that has no wire form."""


class _Registry:
    """Types registered from outside the domain, with a generation count so codecs that
    follow the registry notice additions. Process-wide like the `Currency` registry: a type is
    code, registered once when its module is imported, not per-component state."""

    def __init__(self) -> None:
        self.types: list[type[Message]] = []
        self.generation = 0


_REGISTRY: Final = _Registry()


def tag_of(cls: type[Message]) -> str:
    """The wire tag of a message type (its class name unless the class says otherwise)."""
    tag = cls.__struct_config__.tag
    if not isinstance(tag, str):
        raise InvalidInputError(f"{cls.__name__} has no string tag; subclass Message")
    return tag


def registered_message_types() -> tuple[type[Message], ...]:
    """`MESSAGE_TYPES` followed by every type registered since, in registration order."""
    return (*MESSAGE_TYPES, *_REGISTRY.types)


def register_message_type(cls: _M) -> _M:
    """Make a `Message` subclass known to codecs that follow the registry; usable as a class
    decorator. Registering the same class again is a no-op; another class with a tag already
    taken is refused, since the decoder could not tell them apart."""
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        raise InvalidInputError(f"only Message subclasses can be registered, got {cls!r}")
    known = registered_message_types()
    if cls in known:
        return cls
    tag = tag_of(cls)
    for other in known:
        if tag_of(other) == tag:
            raise InvalidInputError(
                f"cannot register {cls.__module__}.{cls.__qualname__}: tag {tag!r} is taken by "
                f"{other.__module__}.{other.__qualname__}"
            )
    _REGISTRY.types.append(cls)
    _REGISTRY.generation += 1
    return cls


def _enc_hook(obj: object) -> object:
    if isinstance(obj, FixedPoint | Money):
        return str(obj)
    if isinstance(obj, Currency):
        return obj.code
    if isinstance(obj, Identifier):
        return str.__str__(obj)  # a plain str: msgspec encodes no str subclass itself
    raise NotImplementedError(f"no wire form for {type(obj).__name__}")


_TEXT_TYPES: Final = (Identifier, FixedPoint, Money, Currency)


def _dec_hook(kind: type, obj: object) -> object:
    if not (isinstance(kind, type) and issubclass(kind, _TEXT_TYPES)):
        raise NotImplementedError(f"no decoder for {kind!r}")
    if not isinstance(obj, str):
        raise TypeError(f"expected a string for {kind.__name__}, got {type(obj).__name__}")
    # A coin first listed by a venue after this process started is still a valid currency:
    # unknown codes decode as crypto currencies (validated code, default precision).
    if issubclass(kind, Money):
        return Money.from_str(obj, create_currency=True)
    if issubclass(kind, Currency):
        return Currency.of(obj, create=True)
    return kind(obj)  # identifiers, Price, Quantity: their constructors validate the text


#: How many decoded values one codec remembers before it starts over.
_MEMO_LIMIT: Final = 65_536


def _memoized(hook: Any) -> Any:
    """Wrap a dec_hook with a bounded memo of (type, text) -> value.

    A stream repeats the same identifiers, prices and amounts endlessly, and every value type
    is immutable, so a decoded value can be handed out again instead of being re-parsed and
    re-validated. Failures are not memoized: they raise every time.
    """
    memo: dict[tuple[type, object], object] = {}

    def cached(kind: type, obj: object) -> object:
        key = (kind, obj)
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable wire value: let the hook explain it
            return hook(kind, obj)
        value = hook(kind, obj)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = value
        return value

    return cached


# Exceptions that mean "these bytes are not a valid message": msgspec's own, and whatever a
# message's validation or a value type raises while its fields are rebuilt.
_DECODE_FAILURES: Final = (
    msgspec.MsgspecError,
    JtsError,
    ValueError,
    TypeError,
    LookupError,
    ArithmeticError,
)


def _preview(data: object) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        head = raw[:48]
        return f"{len(raw)} bytes, starting {head!r}" + ("..." if len(raw) > 48 else "")
    return f"a {type(data).__name__}"


class Codec:
    """Encodes and decodes messages; satisfies the `jts.ports.codec.Codec` port.

    ``types`` fixes the known types; left out, the codec follows `registered_message_types`.
    Not thread-safe while the registry changes (the kernel is single-threaded).
    """

    def __init__(self, types: Iterable[type[Message]] | None = None) -> None:
        self._follows_registry = types is None
        self._generation = -1
        if types is not None:
            self._build(tuple(types))
        else:
            self._refresh()

    @property
    def types(self) -> tuple[type[Message], ...]:
        self._refresh()
        return self._types

    def _refresh(self) -> None:
        if self._follows_registry and self._generation != _REGISTRY.generation:
            self._build(registered_message_types())
            self._generation = _REGISTRY.generation

    def _build(self, types: tuple[type[Message], ...]) -> None:
        if not types:
            raise InvalidInputError("a codec needs at least one message type")
        tags: dict[str, type[Message]] = {}
        for cls in types:
            if not (isinstance(cls, type) and issubclass(cls, Message)):
                raise InvalidInputError(f"codec types must be Message subclasses, got {cls!r}")
            tag = tag_of(cls)
            if tags.setdefault(tag, cls) is not cls:
                raise InvalidInputError(f"two codec types share the tag {tag!r}")
        self._types = tuple(dict.fromkeys(types))
        self._type_set = frozenset(self._types)
        union: Any = typing.Union[self._types]  # noqa: UP007 - built from a runtime tuple
        dec_hook = _memoized(_dec_hook)
        self._msgpack_encoder = msgspec.msgpack.Encoder(enc_hook=_enc_hook)
        self._msgpack_decoder: msgspec.msgpack.Decoder[Message] = msgspec.msgpack.Decoder(
            union, dec_hook=dec_hook
        )
        self._json_encoder = msgspec.json.Encoder(enc_hook=_enc_hook)
        self._json_decoder: msgspec.json.Decoder[Message] = msgspec.json.Decoder(
            union, dec_hook=dec_hook
        )

    def _check_known(self, message: object) -> None:
        self._refresh()
        if type(message) not in self._type_set:
            raise EncodeError(
                f"cannot encode {type(message).__name__}: not a message type this codec knows "
                "(see MESSAGE_TYPES / register_message_type)"
            )

    def encode(self, message: Message) -> bytes:
        """msgpack bytes, for the bus and the journal."""
        self._check_known(message)
        try:
            return self._msgpack_encoder.encode(message)
        except (TypeError, ValueError, OverflowError, NotImplementedError) as exc:
            raise EncodeError(f"cannot encode {type(message).__name__}: {exc}") from exc

    def decode(self, data: bytes | bytearray | memoryview) -> Message:
        """The message in msgpack ``data``; anything else raises `DecodeError`."""
        self._refresh()
        try:
            return self._msgpack_decoder.decode(data)
        except _DECODE_FAILURES as exc:
            raise DecodeError(f"cannot decode a message from {_preview(data)}: {exc}") from exc

    def encode_json(self, message: Message) -> bytes:
        """UTF-8 JSON, for people, logs and the HTTP API."""
        self._check_known(message)
        try:
            return self._json_encoder.encode(message)
        except (TypeError, ValueError, OverflowError, NotImplementedError) as exc:
            raise EncodeError(f"cannot encode {type(message).__name__}: {exc}") from exc

    def decode_json(self, data: bytes | bytearray | memoryview | str) -> Message:
        """The message in JSON ``data``; anything else raises `DecodeError`."""
        self._refresh()
        try:
            return self._json_decoder.decode(data)
        except _DECODE_FAILURES as exc:
            raise DecodeError(f"cannot decode a message from JSON {_preview(data)}: {exc}") from exc
