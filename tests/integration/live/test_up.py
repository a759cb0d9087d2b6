"""`jts up` as a user runs it: a subprocess in an empty directory, paper trading against the
embedded KIS simulator; then a second run on the same data dir recovers from the journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from jts.domain.enums import OrderStatus
from jts.live.reconciliation import rebuild_orders
from jts.storage import Storage

pytestmark = pytest.mark.slow

ENTRY = "from jts.cli.main import main; main()"


class _Hook(BaseHTTPRequestHandler):
    """A local webhook receiver: the node's alerts land here."""

    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


def _jts_up(
    workdir: Path, duration: int, extra_env: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    env = {**os.environ, "JTS_DATA_DIR": str(workdir / "var"), **(extra_env or {})}
    env.pop("JTS_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-c", ENTRY, "--log-format", "json", "up", "--duration", str(duration)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = []
    for text in (result.stdout + "\n" + result.stderr).splitlines():
        if text.startswith("{"):
            lines.append(json.loads(text))
    return lines


def _events(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("event") == name]


def test_jts_up_paper_trades_and_journals_then_recovers(tmp_path: Path) -> None:
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    _Hook.received.clear()
    try:
        url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
        first = _jts_up(tmp_path, 20, {"JTS_ALERTS__WEBHOOK__URL": url})
    finally:
        hook.shutdown()
        hook.server_close()
    orders = _events(first, "order")
    fills = _events(first, "filled")
    assert orders, "no order in 20 s of paper trading"
    assert fills, "no fill in 20 s of paper trading"
    # every fill became an alert on the configured webhook
    fill_alerts = [a for a in _Hook.received if a.get("kind") in ("FILL", "fill")]
    assert len(fill_alerts) == len(fills), _Hook.received[:3]
    assert _events(first, "node_stopped")[0]["duplicate_fills"] == 0

    url = f"sqlite:///{tmp_path / 'var' / 'jts.db'}"
    with Storage.open(url) as storage:
        recovered = rebuild_orders(storage.journal)
    assert not recovered.broken
    journaled = {str(o.client_order_id): o for o in recovered.orders}
    # every order and every fill the console showed is in the journal, once
    assert {line["id"] for line in orders} <= set(journaled)
    filled_ids = Counter(line["id"] for line in fills)
    for client_order_id, count in filled_ids.items():
        assert len(journaled[client_order_id].trade_ids) == count
    # the journal writes the submission before the venue's answer
    for order in recovered.orders:
        kinds = [type(e).__name__ for e in order.events]
        assert kinds[0] == "OrderInitialized"
        if "OrderAccepted" in kinds:
            assert kinds.index("OrderSubmitted") < kinds.index("OrderAccepted")
    assert not [o for o in recovered.orders if o.status is OrderStatus.SUBMITTED]

    second = _jts_up(tmp_path, 6)
    reconciled = _events(second, "reconciled")[0]
    assert reconciled["position_differences"] == 0
    assert reconciled["fills"] == 0  # nothing was missed by a clean stop
    assert _events(second, "node_stopped")[0]["orders"] >= len(journaled)
    assert not (tmp_path / "var" / "node.json").exists()  # the control file is removed
