"""The recorder in a real node (issue 6 §4): `jts up` trades against a `jts sim kis` process, is
killed with SIGKILL, restarted, and stopped cleanly. Afterwards the database's tables say what
the journal and the simulator's books say: every order's latest snapshot, every fill once,
positions equal to the venue's holdings, the balance equal to the venue's cash, and today's
daily snapshot; `jts performance` reads them back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from jts.core.time import kst_date
from jts.domain.events_order import OrderFilled
from jts.domain.values import KRW
from jts.ports.repositories import SnapshotReason
from jts.storage import Storage
from tests.integration.live.test_crash import ENTRY, CrashReport, _journal, _Session, compare

pytestmark = pytest.mark.slow


def test_tables_match_the_journal_and_the_venue_after_a_kill(tmp_path: Path) -> None:
    session = _Session(tmp_path, tick_interval_s=0.05)
    try:
        session.start_sim()
        session.start_node()
        session.wait_started()
        time.sleep(5)
        session.kill_node()
        session.start_node()
        session.wait_started()
        time.sleep(4)
        session.stop_node()
        books = session.venue_books()
    finally:
        session.close()
    orders = _journal(session.data_dir)
    report = CrashReport()
    compare(orders, books, report)
    assert report.problems == []
    journal_fills = [e for o in orders for e in o.events if isinstance(e, OrderFilled)]
    assert journal_fills, "no fill in 9 s of paper trading"

    url = f"sqlite:///{session.data_dir / 'jts.db'}"
    with Storage.open(url) as storage:
        stored = storage.fills.query()
        keys = [(str(f.client_order_id), str(f.trade_id)) for f in stored]
        assert len(keys) == len(set(keys)), "a fill was stored twice"
        assert set(keys) == {(str(f.client_order_id), str(f.trade_id)) for f in journal_fills}
        for order in orders:
            snapshot = storage.orders.get(order.client_order_id)
            assert (snapshot.status, snapshot.event_count) == (order.status, order.event_count)
        held: dict[str, Decimal] = defaultdict(Decimal)
        for position in storage.positions.list_open():
            held[position.instrument_id.symbol] += position.signed_qty
        venue = {s: Decimal(h.qty) for s, h in books.accounts[0].holdings.items() if h.qty}
        assert {s: q for s, q in held.items() if q} == venue
        (state,) = storage.accounts.list_all()
        balance = state.balance(KRW)
        assert balance is not None
        assert balance.total.as_decimal() == Decimal(books.accounts[0].cash)
        (day,) = storage.daily_snapshots.query()
        assert day.reason is SnapshotReason.STOP
        assert day.day == kst_date(time.time_ns())
        assert day.cash == balance.total
        today = [f for f in journal_fills if kst_date(f.ts_event) == day.day]
        assert day.fills == len(today)
        assert day.commissions.raw == sum(f.commission.raw for f in today)

    env = {**os.environ, "JTS_DATA_DIR": str(session.data_dir)}
    env.pop("JTS_CONFIG", None)
    out = tmp_path / "performance"
    result = subprocess.run(
        [sys.executable, "-c", ENTRY, "performance", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    stats = json.loads((out / "stats.json").read_text())
    assert Decimal(stats["final_equity"]) == day.equity.as_decimal()
    assert stats["trades"] == len(today)
    assert (out / "report.html").stat().st_size > 1000
