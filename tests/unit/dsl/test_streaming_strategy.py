"""The compiled strategy on the kernel: what it does with its decisions (docs/dsl.md,
"Positions, orders, sizes and stops"): market orders at the signal bar's close, one position
per instrument, exits before entries, flatten bars, sizes, stops, signals, signal-only mode."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jts.core.time import KST, NANOS_PER_MINUTE, dt_to_ns
from jts.domain.enums import OrderSide, OrderType
from jts.domain.market_data import Bar, BarType
from jts.domain.signals import SignalDirection
from jts.domain.values import Price, Quantity
from jts.dsl.load import check_source
from jts.dsl.streaming import ENTRY_TAG, EXIT_TAG, DslStrategy, compile_strategy

from .test_streaming_kit import HYNIX, SAMSUNG, Desk, desk

BAR_TYPE = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
OPENING = dt_to_ns(dt.datetime(2024, 3, 4, 9, 0, tzinfo=KST))

#: Long above 105, out below 95; short below 90, out above 100 (closes script the signals).
THRESHOLDS = """
param q = 10 in 1..100
universe 005930.KRX
bars 1 minute
enter long when close crosses above 105
exit long when close crosses below 95
enter short when close crosses below 90
exit short when close crosses above 100
"""


def bar(
    minute: int,
    close: float,
    *,
    high: float | None = None,
    low: float | None = None,
    open_: float | None = None,
    bar_type: BarType = BAR_TYPE,
) -> Bar:
    """The bar closing ``minute + 1`` minutes after 09:00 KST on 2024-03-04."""
    o = close if open_ is None else open_
    h = max(o, close) if high is None else high
    lo = min(o, close) if low is None else low
    ts = OPENING + (minute + 1) * NANOS_PER_MINUTE
    return Bar(
        bar_type=bar_type,
        open=Price(str(o)),
        high=Price(str(h)),
        low=Price(str(lo)),
        close=Price(str(close)),
        volume=Quantity(100),
        ts_event=ts,
        ts_init=ts,
    )


def closes(*values: float, start: int = 0) -> list[Bar]:
    return [bar(start + k, v) for k, v in enumerate(values)]


def started(
    source: str, *, fill: bool = True, allow_short: bool = True, **options: object
) -> tuple[DslStrategy, Desk]:
    strategy = compile_strategy(check_source(source), **options)  # type: ignore[arg-type]
    d = desk(fill=fill, allow_short=allow_short)
    d.kernel.add_strategy(strategy)
    d.kernel.start()
    return strategy, d


def orders(d: Desk) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.order.side.value, str(c.order.quantity), c.order.tags) for c in d.venue.submitted]


# ----------------------------------------------------------------------------- entries, exits


def test_an_entry_buys_at_market_and_an_exit_sells_what_is_held() -> None:
    strategy, d = started(THRESHOLDS + "size q shares\n", params={"q": 7})
    d.feed(closes(100, 106))  # crosses above 105 on the second bar
    assert orders(d) == [("BUY", "7", (ENTRY_TAG,))]
    assert d.venue.submitted[0].order.order_type is OrderType.MARKET
    d.feed(closes(104, 94, start=2))  # filled at the next open; then crosses below 95
    assert strategy.position_qty(SAMSUNG) == 7  # the exit fills at the next bar's open
    assert orders(d)[1] == ("SELL", "7", (EXIT_TAG,))
    assert [s.direction for s in strategy.signals] == [SignalDirection.LONG, SignalDirection.FLAT]
    assert "enter long (line 5)" in strategy.signals[0].reason
    assert "7 shares" in strategy.signals[0].reason
    assert strategy.signals[1].reason == "exit long (line 6)"


def test_position_is_held_after_the_fill_and_flat_after_the_exit_fill() -> None:
    strategy, d = started(THRESHOLDS + "size q shares\n")
    d.feed(closes(100, 106, 104))
    assert strategy.position_qty(SAMSUNG) == 10
    d.feed(closes(94, 94, start=3))
    assert strategy.position_qty(SAMSUNG) == 0


def test_an_exit_and_an_entry_on_one_bar_reverse_with_two_orders() -> None:
    source = THRESHOLDS.replace("crosses below 90", "crosses below 95") + "size q shares\n"
    strategy, d = started(source)
    d.feed(closes(100, 106, 104, 94))  # long, then on 94: exit long and enter short
    assert orders(d) == [
        ("BUY", "10", (ENTRY_TAG,)),
        ("SELL", "10", (EXIT_TAG,)),
        ("SELL", "10", (ENTRY_TAG,)),
    ]
    d.feed(closes(94, start=4))
    assert strategy.position_qty(SAMSUNG) == -10
    directions = [s.direction for s in strategy.signals]
    assert directions == [SignalDirection.LONG, SignalDirection.FLAT, SignalDirection.SHORT]


def test_entry_signals_for_both_sides_on_one_bar_cancel_out() -> None:
    source = """
universe 005930.KRX
bars 1 minute
enter long when close > 100
enter short when close > 100
size 1 shares
"""
    strategy, d = started(source)
    d.feed(closes(101, 102, 103))
    assert orders(d) == []
    assert strategy.signals == []


def test_no_pyramiding_and_no_entry_against_an_open_position() -> None:
    source = """
universe 005930.KRX
bars 1 minute
enter long when close > 100
enter short when close < 50
exit short when close > 1000
size 3 shares
"""
    strategy, d = started(source)
    d.feed(closes(101, 102, 103))  # an entry signal on every bar: one order only
    assert orders(d) == [("BUY", "3", (ENTRY_TAG,))]
    d.feed(closes(40, 41, start=3))  # a short signal while long (no long exit rule): ignored
    assert orders(d) == [("BUY", "3", (ENTRY_TAG,))]
    assert strategy.position_qty(SAMSUNG) == 3


def test_an_unfilled_entry_counts_as_held_and_is_cancelled_not_sold_on_exit() -> None:
    strategy, d = started(THRESHOLDS + "size q shares\n", fill=False)
    d.feed(closes(100, 106, 107, 108))  # entry signal once; the order stays open
    assert orders(d) == [("BUY", "10", (ENTRY_TAG,))]
    d.feed(closes(94, start=4))  # exit: cancel the pending entry, sell nothing
    assert orders(d) == [("BUY", "10", (ENTRY_TAG,))]
    assert [str(c.client_order_id) for c in d.venue.canceled] == [
        str(d.venue.submitted[0].order.client_order_id)
    ]
    assert strategy.signals[-1].direction is SignalDirection.FLAT


def test_a_pending_exit_is_not_repeated() -> None:
    source = """
universe 005930.KRX
bars 1 minute
enter long when close > 100
exit long when close < 100
size 5 shares
"""
    _, d = started(source)
    d.feed(closes(101, 102))  # filled at the second bar's open
    d.fill = False
    d.feed(closes(99, 98, 97, start=2))  # exit signal on every bar, the exit never fills
    assert orders(d) == [("BUY", "5", (ENTRY_TAG,)), ("SELL", "5", (EXIT_TAG,))]


def test_other_bar_types_are_ignored() -> None:
    strategy, d = started(THRESHOLDS + "size q shares\n")
    other = BarType.parse("005930.KRX-5-MINUTE-LAST-EXTERNAL")
    d.feed([bar(0, 100, bar_type=other), bar(1, 106, bar_type=other)])
    assert strategy.evaluator().bars == 0
    assert orders(d) == []


def test_each_instrument_runs_the_rules_on_its_own_bars() -> None:
    source = THRESHOLDS.replace("universe 005930.KRX", "universe 005930.KRX, 000660.KRX")
    strategy, d = started(source + "size q shares\n", trace=True)
    hynix = BarType.parse("000660.KRX-1-MINUTE-LAST-EXTERNAL")
    d.feed([bar(0, 100), bar(0, 100, bar_type=hynix), bar(1, 106), bar(1, 101, bar_type=hynix)])
    assert [(c.order.instrument_id, c.order.side) for c in d.venue.submitted] == [
        (SAMSUNG, OrderSide.BUY)
    ]
    assert [t.enter_long for t in strategy.trace(SAMSUNG)] == [False, True]
    assert [t.enter_long for t in strategy.trace(HYNIX)] == [False, False]


# ----------------------------------------------------------------------------------- time rules


def test_flatten_closes_once_and_blocks_entries_until_the_day_ends() -> None:
    source = """
universe 005930.KRX
bars 1 minute
enter long when close > 100
size 2 shares
flatten at 15:15
"""
    strategy, d = started(source)
    minute_1514 = 6 * 60 + 13  # the bar closing at 15:14
    d.feed([bar(minute_1514 - 1, 101), bar(minute_1514, 101)])
    assert strategy.position_qty(SAMSUNG) == 2
    d.feed([bar(minute_1514 + k, 101) for k in range(1, 5)])  # 15:15 .. 15:18
    assert orders(d) == [("BUY", "2", (ENTRY_TAG,)), ("SELL", "2", (EXIT_TAG,))]
    flats = [s for s in strategy.signals if s.direction is SignalDirection.FLAT]
    assert [s.reason for s in flats] == ["flatten at 15:15"]
    assert strategy.position_qty(SAMSUNG) == 0


def test_no_entries_after_a_time_allows_the_bar_closing_at_that_time() -> None:
    source = """
universe 005930.KRX
bars 1 minute
enter long when close > 100
size 2 shares
no entries after 14:30
"""
    _, d = started(source)
    minute_1430 = 5 * 60 + 29
    d.feed([bar(minute_1430 + 1, 101)])  # 14:31: blocked
    assert orders(d) == []
    _, d2 = started(source)
    d2.feed([bar(minute_1430, 101)])  # 14:30: allowed
    assert orders(d2) == [("BUY", "2", (ENTRY_TAG,))]


# ------------------------------------------------------------------------------------- sizing


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("size 1_000_000 KRW", "9"),  # 1,000,000 / 106 = 9433.96 -> whole shares
        ("size 1% of equity", "94339"),  # 1e9 * 1% / 106
        ("size risk 1% of equity per close - 100", "1666666"),  # 1e7 / 6
    ],
)
def test_entry_sizes_round_down_to_whole_shares(size: str, expected: str) -> None:
    if "KRW" in size:
        size = size.replace("1_000_000", "1_000")
    _, d = started(THRESHOLDS + size + "\n")
    d.feed(closes(100, 106))
    assert orders(d) == [("BUY", expected, (ENTRY_TAG,))]


def test_an_entry_that_sizes_to_nothing_is_skipped() -> None:
    strategy, d = started(THRESHOLDS + "size 100 KRW\n")  # 100 won buys no share at 106
    d.feed(closes(100, 106))
    assert orders(d) == []
    assert strategy.signals == []


@pytest.mark.parametrize(
    "per",
    ["close - 110", "sma(close, 50) - 100"],  # negative at 106; unknown during warm-up
)
def test_a_risk_entry_with_an_unknown_or_negative_distance_is_skipped(per: str) -> None:
    strategy, d = started(THRESHOLDS + f"size risk 1% of equity per {per}\n", trace=True)
    d.feed(closes(100, 106))
    assert strategy.trace()[-1].enter_long
    assert orders(d) == []
    assert strategy.signals == []


# -------------------------------------------------------------------------------------- stops


def test_a_stop_loss_is_set_from_the_fill_and_exits_when_a_bar_reaches_it() -> None:
    strategy, d = started(THRESHOLDS + "size q shares\nstop loss 10%\n")
    d.feed(closes(100, 106))
    d.feed([bar(2, 104, open_=103)])  # the entry fills at 103: stop at 92.7 -> 92
    stops = strategy.stops(SAMSUNG)
    assert stops is not None
    assert stops.stop_loss == Price(92)
    d.feed([bar(3, 96, low=93)])  # not reached
    assert len(orders(d)) == 1
    d.feed([bar(4, 96, low=92)])  # reached: exit at market although the close is 96
    assert orders(d)[1] == ("SELL", "10", (EXIT_TAG,))
    assert strategy.signals[-1].reason == "exit long: stop loss 92"
    assert strategy.stops(SAMSUNG) is None


def test_take_profit_and_trailing_stop_of_a_short() -> None:
    source = THRESHOLDS + "size q shares\ntake profit 20%\ntrailing stop 5%\n"
    strategy, d = started(source)
    d.feed(closes(95, 89))  # short entry
    d.feed([bar(2, 100, open_=100)])  # filled at 100: take profit 80, trailing 105
    stops = strategy.stops(SAMSUNG)
    assert stops is not None
    assert (stops.take_profit, stops.trailing) == (Price(80), Price(105))
    d.feed([bar(3, 88, low=84)])  # best 84 -> trailing 88.2 -> up to 89
    assert stops.trailing == Price(89)
    d.feed([bar(4, 88, high=88)])  # a lower high than the level: nothing
    assert len(orders(d)) == 1
    d.feed([bar(5, 88, high=89)])  # reaches the trailing level
    assert orders(d)[1] == ("BUY", "10", (EXIT_TAG,))
    assert strategy.signals[-1].reason == "exit short: trailing stop 89"


def test_a_distance_stop_reads_the_signal_bar_and_an_unknown_one_places_none() -> None:
    source = THRESHOLDS + "size q shares\nstop loss close - open\n"
    strategy, d = started(source)
    d.feed([bar(0, 100), bar(1, 106, open_=103)])  # distance read here: 3
    d.feed([bar(2, 110, open_=110)])  # filled at 110: stop 107
    stops = strategy.stops(SAMSUNG)
    assert stops is not None
    assert stops.stop_loss == Price(107)
    strategy2, d2 = started(source)
    d2.feed([bar(0, 100), bar(1, 106, open_=107)])  # distance -1: no stop
    d2.feed([bar(2, 110, open_=110)])
    assert strategy2.position_qty(SAMSUNG) == 10
    assert strategy2.stops(SAMSUNG) is None


# ------------------------------------------------------------------------------ signals only


def test_signal_only_mode_trades_nothing_and_tracks_a_virtual_position() -> None:
    source = THRESHOLDS + "size q shares\nstop loss 10%\n"
    strategy, d = started(source, signal_only=True)
    d.feed(closes(100, 106, 104))
    assert d.venue.submitted == []
    assert strategy.position_qty(SAMSUNG) == Decimal(10)
    stops = strategy.stops(SAMSUNG)
    assert stops is not None
    assert stops.entry == Decimal(106)  # measured from the signal bar's close
    d.feed([bar(3, 96, low=95)])  # 106 * 0.9 = 95.4 -> 95: reached
    assert strategy.position_qty(SAMSUNG) == 0
    assert [s.direction for s in strategy.signals] == [SignalDirection.LONG, SignalDirection.FLAT]
    assert strategy.signals[-1].reason == "exit long: stop loss 95"


def test_a_denied_entry_leaves_no_pending_state_behind() -> None:
    source = THRESHOLDS + "size q shares\nstop loss 10%\n"
    strategy, d = started(source, allow_short=False)  # KRX cash account: no shorting
    d.feed(closes(95, 89))  # a short entry, denied by the risk engine
    assert orders(d) == []
    assert strategy._entries == {}
    d.feed(closes(100, 106, 104, start=2))  # and the strategy goes on: a long entry
    assert strategy.position_qty(SAMSUNG) == 10


def test_partial_fills_move_the_entry_price_the_stops_are_measured_from() -> None:
    strategy, d = started(
        THRESHOLDS + "size q shares\nstop loss 10%\ntake profit 10%\n", fill=False
    )
    d.feed(closes(100, 106))
    entry = d.venue.submitted[0].order.client_order_id
    d.venue.fill(entry, "4", "100")
    stops = strategy.stops(SAMSUNG)
    assert stops is not None
    assert (stops.entry, stops.stop_loss, stops.take_profit) == (
        Decimal(100),
        Price(90),
        Price(110),
    )
    d.venue.fill(entry, "6", "110")  # average 106: stop 95.4 -> 95, target 116.6 -> 117
    stops = strategy.stops(SAMSUNG)
    assert stops is not None
    assert (stops.entry, stops.stop_loss, stops.take_profit) == (
        Decimal(106),
        Price(95),
        Price(117),
    )
    assert strategy._entries == {}  # the order is complete: nothing left to wait for


def test_the_backtest_runner_loads_jts_files_through_this_compiler() -> None:
    from jts.backtest.runner import load_strategy as runner_load

    example = Path(__file__).parents[3] / "examples" / "strategies" / "sma_cross.jts"
    strategy = runner_load(str(example), {"fast": "12"})
    assert isinstance(strategy, DslStrategy)
    assert strategy.params.fast == 12
