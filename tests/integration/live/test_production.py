"""``jts up --profile production``: the whole node on PostgreSQL and the Redis Streams bus,
paper trading against the embedded simulator; orders journaled in PostgreSQL, every journaled
event also on the Redis stream."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import redis

from jts.domain.codec import Codec
from jts.domain.events_order import OrderEvent
from jts.live.reconciliation import rebuild_orders
from jts.storage import Storage
from jts.testing import services

from .processes import ENTRY, Processes, fresh_database, production_env, redis_prefix

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
__all__ = ["fresh_database", "redis_prefix"]  # fixtures used by name


def _stream(prefix: str) -> list[tuple[str, object]]:
    client = redis.Redis.from_url(services.redis_url())
    codec = Codec()
    try:
        entries = client.xrange(f"{prefix}:bus")
        groups = client.xinfo_groups(f"{prefix}:bus")
    finally:
        client.close()
    assert groups == []  # one process produces everything it hears: it reads nothing back
    return [(fields[b"t"].decode(), codec.decode(fields[b"d"])) for _, fields in entries]


def test_production_profile_trades_on_postgres_and_redis(
    tmp_path: Path, fresh_database: str, redis_prefix: str
) -> None:
    processes = Processes(tmp_path, production_env(tmp_path, fresh_database, redis_prefix))
    try:
        processes.start(
            "node", "--log-format", "json", "up", "--profile", "production",
            "--tick-interval", "0.05", "--duration", "25",
        )  # fmt: skip
        code = processes.procs["node"].wait(timeout=120)
    finally:
        processes.close()
    assert code == 0, processes.tail("node")
    assert "profile production" in processes.text("node")
    (started,) = processes.events("node", "node_started")
    assert started["bus"] == "TeeBus"
    logged_orders = {e["id"] for e in processes.events("node", "order")}
    logged_fills = processes.events("node", "filled")
    assert logged_orders, "no order in 25 s of paper trading"
    assert logged_fills, "no fill in 25 s of paper trading"

    with Storage.open(fresh_database) as storage:
        recovered = rebuild_orders(storage.journal)
    assert not recovered.broken
    journaled = {str(o.client_order_id): o for o in recovered.orders}
    assert logged_orders <= set(journaled)
    assert len(recovered.fills) == len(logged_fills)

    stream = _stream(redis_prefix)
    on_stream = Counter(
        (str(m.client_order_id), type(m).__name__)
        for topic, m in stream
        if topic.startswith("events.order.") and isinstance(m, OrderEvent)
    )
    in_journal = Counter(
        (str(o.client_order_id), type(e).__name__) for o in recovered.orders for e in o.events
    )
    assert on_stream == in_journal  # every journaled event published once, nothing else
    assert any(topic.startswith("data.trades.") for topic, _ in stream)


def test_a_split_role_without_the_redis_bus_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", ENTRY, "up", "--role", "strategy", "--duration", "1"],
        cwd=tmp_path,
        env={"JTS_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert 'bus.backend = "redis"' in result.stdout + result.stderr
    assert not (tmp_path / "var" / "jts.db").exists()  # refused before touching anything
