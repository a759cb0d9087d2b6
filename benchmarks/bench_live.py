"""Live node: tick-in to order-out latency through the whole path, p50 and p99.

The clock starts when the KIS WebSocket frame carrying the tick reaches the node (the tick's
``ts_init``, taken before the frame is split, decrypted or parsed) and stops when the order's
HTTP request is handed to the socket (asyncio's ``transport.write``, `SocketWrites`), so it
covers frame parse, the strategy, risk, the OMS journal (both `OrderInitialized` and
`OrderSubmitted` are committed first) and the HTTP client's work, and excludes the venue's
answer. (Until session 5 the clock stopped when httpx's transport was handed the request,
which left out ~0.5 ms of httpx's own work before the socket.)

Two cases, each against a fresh `jts sim kis` process (the venue is never in the measured
process, so its own work is not counted against the node):

(a) ``jts up`` in one process (role ``all``): in-process bus, SQLite journal (WAL, NORMAL);
(b) the split node: ``--role market-data``, ``strategy`` and ``execution`` in three processes
    over the Redis Streams bus, journal on PostgreSQL (the order and fill tables written by a
    thread of the execution role's recorder).

The strategy (`EveryNthTick`) orders one share on every 10th trade tick (a tick every 10 ms,
so 10 orders a second: a rate the node keeps up with, so the figures are latency, not queueing)
until it has sent 2,000 orders, each tagged with its tick's ``ts_init``; the measured process
pairs each order written to the socket with its tag, in submission order, checking side and
quantity. The first ``WARMUP`` orders are left out (connection set-up, first-use caches).
Besides p50/p99 it prints three stages (tick -> order made by the strategy -> `OrderSubmitted`
journaled -> socket) and the journal's commit times: the OMS's persist step before an order
leaves (its two events in one transaction), and each of the venue's answers after. Targets
(issue 6): p99 < 1 ms in-process, < 5 ms over Redis.

(b) runs twice, with PostgreSQL's ``synchronous_commit`` on (the default: a commit waits for
its WAL flush) and off (``database.synchronous_commit = false``: it does not; see
docs/operations.md for what that risks).

Knobs (environment): ``JTS_BENCH_LIVE_ORDERS``, ``_EVERY``, ``_TICK_S``, ``_CASES`` (``ab``,
``a`` or ``b``), ``_SYNC`` (``on,off``: (b)'s settings), ``_RECORD_S`` (the node's table
recorder interval, 1 s as in production), ``_PROFILE=1`` (cProfile of the measured process,
sorted by ``_SORT``), ``_KEEP=DIR`` (keep the nodes' logs), ``_TRACE=1`` (the adapter's
hand-over split in two, every event-loop callback and journal commit over 0.5 ms and every
SQLite checkpoint, in every node, with the ten slowest orders and what overlapped them: costs
a few microseconds per callback, so leave it off for the figures you report). Needs Redis and
PostgreSQL on 127.0.0.1 for (b); prints "skipped: ..." otherwise.

Where the tail comes from: every node records its garbage collections (start, duration,
generation; this costs nothing measurable), and for the orders slower than the target the
report says how many overlapped a collection in a node on their path, and (with ``_TRACE``) a
slow callback, named. The clock starts when the node reads the frame: a tick that waited in
the socket while the loop was busy elsewhere does not show, so keeping the loop free (the
recorder, checkpoints) matters more than these figures alone say.
The machine's load is printed before and after: on a shared machine the figures move with it.
"""

from __future__ import annotations

import contextlib
import cProfile
import dataclasses
import gc
import itertools
import json
import os
import pstats
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from jts.domain.market_data import TradeTick
from jts.kernel.strategy import Strategy, StrategyParams

ORDERS = int(os.environ.get("JTS_BENCH_LIVE_ORDERS", "2000"))
EVERY = int(os.environ.get("JTS_BENCH_LIVE_EVERY", "10"))
TICK_INTERVAL_S = float(os.environ.get("JTS_BENCH_LIVE_TICK_S", "0.01"))
#: (b)'s PostgreSQL ``synchronous_commit`` settings, each a run of its own.
SYNC = [v for v in os.environ.get("JTS_BENCH_LIVE_SYNC", "on,off").split(",") if v]
WARMUP = 50
TAG = "tick_ns="
HOST = "127.0.0.1"
PG_ADMIN = os.environ.get(
    "JTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"
)
REDIS_URL = os.environ.get("JTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ENTRY = "from jts.cli.main import main; main()"
CHILD = "from benchmarks.bench_live import child; child()"
STRATEGY = f"{Path(__file__).resolve()}:EveryNthTick"


class EveryNthTick(Strategy):
    """Orders one share on every ``every``-th trade tick, ``orders`` times: buys when flat,
    sells what it holds when nothing is in flight (the account never goes short)."""

    class Params(StrategyParams):
        instrument: str = "005930.KRX"
        every: int = EVERY
        orders: int = ORDERS

    def on_start(self) -> None:
        self.subscribe_trade_ticks(self.params.instrument)
        self.seen = 0
        self.sent = 0

    def on_trade_tick(self, tick: TradeTick) -> None:
        self.seen += 1
        if self.sent >= self.params.orders or self.seen % self.params.every:
            return
        self.sent += 1
        instrument = tick.instrument_id
        tags = (f"{TAG}{tick.ts_init}",)
        if self.position_qty(instrument) > 0 and not self.open_orders(instrument):
            self.sell(instrument, 1, tags=tags)
        else:
            self.buy(instrument, 1, tags=tags)


# ---- the measured process -----------------------------------------------------------------
class SocketWrites:
    """Notes when each order request's bytes are handed to the socket (asyncio's
    ``transport.write``), with its side and quantity (to check the pairing): the point where
    the order has left the node's code, whichever HTTP client wrote it."""

    def __init__(self) -> None:
        from asyncio import selector_events

        self.orders: list[tuple[int, str, str]] = []
        self._head: int | None = None  # a request whose body comes in the next write
        cls = selector_events._SelectorSocketTransport
        write = cls.write

        def timed(transport: Any, data: Any) -> None:
            now = time.time_ns()
            chunk = bytes(data[:200])
            if chunk.startswith(b"POST ") and b"/order-cash " in chunk.split(b"\r\n", 1)[0]:
                _, _, body = bytes(data).partition(b"\r\n\r\n")
                if body:
                    self._note(now, body)
                else:
                    self._head = now
            elif self._head is not None:
                self._note(self._head, bytes(data))
                self._head = None
            write(transport, data)

        cls.write = timed  # type: ignore[method-assign]

    def _note(self, at: int, body: bytes) -> None:
        fields = json.loads(body)
        side = "SELL" if fields.get("SLL_TYPE") == "01" else "BUY"
        self.orders.append((at, side, str(fields["ORD_QTY"])))


class Trace:
    """What a node did besides the order path: garbage collections always; with ``detail``,
    the event-loop callbacks that ran longer than ``SLOW_NS`` and, in the measured node, when
    the adapter was handed each order and when its task began (see the module doc)."""

    SLOW_NS = 500_000

    def __init__(self, *, detail: bool, measured: bool) -> None:
        self.detail = detail
        self.gc: list[tuple[int, int, int]] = []  # (start ns, duration ns, generation)
        self.slow: list[tuple[int, int, str]] = []  # (start ns, duration ns, callback)
        self.handed: dict[str, int] = {}  # client order id -> submit_order called
        self._gc_start = 0
        gc.callbacks.append(self._on_gc)
        self.checkpoints: list[tuple[int, int, int, int]] = []  # start, duration, frames, done
        if detail:
            self._time_callbacks()
            self._time_checkpoints()
            self._time_inserts()
            if measured:
                self._time_adapter()

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter_ns()
            return
        took = time.perf_counter_ns() - self._gc_start
        self.gc.append((time.time_ns() - took, took, info["generation"]))

    def _time_callbacks(self) -> None:
        from asyncio import events

        run = events.Handle._run
        slow, limit = self.slow, self.SLOW_NS

        def timed(handle: Any) -> None:
            started = time.perf_counter_ns()
            run(handle)
            took = time.perf_counter_ns() - started
            if took > limit:
                slow.append((time.time_ns() - took, took, _describe(handle)))

        events.Handle._run = timed  # type: ignore[method-assign]

    def _time_inserts(self) -> None:
        from jts.storage.repositories.journal_writer import JournalWriter

        insert, slow, limit = JournalWriter.insert, self.slow, self.SLOW_NS

        def timed(writer: Any, rows: Any) -> Any:
            started = time.perf_counter_ns()
            try:
                return insert(writer, rows)
            finally:
                took = time.perf_counter_ns() - started
                if took > limit:
                    slow.append((time.time_ns() - took, took, "journal INSERT+COMMIT"))

        JournalWriter.insert = timed  # type: ignore[method-assign]

    def _time_checkpoints(self) -> None:
        from jts.storage.checkpoint import WalCheckpointer

        run_once, done = WalCheckpointer.run_once, self.checkpoints

        def timed(checkpointer: Any) -> Any:
            started = time.perf_counter_ns()
            result = run_once(checkpointer)
            took = time.perf_counter_ns() - started
            frames = result or (0, 0, 0)
            done.append((time.time_ns() - took, took, frames[1], frames[2]))
            return result

        WalCheckpointer.run_once = timed  # type: ignore[method-assign]

    def _time_adapter(self) -> None:
        from jts.adapters.kis.execution import KisExecutionClient

        submit_order, handed = KisExecutionClient.submit_order, self.handed

        def timed_submit_order(client: Any, command: Any) -> None:
            handed[str(command.client_order_id)] = time.time_ns()
            submit_order(client, command)

        KisExecutionClient.submit_order = timed_submit_order  # type: ignore[method-assign]

    def dump(self) -> dict[str, Any]:
        return {
            "detail": self.detail,
            "gc": self.gc,
            "slow": self.slow,
            "checkpoints": self.checkpoints,
            "handed": self.handed,
        }


def _describe(handle: Any) -> str:
    """A slow callback's name: the coroutine a task step ran, else the function."""
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if task is not None and hasattr(task, "get_coro"):
        coro = task.get_coro()
        return getattr(coro, "__qualname__", repr(coro))
    return getattr(callback, "__qualname__", repr(callback))


def child() -> None:
    """``python -c CHILD ROLE OUT DURATION_S SIM_CONFIG PORT WS_PORT``: one node of a case."""
    import asyncio

    from jts.cli.up import bring_up
    from jts.config import load_config
    from jts.live.factory import build_node
    from jts.live.node import LiveNode, NodeOptions
    from jts.live.runner import serve
    from jts.monitoring.logging import configure_logging

    role, out, duration, sim_config, port, ws_port = sys.argv[1:7]
    settings = load_config().settings
    configure_logging("WARNING", "console")
    bring_up(settings)  # as `jts up` does: migrated database, reference instruments
    measured = role in ("all", "execution")
    wire = SocketWrites() if measured else None
    options = NodeOptions(
        strategy=STRATEGY,
        sim_config=Path(sim_config),
        sim_port=int(port),
        sim_ws_port=int(ws_port),
        role=role,  # type: ignore[arg-type]
        state_save_s=3600,
        record_s=float(os.environ.get("JTS_BENCH_LIVE_RECORD_S", "1.0")),
    )
    node = build_node(settings, options)
    journal_ns = _time_journal_appends() if measured else []
    trace = Trace(detail=bool(os.environ.get("JTS_BENCH_LIVE_TRACE")), measured=measured)
    profiler = cProfile.Profile() if measured and os.environ.get("JTS_BENCH_LIVE_PROFILE") else None
    if profiler is not None:
        profiler.enable()
    asyncio.run(serve(node, duration_s=float(duration)))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(out + ".prof")
    Path(f"{out}.{role}.trace").write_text(json.dumps(trace.dump()))
    if not measured:
        return
    assert isinstance(node, LiveNode)
    assert node.kernel is not None
    assert wire is not None
    orders = []
    for order in node.kernel.cache.orders():
        submitted = [e for e in order.events if type(e).__name__ == "OrderSubmitted"]
        tick = [t for t in order.tags if t.startswith(TAG)]
        if submitted and tick:
            orders.append(
                (
                    submitted[0].ts_init,
                    int(tick[0].removeprefix(TAG)),
                    order.side.value,
                    str(order.quantity),
                    order.ts_init,
                    str(order.client_order_id),
                )
            )
    orders.sort()
    Path(out).write_text(
        json.dumps({"orders": orders, "sent": wire.orders, "journal_ns": journal_ns})
    )


def _time_journal_appends() -> list[tuple[int, int]]:
    """Time every journal append of this process, as (events, ns): the OMS's persist step
    before an order leaves is the one append of two events (`OrderInitialized` and
    `OrderSubmitted` in one transaction); the venue's answers are appended one at a time."""
    from jts.storage.repositories.journal import SqlOrderEventJournal

    durations: list[tuple[int, int]] = []
    append_many = SqlOrderEventJournal.append_many  # `append` goes through it too

    def timed(self: Any, events: Any, *, order_seqs: Any = None) -> list[int]:
        started = time.perf_counter_ns()
        try:
            return append_many(self, events, order_seqs=order_seqs)
        finally:
            durations.append((len(events), time.perf_counter_ns() - started))

    SqlOrderEventJournal.append_many = timed  # type: ignore[method-assign]
    return durations


# ---- the harness ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _reachable(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=2):
        return True
    return False


@dataclasses.dataclass
class Case:
    label: str
    roles: list[str]
    env: dict[str, str]
    journal_url: str


class Harness:
    def __init__(self, workdir: Path) -> None:
        from jts.adapters.kis.simulator import AccountConfig, SimulatorConfig

        self.workdir = workdir
        first = SimulatorConfig.generate("paper")
        second = SimulatorConfig.generate("paper")
        account = dataclasses.replace(first.accounts[0], cash=10_000_000_000)
        config = dataclasses.replace(
            first,
            apps=(first.apps[0], second.apps[0]),
            accounts=(AccountConfig(cano=account.cano, cash=account.cash),),
            rate_limit_per_s=100_000,
            market_hours="always",
        )
        self.sim_config = workdir / "sim.json"
        self.sim_config.write_bytes(msgspec.json.encode(config))
        self.procs: list[subprocess.Popen[bytes]] = []

    def _spawn(
        self, code: str, args: list[str], env: dict[str, str], log: str
    ) -> subprocess.Popen[bytes]:
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        full_env = {**os.environ, **env, "PYTHONPATH": path}
        full_env.pop("JTS_CONFIG", None)
        out = (self.workdir / log).open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=self.workdir,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def start_sim(self, name: str) -> tuple[int, int]:
        port, ws_port = _free_port(), _free_port()
        self._spawn(
            ENTRY,
            ["sim", "kis", "--host", HOST, "--port", str(port), "--ws-port", str(ws_port),
             "--config", str(self.sim_config), "--tick-interval", str(TICK_INTERVAL_S),
             "--market-hours", "always"],
            {},
            f"{name}-sim.log",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{HOST}:{port}/sim/state", timeout=2).status_code == 200:
                    return port, ws_port
            time.sleep(0.2)
        raise RuntimeError("the simulator did not start")

    def run(self, case: Case, name: str) -> dict[str, Any]:
        port, ws_port = self.start_sim(name)
        out = self.workdir / f"{name}.json"
        expected_s = ORDERS * EVERY * TICK_INTERVAL_S
        duration = str(expected_s * 3 + 120)  # a bound; the harness stops the nodes earlier
        nodes = {}
        for role in case.roles:
            nodes[role] = self._spawn(
                CHILD,
                [role, str(out), duration, str(self.sim_config), str(port), str(ws_port)],
                case.env,
                f"{name}-{role}.log",
            )
        self._wait_orders(case, nodes, deadline_s=expected_s * 3 + 90)
        for role in ("strategy", "execution", "all", "market-data"):
            proc = nodes.get(role)
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        result: dict[str, Any] = json.loads(out.read_text())
        result["traces"] = {
            role: json.loads(path.read_text())
            for role in case.roles
            if (path := Path(f"{out}.{role}.trace")).exists()
        }
        return result

    def _wait_orders(
        self, case: Case, nodes: dict[str, subprocess.Popen[bytes]], deadline_s: float
    ) -> None:
        import sqlalchemy as sa

        deadline = time.monotonic() + deadline_s
        engine = sa.create_engine(case.journal_url)
        query = sa.text("select count(distinct client_order_id) from order_events")
        try:
            while time.monotonic() < deadline:
                for role, proc in nodes.items():
                    if proc.poll() is not None:
                        raise RuntimeError(f"the {role} node exited early (see its log)")
                time.sleep(1.0)
                with contextlib.suppress(sa.exc.SQLAlchemyError), engine.connect() as conn:
                    if conn.execute(query).scalar_one() >= ORDERS:
                        time.sleep(1.0)  # the last answers
                        return
            raise RuntimeError(f"{ORDERS} orders were not journaled in {deadline_s:.0f} s")
        finally:
            engine.dispose()

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def latencies(result: dict[str, Any]) -> tuple[list[int], int]:
    """Tick-to-transport latencies in ns, paired in submission order; and how many pairs
    disagree on side or quantity (0 unless the pairing is wrong)."""
    orders, sent = result["orders"], result["sent"]
    mismatched = 0
    samples = []
    for (_, tick_ns, side, qty, *_), (sent_ns, sent_side, sent_qty) in zip(
        orders, sent, strict=False
    ):
        if (side, qty) != (sent_side, sent_qty):
            mismatched += 1
        samples.append(sent_ns - tick_ns)
    mismatched += abs(len(orders) - len(sent))
    return samples[WARMUP:], mismatched


def _quantile(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] / 1e6 if ordered else 0.0


def _report(label: str, result: dict[str, Any], target_ms: float) -> None:
    samples, mismatched = latencies(result)
    if not samples:
        print(f"{label}: no orders measured")
        return
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] / 1e6

    orders = result["orders"][WARMUP:]
    sent = result["sent"][WARMUP:]
    stages = [
        ("tick->order made", [o[4] - o[1] for o in orders]),
        ("made->OrderSubmitted", [o[0] - o[4] for o in orders]),
        ("OrderSubmitted->socket", [s[0] - o[0] for o, s in zip(orders, sent, strict=False)]),
    ]
    traces = result.get("traces", {})
    measured = traces.get("all") or traces.get("execution") or {}
    handed = measured.get("handed", {})
    if handed:
        paired = [(o, s) for o, s in zip(orders, sent, strict=False) if o[5] in handed]
        stages += [
            ("  OrderSubmitted->adapter called", [handed[o[5]] - o[0] for o, _ in paired]),
            ("  called->socket", [s[0] - handed[o[5]] for o, s in paired]),
        ]
    print(
        "  stages (p50 / p99 ms): "
        + "; ".join(
            f"{name} {_quantile(v, 0.5):.3f} / {_quantile(v, 0.99):.3f}" for name, v in stages
        )
    )
    journal = result.get("journal_ns", [])
    before = [ns for events, ns in journal if events == 2]
    after = [ns for events, ns in journal if events == 1]
    if before:
        print(
            f"  journal commit before each order leaves (the OMS persist step, {len(before)}): "
            f"p50 {_quantile(before, 0.5):.3f} ms, p99 {_quantile(before, 0.99):.3f} ms"
        )
    if after:
        print(
            f"  journal commit of each venue answer ({len(after)}): "
            f"p50 {_quantile(after, 0.5):.3f} ms, p99 {_quantile(after, 0.99):.3f} ms"
        )
    _attribute(orders, sent, traces, target_ms)
    if measured.get("detail"):
        _worst(orders, sent, traces, measured)
    verdict = "meets" if pct(0.99) < target_ms else "MISSES"
    print(
        f"{label}: {len(samples)} orders, p50 {pct(0.50):.3f} ms, p90 {pct(0.90):.3f} ms, "
        f"p99 {pct(0.99):.3f} ms, max {ordered[-1] / 1e6:.3f} ms, mean "
        f"{statistics.fmean(samples) / 1e6:.3f} ms ({verdict} p99 < {target_ms:g} ms); "
        f"pairing mismatches {mismatched}"
    )


def _attribute(
    orders: list[Any], sent: list[Any], traces: dict[str, Any], target_ms: float
) -> None:
    """Which orders over the target overlapped a garbage collection or a slow event-loop
    callback in a node on their path, and each node's collections while orders were measured."""
    if not orders or not sent:
        return
    windows = [(o[1], s[0]) for o, s in zip(orders, sent, strict=False)]
    span = (windows[0][0], windows[-1][1])
    late = [(a, b) for a, b in windows if b - a > target_ms * 1e6]
    for role, trace in traces.items():
        collections = [c for c in trace.get("gc", []) if span[0] <= c[0] <= span[1]]
        summary = []
        for generation in (0, 1, 2):
            pauses = [c[1] for c in collections if c[2] == generation]
            if pauses:
                summary.append(
                    f"gen{generation} {len(pauses)}x p50 {_quantile(pauses, 0.5):.3f} / "
                    f"max {max(pauses) / 1e6:.3f} ms"
                )
        print(f"  {role}: collections while measuring: " + ("; ".join(summary) or "none"))
        if not late:
            continue
        hit_gc = hit_slow = 0
        names: dict[str, int] = {}
        for start, end in late:
            if any(c[0] < end and c[0] + c[1] > start for c in collections):
                hit_gc += 1
            over = [c for c in trace.get("slow", []) if c[0] < end and c[0] + c[1] > start]
            hit_slow += bool(over)
            for c in over:
                names[c[2]] = names.get(c[2], 0) + 1
        top = ", ".join(f"{n} ({k})" for n, k in sorted(names.items(), key=lambda i: -i[1])[:5])
        print(
            f"    of the {len(late)} orders over {target_ms:g} ms: {hit_gc} overlapped a "
            f"collection here"
            + (f", {hit_slow} a callback over 0.5 ms: {top or '-'}" if trace.get("detail") else "")
        )


def _worst(
    orders: list[Any], sent: list[Any], traces: dict[str, Any], measured: dict[str, Any]
) -> None:
    """The ten slowest orders, stage by stage, with what ran in each node meanwhile."""
    handed = measured.get("handed", {})
    pairs = sorted(zip(orders, sent, strict=False), key=lambda p: p[0][1] - p[1][0])[:10]
    print("  the ten slowest orders (ms): tick->made, ->submitted, ->called, ->socket")
    for order, out in pairs:
        marks = [order[1], order[4], order[0], handed.get(order[5]), out[0]]
        if None in marks:
            continue
        steps = " ".join(f"{(b - a) / 1e6:.2f}" for a, b in itertools.pairwise(marks))
        start, end = order[1], out[0]
        seen = []
        for role, trace in traces.items():
            for c in trace.get("gc", []):
                if c[0] < end and c[0] + c[1] > start:
                    seen.append(f"{role}:gc{c[2]} {c[1] / 1e6:.2f}")
            for c in trace.get("slow", []):
                if c[0] < end and c[0] + c[1] > start:
                    seen.append(f"{role}:{c[2]} {c[1] / 1e6:.2f}")
            for c in trace.get("checkpoints", []):
                if c[0] < end and c[0] + c[1] > start:
                    seen.append(f"{role}:checkpoint of {c[2]} frames {c[1] / 1e6:.2f}")
        print(f"    {(end - start) / 1e6:.2f} = {steps}; {'; '.join(seen) or '-'}")


def _print_profile(path: Path, label: str) -> None:
    if not path.exists():
        return
    print(f"--- profile of the measured process, {label} (cumulative, top 25)")
    stats = pstats.Stats(str(path))
    stats.sort_stats(os.environ.get("JTS_BENCH_LIVE_SORT", "cumulative")).print_stats(40)


def _fresh_database() -> tuple[str, Any]:
    import sqlalchemy as sa

    name = f"jts_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _delete_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _split_case(harness: Harness, workdir: Path, sync: str) -> None:
    """(b) with PostgreSQL's ``synchronous_commit`` ``on`` (the default) or ``off``, each on a
    fresh database and stream prefix."""
    url, drop = _fresh_database()
    prefix = f"jts_bench_{secrets.token_hex(4)}"
    name = f"split-{sync}"
    try:
        split = Case(
            f"(b) split over Redis, PostgreSQL, synchronous_commit {sync}",
            ["execution", "market-data", "strategy"],
            {
                "JTS_DATA_DIR": str(workdir / name),
                "JTS_PROFILE": "production",
                "JTS_DATABASE__URL": url,
                "JTS_DATABASE__SYNCHRONOUS_COMMIT": sync,
                "JTS_BUS__REDIS_URL": REDIS_URL,
                "JTS_BUS__STREAM_PREFIX": prefix,
            },
            url,
        )
        print(f"load before {name}: {Path('/proc/loadavg').read_text().strip()}")
        result = harness.run(split, name)
        _report(split.label, result, 5.0)
        _print_profile(workdir / f"{name}.json.prof", split.label)
    finally:
        harness.close()
        drop()
        _delete_prefix(prefix)


def main() -> None:
    print(
        f"{ORDERS} orders, one every {EVERY} ticks, a tick every {TICK_INTERVAL_S * 1000:g} ms; "
        f"first {WARMUP} orders left out; load {Path('/proc/loadavg').read_text().strip()}"
    )
    keep = os.environ.get("JTS_BENCH_LIVE_KEEP")  # a folder to keep the nodes' logs in
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        harness = Harness(workdir)
        try:
            data_dir = workdir / "inproc"
            sqlite = f"sqlite:///{data_dir / 'jts.db'}"
            inproc = Case(
                "(a) in-process bus, SQLite",
                ["all"],
                {"JTS_DATA_DIR": str(data_dir), "JTS_PROFILE": "embedded"},
                sqlite,
            )
            cases = os.environ.get("JTS_BENCH_LIVE_CASES", "ab")
            if "a" in cases:
                result = harness.run(inproc, "inproc")
                _report(inproc.label, result, 1.0)
                _print_profile(workdir / "inproc.json.prof", inproc.label)
            if "b" not in cases:
                return
            if not (_reachable(5432) and _reachable(6379)):
                print(
                    "(b) split over Redis with PostgreSQL: skipped: PostgreSQL or Redis unreachable"
                )
                return
            for sync in SYNC:
                _split_case(harness, workdir, sync)
        finally:
            harness.close()
    print(f"load after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
