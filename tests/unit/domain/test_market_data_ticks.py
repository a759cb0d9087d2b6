"""TradeTick, QuoteTick and the exact mid price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jts.core.errors import InvalidInputError, PrecisionError
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.market_data import (
    AggressorSide,
    CrossedQuoteError,
    InvalidMarketDataError,
    QuoteTick,
    TradeTick,
    mid_price,
)
from jts.domain.messages import Message
from jts.domain.values import Price, Quantity

SAMSUNG = InstrumentId("005930.KRX")
TS = 1_704_160_800_000_000_000  # 2024-01-02T02:00:00Z


def trade(**overrides: Any) -> TradeTick:
    fields: dict[str, Any] = {
        "instrument_id": SAMSUNG,
        "price": Price("71000"),
        "size": Quantity("10"),
        "aggressor_side": AggressorSide.BUYER,
        "trade_id": TradeId("T-1"),
        "ts_event": TS,
        "ts_init": TS + 5,
    }
    fields.update(overrides)
    return TradeTick(**fields)


def quote(bid: str = "70900", ask: str = "71000", **overrides: Any) -> QuoteTick:
    fields: dict[str, Any] = {
        "instrument_id": SAMSUNG,
        "bid_price": Price(bid),
        "ask_price": Price(ask),
        "bid_size": Quantity("120"),
        "ask_size": Quantity("80"),
        "ts_event": TS,
        "ts_init": TS,
    }
    fields.update(overrides)
    return QuoteTick(**fields)


def _enc(obj: object) -> object:
    if isinstance(obj, (Price, Quantity, str)):
        return str(obj)
    raise NotImplementedError(type(obj))


def _dec(kind: type, obj: object) -> object:
    if kind in (Price, Quantity, InstrumentId, TradeId):
        assert isinstance(obj, str)
        return kind(obj)
    raise NotImplementedError(kind)


class TestTradeTick:
    def test_valid_tick_keeps_its_fields_and_is_an_immutable_message(self) -> None:
        tick = trade()
        assert isinstance(tick, Message)
        assert tick.price == Price("71000")
        assert tick.size == Quantity(10)
        assert tick.aggressor_side is AggressorSide.BUYER
        with pytest.raises(AttributeError):
            tick.price = Price(1)  # type: ignore[misc]

    def test_equal_ticks_are_equal_and_hash_alike(self) -> None:
        assert trade() == trade()
        assert hash(trade()) == hash(trade())
        assert trade() != trade(trade_id=TradeId("T-2"))

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("price", Price("0"), "price must be positive, got 0"),
            ("price", Price("-1"), "price must be positive, got -1"),
            ("size", Quantity("0"), "size must be positive, got 0"),
            ("ts_event", -1, "ts_event must be non-negative int nanoseconds, got -1"),
            ("ts_init", True, "ts_init must be non-negative int nanoseconds, got True"),
            ("instrument_id", "005930.KRX", "instrument_id must be a InstrumentId"),
            ("trade_id", "T-1", "trade_id must be a TradeId"),
            ("aggressor_side", "BUYER", "aggressor_side must be a AggressorSide"),
            ("price", Decimal("71000"), "price must be a Price, got Decimal"),
            ("size", 10, "size must be a Quantity, got int"),
        ],
    )
    def test_bad_fields_are_refused_with_the_field_and_rule(
        self, field: str, value: object, message: str
    ) -> None:
        with pytest.raises(InvalidMarketDataError, match=r"^TradeTick ") as info:
            trade(**{field: value})
        assert message in str(info.value)
        assert isinstance(info.value, InvalidInputError)

    def test_error_names_the_instrument_and_time(self) -> None:
        with pytest.raises(InvalidMarketDataError) as info:
            trade(size=Quantity(0))
        assert "005930.KRX at 2024-01-02T02:00:00.000000000Z" in str(info.value)

    def test_ts_init_before_ts_event_is_allowed_because_clocks_differ(self) -> None:
        assert trade(ts_event=TS, ts_init=TS - 1_000).ts_init == TS - 1_000

    def test_round_trips_through_msgspec_and_validates_on_decode(self) -> None:
        tick = trade(price=Price("0.00012345"), size=Quantity("1.50000000"))
        raw = msgspec.json.encode(tick, enc_hook=_enc)
        assert b'"type":"TradeTick"' in raw
        assert msgspec.json.decode(raw, type=TradeTick, dec_hook=_dec) == tick
        bad = raw.replace(b'"size":"1.50000000"', b'"size":"0"')
        with pytest.raises(msgspec.ValidationError, match="size must be positive"):
            msgspec.json.decode(bad, type=TradeTick, dec_hook=_dec)


class TestQuoteTick:
    def test_valid_quote(self) -> None:
        q = quote()
        assert (q.bid_price, q.ask_price) == (Price(70900), Price(71000))
        assert not q.is_crossed()

    def test_locked_quote_is_allowed(self) -> None:
        assert quote("71000", "71000").spread() == Price(0)

    def test_crossed_quote_is_refused_naming_both_prices(self) -> None:
        with pytest.raises(CrossedQuoteError, match=r"bid_price 71100 is above ask_price 71000"):
            quote("71100", "71000")

    def test_crossed_quote_is_accepted_when_explicitly_allowed(self) -> None:
        q = quote("71100", "71000", allow_crossed=True)
        assert q.is_crossed()
        assert q.spread() == Price(-100)

    def test_crossed_comparison_is_exact_across_precisions(self) -> None:
        with pytest.raises(CrossedQuoteError):
            quote("1.0001", "1.000")
        assert not quote("1.000", "1.0001").is_crossed()

    def test_zero_size_side_is_allowed_but_prices_must_be_positive(self) -> None:
        assert quote(bid_size=Quantity(0)).bid_size == 0
        with pytest.raises(InvalidMarketDataError, match="bid_price must be positive, got 0"):
            quote("0", "71000")

    def test_mid_and_spread_are_exact(self) -> None:
        q = quote("70000", "70100")
        assert q.mid() == Price("70050")
        assert str(q.mid()) == "70050.0"
        assert str(quote("100", "101").mid()) == "100.5"
        assert str(q.spread()) == "100"

    def test_allow_crossed_survives_encoding(self) -> None:
        q = quote("71100", "71000", allow_crossed=True)
        raw = msgspec.msgpack.encode(q, enc_hook=_enc)
        assert msgspec.msgpack.decode(raw, type=QuoteTick, dec_hook=_dec) == q


class TestMidPrice:
    def test_one_extra_decimal_over_the_finer_input(self) -> None:
        mid = mid_price(Price("1.5"), Price("1.75"))
        assert (mid.raw, mid.precision) == (1625, 3)

    def test_at_max_precision_even_sum_keeps_precision_and_odd_sum_raises(self) -> None:
        even = mid_price(Price.from_raw(2, 18), Price.from_raw(4, 18))
        assert (even.raw, even.precision) == (3, 18)
        with pytest.raises(PrecisionError, match="needs more than 18 decimals"):
            mid_price(Price.from_raw(1, 18), Price.from_raw(2, 18))

    @given(
        st.integers(min_value=1, max_value=10**12),
        st.integers(min_value=1, max_value=10**12),
        st.integers(min_value=0, max_value=8),
        st.integers(min_value=0, max_value=8),
    )
    def test_equals_decimal_average(self, a: int, b: int, pa: int, pb: int) -> None:
        bid, ask = Price.from_raw(a, pa), Price.from_raw(b, pb)
        mid = mid_price(bid, ask)
        assert mid.as_decimal() == (bid.as_decimal() + ask.as_decimal()) / 2
        assert mid.precision == max(pa, pb) + 1
