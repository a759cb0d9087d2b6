"""Crash test (issue 6 §7): a node trading against a separate `jts sim kis` process is killed
with SIGKILL at random moments and restarted on the same data dir; at the end no order or fill
is lost or doubled and the positions and cash in the journal equal the simulator's books.

The simulator runs as its own process with a state file, so it keeps trading and keeps its
books while the node is dead, as a broker would. `run_crash_session` is shared with
``benchmarks/soak_crash.py`` (20 kills, several hundred orders).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
import msgspec
import pytest

from jts.adapters.kis.simulator import SimulatorConfig
from jts.adapters.kis.simulator.state import StateFile, load_state
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderFilled
from jts.domain.orders import Order
from jts.live.reconciliation import rebuild_orders
from jts.storage import Storage

ENTRY = "from jts.cli.main import main; main()"
HOST = "127.0.0.1"


#: The SMA example on 2-trade bars with 2/3-bar averages: it crosses every few bars, so a node
#: is nearly always between an order and its answer when it is killed or stopped (the demo's
#: 5-trade bars and 3/8 averages sent ~120 orders over the soak's 20 kills; this, ~1,800).
FAST_TRADING = (
    "--param", "fast=2", "--param", "slow=3",
    "--param", "bar_type=005930.KRX-2-TICK-LAST-INTERNAL",
)  # fmt: skip


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class CrashReport:
    kills: int = 0
    journal_orders: int = 0
    journal_fills: int = 0
    venue_orders: int = 0
    venue_fills: int = 0
    problems: list[str] = field(default_factory=list)


class _Session:
    def __init__(
        self, workdir: Path, *, tick_interval_s: float, node_args: Sequence[str] = ()
    ) -> None:
        self.workdir = workdir
        self.node_args = tuple(node_args)
        self.port, self.ws_port = _free_port(), _free_port()
        self.config_path = workdir / "sim.json"
        self.state_path = workdir / "sim-state.json"
        self.data_dir = workdir / "var"
        config = SimulatorConfig.generate("paper", rate_limit_per_s=50, market_hours="always")
        self.config_path.write_bytes(msgspec.json.encode(config))
        self.tick_interval_s = tick_interval_s
        self.sim: subprocess.Popen[bytes] | None = None
        self.node: subprocess.Popen[bytes] | None = None
        self.node_runs = 0

    def _cli(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "JTS_DATA_DIR": str(self.data_dir)}
        env.pop("JTS_CONFIG", None)
        out = (self.workdir / log).open("ab")
        return subprocess.Popen(
            [sys.executable, "-c", ENTRY, *args],
            cwd=self.workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def start_sim(self) -> None:
        self.sim = self._cli(
            "sim", "kis", "--host", HOST, "--port", str(self.port),
            "--ws-port", str(self.ws_port), "--config", str(self.config_path),
            "--state-file", str(self.state_path), "--tick-interval", str(self.tick_interval_s),
            "--market-hours", "always", log="sim.log",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if self.admin("GET", "/sim/state").status_code == 200:
                    return
            if self.sim.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("the simulator did not start: " + self._tail("sim.log"))

    def admin(self, method: str, path: str) -> httpx.Response:
        return httpx.request(method, f"http://{HOST}:{self.port}{path}", timeout=5)

    def start_node(self) -> None:
        self.node_runs += 1
        self.node = self._cli(
            "--log-format", "json", "up", "--sim-config", str(self.config_path),
            "--sim-port", str(self.port), "--sim-ws-port", str(self.ws_port), *self.node_args,
            log=f"node-{self.node_runs}.log",
        )  # fmt: skip

    def wait_started(self, timeout_s: float = 60) -> None:
        assert self.node is not None
        deadline = time.monotonic() + timeout_s
        log = f"node-{self.node_runs}.log"
        while time.monotonic() < deadline:
            if '"node_started"' in self._read(log):
                return
            if self.node.poll() is not None:
                raise AssertionError(f"the node exited early: {self._tail(log)}")
            time.sleep(0.1)
        raise AssertionError(f"the node did not start in {timeout_s} s: {self._tail(log)}")

    def kill_node(self) -> None:
        assert self.node is not None
        self.node.send_signal(signal.SIGKILL)
        self.node.wait(timeout=10)

    def stop_node(self) -> None:
        assert self.node is not None
        self.node.send_signal(signal.SIGTERM)
        try:
            code = self.node.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.node.kill()
            raise AssertionError("the node did not stop on SIGTERM") from None
        assert code == 0, self._tail(f"node-{self.node_runs}.log")

    def venue_books(self) -> StateFile:
        """The simulator's own books: saved to its state file on request, then read."""
        saved = self.admin("POST", "/sim/save")
        assert saved.status_code == 200, saved.text
        assert saved.json()["saved"], saved.text
        state = load_state(self.state_path)
        assert state is not None
        return state

    def close(self) -> None:
        for proc in (self.node, self.sim):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    def _read(self, name: str) -> str:
        path = self.workdir / name
        return path.read_text(errors="replace") if path.exists() else ""

    def _tail(self, name: str) -> str:
        return self._read(name)[-3000:]


def _journal(data_dir: Path) -> list[Order]:
    with Storage.open(f"sqlite:///{data_dir / 'jts.db'}") as storage:
        recovered = rebuild_orders(storage.journal)
    assert not recovered.broken, recovered.broken
    return recovered.orders


def compare(orders: list[Order], books: StateFile, report: CrashReport) -> None:
    """Every venue order is one journal order and vice versa, with the same fills; positions
    and cash booked from the journal equal the venue's."""
    problems = report.problems
    account = books.accounts[0]
    venue_orders = {o.odno: o for o in books.orders if o.kind == "new"}
    owner: dict[str, str] = {}
    for order in orders:
        for vid in order.venue_order_ids:
            if str(vid) in owner and owner[str(vid)] != str(order.client_order_id):
                problems.append(f"venue order {vid} claimed by two journal orders")
            owner[str(vid)] = str(order.client_order_id)
    for odno in venue_orders:
        if odno not in owner:
            problems.append(f"venue order {odno} is missing from the journal")
    filled_venue: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for fill in books.fills:
        qty, amount = filled_venue[fill.odno]
        filled_venue[fill.odno] = (qty + fill.qty, amount + fill.qty * fill.price)
    filled_journal: dict[str, tuple[Decimal, Decimal]] = defaultdict(
        lambda: (Decimal(0), Decimal(0))
    )
    cash = Decimal(0)
    holdings: dict[str, Decimal] = defaultdict(Decimal)
    trade_ids: set[str] = set()
    for order in orders:
        if order.is_open and not order.venue_order_ids:
            problems.append(f"{order.client_order_id} open with no venue order id")
        for event in order.events:
            if not isinstance(event, OrderFilled):
                continue
            report.journal_fills += 1
            if str(event.trade_id) in trade_ids:
                problems.append(f"fill {event.trade_id} journaled twice")
            trade_ids.add(str(event.trade_id))
            qty, px = event.last_qty.as_decimal(), event.last_px.as_decimal()
            key = str(event.venue_order_id)
            done_qty, done_amount = filled_journal[key]
            filled_journal[key] = (done_qty + qty, done_amount + qty * px)
            costs = event.commission.as_decimal() + event.tax.as_decimal()
            sign = 1 if event.order_side is OrderSide.BUY else -1
            holdings[str(event.instrument_id.symbol)] += sign * qty
            cash += -sign * qty * px - costs
    for odno in set(filled_venue) | set(filled_journal):
        venue_qty, venue_amount = filled_venue.get(odno, (0, 0))
        journal = filled_journal.get(odno, (Decimal(0), Decimal(0)))
        if (Decimal(venue_qty), Decimal(venue_amount)) != journal:
            problems.append(f"fills of {odno}: venue {venue_qty}/{venue_amount}, journal {journal}")
    for symbol in set(holdings) | set(account.holdings):
        venue_qty = account.holdings[symbol].qty if symbol in account.holdings else 0
        if Decimal(venue_qty) != holdings.get(symbol, Decimal(0)):
            problems.append(f"position {symbol}: venue {venue_qty}, journal {holdings[symbol]}")
    report.journal_orders = len(orders)
    report.venue_orders = len(venue_orders)
    report.venue_fills = len(books.fills)
    report.problems = problems
    report.cash_change_journal = cash  # type: ignore[attr-defined]


def run_crash_session(
    workdir: Path,
    *,
    kills: int,
    seed: int,
    min_alive_s: float,
    max_alive_s: float,
    final_s: float,
    tick_interval_s: float = 0.05,
    node_args: Sequence[str] = (),
) -> CrashReport:
    """Trade, SIGKILL the node ``kills`` times at seeded random moments, restart each time,
    stop cleanly, then compare the journal with the simulator's books. ``node_args`` go to
    every ``jts up`` (the soak's strategy parameters, to trade faster)."""
    rng = random.Random(seed)
    session = _Session(workdir, tick_interval_s=tick_interval_s, node_args=node_args)
    report = CrashReport()
    try:
        session.start_sim()
        (summary,) = session.admin("GET", "/sim/state").json()["accounts"].values()
        start_cash = int(summary["cash"])
        for _ in range(kills):
            session.start_node()
            session.wait_started()
            time.sleep(rng.uniform(min_alive_s, max_alive_s))
            session.kill_node()
            report.kills += 1
        session.start_node()
        session.wait_started()
        time.sleep(final_s)
        session.stop_node()
        books = session.venue_books()
        compare(_journal(session.data_dir), books, report)
        cash_journal = start_cash + report.cash_change_journal  # type: ignore[attr-defined]
        if Decimal(books.accounts[0].cash) != cash_journal:
            report.problems.append(f"cash: venue {books.accounts[0].cash}, journal {cash_journal}")
        if books.accounts[0].reserved_cash:
            report.problems.append(f"cash still reserved at the venue: {books.accounts[0]}")
    finally:
        session.close()
    return report


@pytest.mark.slow
def test_sigkilled_node_loses_and_doubles_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    report = run_crash_session(
        tmp_path,
        kills=3,
        seed=13,
        min_alive_s=2.0,
        max_alive_s=6.0,
        final_s=4.0,
        tick_interval_s=0.02,
        node_args=FAST_TRADING,
    )
    assert report.kills == 3
    assert report.venue_orders > 0, report
    assert report.venue_fills > 0, report
    assert report.problems == []
    assert time.monotonic() - started < 180
