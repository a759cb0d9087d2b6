"""The KIS simulator process: wiring, the two listeners, background loops, restart.

`KisSimulator` owns the state; `start` opens the REST port and the WebSocket port (aiohttp for
both, bound to the loopback interface), `stop` closes them, and `restart` does both on the same
ports while keeping every order, fill, balance and token in the process. With ``state_file`` set
the state is also saved every ``state_save_interval_s`` and at stop, and a new process started
with the same file continues from it.

Background loops: the market ticker (every ``tick_interval_s`` it prints the subscribed symbols
and those with resting orders, and matches), PINGPONG to every session, the WebSocket-drop
fault, and the state saver.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import logging
import signal
from collections.abc import Awaitable, Callable

import msgspec
from aiohttp import web

from jts.adapters.kis.simulator.auth import AuthAuthority
from jts.adapters.kis.simulator.config import SimulatorConfig
from jts.adapters.kis.simulator.context import SimContext
from jts.adapters.kis.simulator.faults import FaultInjector
from jts.adapters.kis.simulator.hours import AlwaysClosed, AlwaysOpen, CalendarHours, MarketHours
from jts.adapters.kis.simulator.market import SyntheticMarket
from jts.adapters.kis.simulator.rate_limit import KeyedRateLimiter
from jts.adapters.kis.simulator.replay import ReplayBars, queue_replay, with_replay_bases
from jts.adapters.kis.simulator.rest_routes import build_rest_app
from jts.adapters.kis.simulator.state import SimState, load_state, save_state
from jts.adapters.kis.simulator.venue import SimVenue, VenueRules
from jts.adapters.kis.simulator.websocket import WS_PATH, WsHub
from jts.core.clock import Clock, LiveClock
from jts.core.errors import ConfigError, StateError
from jts.core.time import KST, ns_to_dt
from jts.ports.calendar import TradingCalendar

__all__ = ["KisSimulator", "build_app", "run", "serve"]

_log = logging.getLogger(__name__)


def _load_xkrx_calendar() -> TradingCalendar:
    """The XKRX calendar of `jts.calendar`, found by name so the simulator has no hard import
    of a module that may not be installed."""
    try:
        module = importlib.import_module("jts.calendar.xkrx")
    except ImportError as exc:
        raise ConfigError(f"market_hours='xkrx' needs jts.calendar.xkrx: {exc}") from exc
    for name in ("XkrxCalendar", "XKRXCalendar", "XkrxTradingCalendar"):
        factory = getattr(module, name, None)
        if factory is not None:
            calendar = factory()
            if isinstance(calendar, TradingCalendar):
                return calendar
    raise ConfigError("jts.calendar.xkrx has no XKRX TradingCalendar class; pass one explicitly")


def _hours(config: SimulatorConfig, calendar: TradingCalendar | None) -> MarketHours:
    if config.market_hours == "closed":
        return AlwaysClosed()
    if config.market_hours == "xkrx":
        return CalendarHours(calendar if calendar is not None else _load_xkrx_calendar())
    return AlwaysOpen()


def _build_context(
    config: SimulatorConfig, clock: Clock, calendar: TradingCalendar | None
) -> SimContext:
    market = SyntheticMarket(
        config.symbols, clock, seed=config.seed, history_days=config.history_days
    )
    auth = AuthAuthority(
        config.apps,
        clock,
        lifetime_s=config.token_lifetime_s,
        reuse_window_s=config.token_reuse_window_s,
        issue_interval_s=config.token_issue_interval_s,
        approval_lifetime_s=config.approval_lifetime_s,
    )
    saved = load_state(config.state_file) if config.state_file else None
    if saved is not None:
        if saved.env != config.env:
            raise ConfigError(
                f"state file {config.state_file} belongs to env {saved.env!r}, not {config.env!r}"
            )
        state = SimState.from_file(saved)
        auth.restore(saved.auth)
        row_type = SyntheticMarket.persisted_type()
        market.restore([msgspec.json.decode(raw, type=row_type) for raw in saved.market])
    else:
        state = SimState.from_config(config)
    faults = FaultInjector(dataclasses.replace(config.faults), seed=config.seed)
    hub = WsHub(
        auth=auth,
        market=market,
        faults=faults,
        env=config.env,
        max_subscriptions=config.max_subscriptions,
        notice_layout=config.notice_layout,
    )
    hours = _hours(config, calendar)
    rules = VenueRules(
        env=config.env,
        commission_rate=config.commission_rate,
        sell_tax_rate=config.sell_tax_rate,
        fill_on_touch=config.fill_on_touch,
    )
    venue = SimVenue(
        state=state, market=market, hours=hours, clock=clock, rules=rules, listener=hub
    )
    return SimContext(
        config=config,
        clock=clock,
        auth=auth,
        limiter=KeyedRateLimiter(config.rate_per_s, config.rate_burst),
        state=state,
        market=market,
        venue=venue,
        hub=hub,
        faults=faults,
        hours=hours,
    )


class KisSimulator:
    """One simulated KIS service (one env). Use ``async with`` or `start` / `stop`."""

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        clock: Clock | None = None,
        calendar: TradingCalendar | None = None,
        replay: ReplayBars | None = None,
    ) -> None:
        config = config.with_defaults()
        if config.replay_file and replay is None:
            raise ConfigError(
                f"replay_file {config.replay_file} needs its bars read by the caller: start the "
                "simulator with `jts sim kis --replay FILE`"
            )
        if replay:
            config = with_replay_bases(config, replay)
        self.config = config
        self.ctx = _build_context(self.config, clock or LiveClock(), calendar)
        if replay:
            queue_replay(self.ctx.market, replay, config.replay_bar_seconds)
        self._runners: list[web.AppRunner] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._ports = (self.config.port, self.config.ws_port)

    # ---- addresses ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._ports[0]

    @property
    def ws_port(self) -> int:
        return self._ports[1]

    @property
    def rest_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.config.host}:{self.ws_port}"

    @property
    def running(self) -> bool:
        return bool(self._runners)

    # ---- lifecycle ------------------------------------------------------------------------------
    def build_apps(self) -> tuple[web.Application, web.Application]:
        """Fresh aiohttp applications over the same state (an app cannot be restarted)."""
        rest = build_rest_app(self.ctx, self.save)
        ws = web.Application()
        ws.router.add_get(WS_PATH, self.ctx.hub.handle)
        ws.router.add_get(WS_PATH + "/{tr_id}", self.ctx.hub.handle)
        return rest, ws

    async def start(self) -> None:
        if self._runners:
            raise StateError("the simulator is already running")
        rest_app, ws_app = self.build_apps()
        ports = []
        for app, port in ((rest_app, self._ports[0]), (ws_app, self._ports[1])):
            runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
            await runner.setup()
            site = web.TCPSite(runner, self.config.host, port, reuse_address=True)
            await site.start()
            self._runners.append(runner)
            ports.append(_bound_port(runner))
        self._ports = (ports[0], ports[1])
        self._tasks = [
            asyncio.create_task(self._every(self.config.tick_interval_s, self._tick)),
            asyncio.create_task(self._every(self.config.pingpong_interval_s, self._ping)),
        ]
        if self.config.state_file:
            self._tasks.append(
                asyncio.create_task(self._every(self.config.state_save_interval_s, self.save))
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.ctx.hub.close_all()
        for runner in self._runners:
            await runner.cleanup()
        self._runners = []
        await self.save()

    async def restart(self) -> None:
        """Stop and start on the same ports; the state (orders, fills, tokens) is kept."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> KisSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- loops ----------------------------------------------------------------------------------
    async def _every(self, interval_s: float, action: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await action()
            except Exception:
                _log.exception("simulator background task failed")

    async def _tick(self) -> None:
        ctx = self.ctx
        if ctx.faults.drop_now(self.config.tick_interval_s):
            ctx.hub.drop_all()
        wanted = ctx.hub.subscribed_symbols() | ctx.venue.active_symbols()
        symbols = sorted(s for s in wanted if ctx.market.has(s))
        if symbols and ctx.venue.step(symbols):
            ctx.dirty = True

    async def _ping(self) -> None:
        now = ns_to_dt(self.ctx.clock.timestamp_ns(), KST)
        self.ctx.hub.ping_all(now.strftime("%Y%m%d%H%M%S"))

    async def save(self) -> None:
        """Write the state file (if configured and something changed)."""
        ctx = self.ctx
        if not self.config.state_file or not ctx.dirty:
            return
        data = ctx.state.to_file(
            ctx.env,
            ctx.auth.snapshot(),
            [msgspec.json.encode(row) for row in ctx.market.snapshot()],
        )
        save_state(self.config.state_file, data)
        ctx.dirty = False


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise StateError("the simulator's listener has no TCP address")


def build_app(
    config: SimulatorConfig,
    *,
    clock: Clock | None = None,
    calendar: TradingCalendar | None = None,
    replay: ReplayBars | None = None,
) -> KisSimulator:
    """A simulator ready to `start` (the REST and WebSocket apps come from `build_apps`)."""
    return KisSimulator(config, clock=clock, calendar=calendar, replay=replay)


def describe(sim: KisSimulator) -> str:
    """What a person needs to point a client at the simulator (printed at start)."""
    cfg = sim.config
    lines = [
        f"KIS simulator ({cfg.env}) REST {sim.rest_url}  WebSocket {sim.ws_url}{WS_PATH}",
    ]
    for app in cfg.apps:
        lines.append(f"  app key    {app.app_key}")
        lines.append(f"  app secret {app.app_secret}")
    for account in cfg.accounts:
        lines.append(
            f"  account    {account.cano}-{account.product}  HTS id {account.hts_id}  "
            f"cash {account.cash:,} KRW"
        )
    for symbol, left in sim.ctx.market.replay_left().items():
        lines.append(f"  replaying  {symbol}: {left} prints from {cfg.replay_file or 'bars'}")
    return "\n".join(lines)


async def serve(
    config: SimulatorConfig,
    *,
    announce: Callable[[str], None] | None = None,
    stop_event: asyncio.Event | None = None,
    replay: ReplayBars | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or ``stop_event``), then stop cleanly (saving the state)."""
    sim = build_app(config, replay=replay)
    await sim.start()
    (announce or _print)(describe(sim))
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sim.stop()


def _print(text: str) -> None:
    print(text, flush=True)  # a supervisor reading our stdout needs the line now


def run(config: SimulatorConfig, *, replay: ReplayBars | None = None) -> None:
    """Blocking entry point for the CLI (``jts sim kis``; ``replay`` for ``--replay``)."""
    asyncio.run(serve(config, replay=replay))
