"""The intrabar path and one order on it, as a pure function (no engine, no sessions)."""

from __future__ import annotations

import pytest

from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.matching.orders import SimOrder
from jts.matching.paths import FillKind, PathOutcome, bar_path, match_path, through

NO_AUCTION = (False, False, False, False)


def order(
    side: OrderSide,
    kind: OrderType,
    *,
    price: int | None = None,
    trigger: int | None = None,
    fresh: bool = True,
    triggered: bool = False,
) -> SimOrder:
    return SimOrder(
        order_id="o",
        side=side,
        order_type=kind,
        quantity=10,
        price=price,
        trigger=trigger,
        time_in_force=TimeInForce.DAY,
        expire_ns=None,
        arrival_ns=0,
        seq=1,
        fresh=fresh,
        triggered=triggered,
    )


BUY, SELL = OrderSide.BUY, OrderSide.SELL
OPEN, HIGH, LOW, CLOSE = 100, 110, 90, 95  # a bar that rose, then fell below its open


def run(o: SimOrder, *, touch: bool = False, at_close: bool = False) -> PathOutcome | None:
    points = bar_path(o.is_buy, OPEN, HIGH, LOW, CLOSE)
    return match_path(o, points, NO_AUCTION, touch=touch, at_close=at_close)


def test_the_path_moves_against_each_side_first() -> None:
    assert bar_path(True, OPEN, HIGH, LOW, CLOSE) == (OPEN, HIGH, LOW, CLOSE)
    assert bar_path(False, OPEN, HIGH, LOW, CLOSE) == (OPEN, LOW, HIGH, CLOSE)


@pytest.mark.parametrize(
    ("price", "limit", "buy", "touch", "expected"),
    [
        (99, 100, True, False, True),
        (100, 100, True, False, False),
        (100, 100, True, True, True),
        (101, 100, True, True, False),
        (101, 100, False, False, True),
        (100, 100, False, False, False),
        (99, 100, False, True, False),
    ],
)
def test_through_versus_touch(
    price: int, limit: int, buy: bool, touch: bool, expected: bool
) -> None:
    assert through(price, limit, buy, touch) is expected


def test_market_orders_take_the_open_or_in_close_mode_the_close() -> None:
    assert run(order(BUY, OrderType.MARKET)) == PathOutcome(None, 0, OPEN, FillKind.TAKER)
    assert run(order(SELL, OrderType.MARKET), at_close=True) == PathOutcome(
        None, 3, CLOSE, FillKind.TAKER
    )


def test_market_order_at_an_auction_open_is_an_auction_fill() -> None:
    outcome = match_path(
        order(BUY, OrderType.MARKET),
        (OPEN, HIGH, LOW, CLOSE),
        (True, False, False, False),
        touch=False,
        at_close=False,
    )
    assert outcome == PathOutcome(None, 0, OPEN, FillKind.AUCTION)


def test_limit_fills_at_its_price_when_the_bar_trades_through() -> None:
    outcome = run(order(BUY, OrderType.LIMIT, price=92))
    assert outcome == PathOutcome(None, 2, 92, FillKind.MAKER)  # reached on the way to the low
    outcome = run(order(SELL, OrderType.LIMIT, price=105))
    assert outcome == PathOutcome(None, 2, 105, FillKind.MAKER)


def test_limit_at_the_extreme_needs_fill_on_touch() -> None:
    assert run(order(BUY, OrderType.LIMIT, price=LOW)) is None
    assert run(order(BUY, OrderType.LIMIT, price=LOW), touch=True) == PathOutcome(
        None, 2, LOW, FillKind.MAKER
    )
    assert run(order(SELL, OrderType.LIMIT, price=HIGH)) is None
    assert run(order(SELL, OrderType.LIMIT, price=HIGH), touch=True) is not None


def test_a_fresh_limit_meeting_a_market_through_its_price_takes_the_open() -> None:
    # the buyer bids 105 while the market opens at 100: it pays 100 (price improvement)
    assert run(order(BUY, OrderType.LIMIT, price=105)) == PathOutcome(None, 0, OPEN, FillKind.TAKER)


def test_a_resting_limit_fills_at_its_own_price_when_the_open_gaps_through_it() -> None:
    # it sat in the book at 105 while the price fell to 100: the sellers hit it at 105
    assert run(order(BUY, OrderType.LIMIT, price=105, fresh=False)) == PathOutcome(
        None, 0, 105, FillKind.MAKER
    )


def test_an_auction_open_through_a_resting_limit_fills_everyone_at_the_auction_price() -> None:
    outcome = match_path(
        order(BUY, OrderType.LIMIT, price=105, fresh=False),
        (OPEN, HIGH, LOW, CLOSE),
        (True, False, False, False),
        touch=False,
        at_close=False,
    )
    assert outcome == PathOutcome(None, 0, OPEN, FillKind.AUCTION)


def test_stop_market_triggers_inside_the_bar_at_the_stop() -> None:
    assert run(order(BUY, OrderType.STOP_MARKET, trigger=105)) == PathOutcome(
        1, 1, 105, FillKind.TAKER
    )
    assert run(order(SELL, OrderType.STOP_MARKET, trigger=92)) == PathOutcome(
        1, 1, 92, FillKind.TAKER
    )


def test_stop_market_gap_fills_at_the_open_never_better_than_the_stop() -> None:
    # buy stop 98, the bar opens at 100: max(stop, open)
    assert run(order(BUY, OrderType.STOP_MARKET, trigger=98)) == PathOutcome(
        0, 0, OPEN, FillKind.TAKER
    )
    # sell stop 102, the bar opens at 100: min(stop, open)
    assert run(order(SELL, OrderType.STOP_MARKET, trigger=102)) == PathOutcome(
        0, 0, OPEN, FillKind.TAKER
    )


def test_stop_equal_to_the_extreme_triggers() -> None:
    assert run(order(BUY, OrderType.STOP_MARKET, trigger=HIGH)) == PathOutcome(
        1, 1, HIGH, FillKind.TAKER
    )


def test_stop_beyond_the_bar_does_nothing() -> None:
    assert run(order(BUY, OrderType.STOP_MARKET, trigger=HIGH + 1)) is None
    assert run(order(SELL, OrderType.STOP_LIMIT, trigger=LOW - 1, price=LOW - 2)) is None


def test_stop_limit_marketable_at_its_trigger_fills_at_the_trigger() -> None:
    # buy stop 105 limit 107: triggered on the way up at 105, which is below the limit
    assert run(order(BUY, OrderType.STOP_LIMIT, trigger=105, price=107)) == PathOutcome(
        1, 1, 105, FillKind.TAKER
    )


def test_stop_limit_below_its_trigger_fills_only_on_the_way_back() -> None:
    # buy stop 105 limit 104: triggered rising to 110, fills at 104 when the bar falls to 90
    assert run(order(BUY, OrderType.STOP_LIMIT, trigger=105, price=104)) == PathOutcome(
        1, 2, 104, FillKind.MAKER
    )
    # a buy stop-limit whose limit the rest of the path never trades through rests triggered
    rising = match_path(
        order(BUY, OrderType.STOP_LIMIT, trigger=105, price=96),
        bar_path(True, 100, 110, 97, 108),
        NO_AUCTION,
        touch=False,
        at_close=False,
    )
    assert rising == PathOutcome(1, None, 0, FillKind.MAKER)


def test_the_adverse_path_makes_a_protective_stop_fill_before_a_take_profit() -> None:
    """A long position's sell stop (92) and sell take-profit (108) inside one bar: the stop
    is reached first (earlier path point), whatever the bar's close says."""
    stop = run(order(SELL, OrderType.STOP_MARKET, trigger=92))
    take_profit = run(order(SELL, OrderType.LIMIT, price=108, fresh=False))
    assert stop is not None
    assert take_profit is not None
    assert stop.fill_at is not None
    assert take_profit.fill_at is not None
    assert stop.fill_at < take_profit.fill_at


def test_a_triggered_stop_market_behaves_as_a_market_order() -> None:
    assert run(order(SELL, OrderType.STOP_MARKET, trigger=92, triggered=True)) == PathOutcome(
        None, 0, OPEN, FillKind.TAKER
    )


def test_a_single_close_point_path() -> None:
    outcome = match_path(
        order(BUY, OrderType.LIMIT, price=CLOSE + 5), (CLOSE,), (True,), touch=False, at_close=True
    )
    assert outcome == PathOutcome(None, 0, CLOSE, FillKind.AUCTION)
