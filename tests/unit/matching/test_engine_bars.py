"""The matching engine against bars: each order type in both fill modes, gaps, touch rules,
the conservative path, partial fills, slippage, latency and the KRX session rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest

from jts.domain.enums import LiquiditySide, TimeInForce
from jts.domain.market_data import BarType
from jts.domain.values import Price, Quantity
from jts.matching.engine import MatchingEngine, MatchingInputError
from jts.matching.models import (
    FillMode,
    FixedLatency,
    FixedTickSlippage,
    MatchingConfig,
    ParticipationCap,
    RangeSlippage,
)
from jts.matching.results import (
    Accepted,
    Canceled,
    Expired,
    Filled,
    MatchResult,
    Triggered,
)

from .matching_support import (
    BUY,
    DAY,
    NEXT_DAY,
    SELL,
    FakeCalendar,
    at,
    bar,
    daily,
    engine,
    kinds,
    request,
)

FRIDAY = dt.date(2024, 3, 1)
CLOSE_MODE = MatchingConfig(fill=FillMode.CLOSE)


def primed(
    config: MatchingConfig | None = None, calendar: FakeCalendar | None = None
) -> MatchingEngine:
    """An engine that saw Friday's close (70,000): Monday's limits are 49,000 .. 91,000."""
    e = engine(config, calendar or FakeCalendar())
    assert e.process_bar(bar("1530", 70000, 70000, 70000, 70000, day=FRIDAY)) == ()
    return e


def fills(results: Sequence[MatchResult]) -> list[tuple[str, int, int]]:
    return [
        (r.order_id, int(r.quantity.raw), int(r.price.raw))
        for r in results
        if isinstance(r, Filled)
    ]


def only_fill(results: object) -> Filled:
    found = [r for r in results if isinstance(r, Filled)]  # type: ignore[attr-defined]
    assert len(found) == 1, results
    return found[0]


# ---- the matrix: every order type in both fill modes -------------------------------------------

WIDE = bar("0902", 70200, 70600, 69800, 70400)


@pytest.mark.parametrize("mode", [FillMode.NEXT_OPEN, FillMode.CLOSE])
@pytest.mark.parametrize(
    ("side", "price", "trigger", "next_open", "close"),
    [
        # market: the next bar's open, or at once at the signal bar's close (70,000)
        (BUY, None, None, 70200, 70000),
        (SELL, None, None, 70200, 70000),
        # limit: through the price on the next bar (a touch at the signal close is no fill)
        (BUY, 70000, None, 70000, 70000),
        (SELL, 70400, None, 70400, 70400),
        # stop: triggered inside the next bar, filled at the stop
        (BUY, None, 70500, 70500, 70500),
        (SELL, None, 69900, 69900, 69900),
        # stop-limit: triggered, then its limit traded through on the way back
        (BUY, 70300, 70500, 70300, 70300),
        (SELL, 70100, 69900, 70100, 70100),
    ],
)
def test_each_order_type_in_each_fill_mode(
    mode: FillMode,
    side: object,
    price: int | None,
    trigger: int | None,
    next_open: int,
    close: int,
) -> None:
    e = primed(MatchingConfig(fill=mode))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    results = list(e.submit(request("o", side, 7, price=price, trigger=trigger), at("0901")))  # type: ignore[arg-type]
    results += e.process_bar(WIDE)
    fill = only_fill(results)
    assert fill.price == Price(next_open if mode is FillMode.NEXT_OPEN else close)
    assert (fill.quantity, fill.leaves) == (Quantity(7), Quantity(0))


# ---- market orders --------------------------------------------------------------------------


def test_next_open_market_order_fills_at_the_next_bars_open() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    assert kinds(e.submit(request("m", BUY, 10), at("0901"))) == ["Accepted"]
    fill = only_fill(e.process_bar(bar("0902", 70200, 70500, 70100, 70400)))
    assert (fill.price, fill.quantity, fill.leaves) == (Price(70200), Quantity(10), Quantity(0))
    assert fill.liquidity is LiquiditySide.TAKER
    assert not e.has_orders


def test_a_market_order_sent_before_the_open_fills_in_the_opening_auction() -> None:
    e = primed()
    e.submit(request("m", SELL, 5), at("0830"))
    assert not e.process_bar(bar("0840", 70000, 70000, 70000, 70000))  # pre-market data
    fill = only_fill(e.process_bar(bar("0901", 69500, 69800, 69400, 69700)))
    assert fill.price == Price(69500)
    assert fill.liquidity is LiquiditySide.NONE  # the auction price, for everyone


def test_close_mode_market_order_fills_at_once_at_the_current_close() -> None:
    e = primed(CLOSE_MODE)
    e.process_bar(bar("0901", 70000, 70100, 69900, 70050 - 50))
    results = e.submit(request("m", BUY, 3), at("0901"))
    assert kinds(results) == ["Accepted", "Filled"]
    assert only_fill(results).price == Price(70000)


def test_close_mode_waits_for_a_session_bar_when_the_market_is_closed() -> None:
    e = primed(CLOSE_MODE)
    e.process_bar(bar("0840", 70000, 70000, 70000, 70000))  # pre-market
    assert kinds(e.submit(request("m", BUY, 3), at("0840"))) == ["Accepted"]
    assert only_fill(e.process_bar(bar("0901", 69500, 69800, 69400, 69700))).price == Price(69700)


# ---- limit orders ---------------------------------------------------------------------------


def test_limit_needs_the_bar_to_trade_through_its_price() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("l", BUY, 10, price=69800), at("0901"))
    assert not e.process_bar(bar("0902", 70000, 70000, 69800, 69900))  # touch only
    fill = only_fill(e.process_bar(bar("0903", 69900, 69900, 69700, 69800)))
    assert (fill.price, fill.liquidity) == (Price(69800), LiquiditySide.MAKER)


def test_fill_on_touch_fills_at_the_touched_limit() -> None:
    e = primed(MatchingConfig(fill_on_touch=True))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("l", SELL, 10, price=70300), at("0901"))
    assert only_fill(e.process_bar(bar("0902", 70000, 70300, 69900, 70100))).price == Price(70300)


def test_a_limit_sent_through_the_market_takes_the_open() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("l", BUY, 10, price=71000), at("0901"))
    fill = only_fill(e.process_bar(bar("0902", 70100, 70200, 70000, 70100)))
    assert (fill.price, fill.liquidity) == (Price(70100), LiquiditySide.TAKER)


def test_an_overnight_gap_through_a_resting_limit_fills_at_the_auction_price() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("l", BUY, 10, price=69500, tif=TimeInForce.GTC), at("0901"))
    for minute in ("0902", "1530"):
        assert not e.process_bar(bar(minute, 70000, 70100, 69600, 70000))
    fill = only_fill(e.process_bar(bar("0901", 68800, 69000, 68700, 68900, day=NEXT_DAY)))
    assert (fill.price, fill.liquidity) == (Price(68800), LiquiditySide.NONE)


def test_an_intraday_gap_through_a_resting_limit_fills_at_the_limit() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("l", BUY, 10, price=69500), at("0901"))
    assert not e.process_bar(bar("0902", 70000, 70100, 69600, 69700))
    fill = only_fill(e.process_bar(bar("0903", 69000, 69300, 68900, 69200)))
    assert (fill.price, fill.liquidity) == (Price(69500), LiquiditySide.MAKER)


def test_close_mode_limit_meets_the_current_close_on_arrival() -> None:
    e = primed(CLOSE_MODE)
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    assert kinds(e.submit(request("a", BUY, 1, price=70000), at("0901"))) == ["Accepted"]
    results = e.submit(request("b", BUY, 1, price=70100), at("0901"))
    assert only_fill(results).price == Price(70000)


# ---- stops ----------------------------------------------------------------------------------


def test_stop_market_triggers_and_fills_at_the_stop() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("s", BUY, 10, trigger=70500), at("0901"))
    results = e.process_bar(bar("0902", 70000, 70600, 69900, 70400))
    assert kinds(results) == ["Triggered", "Filled"]
    assert only_fill(results).price == Price(70500)


def test_stop_market_gap_fills_at_the_open() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("s", SELL, 10, trigger=69500), at("0901"))
    fill = only_fill(e.process_bar(bar("0902", 69000, 69200, 68800, 69100)))
    assert fill.price == Price(69000)  # min(stop, open) for a sell


def test_stop_limit_rests_triggered_until_its_limit_trades() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("s", BUY, 10, trigger=70500, price=70300), at("0901"))
    results = e.process_bar(bar("0902", 70400, 70800, 70400, 70700))
    assert kinds(results) == ["Triggered"]
    order = e.order("s")
    assert order is not None
    assert order.triggered
    fill = only_fill(e.process_bar(bar("0903", 70700, 70700, 70200, 70300)))
    assert (fill.price, fill.liquidity) == (Price(70300), LiquiditySide.MAKER)


def test_within_a_bar_results_follow_the_path_not_submission_order() -> None:
    """Long position exits: the take-profit was sent first, but the stop is reached first."""
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("take-profit", SELL, 10, price=70800), at("0901"))
    e.submit(request("stop", SELL, 10, trigger=69500), at("0901"))
    results = e.process_bar(bar("0902", 70000, 70900, 69400, 70000))
    assert [(type(r).__name__, r.order_id) for r in results] == [
        ("Triggered", "stop"),
        ("Filled", "stop"),
        ("Filled", "take-profit"),
    ]


# ---- volume, slippage, limits -----------------------------------------------------------------


def test_participation_cap_spreads_a_fill_over_bars() -> None:
    e = primed(MatchingConfig(participation=ParticipationCap(Decimal("0.1"))))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("m", BUY, 250), at("0901"))
    got = []
    for minute, open_ in (("0902", 70000), ("0903", 70100), ("0904", 70200)):
        fill = only_fill(e.process_bar(bar(minute, open_, open_ + 100, open_ - 100, open_, 1_000)))
        got.append((fill.price.raw, fill.quantity.raw, fill.leaves.raw))
    assert got == [(70000, 100, 150), (70100, 100, 50), (70200, 50, 0)]
    assert not e.has_orders


def test_participation_cap_below_one_share_fills_nothing() -> None:
    e = primed(MatchingConfig(participation=ParticipationCap(Decimal("0.1"))))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("m", BUY, 5), at("0901"))
    assert not e.process_bar(bar("0902", 70000, 70100, 69900, 70000, 9))
    assert e.order("m") is not None


def test_fixed_tick_slippage_moves_taker_fills_onto_the_grid() -> None:
    e = primed(MatchingConfig(slippage=FixedTickSlippage(2)))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("m", BUY, 1), at("0901"))
    e.submit(request("l", BUY, 1, price=70300), at("0901"))  # marketable, capped at 70,300
    results = e.process_bar(bar("0902", 70200, 70300, 70100, 70200))
    assert fills(results) == [("m", 1, 70400), ("l", 1, 70300)]


def test_no_slippage_on_auction_or_resting_fills() -> None:
    e = primed(MatchingConfig(slippage=FixedTickSlippage(3)))
    e.submit(request("m", BUY, 1), at("0850"))
    e.submit(request("l", SELL, 1, price=70500), at("0850"))
    results = e.process_bar(bar("0901", 70000, 70600, 69900, 70100))
    assert fills(results) == [("m", 1, 70000), ("l", 1, 70500)]


def test_range_slippage_uses_the_bar_range() -> None:
    e = primed(MatchingConfig(slippage=RangeSlippage(Decimal("0.25"))))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("m", SELL, 1), at("0901"))
    # range 800 x 0.25 = 200 below the open
    assert only_fill(e.process_bar(bar("0902", 70000, 70400, 69600, 70000))).price == Price(69800)


def test_slippage_never_goes_beyond_the_daily_limit() -> None:
    e = primed(MatchingConfig(slippage=FixedTickSlippage(5)))
    e.process_bar(bar("0901", 90000, 90900, 90000, 90900))
    e.submit(request("m", BUY, 1), at("0901"))
    assert only_fill(e.process_bar(bar("0902", 90900, 91000, 90800, 91000))).price == Price(91000)


# ---- latency --------------------------------------------------------------------------------


def test_latency_keeps_an_order_out_of_data_older_than_its_arrival() -> None:
    e = primed(MatchingConfig(latency=FixedLatency.millis(50)))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("m", BUY, 1), at("0901"))
    # the 09:02 bar opened at 09:01:00.000, before the order arrived at 09:01:00.050
    assert not e.process_bar(bar("0902", 70100, 70200, 70000, 70100))
    assert only_fill(e.process_bar(bar("0903", 70300, 70400, 70200, 70300))).price == Price(70300)


def test_latency_in_close_mode_fills_at_the_close_of_the_arrival_bar() -> None:
    e = primed(MatchingConfig(fill=FillMode.CLOSE, latency=FixedLatency.millis(50)))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    assert kinds(e.submit(request("m", BUY, 1), at("0901"))) == ["Accepted"]
    assert only_fill(e.process_bar(bar("0902", 70100, 70200, 70000, 70200))).price == Price(70200)


# ---- KRX rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "trigger", "message"),
    [
        (70050, None, "price 70,050 is off the 100 KRW tick"),
        (91100, None, "price 91,100 is above the upper limit 91,000"),
        (48900, None, "price 48,900 is below the lower limit 49,000"),
        (None, 70010, "price 70,010 is off the 100 KRW tick"),
    ],
)
def test_off_tick_and_beyond_limit_prices_are_rejected(
    price: int | None, trigger: int | None, message: str
) -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    (result,) = e.submit(request("x", BUY, 1, price=price, trigger=trigger), at("0901"))
    assert type(result).__name__ == "Rejected"
    assert message in result.reason  # type: ignore[union-attr]
    assert "005930.KRX" in result.reason  # type: ignore[union-attr]


def test_after_the_close_orders_are_checked_against_the_next_sessions_limits() -> None:
    e = primed()
    e.process_bar(bar("1530", 90000, 91000, 90000, 91000))  # limit-up close: base 91,000 next
    assert kinds(e.submit(request("a", BUY, 1, price=100_000), at("1600"))) == ["Accepted"]
    assert kinds(e.submit(request("b", BUY, 1, price=100_000), at("1500"))) == ["Rejected"]


def test_unsupported_types_quantities_and_past_gtd_are_rejected() -> None:
    from jts.domain.enums import OrderType
    from jts.matching.orders import OrderRequest

    e = primed()
    cases = {
        "best": request("best", BUY, 1, order_type=OrderType.BEST_LIMIT),
        "zero": request("zero", BUY, 0),
        "gtd": request("gtd", BUY, 1, tif=TimeInForce.GTD, expire_ns=at("0800")),
        "free": request("free", BUY, 1, price=0),
        "fine": OrderRequest("fine", BUY, OrderType.LIMIT, Quantity(1), Price("70000.5")),
    }
    reasons = {key: e.submit(req, at("0901"))[0].reason for key, req in cases.items()}  # type: ignore[union-attr]
    assert "BEST_LIMIT orders are not supported" in reasons["best"]
    assert "quantity must be positive" in reasons["zero"]
    assert "GTD expire time" in reasons["gtd"]
    assert reasons["free"] == "005930.KRX: order price must be positive, got 0"
    assert reasons["fine"] == "005930.KRX: price 70000.5 has more than the 0 decimals allowed"
    assert "already in use" in e.submit(request("zero", BUY, 1), at("0901"))[0].reason  # type: ignore[union-attr]


def test_base_price_and_limits_follow_the_previous_session_close() -> None:
    e = primed()
    assert e.base_price is None
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    assert e.base_price == Price(70000)
    limits = e.limits
    assert limits is not None
    assert (limits.lower, limits.upper) == (Price(49000), Price(91000))
    e.process_bar(bar("1530", 72000, 72000, 72000, 72000))
    e.process_bar(bar("1600", 75000, 75000, 75000, 75000))  # after-hours: not the close
    e.process_bar(bar("0901", 72000, 72000, 72000, 72000, day=NEXT_DAY))
    assert e.base_price == Price(72000)
    e.set_base_price(Price(80000))
    assert e.limits is not None
    assert e.limits.upper == Price(104000)


def test_an_order_before_the_days_first_data_uses_the_days_limits() -> None:
    """Another instrument's bar may prompt an order for this one before this one's first bar
    of the day: the day's base price is still yesterday's close, not the day before's."""
    e = engine(None, FakeCalendar())
    e.process_bar(bar("1530", 60000, 60000, 60000, 60000, day=dt.date(2024, 2, 29)))
    e.process_bar(bar("1530", 70000, 70000, 70000, 70000, day=FRIDAY))
    assert kinds(e.submit(request("l", BUY, 1, price=90000), at("0901"))) == ["Accepted"]
    assert e.base_price == Price(70000)
    assert only_fill(e.process_bar(bar("0902", 70000, 70100, 69900, 70000))).price == Price(70000)


def test_no_fills_outside_the_session_or_inside_the_closing_auction() -> None:
    e = primed()
    e.process_bar(bar("1519", 70000, 70100, 69900, 70000))
    e.submit(request("m", BUY, 1), at("1519"))
    e.submit(request("l", SELL, 1, price=69000), at("1519"))
    for minute in ("1521", "1525", "1529"):
        assert not e.process_bar(bar(minute, 69000, 71000, 68000, 70000))
    results = e.process_bar(bar("1530", 70500, 70500, 70500, 70500))
    assert fills(results) == [("m", 1, 70500), ("l", 1, 70500)]
    assert {r.liquidity for r in results if isinstance(r, Filled)} == {LiquiditySide.NONE}


def test_day_orders_expire_at_the_close_and_gtc_orders_stay() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("day", BUY, 1, price=60000), at("0901"))
    e.submit(request("gtc", BUY, 1, price=60000, tif=TimeInForce.GTC), at("0901"))
    results = e.process_bar(bar("1530", 70000, 70000, 70000, 70000))
    assert results == [Expired("day")]
    assert e.order_ids() == ["gtc"]


def test_a_day_order_sent_after_the_close_works_the_next_session() -> None:
    e = primed()
    e.process_bar(bar("1530", 70000, 70000, 70000, 70000))
    e.submit(request("l", BUY, 1, price=60000), at("1530"))
    assert not e.process_bar(bar("0901", 70000, 70000, 70000, 70000, day=NEXT_DAY))
    assert e.process_bar(bar("1530", 70000, 70000, 70000, 70000, day=NEXT_DAY)) == [Expired("l")]


def test_a_day_order_whose_session_had_no_closing_bar_expires_before_the_next_data() -> None:
    e = primed()
    e.process_bar(bar("1000", 70000, 70000, 70000, 70000))
    e.submit(request("l", BUY, 1, price=69000), at("1000"))
    results = e.process_bar(bar("0901", 60000, 60000, 60000, 60000, day=NEXT_DAY))
    assert results == [Expired("l")]


def test_gtd_expires_at_its_time_and_process_time_expires_without_data() -> None:
    e = primed()
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(
        request("g", BUY, 1, price=60000, tif=TimeInForce.GTD, expire_ns=at("1000")), at("0901")
    )
    assert not e.process_time(at("0959"))
    assert e.process_time(at("1000")) == [Expired("g")]


def test_half_days_and_holidays_come_from_the_calendar() -> None:
    half_day = dt.date(2024, 3, 5)
    calendar = FakeCalendar(holidays=[dt.date(2024, 3, 6)], hours={half_day: ("090000", "130000")})
    e = primed(calendar=calendar)
    e.process_bar(bar("1530", 70000, 70000, 70000, 70000))
    e.submit(request("l", BUY, 1, price=60000), at("1600"))
    assert e.process_bar(bar("1300", 70000, 70000, 70000, 70000, day=half_day)) == [Expired("l")]
    e.submit(request("m", BUY, 1), at("1400", half_day))
    holiday_bar = bar("1000", 70000, 70000, 70000, 70000, day=dt.date(2024, 3, 6))
    assert not e.process_bar(holiday_bar)
    fill = only_fill(
        e.process_bar(bar("0901", 71000, 71000, 71000, 71000, day=dt.date(2024, 3, 7)))
    )
    assert (fill.price, fill.liquidity) == (Price(71000), LiquiditySide.NONE)


def test_daily_bars_next_open_and_close_modes() -> None:
    for config, expected in ((MatchingConfig(), 70500), (CLOSE_MODE, 70000)):
        e = engine(config, FakeCalendar())
        e.process_bar(daily(69000, 70500, 68500, 70000, FRIDAY))
        submitted = list(e.submit(request("m", BUY, 1), at("1530", FRIDAY)))
        submitted += e.process_bar(daily(70500, 71000, 70000, 70800, DAY))
        assert only_fill(submitted).price == Price(expected)


def test_ioc_and_fok_end_at_their_first_data() -> None:
    e = primed(MatchingConfig(participation=ParticipationCap(Decimal("0.1"))))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    e.submit(request("ioc", BUY, 150, tif=TimeInForce.IOC), at("0901"))
    e.submit(request("fok", BUY, 150, tif=TimeInForce.FOK), at("0901"))
    e.submit(request("limit-ioc", BUY, 5, price=60000, tif=TimeInForce.IOC), at("0901"))
    results = e.process_bar(bar("0902", 70000, 70100, 69900, 70000, 1_000))
    assert fills(results) == [("ioc", 100, 70000)]
    canceled = {r.order_id: r.reason for r in results if isinstance(r, Canceled)}
    assert canceled == {
        "ioc": "IOC: the unfilled remainder was canceled",
        "fok": "FOK: nothing could be filled on arrival",
        "limit-ioc": "IOC: nothing could be filled on arrival",
    }
    assert not e.has_orders


# ---- data checks and determinism --------------------------------------------------------------


def test_one_bar_type_per_instrument_and_no_foreign_data() -> None:
    e = primed()
    five = BarType.parse("005930.KRX-5-MINUTE-LAST-EXTERNAL")
    with pytest.raises(MatchingInputError, match=r"matches on 005930\.KRX-1-MINUTE"):
        e.process_bar(bar("0905", 70000, 70000, 70000, 70000, bar_type=five))
    other = engine(None, FakeCalendar())
    with pytest.raises(MatchingInputError, match=r"data for 000660\.KRX"):
        other.process_bar(
            bar("0901", 1, 1, 1, 1, bar_type=BarType.parse("000660.KRX-1-MINUTE-LAST-EXTERNAL"))
        )


def test_without_a_calendar_everything_trades_and_day_orders_end_at_midnight() -> None:
    e = engine()
    e.process_bar(bar("0300", 70000, 70100, 69900, 70000))
    e.submit(request("l", BUY, 1, price=60000), at("0300"))
    e.submit(request("m", BUY, 1), at("0300"))
    assert fills(e.process_bar(bar("0301", 70000, 70100, 69900, 70000))) == [("m", 1, 70000)]
    assert e.process_bar(bar("0001", 70000, 70000, 70000, 70000, day=NEXT_DAY)) == [Expired("l")]


def _scenario() -> list[MatchResult]:
    e = primed(
        MatchingConfig(
            participation=ParticipationCap(Decimal("0.3")),
            slippage=FixedTickSlippage(1),
        )
    )
    out: list[MatchResult] = []
    prices = [70000, 70300, 69800, 70500, 69600, 70100, 70900, 70200]
    for i, price in enumerate(prices):
        minute = f"09{i + 1:02d}"
        out += e.process_bar(bar(minute, price, price + 400, price - 400, price + 100, 30))
        out += e.submit(request(f"m{i}", BUY if i % 2 else SELL, 10), at(minute))
        out += e.submit(request(f"l{i}", BUY, 10, price=price - 300), at(minute))
        out += e.submit(request(f"s{i}", SELL, 10, trigger=price - 200), at(minute))
    return out


def test_the_same_inputs_give_the_same_results() -> None:
    first, second = _scenario(), _scenario()
    assert first == second
    assert sum(isinstance(r, Filled) for r in first) > 10
    assert any(isinstance(r, Triggered) for r in first)
    assert sum(isinstance(r, Accepted) for r in first) == 24
