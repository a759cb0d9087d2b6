"""`RiskWatch`: the kernel's risk monitor fed from the bus trips the kill switch on a losing
mark, publishes its figures, and starts a restarted node from the day's journaled fills."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from jts.bus.inprocess import InProcessMessageBus
from jts.config.risk import RiskConfig
from jts.core.clock import SimulatedClock
from jts.domain.accounts import Account
from jts.domain.enums import OrderStatus
from jts.domain.events_order import OrderDenied
from jts.domain.events_risk import KillSwitchTripped, RiskMetricsUpdated
from jts.domain.identifiers import AccountId
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import Bar
from jts.domain.messages import Message
from jts.domain.values import KRW, Money
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy
from jts.live.control import ControlEndpoint, ControlHandlers, read_control_file
from jts.live.risk import RiskWatch
from tests.unit.kernel.conftest import ACCOUNT, BAR_TYPE, SAMSUNG, T0, ScriptedVenue, make_bar


class BuyWhenFlat(Strategy):
    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        if self.is_flat(SAMSUNG) and not self.open_orders(SAMSUNG):
            self.buy(SAMSUNG, 10)


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))

    error = warning


def _kernel(clock: SimulatedClock, venue: ScriptedVenue, bus: InProcessMessageBus) -> Kernel:
    kernel = Kernel(clock, ids=SequentialIdFactory("T"), publish=bus.publish)
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money("10000000", KRW))
    kernel.add_account(account)
    kernel.add_execution_client(venue)
    return kernel


def test_a_mark_below_the_limit_trips_the_switch_and_orders_are_denied() -> None:
    clock = SimulatedClock(start_ns=T0)
    venue = ScriptedVenue(clock)
    bus = InProcessMessageBus()
    seen: list[Message] = []
    bus.subscribe("events.**", seen.append)
    kernel = _kernel(clock, venue, bus)
    log = Log()
    watch = RiskWatch(kernel, RiskConfig(daily_loss_limit=Decimal(1000)), log=log)
    watch.attach(bus)
    strategy = BuyWhenFlat()
    kernel.add_strategy(strategy)
    kernel.start()

    kernel.process_bar(make_bar(0, "70000", "70000", "70000", "70000"))
    buy = kernel.cache.orders()[0]
    venue.fill(buy.client_order_id, "10", "70000", commission="10")
    assert watch.monitor.daily_pnl == -10
    assert not kernel.risk.is_killed
    kernel.process_bar(make_bar(1, "70000", "70000", "69900", "69900"))  # -1,000 - 10
    reason = kernel.risk.kill_switch_reason
    assert reason is not None
    assert reason.startswith("daily_loss: loss of 1,010 KRW since the start of the KST")
    assert [m.reason for m in seen if isinstance(m, KillSwitchTripped)] == [reason]
    assert log.lines[0][0] == "risk_limit_breached"

    strategy.close_all()  # a sell while killed is denied like any order
    denied = [m for m in seen if isinstance(m, OrderDenied)]
    assert denied
    assert denied[-1].reason == f"kill_switch: trading is halted: {reason}"

    clock.advance_to(T0 + 10_000_000_000)
    snapshot = watch.tick()
    assert snapshot.daily_pnl == -1010
    metrics = [m for m in seen if isinstance(m, RiskMetricsUpdated)]
    assert len(metrics) == 1
    assert metrics[0].daily_pnl == -1010
    assert metrics[0].gross_exposure == 699_000
    report = watch.report()
    assert report["kill_switch"] == reason
    assert report["breaches"] == [reason]
    assert report["exposures"] == {"005930.KRX": "699000"}


def test_a_restarted_node_counts_todays_journaled_fills_again() -> None:
    clock = SimulatedClock(start_ns=T0)
    venue = ScriptedVenue(clock)
    first = _kernel(clock, venue, InProcessMessageBus())
    strategy = BuyWhenFlat()
    first.add_strategy(strategy)
    first.start()
    first.process_bar(make_bar(0, "70000", "70000", "70000", "70000"))
    order = first.cache.orders()[0]
    fill = venue.fill(order.client_order_id, "10", "70000", commission="10")
    assert order.status is OrderStatus.FILLED

    # the restart: orders from the journal, their fills replayed into the portfolio
    bus = InProcessMessageBus()
    second = _kernel(clock, ScriptedVenue(clock), bus)
    second.cache.add_order(order)
    second.portfolio.apply_fill(fill)
    watch = RiskWatch(second, RiskConfig(daily_loss_limit=Decimal(5)), log=Log())
    watch.attach(bus)
    assert watch.monitor.daily_pnl == -10
    assert watch.monitor.day_start_equity == 10_000_000
    assert second.risk.kill_switch_reason == (
        "daily_loss: loss of 10 KRW since the start of the KST trading day 2024-03-04 "
        "reached the daily loss limit 5 KRW"
    )


def test_the_day_starts_from_every_accounts_cash() -> None:
    clock = SimulatedClock(start_ns=T0)
    bus = InProcessMessageBus()
    kernel = _kernel(clock, ScriptedVenue(clock), bus)
    second = Account(AccountId("SIM-002"))
    second.deposit(Money("5000000", KRW))
    kernel.add_account(second)
    assert kernel.portfolio.total_cash() == Money("15000000", KRW)
    watch = RiskWatch(kernel, RiskConfig(daily_loss_limit_pct=Decimal(1)), log=Log())
    watch.attach(bus)
    assert watch.monitor.day_start_equity == 15_000_000


async def test_the_control_api_serves_risk_or_says_why_not(tmp_path: Path) -> None:
    def handlers(risk: Callable[[], dict[str, Any]] | None) -> ControlHandlers:
        return ControlHandlers(
            orders=lambda everything: [],
            positions=list,
            kill=lambda reason: {},
            reset_kill=dict,
            risk=risk,
        )

    for risk, status in ((lambda: {"equity": "1"}, 200), (None, 409)):
        endpoint = ControlEndpoint(tmp_path, handlers(risk))
        await endpoint.start()
        try:
            address = read_control_file(tmp_path)
            auth = {"Authorization": f"Bearer {address.token}"}
            async with httpx.AsyncClient(base_url=address.url) as client:
                assert (await client.get("/risk")).status_code == 401
                response = await client.get("/risk", headers=auth)
        finally:
            await endpoint.stop()
        assert response.status_code == status
        if status == 200:
            assert response.json() == {"equity": "1"}
        else:
            assert "no risk monitor" in response.json()["error"]
