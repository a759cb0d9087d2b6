"""T+2 cash in a running node against the embedded KIS simulator: a round trip's cash waits
for settlement two XKRX sessions later (the simulator books it at once; its total must still
match), buying power counts it, the daily snapshot records the split, and a restarted node
rebuilds the same split from its journal."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from jts.backtest.calendar_cache import cached_xkrx_calendar
from jts.cli.up import bring_up
from jts.config import Settings, load_config
from jts.core.time import kst_date
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.values import KRW, Money
from jts.live.node import LiveNode, NodeOptions
from jts.ports.repositories import SnapshotReason
from jts.storage import Storage

pytestmark = pytest.mark.slow

IID = InstrumentId("005930.KRX")

ROUND_TRIP = '''
from jts.domain.market_data import TradeTick
from jts.kernel.strategy import Strategy, StrategyParams


class RoundTrip(Strategy):
    """Flat: buys 2 at market, then sells 1, then nothing (restarted holding 1: nothing)."""

    class Params(StrategyParams):
        instrument: str = "005930.KRX"

    def on_start(self) -> None:
        self.subscribe_trade_ticks(self.params.instrument)
        self.step = 0

    def on_trade_tick(self, tick: TradeTick) -> None:
        iid = self.params.instrument
        if self.open_orders(iid):
            return
        if self.step == 0 and self.position_qty(iid) == 0:
            self.step = 1
            self.buy(iid, 2)
        elif self.step == 1 and self.position_qty(iid) == 2:
            self.step = 2
            self.sell(iid, 1)
'''


async def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


def _node(settings: Settings, strategy: Path) -> LiveNode:
    options = NodeOptions(
        strategy=str(strategy), params={"instrument": str(IID)}, tick_interval_s=0.05
    )
    return LiveNode(settings, options)


def _cash_moved(fills: list[OrderFilled]) -> int:
    """What the fills do to cash, in won: proceeds in, payments and costs out."""
    total = 0
    for fill in fills:
        value = fill.last_px.as_decimal() * fill.last_qty.as_decimal()
        sign = 1 if fill.order_side is OrderSide.SELL else -1
        total += int(sign * value) - fill.commission.raw - fill.tax.raw
    return total


async def test_sale_proceeds_stay_unsettled_until_t_plus_2_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    config = tmp_path / "jts.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    settings = load_config(config).settings
    bring_up(settings)
    strategy = tmp_path / "round_trip.py"
    strategy.write_text(ROUND_TRIP, encoding="utf-8")

    node = _node(settings, strategy)
    await node.start()
    try:
        kernel = node.kernel
        assert kernel is not None
        assert node.simulator is not None
        await wait_for(
            lambda: kernel.portfolio.net_qty(IID) == 1 and not kernel.cache.open_orders(),
            30,
            "the buy of 2 and the sell of 1 to fill",
        )
        fills = [e for o in kernel.cache.orders() for e in o.events if isinstance(e, OrderFilled)]
        assert {f.order_side for f in fills} == {OrderSide.BUY, OrderSide.SELL}
        moved = _cash_moved(fills)
        account = kernel.portfolio.account()
        assert account is not None
        books = account.balance(KRW)
        venue_cash = next(iter(node.simulator.ctx.state.accounts.values())).cash
        # the simulator books at once; the node's total agrees, its split waits for T+2
        assert books.total == Money(venue_cash, KRW)
        assert books.unsettled == Money(moved, KRW)
        assert books.settled == Money(venue_cash - moved, KRW)
        today = kst_date(time.time_ns())
        calendar = cached_xkrx_calendar()
        session = today if calendar.is_session(today) else calendar.next_session(today).date
        assert set(account.unsettled_by_date(KRW)) == {calendar.settlement_date(session, 2)}
        # buying power is settled plus unsettled (the sale proceeds fund buys at once)
        assert kernel.portfolio.free_cash(None, IID) == books.total.as_decimal()
    finally:
        await node.stop(grace_s=2.0)

    url = settings.database.url
    with Storage.open(url) as storage:
        (day,) = storage.daily_snapshots.query()
    assert day.reason is SnapshotReason.STOP
    assert (day.cash_settled, day.cash_unsettled) == (books.settled, books.unsettled)

    again = _node(settings, strategy)
    await again.start()
    try:
        assert again.kernel is not None
        reopened = again.kernel.portfolio.account()
        assert reopened is not None
        assert reopened.balance(KRW) == books  # rebuilt from the journal's fills
    finally:
        await again.stop(grace_s=2.0)
