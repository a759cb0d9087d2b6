"""Order-event journal: appends per second and p50/p99 per append, SQLite and PostgreSQL.

The OMS journals two events per order before the order leaves the process (`OrderInitialized`
at ``order_seq`` 1 and `OrderSubmitted` at 2) with one `append_many`, one commit for both:
the journal's share of tick-to-order latency (issue 6), timed here through `Storage.journal`
as the live node builds it. The other case appends the same pair one event and one commit at
a time, as the venue's answers (acknowledgements, fills) are appended.

Backends: a SQLite file in a temporary directory (WAL, ``synchronous=NORMAL``, the node's
default) and a fresh PostgreSQL database on 127.0.0.1 (``JTS_TEST_POSTGRES_URL``, the test
suite's admin URL; "skipped" when it does not answer), the latter twice: with
``synchronous_commit`` on (the default: each commit waits for its WAL flush) and off
(``database.synchronous_commit = false``; docs/operations.md). Knobs (environment):
``JTS_BENCH_JOURNAL_ORDERS`` (default 2,000 orders per case), ``JTS_BENCH_JOURNAL_BACKENDS``
(``sqlite,postgresql``). The load average is printed with the figures: on a shared machine
they move with it.
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import sqlalchemy as sa

from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.events_order import OrderInitialized, OrderSubmitted
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TraderId,
)
from jts.domain.values import Price, Quantity
from jts.storage import Storage

ORDERS = int(os.environ.get("JTS_BENCH_JOURNAL_ORDERS", "2000"))
BACKENDS = os.environ.get("JTS_BENCH_JOURNAL_BACKENDS", "sqlite,postgresql").split(",")
WARMUP = 50
PG_ADMIN = os.environ.get(
    "JTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"
)
T0 = 1_704_153_600_000_000_000


def _pair(n: int, run: str) -> tuple[OrderInitialized, OrderSubmitted]:
    """An order's first two events, as the OMS journals them before sending."""
    order_id = ClientOrderId(f"O-BENCH-{run}-{n:06d}")
    init = OrderInitialized(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("EveryNthTick-001"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=order_id,
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(1),
        price=Price(70_000),
        time_in_force=TimeInForce.DAY,
        tags=(f"tick_ns={T0 + n}",),
        ts_event=T0 + n,
        ts_init=T0 + n,
    )
    submitted = OrderSubmitted(
        trader_id=init.trader_id,
        strategy_id=init.strategy_id,
        instrument_id=init.instrument_id,
        client_order_id=order_id,
        account_id=AccountId("KIS-12345678-01"),
        ts_event=T0 + n + 1,
        ts_init=T0 + n + 1,
    )
    return init, submitted


def _one_by_one(storage: Storage, run: str) -> list[int]:
    """Per-append latencies (ns) of the OMS's pattern: two single appends per order."""
    timings: list[int] = []
    append = storage.journal.append
    for n in range(ORDERS + WARMUP):
        init, submitted = _pair(n, run)
        t0 = time.perf_counter_ns()
        append(init, order_seq=1)
        t1 = time.perf_counter_ns()
        append(submitted, order_seq=2)
        t2 = time.perf_counter_ns()
        if n >= WARMUP:
            timings += (t1 - t0, t2 - t1)
    return timings


def _batched(storage: Storage, run: str) -> list[int]:
    """Per-call latencies (ns) of `append_many` with both events of an order."""
    timings: list[int] = []
    append_many = storage.journal.append_many
    for n in range(ORDERS + WARMUP):
        pair = _pair(n, run)
        t0 = time.perf_counter_ns()
        append_many(pair, order_seqs=(1, 2))
        t1 = time.perf_counter_ns()
        if n >= WARMUP:
            timings.append(t1 - t0)
    return timings


def _report(label: str, timings: list[int], events_per_call: int) -> None:
    ordered = sorted(timings)
    p50 = statistics.median(ordered) / 1e6
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6
    p999 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.999))] / 1e6
    total_s = sum(ordered) / 1e9
    rate = len(ordered) * events_per_call / total_s
    print(
        f"{label:<45} {rate:>9,.0f} events/s   p50 {p50:6.3f} ms   p99 {p99:6.3f} ms"
        f"   p99.9 {p999:6.3f} ms   max {ordered[-1] / 1e6:6.3f} ms   ({len(ordered)} calls)"
    )


def _run_cases(backend: str, url: str, *, synchronous_commit: bool = True) -> None:
    label = backend if synchronous_commit else f"{backend} (sync off)"
    with Storage.open(url, synchronous_commit=synchronous_commit) as storage:
        run = "single" if synchronous_commit else "single-off"
        _report(f"{label}: append x2 per order", _one_by_one(storage, run), 1)
        run = "batch" if synchronous_commit else "batch-off"
        _report(f"{label}: append_many (2 per call)", _batched(storage, run), 2)
        journaled = sum(1 for _ in storage.journal.replay())
    expected = 4 * (ORDERS + WARMUP) * (1 if synchronous_commit else 2)
    if journaled != expected:
        raise AssertionError(f"{label}: journal holds {journaled} events, expected {expected}")


@contextmanager
def _sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="jts-bench-journal-") as directory:
        yield f"sqlite:///{Path(directory) / 'jts.db'}"


@contextmanager
def _postgres_url() -> Iterator[str | None]:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"jts_bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        print(f"skipped: postgresql ({type(exc.orig).__name__}: no server at {PG_ADMIN})")
        yield None
        return
    try:
        yield sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ")[0]
    except OSError:
        return "n/a"


def main() -> None:
    cases: dict[str, Callable[[], AbstractContextManager[str | None]]] = {
        "sqlite": _sqlite_url,
        "postgresql": _postgres_url,
    }
    print(f"{ORDERS} orders per case after {WARMUP} warm-up; load average {_load()}")
    for backend in BACKENDS:
        with cases[backend]() as url:
            if url is not None:
                _run_cases(backend, url)
                if backend == "postgresql":  # database.synchronous_commit = false
                    _run_cases(backend, url, synchronous_commit=False)
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
