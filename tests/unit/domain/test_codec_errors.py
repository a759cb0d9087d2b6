"""The message codec on bad input: every failure is a `DecodeError` / `EncodeError` that says
what was wrong; and the registry of extra message types."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import DecodeError, InvalidInputError
from jts.domain import codec as codec_module
from jts.domain.codec import (
    MESSAGE_TYPES,
    Codec,
    EncodeError,
    register_message_type,
    registered_message_types,
)
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events import OrderDenied, OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.messages import Message
from jts.domain.values import KRW, Money, Price, Quantity
from jts.ports.codec import Codec as CodecPort


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec()


# ---- bad input --------------------------------------------------------------------------------


def a_fill() -> OrderFilled:
    return OrderFilled(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId("O-1"),
        account_id=AccountId("KIS-1"),
        ts_event=1,
        ts_init=2,
        venue_order_id=VenueOrderId("0000117057"),
        trade_id=TradeId("T-1"),
        order_side=OrderSide.SELL,
        order_type=OrderType.LIMIT,
        last_qty=Quantity("10"),
        last_px=Price("70000"),
        currency=KRW,
        commission=Money(98, KRW),
        tax=Money(1260, KRW),
    )


def json_with(**changes: Any) -> bytes:
    wire = msgspec.json.decode(Codec().encode_json(a_fill()))
    for key, value in changes.items():
        if value is ...:
            del wire[key]
        else:
            wire[key] = value
    return msgspec.json.encode(wire)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"type": "NoSuchEvent"}, "NoSuchEvent"),
        ({"type": ...}, "missing required field `type`"),
        ({"last_qty": 10}, r"expected a string for Quantity.*\$\.last_qty"),
        ({"last_qty": "-1"}, r"negative.*\$\.last_qty"),
        ({"last_qty": "ten"}, r"not a decimal number.*\$\.last_qty"),
        ({"last_qty": "0"}, "fill quantity must be positive"),
        ({"last_px": "0"}, "fill price must be positive"),
        ({"ts_event": "yesterday"}, r"Expected `int`.*\$\.ts_event"),
        ({"ts_event": -5}, "ts_event must be a non-negative"),
        ({"order_side": "LONG"}, r"Invalid enum value 'LONG'.*\$\.order_side"),
        ({"commission": "98"}, r"money must be '<amount> <CURRENCY>'.*\$\.commission"),
        ({"commission": "98 x-z"}, r"currency code must be upper-case"),
        ({"commission": "98.5 KRW"}, r"more than 0 decimals"),
        ({"currency": "krw"}, r"currency code must be upper-case"),
        ({"instrument_id": "005930"}, r"SYMBOL\.VENUE.*\$\.instrument_id"),
        ({"trade_id": ""}, r"trade id.*\$\.trade_id"),
        ({"trade_id": ...}, "missing required field `trade_id`"),
    ],
)
def test_wrong_fields_raise_decode_error(codec: Codec, changes: dict[str, Any], words: str) -> None:
    data = json_with(**changes)
    with pytest.raises(DecodeError, match=words):
        codec.decode_json(data)
    packed = msgspec.msgpack.encode(msgspec.json.decode(data))
    with pytest.raises(DecodeError, match=words):
        codec.decode(packed)


@pytest.mark.parametrize(
    "data",
    [b"", b"\xc1", b"\x93\x01\x02\x03", b"\x05", b"\xa3abc", b"\x80"],
    ids=["empty", "bad-opcode", "array", "int", "str", "empty-map"],
)
def test_garbage_msgpack_raises_decode_error(codec: Codec, data: bytes) -> None:
    with pytest.raises(DecodeError, match="cannot decode a message"):
        codec.decode(data)


@pytest.mark.parametrize("data", ["", "{", "[]", "null", '{"type": 5}', "\u00ff"])
def test_garbage_json_raises_decode_error(codec: Codec, data: str) -> None:
    with pytest.raises(DecodeError, match="cannot decode a message from JSON"):
        codec.decode_json(data)


def test_every_truncation_raises_decode_error(codec: Codec) -> None:
    for data in (codec.encode(a_fill()), codec.encode_json(a_fill())):
        decode = codec.decode if data[:1] != b"{" else codec.decode_json
        for cut in range(len(data)):
            with pytest.raises(DecodeError):
                decode(data[:cut])


def test_trailing_bytes_raise_decode_error(codec: Codec) -> None:
    with pytest.raises(DecodeError, match="trailing"):
        codec.decode(codec.encode(a_fill()) + b"\x00")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_escape_as_another_error(data: bytes) -> None:
    codec = Codec()
    for decode in (codec.decode, codec.decode_json):
        try:
            message = decode(data)
        except DecodeError:
            continue
        assert isinstance(message, Message)


def test_decode_error_is_a_jts_input_error_chained_to_the_cause(codec: Codec) -> None:
    with pytest.raises(InvalidInputError) as info:
        codec.decode(b"\xc1")
    assert isinstance(info.value, DecodeError)
    assert isinstance(info.value.__cause__, msgspec.DecodeError)


def test_decoding_accepts_bytearray_and_memoryview(codec: Codec) -> None:
    data = codec.encode(a_fill())
    assert codec.decode(bytearray(data)) == a_fill()
    assert codec.decode(memoryview(data)) == a_fill()
    assert codec.decode_json(codec.encode_json(a_fill()).decode()) == a_fill()


# ---- encoding errors --------------------------------------------------------------------------


class Unregistered(Message, frozen=True, kw_only=True):
    value: int


def test_encoding_an_unknown_type_is_refused(codec: Codec) -> None:
    for encode in (codec.encode, codec.encode_json):
        with pytest.raises(EncodeError, match="Unregistered"):
            encode(Unregistered(value=1))
        with pytest.raises(EncodeError, match="dict"):
            encode({"type": "OrderFilled"})  # type: ignore[arg-type]


def test_encoding_a_value_without_wire_form_is_refused(codec: Codec) -> None:
    bad = OrderDenied(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId("O-1"),
        ts_event=1,
        ts_init=2,
        reason=object(),  # type: ignore[arg-type]
    )
    with pytest.raises(EncodeError, match="OrderDenied"):
        codec.encode(bad)
    with pytest.raises(EncodeError, match="OrderDenied"):
        codec.encode_json(bad)


# ---- registry ---------------------------------------------------------------------------------


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations in a test must not leak into the rest of the session."""
    monkeypatch.setattr(codec_module, "_REGISTRY", codec_module._Registry())


class CustomSignal(Message, frozen=True, kw_only=True):
    instrument_id: InstrumentId
    strength: Decimal
    ts_event: int
    ts_init: int


def a_signal() -> CustomSignal:
    return CustomSignal(
        instrument_id=InstrumentId("005930.KRX"), strength=Decimal("0.75"), ts_event=1, ts_init=1
    )


@pytest.mark.usefixtures("fresh_registry")
def test_registered_types_are_known_to_codecs_that_follow_the_registry() -> None:
    following = Codec()
    fixed = Codec(MESSAGE_TYPES)
    assert register_message_type(CustomSignal) is CustomSignal
    assert registered_message_types() == (*MESSAGE_TYPES, CustomSignal)
    assert CustomSignal in following.types
    assert following.decode(following.encode(a_signal())) == a_signal()
    assert Codec().decode_json(Codec().encode_json(a_signal())) == a_signal()
    with pytest.raises(EncodeError):
        fixed.encode(a_signal())
    with pytest.raises(DecodeError, match="CustomSignal"):
        fixed.decode(following.encode(a_signal()))


@pytest.mark.usefixtures("fresh_registry")
def test_registration_is_idempotent_and_refuses_clashes() -> None:
    register_message_type(CustomSignal)
    register_message_type(CustomSignal)
    assert registered_message_types().count(CustomSignal) == 1

    class OrderFilled(Message, frozen=True, kw_only=True):  # same tag as the domain's
        x: int

    with pytest.raises(InvalidInputError, match="tag 'OrderFilled' is taken"):
        register_message_type(OrderFilled)
    with pytest.raises(InvalidInputError, match="Message subclasses"):
        register_message_type(int)  # type: ignore[type-var]


@pytest.mark.usefixtures("fresh_registry")
def test_register_works_as_a_decorator() -> None:
    @register_message_type
    class Heartbeat(Message, frozen=True, kw_only=True):
        ts_init: int

    codec = Codec()
    assert codec.decode(codec.encode(Heartbeat(ts_init=5))) == Heartbeat(ts_init=5)


def test_explicit_type_lists_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="at least one"):
        Codec([])
    with pytest.raises(InvalidInputError, match="Message subclasses"):
        Codec([int])  # type: ignore[list-item]

    class OrderFilled(Message, frozen=True, kw_only=True):
        x: int

    with pytest.raises(InvalidInputError, match="share the tag 'OrderFilled'"):
        Codec([*MESSAGE_TYPES, OrderFilled])


def test_codec_satisfies_the_port(codec: Codec) -> None:
    assert isinstance(codec, CodecPort)


def test_codec_instances_share_no_state() -> None:
    first, second = Codec(), Codec()
    assert first._msgpack_decoder is not second._msgpack_decoder
    # other packages (jts.live.messages) may have registered types earlier in this process
    assert first.types == second.types == registered_message_types()
    assert first.types[: len(MESSAGE_TYPES)] == MESSAGE_TYPES


def test_unknown_currency_codes_decode_as_crypto(codec: Codec) -> None:
    """A coin listed after this process started still decodes (default crypto precision)."""
    from jts.domain.values import Currency, CurrencyKind

    event = codec.decode_json(json_with(commission="0.5 NEWCOINZ"))
    assert str(event.commission) == "0.50000000 NEWCOINZ"  # type: ignore[attr-defined]
    assert Currency.of("NEWCOINZ").kind is CurrencyKind.CRYPTO
