"""The split node: ``jts up --role market-data``, ``--role strategy`` and ``--role execution``
as three processes over Redis Streams, journal on PostgreSQL, one external KIS simulator.

What is checked: orders flow end to end (tick -> strategy -> command -> risk, journal, venue ->
events back to the strategy); the strategy's view of its orders and position equals the
journal; every role stops cleanly on SIGTERM; and an execution role killed with SIGKILL and
restarted takes the commands sent while it was dead from its stream group, so nothing the
strategy asked for is lost or executed twice.
"""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import redis

from jts.domain.codec import Codec
from jts.domain.commands import SubmitOrder
from jts.domain.enums import OrderSide, OrderStatus
from jts.live.reconciliation import RecoveredJournal, rebuild_orders
from jts.storage import Storage
from jts.testing import services

from .processes import Processes, Simulator, fresh_database, production_env, redis_prefix

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
__all__ = ["fresh_database", "redis_prefix"]  # fixtures used by name

STRATEGY = str(Path(__file__).with_name("strategies.py")) + ":Alternate"


def _start_roles(
    processes: Processes, sim: Simulator, *, orders: int, max_age_s: float = 10.0
) -> None:
    common = ["--log-format", "json", "up", "--profile", "production", *sim.options]
    # the strategy first: it must wait for the execution role rather than fail
    processes.start(
        "strategy", *common, "--role", "strategy", "--strategy", STRATEGY,
        "--param", "every=20", "--param", f"orders={orders}",
    )  # fmt: skip
    processes.start(
        "execution", *common, "--role", "execution", "--command-max-age", str(max_age_s)
    )
    processes.start("market-data", *common, "--role", "market-data")
    for name in ("execution", "market-data", "strategy"):
        processes.wait_for(name, "node_started", timeout_s=90)


def _journal(url: str) -> RecoveredJournal:
    with Storage.open(url) as storage:
        recovered = rebuild_orders(storage.journal)
    assert not recovered.broken, recovered.broken
    return recovered


def _journal_position(recovered: RecoveredJournal) -> Decimal:
    qty = Decimal(0)
    for fill in recovered.fills:
        sign = 1 if fill.order_side is OrderSide.BUY else -1
        qty += sign * fill.last_qty.as_decimal()
    return qty


def _commands_on_stream(prefix: str) -> Counter[str]:
    client = redis.Redis.from_url(services.redis_url())
    codec = Codec()
    try:
        entries = client.xrange(f"{prefix}:bus")
    finally:
        client.close()
    return Counter(
        str(message.client_order_id)
        for _, fields in entries
        if fields[b"t"].startswith(b"commands.trading.")
        and isinstance(message := codec.decode(fields[b"d"]), SubmitOrder)
    )


def _stop_all(processes: Processes) -> None:
    for name in ("strategy", "execution", "market-data"):  # upstream of the venue last
        code = processes.stop(name)
        assert code == 0, processes.tail(name)
        processes.wait_for(name, "node_stopped", timeout_s=5)


def test_three_processes_trade_end_to_end_and_stop_cleanly(
    tmp_path: Path, fresh_database: str, redis_prefix: str
) -> None:
    processes = Processes(tmp_path, production_env(tmp_path, fresh_database, redis_prefix))
    sim = Simulator(processes)
    try:
        sim.start()
        _start_roles(processes, sim, orders=8)
        processes.wait_for("strategy", "filled", count=8, timeout_s=90)  # all done
        _stop_all(processes)
    finally:
        processes.close()
    made = [e["id"] for e in processes.events("strategy", "order")]
    recovered = _journal(fresh_database)
    journaled = {str(o.client_order_id): o for o in recovered.orders}
    assert set(made) == set(journaled)  # every order made is journaled, nothing else is
    assert _commands_on_stream(redis_prefix) == Counter(made)  # one command each
    (strategy_end,) = processes.events("strategy", "node_stopped")
    (execution_end,) = processes.events("execution", "node_stopped")
    (data_end,) = processes.events("market-data", "node_stopped")
    filled = sum(o.status is OrderStatus.FILLED for o in recovered.orders)
    assert strategy_end["orders"] == execution_end["orders"] == len(journaled)
    assert strategy_end["filled"] == execution_end["filled"] == filled == 8
    position = _journal_position(recovered)
    assert Decimal(strategy_end["positions"].get("005930.KRX", "0")) == position
    assert execution_end["commands"] == len(made)
    assert data_end["published"] > 0
    assert data_end["subscriptions"] == 1
    # the execution role journals before the venue hears of an order
    for order in recovered.orders:
        kinds = [type(e).__name__ for e in order.events]
        assert kinds[:2] == ["OrderInitialized", "OrderSubmitted"], kinds


def test_a_killed_execution_role_resumes_from_its_stream_group(
    tmp_path: Path, fresh_database: str, redis_prefix: str
) -> None:
    processes = Processes(tmp_path, production_env(tmp_path, fresh_database, redis_prefix))
    sim = Simulator(processes)
    try:
        sim.start()
        _start_roles(processes, sim, orders=12, max_age_s=120)
        processes.wait_for("strategy", "filled", count=2, timeout_s=90)
        processes.kill("execution")
        killed_ns = time.time_ns()
        before = len(processes.events("strategy", "order"))
        deadline = time.monotonic() + 30
        while len(processes.events("strategy", "order")) < before + 3:  # orders nobody takes
            assert time.monotonic() < deadline, processes.tail("strategy")
            time.sleep(0.2)
        restarted_ns = time.time_ns()
        processes.start(
            "execution", "--log-format", "json", "up", "--profile", "production",
            *sim.options, "--role", "execution", "--command-max-age", "120",
        )  # fmt: skip
        processes.wait_for("execution", "node_started", count=2, timeout_s=90)
        processes.wait_for("strategy", "filled", count=12, timeout_s=90)  # all done
        _stop_all(processes)
    finally:
        processes.close()
    made = [e["id"] for e in processes.events("strategy", "order")]
    recovered = _journal(fresh_database)
    journaled = {str(o.client_order_id): o for o in recovered.orders}
    assert set(made) == set(journaled)  # none lost, none invented
    assert len(made) == len(set(made))
    in_outage = [o for o in recovered.orders if killed_ns <= o.ts_init < restarted_ns]
    assert len(in_outage) >= 3
    for order in in_outage:  # sent to a dead role, executed by its successor, once
        assert order.status is OrderStatus.FILLED, order
        assert len(order.trade_ids) == len(set(order.trade_ids))
    (strategy_end,) = processes.events("strategy", "node_stopped")
    assert strategy_end["orders"] == len(journaled)
    assert strategy_end["filled"] == len(journaled) == 12
    assert all(o.status is OrderStatus.FILLED for o in recovered.orders)
    assert Decimal(strategy_end["positions"].get("005930.KRX", "0")) == _journal_position(recovered)
