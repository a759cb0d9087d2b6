"""Time and tick bars aggregated from trades (jts.domain.bar_aggregation)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.time import NANOS_PER_HOUR, NANOS_PER_MINUTE, NANOS_PER_SECOND, kst_to_ns
from jts.domain.bar_aggregation import TickBarAggregator, TimeBarAggregator
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.market_data import (
    AggressorSide,
    Bar,
    BarType,
    InvalidMarketDataError,
    TradeTick,
)
from jts.domain.values import Price, Quantity

SAMSUNG = InstrumentId("005930.KRX")
MINUTE = BarType.parse("005930.KRX-1-MINUTE-LAST-INTERNAL")
T0 = 1_704_160_800_000_000_000  # 2024-01-02T02:00:00Z, a whole minute (11:00 KST)
S = NANOS_PER_SECOND


def tick(ts: int, price: str | int, size: str | int = 1, ts_init: int | None = None) -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG,
        price=Price(price),
        size=Quantity(size),
        aggressor_side=AggressorSide.NO_AGGRESSOR,
        trade_id=TradeId(f"T{ts}"),
        ts_event=ts,
        ts_init=ts if ts_init is None else ts_init,
    )


def ohlcv(bar: Bar) -> tuple[str, str, str, str, str]:
    return (str(bar.open), str(bar.high), str(bar.low), str(bar.close), str(bar.volume))


class TestTimeBars:
    def test_bar_is_emitted_by_the_first_trade_past_the_interval(self) -> None:
        agg = TimeBarAggregator(MINUTE)
        assert agg.update(tick(T0 + 1 * S, 100, 5)) is None
        assert agg.update(tick(T0 + 20 * S, 103, 1)) is None
        assert agg.update(tick(T0 + 40 * S, 99, "2.5")) is None
        assert agg.update(tick(T0 + 59 * S, 101, 1)) is None
        assert agg.open_bar_end == T0 + NANOS_PER_MINUTE
        bar = agg.update(tick(T0 + 60 * S, 200, 1, ts_init=T0 + 61 * S))
        assert bar is not None
        assert ohlcv(bar) == ("100", "103", "99", "101", "9.5")
        assert bar.bar_type == MINUTE
        assert bar.ts_event == T0 + NANOS_PER_MINUTE  # close time
        assert bar.ts_init == T0 + 61 * S  # when we learned it was complete

    def test_trade_exactly_at_the_boundary_belongs_to_the_next_bar(self) -> None:
        agg = TimeBarAggregator(MINUTE)
        agg.update(tick(T0, 100))
        first = agg.update(tick(T0 + NANOS_PER_MINUTE, 105))
        assert first is not None
        assert ohlcv(first) == ("100", "100", "100", "100", "1")
        second = agg.advance_to(T0 + 2 * NANOS_PER_MINUTE)
        assert second is not None
        assert ohlcv(second) == ("105", "105", "105", "105", "1")

    def test_empty_intervals_produce_no_bar(self) -> None:
        agg = TimeBarAggregator(MINUTE)
        agg.update(tick(T0 + 10 * S, 100))
        bar = agg.update(tick(T0 + 5 * NANOS_PER_MINUTE + S, 110))
        assert bar is not None
        assert bar.ts_event == T0 + NANOS_PER_MINUTE
        assert agg.advance_to(T0 + 5 * NANOS_PER_MINUTE + 59 * S) is None
        later = agg.advance_to(T0 + 9 * NANOS_PER_MINUTE)
        assert later is not None
        assert later.ts_event == T0 + 6 * NANOS_PER_MINUTE
        assert agg.advance_to(T0 + 10 * NANOS_PER_MINUTE) is None

    def test_advance_closes_a_quiet_bar_at_its_end(self) -> None:
        agg = TimeBarAggregator(MINUTE)
        assert agg.advance_to(T0) is None  # nothing open
        agg.update(tick(T0 + 30 * S, 100))
        assert agg.advance_to(T0 + 59 * S) is None
        bar = agg.advance_to(T0 + 60 * S)
        assert bar is not None
        assert (bar.ts_event, bar.ts_init) == (T0 + 60 * S, T0 + 60 * S)
        assert agg.open_bar_end is None

    def test_late_trade_joins_the_open_bar(self) -> None:
        agg = TimeBarAggregator(MINUTE)
        agg.update(tick(T0 + 60 * S, 100))  # opens [T0+1m, T0+2m)
        assert agg.update(tick(T0 + 59 * S, 90, 2)) is None  # from the previous minute
        assert agg.late_ticks == 1
        bar = agg.advance_to(T0 + 120 * S)
        assert bar is not None
        assert ohlcv(bar) == ("100", "100", "90", "90", "3")

    def test_late_trade_after_an_emitted_bar_starts_the_next_interval(self) -> None:
        agg = TimeBarAggregator(MINUTE)
        agg.update(tick(T0 + 10 * S, 100))
        first = agg.advance_to(T0 + 60 * S)
        assert first is not None
        agg.update(tick(T0 + 50 * S, 95))  # belongs to the emitted bar, which never changes
        assert agg.late_ticks == 1
        assert agg.open_bar_end == T0 + 120 * S
        second = agg.advance_to(T0 + 120 * S)
        assert second is not None
        assert ohlcv(second) == ("95", "95", "95", "95", "1")

    def test_multi_minute_bars_align_to_the_grid(self) -> None:
        five = BarType.parse("005930.KRX-5-MINUTE-LAST-INTERNAL")
        agg = TimeBarAggregator(five)
        agg.update(tick(T0 + 7 * NANOS_PER_MINUTE, 100))
        assert agg.open_bar_end == T0 + 10 * NANOS_PER_MINUTE

    def test_daily_bars_start_at_midnight_kst_with_an_origin(self) -> None:
        import datetime as dt

        day = BarType.parse("005930.KRX-1-DAY-LAST-INTERNAL")
        agg = TimeBarAggregator(day, origin_ns=-9 * NANOS_PER_HOUR)
        session = dt.date(2024, 1, 2)
        agg.update(tick(kst_to_ns(session, "090000"), 100))
        agg.update(tick(kst_to_ns(session, "153000"), 104))
        assert agg.open_bar_end == kst_to_ns(dt.date(2024, 1, 3), "000000")
        bar = agg.update(tick(kst_to_ns(dt.date(2024, 1, 3), "090000"), 101))
        assert bar is not None
        assert ohlcv(bar) == ("100", "104", "100", "104", "2")

    def test_second_bars(self) -> None:
        agg = TimeBarAggregator(BarType.parse("005930.KRX-10-SECOND-LAST-INTERNAL"))
        agg.update(tick(T0 + 3 * S, 1))
        bar = agg.update(tick(T0 + 10 * S, 2))
        assert bar is not None
        assert bar.ts_event == T0 + 10 * S

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("005930.KRX-100-TICK-LAST-INTERNAL", "TimeBarAggregator builds DAY, HOUR, MINUTE"),
            ("005930.KRX-1-MINUTE-MID-INTERNAL", "builds LAST-INTERNAL bars from trades"),
            ("005930.KRX-1-MINUTE-LAST-EXTERNAL", "builds LAST-INTERNAL bars from trades"),
        ],
    )
    def test_refuses_bar_types_it_cannot_build(self, text: str, message: str) -> None:
        with pytest.raises(InvalidMarketDataError, match=message):
            TimeBarAggregator(BarType.parse(text))

    def test_refuses_trades_of_another_instrument(self) -> None:
        agg = TimeBarAggregator(BarType.parse("000660.KRX-1-MINUTE-LAST-INTERNAL"))
        with pytest.raises(InvalidMarketDataError, match=r"trade of 005930\.KRX sent to"):
            agg.update(tick(T0, 1))

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=10 * NANOS_PER_MINUTE),
                st.integers(min_value=1, max_value=500),
                st.integers(min_value=1, max_value=50),
            ),
            min_size=1,
            max_size=40,
        )
    )
    def test_in_order_trades_give_one_bar_per_non_empty_minute(
        self, trades: list[tuple[int, int, int]]
    ) -> None:
        trades.sort()
        agg = TimeBarAggregator(MINUTE)
        bars = [b for ts, p, q in trades if (b := agg.update(tick(T0 + ts, p, q))) is not None]
        last = agg.advance_to(T0 + 11 * NANOS_PER_MINUTE)
        assert last is not None
        bars.append(last)
        buckets: dict[int, list[tuple[int, int, int]]] = {}
        for trade in trades:
            buckets.setdefault(trade[0] // NANOS_PER_MINUTE, []).append(trade)
        assert [b.ts_event for b in bars] == [T0 + (k + 1) * NANOS_PER_MINUTE for k in buckets]
        for bar, group in zip(bars, buckets.values(), strict=True):
            assert bar.open == group[0][1]
            assert bar.close == group[-1][1]
            assert bar.high == max(p for _, p, _ in group)
            assert bar.low == min(p for _, p, _ in group)
            assert bar.volume == sum(q for _, _, q in group)
        assert agg.late_ticks == 0


class TestTickBars:
    def test_bar_every_step_trades(self) -> None:
        agg = TickBarAggregator(BarType.parse("005930.KRX-3-TICK-LAST-INTERNAL"))
        assert agg.update(tick(T0, 100)) is None
        assert agg.update(tick(T0 + 1, 102, 2)) is None
        bar = agg.update(tick(T0 + 2, 101, 3, ts_init=T0 + 9))
        assert bar is not None
        assert ohlcv(bar) == ("100", "102", "100", "101", "6")
        assert (bar.ts_event, bar.ts_init) == (T0 + 2, T0 + 9)
        assert agg.update(tick(T0 + 3, 50)) is None  # the next bar starts fresh
        assert agg.update(tick(T0 + 4, 50)) is None
        second = agg.update(tick(T0 + 5, 55))
        assert second is not None
        assert ohlcv(second) == ("50", "55", "50", "55", "3")

    def test_one_tick_bars(self) -> None:
        agg = TickBarAggregator(BarType.parse("005930.KRX-1-TICK-LAST-INTERNAL"))
        bar = agg.update(tick(T0, "100.5", "0.1"))
        assert bar is not None
        assert ohlcv(bar) == ("100.5", "100.5", "100.5", "100.5", "0.1")

    def test_refuses_time_bar_types(self) -> None:
        with pytest.raises(InvalidMarketDataError, match="TickBarAggregator builds TICK bars"):
            TickBarAggregator(MINUTE)
