"""The simulated broker: order rules, immediate and resting execution, balances, notices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.config import AccountConfig, HoldingConfig, SimulatorConfig
from jts.adapters.kis.simulator.hours import AlwaysClosed, AlwaysOpen
from jts.adapters.kis.simulator.state import SimState
from jts.adapters.kis.simulator.venue import OrderRequest, SimVenue, VenueRules
from jts.core.time import NANOS_PER_DAY

from .conftest import START, SYMBOLS

CASH = 10_000_000


class Recorder:
    def __init__(self) -> None:
        self.trades = []
        self.notices = []

    def on_trades(self, symbol, prints):
        self.trades.extend(prints)

    def on_notice(self, notice):
        self.notices.append(notice)


def make_venue(market, clock, env="paper", hours=None, touch=False):
    account = AccountConfig(
        cano="50000001",
        hts_id="tester",
        cash=CASH,
        holdings=(HoldingConfig("000660", 20, 150_000),),
    )
    config = SimulatorConfig(env=env, accounts=(account,), symbols=SYMBOLS)
    state = SimState.from_config(config)
    recorder = Recorder()
    rules = VenueRules(env, Decimal("0.00015"), Decimal("0.0020"), fill_on_touch=touch)
    venue = SimVenue(
        state=state,
        market=market,
        hours=hours or AlwaysOpen(),
        clock=clock,
        rules=rules,
        listener=recorder,
    )
    return venue, state.accounts["50000001-01"], recorder


def order(account, side="02", symbol="005930", kind="00", qty=10, price=69_900):
    return OrderRequest(account, side, symbol, kind, qty, price)


def code(info):
    return info.value.code.msg_cd


def test_a_limit_below_the_ask_rests_then_fills_when_a_print_trades_through(market, clock):
    venue, account, rec = make_venue(market, clock)
    placed = venue.place(order(account))
    assert placed.odno == "0000000001"
    assert placed.remaining == 10
    assert [n.cntg_yn for n in rec.notices] == ["1"]
    assert rec.notices[0].acpt_yn == "1"
    reserved = account.reserved_cash
    assert reserved == 699_000 + 104  # price x qty + commission (floor)
    assert venue.active_symbols() == {"005930"}
    venue.inject_trade("005930", 69_900, 100, "5")  # a touch: no fill
    assert placed.filled_qty == 0
    venue.inject_trade("005930", 69_800, 4, "5")  # through, but only 4 shares printed
    venue.inject_trade("005930", 69_800, 100, "5")
    assert placed.filled_qty == 10
    assert placed.filled_amount == 699_000
    fills = [n for n in rec.notices if n.cntg_yn == "2"]
    assert [(n.cntg_qty, n.cntg_unpr) for n in fills] == [(4, 69_900), (6, 69_900)]
    assert account.reserved_cash == 0
    assert account.cash == CASH - 699_000 - 41 - 62  # per-fill commissions, floored
    assert account.holdings["005930"].qty == 10
    assert venue.active_symbols() == set()


def test_touch_mode_fills_at_the_limit(market, clock):
    venue, account, _ = make_venue(market, clock, touch=True)
    placed = venue.place(order(account))
    venue.inject_trade("005930", 69_900, 100, "5")
    assert placed.filled_qty == 10


def test_market_and_marketable_orders_fill_at_once_at_the_best_price(market, clock):
    venue, account, rec = make_venue(market, clock)
    ask = market.best_ask("005930")
    buy = venue.place(order(account, kind="01", price=0))
    assert (buy.filled_qty, buy.filled_amount) == (10, 10 * ask)
    assert buy.price == 0
    assert rec.trades[-1].price == ask  # the fill is printed to the tape
    ask = market.best_ask("005930")
    limit = venue.place(order(account, price=90_000))  # through the ask: fills at the ask
    assert (limit.filled_qty, limit.filled_amount) == (10, 10 * ask)
    sell = venue.place(order(account, side="01", symbol="000660", kind="01", qty=5, price=0))
    assert sell.filled_qty == 5
    holding = account.holdings["000660"]
    assert holding.qty == 15
    assert holding.cost == 15 * 150_000


def test_sell_proceeds_pay_commission_and_tax(market, clock):
    venue, account, _ = make_venue(market, clock)
    bid = market.best_bid("000660")
    venue.place(order(account, side="01", symbol="000660", kind="01", qty=10, price=0))
    amount = bid * 10
    commission = amount * 15 // 100_000
    tax = amount * 20 // 10_000
    assert account.cash == CASH + amount - commission - tax
    assert account.today_fees == commission + tax


@pytest.mark.parametrize(
    ("request_changes", "expected"),
    [
        ({"symbol": "999999"}, "APBK0656"),
        ({"price": 69_950}, "APBK0507"),  # off the 100-won tick
        ({"price": 91_100}, "APBK0506"),  # above the upper limit
        ({"price": 0}, "APBK0507"),
        ({"qty": 0}, "APBK0510"),
        ({"qty": 1_000}, "APBK0952"),  # 69.9M won with 10M cash
        ({"side": "01", "qty": 1}, "APBK0400"),  # no 005930 shares to sell
        ({"side": "01", "symbol": "000660", "qty": 21, "price": 180_000}, "APBK0400"),
        ({"kind": "99"}, "OPSQ2001"),
        ({"kind": "11"}, "40070000"),  # IOC is not offered on paper
    ],
)
def test_rejections(market, clock, request_changes, expected):
    venue, account, rec = make_venue(market, clock)
    values = {"side": "02", "symbol": "005930", "kind": "00", "qty": 10, "price": 69_900}
    values.update(request_changes)
    with pytest.raises(KisRequestError) as info:
        venue.place(order(account, **values))
    assert code(info) == expected
    assert rec.notices == []
    assert account.reserved_cash == 0


def test_market_closed(market, clock):
    venue, account, _ = make_venue(market, clock, hours=AlwaysClosed())
    with pytest.raises(KisRequestError) as info:
        venue.place(order(account))
    assert code(info) == "APBK0919"
    assert venue.step(["005930"]) == {}


def test_real_env_ioc_cancels_the_unfilled_rest(market, clock):
    venue, account, rec = make_venue(market, clock, env="real")
    placed = venue.place(order(account, kind="11", price=69_000))
    assert placed.remaining == 0
    assert placed.filled_qty == 0
    assert rec.notices[-1].acpt_yn == "3"
    assert account.reserved_cash == 0
    fok = venue.place(order(account, kind="14", price=0))
    assert fok.filled_qty == 10


def test_top_of_book_order_rests_at_the_best_bid(market, clock):
    venue, account, _ = make_venue(market, clock)
    bid = market.best_bid("005930")
    placed = venue.place(order(account, kind="04", price=0))
    assert placed.remaining == 10
    venue.inject_trade("005930", bid - 100, 50, "5")
    assert placed.filled_qty == 10
    assert placed.filled_amount == 10 * bid


def test_cancel_part_then_all(market, clock):
    venue, account, rec = make_venue(market, clock)
    original = venue.place(order(account))
    cancel = venue.modify_or_cancel(
        account,
        orgn_odno="1",
        orgno="",
        rvse_cncl="02",
        ord_dvsn="00",
        qty=4,
        price=0,
        qty_all=False,
    )
    assert cancel.kind == "cancel"
    assert cancel.orgn_odno == original.odno
    assert original.remaining == 6
    assert rec.notices[-1].rctf_cls == "2"
    assert account.reserved_cash == 699_104 - (4 * 69_900 + 41)  # released pro rata
    venue.modify_or_cancel(
        account,
        orgn_odno=original.odno,
        orgno="91252",
        rvse_cncl="02",
        ord_dvsn="00",
        qty=0,
        price=0,
        qty_all=True,
    )
    assert original.remaining == 0
    assert account.reserved_cash == 0
    with pytest.raises(KisRequestError) as info:
        venue.modify_or_cancel(
            account,
            orgn_odno=original.odno,
            orgno="",
            rvse_cncl="02",
            ord_dvsn="00",
            qty=0,
            price=0,
            qty_all=True,
        )
    assert code(info) == "APBK0415"
    venue.inject_trade("005930", 60_000, 100, "5")
    assert original.filled_qty == 0


def test_modify_moves_the_remainder_to_a_new_order_that_may_fill(market, clock):
    venue, account, rec = make_venue(market, clock)
    original = venue.place(order(account, price=69_000))
    ask = market.best_ask("005930")
    modified = venue.modify_or_cancel(
        account,
        orgn_odno=original.odno,
        orgno="",
        rvse_cncl="01",
        ord_dvsn="00",
        qty=0,
        price=ask,
        qty_all=True,
    )
    assert modified.kind == "modify"
    assert modified.orgn_odno == original.odno
    assert original.remaining == 0
    assert modified.filled_qty == 10
    assert [n.rctf_cls for n in rec.notices if n.cntg_yn == "1"] == ["0", "1"]
    assert account.reserved_cash == 0


def test_modify_to_an_invalid_price_keeps_the_original(market, clock):
    venue, account, _ = make_venue(market, clock)
    original = venue.place(order(account, price=69_000))
    with pytest.raises(KisRequestError) as info:
        venue.modify_or_cancel(
            account,
            orgn_odno=original.odno,
            orgno="",
            rvse_cncl="01",
            ord_dvsn="00",
            qty=0,
            price=69_050,
            qty_all=True,
        )
    assert code(info) == "APBK0507"
    assert original.remaining == 10


def test_unknown_original_and_wrong_branch_are_refused(market, clock):
    venue, account, _ = make_venue(market, clock)
    placed = venue.place(order(account))
    for orgn, orgno in (("0000009999", ""), (placed.odno, "00000")):
        with pytest.raises(KisRequestError) as info:
            venue.modify_or_cancel(
                account,
                orgn_odno=orgn,
                orgno=orgno,
                rvse_cncl="02",
                ord_dvsn="00",
                qty=0,
                price=0,
                qty_all=True,
            )
        assert code(info) == "APBK0904"


def test_open_orders_expire_when_the_day_changes(market, clock):
    venue, account, _ = make_venue(market, clock)
    placed = venue.place(order(account))
    account.holdings["000660"].today_buy_qty = 3
    clock.set_time(START + NANOS_PER_DAY)
    venue.roll_day()
    assert placed.remaining == 0
    assert placed.expired_qty == 10
    assert account.reserved_cash == 0
    assert account.holdings["000660"].prev_buy_qty == 3
    assert account.holdings["000660"].today_buy_qty == 0


def test_step_publishes_then_matches(market, clock):
    venue, _account, rec = make_venue(market, clock)
    out = venue.step(["005930", "000660"])
    assert set(out) == {"005930", "000660"}
    assert rec.trades == [t for s in ("005930", "000660") for t in out[s]]


def test_rebuilt_books_after_a_restore(market, clock):
    venue, account, _ = make_venue(market, clock)
    placed = venue.place(order(account))
    again = SimVenue(
        state=venue.state,
        market=market,
        hours=AlwaysOpen(),
        clock=clock,
        rules=VenueRules("paper", Decimal(0), Decimal(0)),
        listener=Recorder(),
    )
    again.inject_trade("005930", 69_800, 100, "5")
    assert placed.filled_qty == 10


class AfterHours:
    def phase(self, ts_ns):
        from jts.ports.calendar import SessionPhase

        return SessionPhase.AFTER_HOURS

    def is_trading_day(self, date):
        return True


def test_after_hours_takes_only_off_hours_kinds_which_rest(market, clock):
    venue, account, _ = make_venue(market, clock, env="real", hours=AfterHours())
    with pytest.raises(KisRequestError) as info:
        venue.place(order(account))
    assert code(info) == "APBK0919"
    placed = venue.place(order(account, kind="07", price=70_000))
    assert placed.remaining == 10
    assert venue.active_symbols() == set()  # not matched against continuous prints


def _rest_a_buy_at_the_bid_and_walk(venue, account, market, *, steps=400):
    """Rest a buy at the best bid, then step the random market; the prints seen before the
    first fill notice, and the order."""
    limit = market.best_bid("005930")
    placed = venue.place(order(account, price=limit, qty=1))
    assert placed.remaining == 1
    seen: list[int] = []
    for _ in range(steps):
        prints = venue.step(["005930"])["005930"]
        seen.extend(p.price for p in prints)
        if placed.filled_qty:
            break
    return limit, placed, seen


@pytest.mark.parametrize("touch", [False, True])
def test_a_resting_limit_fills_through_the_shared_engine_on_simulated_trades(
    market, clock, touch, monkeypatch
):
    from jts.adapters.kis.simulator.matching import EngineBook
    from jts.matching.engine import MatchingEngine

    engine_ticks: list[int] = []
    original = MatchingEngine.process_trade_tick

    def spy(self, tick):
        engine_ticks.append(tick.price.raw_at(0))
        return original(self, tick)

    monkeypatch.setattr(MatchingEngine, "process_trade_tick", spy)
    venue, account, rec = make_venue(market, clock, touch=touch)
    limit, placed, seen = _rest_a_buy_at_the_bid_and_walk(venue, account, market)
    assert isinstance(venue._book("005930"), EngineBook)
    assert placed.filled_qty == 1, f"no print went through {limit} in {seen}"
    crossing = [i for i, p in enumerate(seen) if p < limit or (touch and p == limit)]
    # the order filled on the step of the first crossing print, and not before
    assert crossing, seen
    assert len(seen) - crossing[0] <= 3  # a step prints one to three trades
    fill_print = seen[crossing[0]]
    fills = [n for n in rec.notices if n.cntg_yn == "2"]
    assert [(n.cntg_qty, n.cntg_unpr) for n in fills] == [(1, limit)]  # at its own limit
    assert fill_print in engine_ticks


def test_a_touch_does_not_fill_unless_configured(market, clock):
    for touch, expected in ((False, 0), (True, 2)):
        venue, account, _ = make_venue(market, clock, touch=touch)
        limit = market.best_bid("005930")
        placed = venue.place(order(account, price=limit, qty=2))
        venue.inject_trade("005930", limit, 50, "5")
        assert placed.filled_qty == expected
