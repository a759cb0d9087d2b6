"""`LiveNode`: one trading node wired from settings: venue, kernel, journal, bus, control.

Start-up order (each step needs the one before):

1. storage (migrated) and the reference instruments;
2. the venue: the embedded KIS simulator, an external one, or KIS (`jts.live.venue`);
3. the KIS adapter and the kernel, journal = the storage's order-event journal, so the OMS
   persists every order event before the command leaves the process;
4. recovery: every order rebuilt from the journal, its fills replayed into the portfolio, then
   reconciliation with the venue's reports (missed acks, fills and cancels go through the
   kernel like any venue event: journaled, booked); external orders and position differences
   logged, counted and published on the bus;
5. the account's cash from the venue (after the replay, so journal fills are not counted twice);
6. strategies (state restored), the feed, the control endpoint.

`stop` runs it backwards: strategies stop, open orders are cancelled (policy
``cancel_on_stop``), state is saved, connections closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jts.adapters.kis.execution import KisExecutionClient
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.simulator import KisSimulator
from jts.adapters.notify import AlertDispatcher, build_dispatcher
from jts.backtest.runner import load_strategy
from jts.bus.inprocess import InProcessMessageBus
from jts.config import Settings
from jts.core.clock import LiveClock
from jts.core.errors import ConfigError
from jts.domain.accounts import Account
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.values import KRW
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy.strategy import Strategy
from jts.live import reconciliation
from jts.live.activity import ActivityLog
from jts.live.bars import LiveKernel
from jts.live.control import ControlEndpoint, ControlHandlers, order_row
from jts.live.state import StrategyStateFile
from jts.live.venue import (
    VenueTarget,
    client_config,
    embedded_simulator_config,
    external_simulator_config,
    target_from_settings,
    target_from_simulator,
)
from jts.monitoring.logging import get_logger
from jts.storage import Storage

__all__ = ["DEFAULT_STRATEGY", "LiveNode", "NodeOptions", "demo_params"]

DEFAULT_STRATEGY = "examples/strategies/sma_cross.py"
DEFAULT_INSTRUMENT = "005930.KRX"


def demo_params(instrument: str = DEFAULT_INSTRUMENT) -> dict[str, Any]:
    """The SMA example tuned to trade within a minute: 5-trade bars built from the simulator's
    ticks (a 1-minute bar would need half an hour before the slow average is ready)."""
    return {
        "fast": 3,
        "slow": 8,
        "quantity": 1,
        "instrument": instrument,
        "bar_type": f"{instrument}-5-TICK-LAST-INTERNAL",
    }


def _default_strategy_path() -> str:
    """The example next to the working directory, else next to the installed package."""
    here = Path(DEFAULT_STRATEGY)
    if here.exists():
        return str(here)
    import jts  # noqa: PLC0415

    beside = Path(jts.__file__).resolve().parents[1] / DEFAULT_STRATEGY
    if beside.exists():
        return str(beside)
    raise ConfigError(f"the example strategy {DEFAULT_STRATEGY} is not found; pass --strategy")


@dataclass(frozen=True, slots=True)
class NodeOptions:
    """What ``jts up`` adds to the settings."""

    strategy: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    tick_interval_s: float = 0.2
    sim_config: Path | None = None
    sim_port: int | None = None
    sim_ws_port: int | None = None
    cancel_on_stop: bool = True
    state_save_s: float = 5.0
    reconcile_s: float = 0.0  # periodic reconciliation; 0: at start only


@dataclass(slots=True)
class RecoveryStats:
    rebuilt: int = 0
    open_orders: int = 0
    broken: int = 0
    events_applied: int = 0
    fills_applied: int = 0
    external_orders: int = 0
    position_differences: int = 0
    notes: list[str] = field(default_factory=list)


class LiveNode:
    def __init__(self, settings: Settings, options: NodeOptions | None = None) -> None:
        self.settings = settings
        self.options = options or NodeOptions()
        self.log = get_logger("jts.live", trader=str(settings.node.trader_id))
        self.bus = InProcessMessageBus()
        self.recovery = RecoveryStats()
        self.storage: Storage | None = None
        self.simulator: KisSimulator | None = None
        self.kis: KisNode | None = None
        self.execution: KisExecutionClient | None = None
        self.kernel: LiveKernel | None = None
        self.control: ControlEndpoint | None = None
        self.activity = ActivityLog(self.log)
        self._state = StrategyStateFile(settings.data_dir)
        self._loops: list[asyncio.Task[None]] = []
        self.target: VenueTarget | None = None
        self.alerts: AlertDispatcher | None = None

    # ---- start --------------------------------------------------------------------------------
    async def _venue(self) -> VenueTarget:
        opts = self.options
        data_dir = self.settings.data_dir
        if opts.sim_port is not None:
            if opts.sim_config is None or opts.sim_ws_port is None:
                raise ConfigError("an external simulator needs --sim-config and --sim-ws-port")
            config = external_simulator_config(opts.sim_config)
            return target_from_simulator(config, opts.sim_port, opts.sim_ws_port, where="external")
        configured = target_from_settings(self.settings)
        if configured is not None:
            return configured
        config = embedded_simulator_config(data_dir, tick_interval_s=opts.tick_interval_s)
        self.simulator = KisSimulator(config)
        await self.simulator.start()
        return target_from_simulator(
            self.simulator.config, self.simulator.port, self.simulator.ws_port, where="embedded"
        )

    async def start(self) -> None:
        settings = self.settings
        # one line per REST call would drown the trading activity; warnings still show
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.root.level))
        self.storage = Storage.open(settings.database.url)
        self.target = target = await self._venue()
        self.log.info("venue", venue=target.description)
        token_dir = settings.data_dir / "kis-tokens"
        self.kis = KisNode(client_config(target, token_dir), [target.app], [target.account])
        await self.kis.start()
        kernel = LiveKernel(
            LiveClock(),
            trader_id=str(settings.node.trader_id),
            journal=self.storage.journal,
            publish=self.bus.publish,
            risk_limits=RiskLimits(),
        )
        self.kernel = kernel
        self.activity.attach(self.bus)
        # alerts hear what the bus carries: fills, denials, rejections, the kill switch
        self.alerts = build_dispatcher(settings.alerts, source=str(settings.node.trader_id))
        await self.alerts.start()
        self.bus.subscribe("events.order.**", self.alerts.on_message)
        self.bus.subscribe("events.risk", self.alerts.on_message)
        kernel.add_instruments(self.storage.instruments.list_all())
        self.execution = self.kis.execution_client(target.account)
        kernel.add_execution_client(self.execution)
        await self.execution.connect()
        await self._recover()
        await self._load_account()
        strategy = self._strategy()
        self._state.restore([strategy])
        kernel.add_strategy(strategy)
        feed = self.kis.data_client()
        kernel.attach_feed(feed)
        await feed.connect()
        kernel.start()
        self.control = ControlEndpoint(settings.data_dir, self._handlers())
        await self.control.start()
        self._loops.append(asyncio.create_task(self._save_loop(), name="jts-state-save"))
        if self.options.reconcile_s > 0:
            self._loops.append(asyncio.create_task(self._reconcile_loop(), name="jts-reconcile"))
        self.log.info(
            "node_started",
            strategy=str(strategy.id),
            subscriptions=[f"{k} {v}" for k, v in kernel.feed_subscriptions],
            control=f"127.0.0.1:{self.control.port}",
        )

    def _strategy(self) -> Strategy:
        spec = self.options.strategy or _default_strategy_path()
        params = dict(self.options.params)
        if self.options.strategy is None:
            params = {**demo_params(), **params}
        return load_strategy(spec, params)

    async def _load_account(self) -> None:
        assert self.execution is not None
        assert self.kernel is not None
        account = Account(self.execution.account_id)
        state = await self.execution.account_state()
        balance = None if state is None else state.balance(KRW)
        if balance is not None and balance.total.raw > 0:
            account.deposit(balance.total)
        self.kernel.add_account(account, default=True)
        self.log.info(
            "account",
            account=str(self.execution.account_id),
            cash=None if balance is None else str(balance.total),
        )

    async def _recover(self) -> None:
        """Journal -> orders and positions, then the venue's reports close the gap."""
        assert self.storage is not None
        assert self.kernel is not None
        assert self.execution is not None
        kernel = self.kernel
        recovered = reconciliation.rebuild_orders(self.storage.journal)
        stats = self.recovery
        stats.rebuilt = len(recovered.orders)
        stats.broken = len(recovered.broken)
        for order in recovered.orders:
            kernel.cache.add_order(order)
            for event in order.events:
                if isinstance(event, OrderFilled):
                    kernel.portfolio.apply_fill(event)
        await self.reconcile()
        # the adapter must follow the orders still working at the venue (their notices, a
        # cancel at stop); `recover` books what KIS did since the reconciliation's inquiry
        working = [o for o in kernel.cache.orders() if not o.is_closed]
        adopted = self.execution.adopt(working)
        if adopted:
            await self.execution.recover()
        self.log.info("orders_adopted", count=adopted)

    async def reconcile(self) -> reconciliation.ReconciliationPlan:
        """Compare the node's orders and positions with the venue's reports and apply the
        difference (callable at any time; the node runs it at start)."""
        assert self.kernel is not None
        assert self.execution is not None
        kernel = self.kernel
        client = self.execution
        open_orders = [o for o in kernel.cache.orders() if not o.is_closed]
        self.recovery.open_orders = len(open_orders)
        statuses = await client.order_status_reports(open_only=False)
        fills = await client.fill_reports()
        plan = reconciliation.plan(open_orders, statuses, fills, now=time.time_ns())
        for event in plan.events:
            kernel.handle_execution_event(event)
        self.recovery.events_applied += len(plan.events)
        self.recovery.fills_applied += plan.fills
        self.recovery.external_orders += len(plan.external)
        self.recovery.notes += plan.notes
        for report in plan.external:
            self.log.warning(
                "external_order",
                venue_order_id=str(report.venue_order_id),
                instrument=str(report.instrument_id),
                side=report.order_side.value,
                quantity=str(report.quantity),
                status=report.order_status.value,
            )
        positions = await client.position_reports()
        node_qty: dict[InstrumentId, Decimal] = defaultdict(Decimal)
        for position in kernel.portfolio.positions(open_only=False):
            node_qty[position.instrument_id] += position.signed_qty
        differences = reconciliation.position_differences(node_qty, positions)
        self.recovery.position_differences += len(differences)
        for difference in differences:
            self.log.error("position_difference", detail=str(difference))
        self.log.info(
            "reconciled",
            orders=len(open_orders),
            events=len(plan.events),
            fills=plan.fills,
            external=len(plan.external),
            position_differences=len(differences),
            notes=plan.notes[:5],
        )
        return plan

    # ---- control ------------------------------------------------------------------------------
    def _handlers(self) -> ControlHandlers:
        def orders(everything: bool) -> list[dict[str, Any]]:
            assert self.kernel is not None
            cache = self.kernel.cache
            chosen = cache.orders() if everything else cache.open_orders()
            return [order_row(o) for o in chosen]

        def positions() -> list[dict[str, Any]]:
            assert self.kernel is not None
            return [
                {
                    "instrument_id": str(p.instrument_id),
                    "strategy_id": str(p.strategy_id),
                    "quantity": str(p.signed_qty),
                    "avg_px_open": None if p.avg_px_open is None else str(p.avg_px_open),
                    "realized_pnl": str(p.realized_pnl),
                }
                for p in self.kernel.portfolio.positions(open_only=False)
            ]

        def kill(reason: str) -> dict[str, Any]:
            assert self.kernel is not None
            cancels = self.kernel.trip_kill_switch(reason)
            self.log.warning("kill_switch_tripped", reason=reason, cancels=cancels)
            return {"killed": True, "reason": reason, "cancels": cancels}

        def reset_kill() -> dict[str, Any]:
            assert self.kernel is not None
            previous = self.kernel.risk.kill_switch_reason
            self.kernel.reset_kill_switch()
            self.log.warning("kill_switch_reset", previous_reason=previous)
            return {"killed": False, "previous_reason": previous}

        return ControlHandlers(orders, positions, kill, reset_kill)

    # ---- loops --------------------------------------------------------------------------------
    async def _save_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.state_save_s)
            self._save_state()

    async def _reconcile_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.reconcile_s)
            try:
                await self.reconcile()
            except Exception as exc:
                self.log.warning("reconcile_failed", error=str(exc))

    def _save_state(self) -> None:
        if self.kernel is None:
            return
        try:
            self._state.save(self.kernel.strategies)
        except Exception as exc:
            self.log.error("strategy_state_not_saved", error=str(exc))

    # ---- stop ---------------------------------------------------------------------------------
    async def stop(self, *, grace_s: float = 3.0) -> None:
        """Clean shutdown: stop strategies, cancel their open orders, save, disconnect."""
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()
        if self.control is not None:
            await self.control.stop()
        kernel = self.kernel
        if kernel is not None:
            kernel.stop()
            if self.options.cancel_on_stop:
                cancels = sum(kernel.cancel_all_orders(s, None, None) for s in kernel.strategies)
                if cancels:
                    self.log.info("cancelling_open_orders", count=cancels)
            await self._settle(grace_s)
            self._save_state()
        if self.execution is not None:
            await self.execution.disconnect()
        if self.kis is not None:
            await self.kis.close()
        if self.simulator is not None:
            await self.simulator.stop()
        if self.alerts is not None:
            await self.alerts.close()  # sends what is queued, bounded by drain_timeout_s
        if self.storage is not None:
            self.storage.close()
        self.log.info("node_stopped", **self.summary())

    async def _settle(self, grace_s: float) -> None:
        """Wait (bounded) for in-flight commands and for open orders to close."""
        assert self.kernel is not None
        deadline = asyncio.get_running_loop().time() + grace_s
        if self.execution is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.execution.drain(), grace_s)
        while any(o.is_inflight for o in self.kernel.cache.orders()):
            if asyncio.get_running_loop().time() > deadline:
                self.log.warning("orders_still_in_flight_at_stop")
                break
            await asyncio.sleep(0.05)

    def summary(self) -> dict[str, Any]:
        """Counts for the final log line and tests."""
        if self.kernel is None:
            return {}
        orders = self.kernel.cache.orders()
        stats = self.kernel.execution.stats
        return {
            "orders": len(orders),
            "filled": sum(o.status.value == "FILLED" for o in orders),
            "open": sum(o.is_open for o in orders),
            "denied": stats.denied,
            "duplicate_fills": stats.duplicate_fills,
            "unknown_orders": stats.unknown_orders,
            "recovered_fills": self.recovery.fills_applied,
        }
