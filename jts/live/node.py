"""`LiveNode`: one trading node wired from settings: venue, kernel, journal, bus, control.

Start-up order (each step needs the one before):

1. storage (migrated) and the reference instruments;
2. the venue: the embedded KIS simulator, an external one, or KIS (`jts.live.venue`);
3. the KIS adapter and the kernel, journal = the storage's order-event journal, so the OMS
   persists every order event before the command leaves the process; cash settles T+2 on
   XKRX sessions (`jts.live.settlement`); the alerts hear the bus (`jts.live.alerts`);
4. recovery: every order rebuilt from the journal, its fills replayed into the portfolio, then
   reconciliation with the venue's reports (missed acks, fills and cancels go through the
   kernel like any venue event: journaled, booked); missed fills, orders never sent, external
   orders and position differences logged, counted and published on the bus (alerted);
5. the account's cash from the venue (after the replay, so journal fills are not counted
   twice), its unsettled part rebuilt from the journal's fills not yet settled;
6. strategies (state restored), the feed, the day's base prices from the venue's quote
   (`jts.live.base_prices`: KRX daily limits need them), the control endpoint; loops for the
   KST day roll (base prices, settlement) and for WebSocket drops (`jts.live.connections`).

`stop` runs it backwards: strategies stop, open orders are cancelled (policy
``cancel_on_stop``), state is saved, connections closed.

The same class is the ``execution`` role of a split node (`jts.live.roles`): step 6 is then
`jts.live.commands.serve_commands` instead of strategies and a feed: commands and prices come
from the Redis bus, which starts last, once the journal is replayed. The ``strategy`` and
``market-data`` roles are `jts.live.strategy_role` and `jts.live.market_data_role`;
`jts.live.factory.build_node` picks the class.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from jts.adapters.kis.execution import KisExecutionClient
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.simulator import KisSimulator
from jts.adapters.notify import AlertDispatcher, build_dispatcher
from jts.backtest.calendar_cache import cached_xkrx_calendar
from jts.backtest.runner import load_strategy
from jts.config import Settings
from jts.core.clock import LiveClock
from jts.core.errors import ConfigError
from jts.core.time import kst_date
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import AccountId, InstrumentId
from jts.domain.market_data import BarType
from jts.domain.values import KRW, Money, Price
from jts.kernel.execution.algorithms.persistence import AuditParentStore
from jts.kernel.strategy.strategy import Strategy
from jts.live import reconciliation
from jts.live.activity import ActivityLog
from jts.live.alerts import ALERT_TOPICS, live_alert
from jts.live.bars import LiveKernel
from jts.live.base_prices import BasePriceKeeper
from jts.live.buses import build_bus
from jts.live.commands import CommandServer, cancel_open_orders, serve_commands
from jts.live.connections import ConnectionWatch
from jts.live.control import ControlEndpoint, ControlHandlers, order_row
from jts.live.database import open_storage
from jts.live.day_roll import seconds_to_next_kst_day
from jts.live.risk import RiskWatch
from jts.live.roles import Role
from jts.live.routing import configure_routes
from jts.live.settlement import KrxSettlement, opening_account
from jts.live.snapshots import SnapshotRecorder
from jts.live.state import StrategyStateFile
from jts.live.topics import RECONCILIATION_EVENTS
from jts.live.venue import (
    VenueTarget,
    client_config,
    embedded_simulator_config,
    external_simulator_config,
    shared_redis,
    shared_target,
    target_from_settings,
    target_from_simulator,
)
from jts.monitoring.logging import get_logger
from jts.ports.repositories import SnapshotReason
from jts.storage import Storage

__all__ = ["DEFAULT_STRATEGY", "LiveNode", "NodeOptions", "demo_params", "node_strategy"]

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


def node_strategy(options: NodeOptions) -> Strategy:
    """The strategy ``jts up`` runs: ``--strategy`` with its ``--param``s, else the demo."""
    spec = options.strategy or _default_strategy_path()
    params = dict(options.params)
    if options.strategy is None:
        params = {**demo_params(), **params}
    return load_strategy(spec, params)


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
    record_s: float = 1.0  # how often orders, fills, positions and balances reach the tables
    #: How often the venue's WebSocket sessions are looked at for drops (`ConnectionWatch`).
    connection_check_s: float = 0.25
    #: ``all`` (one process) or one part of a split node (`jts.live.roles`).
    role: Role = "all"
    #: Execution role: a command older than this is denied, not executed (0: no limit).
    command_max_age_s: float = 10.0
    #: Strategy role: how long to wait for the execution role to answer before giving up.
    wait_execution_s: float = 60.0
    #: The KIS adapter's HTTP transport (None: httpx's own); benchmarks time the hand-over here.
    kis_transport: httpx.AsyncBaseTransport | None = None


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
        self.bus = build_bus(settings.bus, self.options.role, settings.node.trader_id)
        self.recovery = RecoveryStats()
        self.storage: Storage | None = None
        self.simulator: KisSimulator | None = None
        self.kis: KisNode | None = None
        #: one client per account, the default account's first
        self.executions: list[KisExecutionClient] = []
        self.kernel: LiveKernel | None = None
        self.control: ControlEndpoint | None = None
        self.activity = ActivityLog(self.log)
        self._state = StrategyStateFile(settings.data_dir)
        self._loops: list[asyncio.Task[None]] = []
        self.target: VenueTarget | None = None
        self.alerts: AlertDispatcher | None = None
        self.commands: CommandServer | None = None
        self.recorder: SnapshotRecorder | None = None
        self.risk_watch: RiskWatch | None = None
        self.base_prices: BasePriceKeeper | None = None
        self.connections: ConnectionWatch | None = None
        self.settlement: KrxSettlement | None = None

    @property
    def execution(self) -> KisExecutionClient | None:
        """The default (first) account's client."""
        return self.executions[0] if self.executions else None

    # ---- start --------------------------------------------------------------------------------
    async def _venue(self) -> VenueTarget:
        opts = self.options
        data_dir = self.settings.data_dir
        if opts.sim_port is not None:
            if opts.sim_config is None or opts.sim_ws_port is None:
                raise ConfigError("an external simulator needs --sim-config and --sim-ws-port")
            config = external_simulator_config(opts.sim_config)
            return target_from_simulator(config, opts.sim_port, opts.sim_ws_port, where="external")
        if opts.role != "all":
            return shared_target(
                self.settings, sim_config=None, sim_port=None, sim_ws_port=None, role=opts.role
            )
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
        self.storage = open_storage(settings.database)
        self.target = target = await self._venue()
        self.log.info("venue", venue=target.description)
        token_dir = settings.data_dir / "kis-tokens"
        self.kis = KisNode(
            client_config(target, token_dir, redis_url=shared_redis(settings, self.options.role)),
            target.apps,
            list(target.accounts),
            transport=self.options.kis_transport,
        )
        await self.kis.start()
        # T+2 on XKRX sessions, as the broker settles (the calendar is cached on disk)
        self.settlement = KrxSettlement(await asyncio.to_thread(cached_xkrx_calendar))
        kernel = LiveKernel(
            LiveClock(),
            trader_id=str(settings.node.trader_id),
            journal=self.storage.journal,
            publish=self.bus.publish,
            risk_limits=settings.risk.limits(),
            account_limits=settings.risk.account_limits(),  # for the account routed to
            strategy_limits=settings.risk.strategy_limits(),
            # the execution role hears its prices from the bus: publishing them back would echo
            publish_market_data=self.options.role == "all",
            settlement=self.settlement,
            derive_base_price=False,  # the venue's base price, set by the BasePriceKeeper below
        )
        self.kernel = kernel
        # orders, fills, positions, balances and daily snapshots into the database's tables
        self.recorder = SnapshotRecorder(
            self.storage,
            kernel,
            log=self.log,
            # its round trips would stop the loop; SQLite's local writes stay on it
            background=self.storage.engine.dialect.name == "postgresql",
        )
        self.recorder.attach(self.bus)
        # execution algorithms' parents are saved, so a restart resumes them (below)
        kernel.algorithms.store = AuditParentStore(self.storage.audit, clock_ns=time.time_ns)
        self.activity.attach(self.bus)
        # alerts hear what the bus carries: fills, denials, rejections, the kill switch
        self.alerts = build_dispatcher(
            settings.alerts, source=str(settings.node.trader_id), mapper=live_alert
        )
        await self.alerts.start()
        for topic in ALERT_TOPICS:  # and reconciliation differences and lost connections
            self.bus.subscribe(topic, self.alerts.on_message)
        kernel.add_instruments(self.storage.instruments.list_all())
        self.base_prices = self._base_price_keeper(kernel)
        self.base_prices.attach(self.bus)
        self.executions = [self.kis.execution_client(a) for a in target.accounts]
        for client in self.executions:
            kernel.add_execution_client(client)
        configure_routes(kernel.execution.router, settings.routing)
        for client in self.executions:
            await client.connect()
        await self._recover()
        await self._load_account()
        if self.options.role in ("all", "execution"):  # the roles that hold risk and books
            self.risk_watch = RiskWatch(kernel, settings.risk, log=self.log)
            self.risk_watch.attach(self.bus)  # a loss already beyond today's limit trips now
        if self.options.role == "execution":
            # the strategies run elsewhere: their commands arrive on the bus, which starts
            # only now that the journal is replayed (a redelivered command finds its order)
            self.commands = serve_commands(
                self.bus, kernel, max_age_s=self.options.command_max_age_s
            )
            started: dict[str, Any] = {"role": "execution"}
        else:
            strategy = self._strategy()
            self._state.restore([strategy])
            kernel.add_strategy(strategy)
            feed = self.kis.data_client()
            kernel.attach_feed(feed)
            await feed.connect()
            started = {
                "strategy": str(strategy.id),
                "subscriptions": [f"{k} {v}" for k, v in kernel.feed_subscriptions],
            }
        resumed = kernel.algorithms.resume_saved()
        if resumed:
            self.log.info("algorithms_resumed", ids=[a.id for a in resumed])
        kernel.start()
        # the strategies have subscribed: their instruments' base prices before bus traffic
        await self.base_prices.refresh(self._traded_instruments())
        await self.bus.start()
        self.control = ControlEndpoint(settings.data_dir, self._handlers())
        await self.control.start()
        if self.options.role == "all":
            self._loops.append(asyncio.create_task(self._save_loop(), name="jts-state-save"))
        if self.recorder is not None:
            recording = self.recorder.run(self.options.record_s)
            self._loops.append(asyncio.create_task(recording, name="jts-recorder"))
        if self.options.reconcile_s > 0:
            self._loops.append(asyncio.create_task(self._reconcile_loop(), name="jts-reconcile"))
        if self.risk_watch is not None:
            self._loops.append(asyncio.create_task(self.risk_watch.run(), name="jts-risk"))
        self._loops.append(asyncio.create_task(self.base_prices.run(), name="jts-base-prices"))
        self._loops.append(asyncio.create_task(self._settle_loop(), name="jts-settlement"))
        self.connections = ConnectionWatch(
            self.kis.streams.sessions,
            self.bus.publish,
            trader_id=kernel.trader_id,
            now_ns=time.time_ns,
            log=self.log,
        )
        watching = self.connections.run(self.options.connection_check_s)
        self._loops.append(asyncio.create_task(watching, name="jts-connections"))
        self.log.info(
            "node_started",
            **started,
            bus=type(self.bus).__name__,
            control=f"127.0.0.1:{self.control.port}",
        )

    def _strategy(self) -> Strategy:
        return node_strategy(self.options)

    def _base_price_keeper(self, kernel: LiveKernel) -> BasePriceKeeper:
        """Base prices from the venue's quote (a data client of its own: it only asks REST)."""
        assert self.kis is not None
        quotes = self.kis.data_client()

        async def fetch(instrument_id: InstrumentId) -> Price | None:
            return (await quotes.inquire_price(instrument_id)).base_price

        return BasePriceKeeper(
            fetch, kernel.risk.set_base_price, now_ns=kernel.clock.timestamp_ns, log=self.log
        )

    def _traded_instruments(self) -> list[InstrumentId]:
        """What the strategies subscribed to, hold, or have orders in."""
        assert self.kernel is not None
        kernel = self.kernel
        found: list[InstrumentId] = []
        for kind, key in kernel.feed_subscriptions:
            if kind == "bars" and isinstance(key, BarType):
                found.append(key.instrument_id)
            elif kind == "book" and isinstance(key, tuple):
                found.append(key[0])
            elif isinstance(key, InstrumentId):
                found.append(key)
        found += [p.instrument_id for p in kernel.portfolio.positions(open_only=True)]
        found += [o.instrument_id for o in kernel.cache.orders() if not o.is_closed]
        return list(dict.fromkeys(found))

    async def _load_account(self) -> None:
        """Each account's cash from the venue, split into settled and unsettled by the node's
        own fills in that account that settle after today (`opening_account`)."""
        assert self.kernel is not None
        assert self.settlement is not None
        kernel = self.kernel
        policy = self.settlement
        fills = [e for o in kernel.cache.orders() for e in o.events if isinstance(e, OrderFilled)]

        def settles_on(fill: OrderFilled) -> dt.date | None:
            return policy(kernel.cache.instrument(fill.instrument_id), fill.ts_event)

        today = kst_date(kernel.clock.timestamp_ns())
        for n, client in enumerate(self.executions):
            state = await client.account_state()
            balance = None if state is None else state.balance(KRW)
            cash = Money.zero(KRW) if balance is None else balance.total
            mine = [f for f in fills if self._in_account(f.account_id, n)]
            account = opening_account(client.account_id, cash, mine, settles_on, today)
            kernel.add_account(account, default=n == 0)
            books = account.balance(KRW)
            self.log.info(
                "account",
                account=str(client.account_id),
                cash=None if balance is None else str(balance.total),
                settled=str(books.settled),
                unsettled=str(books.unsettled),
                venue_unsettled=None if balance is None else str(balance.unsettled),
            )

    def _in_account(self, account_id: AccountId | None, n: int) -> bool:
        """Whether something booked under ``account_id`` belongs to the ``n``-th client's
        account: `Portfolio.holder`'s rule (what names no account is the default's, the first
        client's), which runs before the portfolio has its accounts."""
        return (account_id or self.executions[0].account_id) == self.executions[n].account_id

    async def _settle_loop(self) -> None:
        """At each KST midnight, cash due that day becomes settled."""
        assert self.kernel is not None
        clock = self.kernel.clock
        while True:
            await asyncio.sleep(seconds_to_next_kst_day(clock.timestamp_ns()))
            self.kernel.portfolio.settle(kst_date(clock.timestamp_ns()))

    async def _recover(self) -> None:
        """Journal -> orders and positions, then the venue's reports close the gap."""
        assert self.storage is not None
        assert self.kernel is not None
        kernel = self.kernel
        recovered = reconciliation.rebuild_orders(self.storage.journal)
        stats = self.recovery
        stats.rebuilt = len(recovered.orders)
        stats.broken = len(recovered.broken)
        for order in recovered.orders:
            kernel.cache.add_order(order)
        for fill in recovered.fills:  # journal order: the order they were first applied in
            kernel.portfolio.apply_fill(fill)
        if self.recorder is not None:
            self.recorder.catch_up(recovered)
        await self.reconcile(startup=True)
        # the adapter must follow the orders still working at the venue (their notices, a
        # cancel at stop); `recover` books what KIS did since the reconciliation's inquiry
        working = [o for o in kernel.cache.orders() if not o.is_closed]
        traded = {client.account_id for client in self.executions}
        orphans = [o for o in working if o.account_id is not None and o.account_id not in traded]
        if orphans:  # an account taken out of the config: nobody follows these any more
            self.log.error(
                "orders_of_accounts_not_traded",
                count=len(orphans),
                accounts=sorted({str(o.account_id) for o in orphans}),
                orders=[str(o.client_order_id) for o in orphans[:10]],
            )
        adopted = 0
        for n, client in enumerate(self.executions):
            count = client.adopt([o for o in working if self._in_account(o.account_id, n)])
            if count:
                await client.recover()
            adopted += count
        self.log.info("orders_adopted", count=adopted)

    async def reconcile(self, *, startup: bool = False) -> list[reconciliation.ReconciliationPlan]:
        """Compare the node's orders and positions with the venue's reports, account by
        account, and apply the difference (callable at any time; the node runs it at start).
        At ``startup`` orders the venue never got (the previous process died before sending)
        are closed too. Returns each account's plan, the default account's first."""
        assert self.kernel is not None
        self.recovery.open_orders = sum(not o.is_closed for o in self.kernel.cache.orders())
        return [await self._reconcile_account(n, startup) for n in range(len(self.executions))]

    async def _reconcile_account(self, n: int, startup: bool) -> reconciliation.ReconciliationPlan:
        assert self.kernel is not None
        kernel = self.kernel
        client = self.executions[n]
        # closed orders too: their venue orders are spoken for
        orders = [o for o in kernel.cache.orders() if self._in_account(o.account_id, n)]
        open_orders = [o for o in orders if not o.is_closed]
        statuses = await client.order_status_reports(open_only=False)
        fills = await client.fill_reports()
        now = time.time_ns()
        plan = reconciliation.plan(
            orders,
            statuses,
            fills,
            now=now,
            close_unsent=startup,
            reports_since_ns=reconciliation.report_window_start(now),
        )
        for event in plan.events:
            kernel.handle_execution_event(event)
        self.recovery.events_applied += len(plan.events)
        self.recovery.fills_applied += plan.fills
        self.recovery.external_orders += len(plan.external)
        self.recovery.notes += plan.notes
        for report in plan.external:
            self.log.warning(
                "external_order",
                account=str(client.account_id),
                venue_order_id=str(report.venue_order_id),
                instrument=str(report.instrument_id),
                side=report.order_side.value,
                quantity=str(report.quantity),
                status=report.order_status.value,
            )
        positions = await client.position_reports()
        node_qty: dict[InstrumentId, Decimal] = defaultdict(Decimal)
        for position in kernel.portfolio.positions(open_only=False):
            if self._in_account(position.account_id, n):
                node_qty[position.instrument_id] += position.signed_qty
        differences = reconciliation.position_differences(node_qty, positions)
        self.recovery.position_differences += len(differences)
        for difference in differences:
            self.log.error(
                "position_difference", account=str(client.account_id), detail=str(difference)
            )
        for found in reconciliation.difference_events(
            plan,
            differences,
            trader_id=kernel.trader_id,
            account_id=client.account_id,
            now=time.time_ns(),
        ):
            self.bus.publish(RECONCILIATION_EVENTS, found)  # the alerts hear it
        self.log.info(
            "reconciled",
            account=str(client.account_id),
            orders=len(open_orders),
            events=len(plan.events),
            fills=plan.fills,
            external=len(plan.external),
            never_sent=len(plan.never_sent),
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
                    "account_id": None if p.account_id is None else str(p.account_id),
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

        watch = self.risk_watch
        return ControlHandlers(
            orders, positions, kill, reset_kill, risk=None if watch is None else watch.report
        )

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
        if self.kernel is None or self.options.role == "execution":
            return  # an execution role has no strategy: it must not blank their state file
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
        if self.base_prices is not None:
            self.base_prices.close()
        if self.control is not None:
            await self.control.stop()
        if self.commands is not None:
            self.commands.close()  # commands from now on wait in the stream for the next run
        kernel = self.kernel
        if kernel is not None:
            kernel.stop()
            if self.options.cancel_on_stop:
                cancels = sum(kernel.cancel_all_orders(s, None, None) for s in kernel.strategies)
                if self.commands is not None:
                    cancels += cancel_open_orders(kernel)
                if cancels:
                    self.log.info("cancelling_open_orders", count=cancels)
            await self._settle(grace_s)
            self._save_state()
            if self.recorder is not None:
                try:  # the day's books as the node leaves them (flushes everything first)
                    self.recorder.take_daily_snapshot(SnapshotReason.STOP)
                except Exception as exc:
                    self.log.error("daily_snapshot_failed", error=str(exc))
        if self.recorder is not None:
            try:
                self.recorder.close()  # a background flush still running is waited for
            except Exception as exc:
                self.log.error("recorder_close_failed", error=str(exc))
        for client in self.executions:
            await client.disconnect()
        if self.kis is not None:
            await self.kis.close()
        if self.simulator is not None:
            await self.simulator.stop()
        await self.bus.stop()  # flushes: the last events reach Redis and local subscribers
        if self.alerts is not None:
            await self.alerts.close()  # sends what is queued, bounded by drain_timeout_s
        if self.storage is not None:
            self.storage.close()
        self.log.info("node_stopped", **self.summary())

    async def _settle(self, grace_s: float) -> None:
        """Wait (bounded) for in-flight commands and for open orders to close."""
        assert self.kernel is not None
        deadline = asyncio.get_running_loop().time() + grace_s
        if self.executions:
            drains = asyncio.gather(*(client.drain() for client in self.executions))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(drains, grace_s)
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
            **({} if self.commands is None else {"commands": self.commands.stats.submits}),
        }
