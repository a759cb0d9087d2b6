"""BarSpecification, BarType (text form, parsing) and Bar validation."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jts.core.errors import ParseError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_MINUTE, NANOS_PER_SECOND
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    InvalidBarError,
    InvalidMarketDataError,
    PriceType,
)
from jts.domain.values import Price, Quantity

SAMSUNG = InstrumentId("005930.KRX")
MINUTE_LAST_EXT = BarType(
    SAMSUNG,
    BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
    AggregationSource.EXTERNAL,
)
CLOSE_TS = 1_704_160_860_000_000_000  # 2024-01-02T02:01:00Z


def bar(o: str, h: str, low: str, c: str, volume: str = "100", **overrides: Any) -> Bar:
    fields: dict[str, Any] = {
        "bar_type": MINUTE_LAST_EXT,
        "open": Price(o),
        "high": Price(h),
        "low": Price(low),
        "close": Price(c),
        "volume": Quantity(volume),
        "ts_event": CLOSE_TS,
        "ts_init": CLOSE_TS,
    }
    fields.update(overrides)
    return Bar(**fields)


class TestBarSpecification:
    @pytest.mark.parametrize(
        ("aggregation", "step", "expected"),
        [
            (BarAggregation.SECOND, 1, NANOS_PER_SECOND),
            (BarAggregation.SECOND, 30, 30 * NANOS_PER_SECOND),
            (BarAggregation.MINUTE, 5, 5 * NANOS_PER_MINUTE),
            (BarAggregation.HOUR, 1, NANOS_PER_HOUR),
            (BarAggregation.DAY, 1, NANOS_PER_DAY),
        ],
    )
    def test_interval_of_time_bars(
        self, aggregation: BarAggregation, step: int, expected: int
    ) -> None:
        spec = BarSpecification(step, aggregation, PriceType.LAST)
        assert spec.is_time_aggregated
        assert spec.interval_ns() == expected

    @pytest.mark.parametrize(
        "aggregation", [BarAggregation.TICK, BarAggregation.VOLUME, BarAggregation.VALUE]
    )
    def test_non_time_bars_have_no_interval(self, aggregation: BarAggregation) -> None:
        spec = BarSpecification(100, aggregation, PriceType.LAST)
        assert not spec.is_time_aggregated
        with pytest.raises(
            InvalidMarketDataError, match=f"100-{aggregation.name}-LAST is not time"
        ):
            spec.interval_ns()

    @pytest.mark.parametrize("step", [0, -1, True, 1.0, "1"])
    def test_step_must_be_a_positive_int(self, step: object) -> None:
        with pytest.raises(InvalidMarketDataError, match="bar step must be a positive int"):
            BarSpecification(step, BarAggregation.MINUTE, PriceType.LAST)  # type: ignore[arg-type]

    def test_enum_fields_are_type_checked(self) -> None:
        with pytest.raises(InvalidMarketDataError, match="aggregation must be a BarAggregation"):
            BarSpecification(1, "MINUTE", PriceType.LAST)  # type: ignore[arg-type]
        with pytest.raises(InvalidMarketDataError, match="price_type must be a PriceType"):
            BarSpecification(1, BarAggregation.MINUTE, "LAST")  # type: ignore[arg-type]

    def test_text_round_trip(self) -> None:
        spec = BarSpecification(15, BarAggregation.SECOND, PriceType.MID)
        assert str(spec) == "15-SECOND-MID"
        assert BarSpecification.parse("15-SECOND-MID") == spec

    @pytest.mark.parametrize(
        "text", ["", "1-MINUTE", "1-MINUTE-LAST-X", "01-MINUTE-LAST", "1-MINUTES-LAST"]
    )
    def test_parse_refuses_other_text(self, text: str) -> None:
        with pytest.raises(ParseError):
            BarSpecification.parse(text)


class TestBarType:
    def test_text_form(self) -> None:
        assert str(MINUTE_LAST_EXT) == "005930.KRX-1-MINUTE-LAST-EXTERNAL"
        assert not MINUTE_LAST_EXT.is_internal

    @pytest.mark.parametrize(
        "text",
        [
            "005930.KRX-1-MINUTE-LAST-EXTERNAL",
            "KRW-BTC.UPBIT-100-TICK-LAST-INTERNAL",
            "KRW-BTC.UPBIT-1-DAY-MID-INTERNAL",
            "069500.KRX-1000000-VALUE-LAST-INTERNAL",
            "A-B-C.SIM-3-HOUR-ASK-EXTERNAL",
        ],
    )
    def test_parse_round_trips(self, text: str) -> None:
        parsed = BarType.parse(text)
        assert str(parsed) == text
        assert BarType.parse(str(parsed)) == parsed

    def test_parse_splits_the_instrument_from_the_right(self) -> None:
        parsed = BarType.parse("KRW-BTC.UPBIT-5-MINUTE-BID-EXTERNAL")
        assert parsed.instrument_id == InstrumentId("KRW-BTC.UPBIT")
        assert parsed.spec == BarSpecification(5, BarAggregation.MINUTE, PriceType.BID)
        assert parsed.source is AggregationSource.EXTERNAL

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "must be INSTRUMENT-STEP-AGGREGATION-PRICE_TYPE-SOURCE"),
            ("005930.KRX-1-MINUTE-LAST", "must be INSTRUMENT-STEP-AGGREGATION-PRICE_TYPE-SOURCE"),
            ("005930-1-MINUTE-LAST-EXTERNAL", "bad instrument in bar type"),
            ("-1-MINUTE-LAST-EXTERNAL", "bad instrument in bar type"),
            ("005930.KRX-0-MINUTE-LAST-EXTERNAL", "bar step must be a positive integer"),
            ("005930.KRX-+1-MINUTE-LAST-EXTERNAL", "bar step must be a positive integer"),
            ("005930.KRX-01-MINUTE-LAST-EXTERNAL", "without sign or leading zeros"),
            ("005930.KRX-١-MINUTE-LAST-EXTERNAL", "bar step must be a positive integer"),
            ("005930.KRX-1-minute-LAST-EXTERNAL", "unknown BarAggregation 'minute'"),
            ("005930.KRX-1-MINUTE-CLOSE-EXTERNAL", "unknown PriceType 'CLOSE'"),
            ("005930.KRX-1-MINUTE-LAST-VENUE", "unknown AggregationSource 'VENUE'"),
            ("005930.KRX-1-MINUTE-LAST-EXTERNAL ", "unknown AggregationSource"),
        ],
    )
    def test_parse_errors_quote_the_text(self, text: str, message: str) -> None:
        with pytest.raises(ParseError) as info:
            BarType.parse(text)
        assert message in str(info.value)
        assert repr(text) in str(info.value)

    def test_parse_refuses_non_strings(self) -> None:
        with pytest.raises(ParseError, match="must be a string"):
            BarType.parse(None)  # type: ignore[arg-type]

    def test_is_a_hashable_key(self) -> None:
        cache = {MINUTE_LAST_EXT: 1}
        assert cache[BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")] == 1

    def test_fields_are_type_checked(self) -> None:
        spec = MINUTE_LAST_EXT.spec
        with pytest.raises(InvalidMarketDataError, match="instrument_id must be a InstrumentId"):
            BarType("005930.KRX", spec, AggregationSource.INTERNAL)  # type: ignore[arg-type]
        with pytest.raises(InvalidMarketDataError, match="source must be a AggregationSource"):
            BarType(SAMSUNG, spec, "INTERNAL")  # type: ignore[arg-type]

    @given(
        symbol=st.from_regex(r"[0-9A-Za-z][0-9A-Za-z_\-/]{0,20}", fullmatch=True),
        venue=st.from_regex(r"[A-Z][A-Z0-9_]{1,15}", fullmatch=True),
        step=st.integers(min_value=1, max_value=10**9),
        aggregation=st.sampled_from(BarAggregation),
        price_type=st.sampled_from(PriceType),
        source=st.sampled_from(AggregationSource),
    )
    def test_any_bar_type_round_trips(
        self,
        *,
        symbol: str,
        venue: str,
        step: int,
        aggregation: BarAggregation,
        price_type: PriceType,
        source: AggregationSource,
    ) -> None:
        bar_type = BarType(
            InstrumentId.of(symbol, venue), BarSpecification(step, aggregation, price_type), source
        )
        assert BarType.parse(str(bar_type)) == bar_type


class TestBar:
    def test_valid_bar(self) -> None:
        b = bar("100", "110", "90", "105")
        assert (b.open, b.high, b.low, b.close) == (Price(100), Price(110), Price(90), Price(105))
        assert b.volume == Quantity(100)

    def test_flat_bar_and_zero_volume_are_valid(self) -> None:
        assert bar("100", "100", "100", "100", volume="0").volume == 0

    @pytest.mark.parametrize(
        ("ohlc", "rule"),
        [
            (("100", "110", "120", "105"), "low 120 is above high 110 (rule: low <= high)"),
            (
                ("111", "110", "90", "105"),
                "high 110 is below open 111 (rule: high >= max(open, close))",
            ),
            (
                ("100", "110", "90", "110.5"),
                "high 110 is below close 110.5 (rule: high >= max(open, close))",
            ),
            (("89", "110", "90", "105"), "low 90 is above open 89 (rule: low <= min(open, close))"),
            (
                ("100", "110", "90", "89.99"),
                "low 90 is above close 89.99 (rule: low <= min(open, close))",
            ),
        ],
    )
    def test_inconsistent_prices_name_the_bar_and_the_rule(
        self, ohlc: tuple[str, str, str, str], rule: str
    ) -> None:
        with pytest.raises(InvalidBarError) as info:
            bar(*ohlc)
        message = str(info.value)
        assert message.startswith("Bar 005930.KRX-1-MINUTE-LAST-EXTERNAL at 2024-01-02T02:01:00")
        assert message.endswith(rule)

    @pytest.mark.parametrize("field", ["open", "high", "low", "close"])
    @pytest.mark.parametrize("value", ["0", "-1"])
    def test_prices_must_be_positive(self, field: str, value: str) -> None:
        prices = {"open": Price(1), "high": Price(1), "low": Price(1), "close": Price(1)}
        prices[field] = Price(value)
        with pytest.raises(InvalidBarError, match=f"{field} must be positive, got {value}$"):
            Bar(
                bar_type=MINUTE_LAST_EXT,
                volume=Quantity(1),
                ts_event=CLOSE_TS,
                ts_init=CLOSE_TS,
                **prices,
            )

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"volume": 5}, "volume must be a Quantity, got int"),
            ({"bar_type": "005930.KRX-1-MINUTE-LAST-EXTERNAL"}, "bar_type must be a BarType"),
            ({"ts_event": -1}, "ts_event must be non-negative"),
            ({"high": 110}, "high must be a Price, got int"),
        ],
    )
    def test_bad_field_types(self, overrides: dict[str, Any], message: str) -> None:
        fields: dict[str, Any] = {
            "bar_type": MINUTE_LAST_EXT,
            "open": Price(100),
            "high": Price(110),
            "low": Price(90),
            "close": Price(100),
            "volume": Quantity(1),
            "ts_event": CLOSE_TS,
            "ts_init": CLOSE_TS,
        }
        fields.update(overrides)
        with pytest.raises(InvalidBarError, match=message):
            Bar(**fields)

    def test_round_trips_through_msgspec_and_validates_on_decode(self) -> None:
        def enc(obj: object) -> object:
            if isinstance(obj, (Price, Quantity, str)):
                return str(obj)
            raise NotImplementedError

        def dec(kind: type, obj: object) -> object:
            if kind in (Price, Quantity, InstrumentId):
                assert isinstance(obj, str)
                return kind(obj)
            raise NotImplementedError

        b = bar("100.5", "110", "90", "105")
        raw = msgspec.json.encode(b, enc_hook=enc)
        assert msgspec.json.decode(raw, type=Bar, dec_hook=dec) == b
        with pytest.raises(msgspec.ValidationError, match="rule: low <= high"):
            msgspec.json.decode(raw.replace(b'"low":"90"', b'"low":"120"'), type=Bar, dec_hook=dec)
