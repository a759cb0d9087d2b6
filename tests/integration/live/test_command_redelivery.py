"""Crash safety of the command stream, made deterministic: an execution role that read two
commands and died before acknowledging them (it had journaled the first, not the second) is
restarted on the same journal and consumer group. It gets both again, executes the second,
recognises the first by its journal, and acknowledges both: each order reaches the venue once.

The crash is staged with Redis itself: the dead role's read is an ``XREADGROUP`` whose entries
are never acknowledged, which is exactly what a SIGKILL between the two leaves behind.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from jts.bus.redis_streams import RedisStreamsConfig, RedisStreamsMessageBus
from jts.bus.redis_streams.consumer import ensure_group
from jts.config import BusConfig
from jts.core.clock import LiveClock
from jts.domain.commands import SubmitOrder
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import ClientOrderId, StrategyId, TraderId
from jts.domain.values import Quantity
from jts.kernel.kernel import Kernel
from jts.live.buses import build_bus, redis_config
from jts.live.commands import serve_commands
from jts.live.reconciliation import rebuild_orders
from jts.storage import Storage
from jts.testing import services
from tests.unit.live.split import INSTRUMENT, SAMSUNG, ScriptedVenue

from .processes import redis_prefix

pytestmark = pytest.mark.redis
__all__ = ["redis_prefix"]  # fixture used by name

TRADER = TraderId("JTS-001")


def _command(name: str) -> SubmitOrder:
    now = time.time_ns()
    init = OrderInitialized(
        trader_id=TRADER,
        strategy_id=StrategyId("S-001"),
        instrument_id=SAMSUNG,
        client_order_id=ClientOrderId(name),
        side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        quantity=Quantity("1"),
        ts_event=now,
        ts_init=now,
    )
    return SubmitOrder(
        trader_id=TRADER,
        strategy_id=init.strategy_id,
        instrument_id=SAMSUNG,
        command_id=f"C-{name}",
        ts_init=now,
        order=init,
    )


def _kernel(storage: Storage) -> tuple[Kernel, ScriptedVenue]:
    kernel = Kernel(LiveClock(), journal=storage.journal)
    kernel.add_instrument(INSTRUMENT)
    venue = ScriptedVenue()
    kernel.add_execution_client(venue)
    return kernel, venue


async def test_unacknowledged_commands_are_taken_back_and_executed_once(
    tmp_path: Path, redis_prefix: str
) -> None:
    url = services.redis_url()
    settings = BusConfig(backend="redis", redis_url=url, stream_prefix=redis_prefix)
    config = redis_config(settings, "execution", TRADER)
    client = aioredis.Redis.from_url(url)
    storage = Storage.open(f"sqlite:///{tmp_path / 'jts.db'}")
    strategy_side = RedisStreamsMessageBus(
        RedisStreamsConfig(url=url, prefix=redis_prefix, consume=False)
    )
    restarted = build_bus(settings, "execution", TRADER)
    try:
        await ensure_group(client, config.stream_key, config.group, "$")  # the role's first run
        await strategy_side.start()
        first, second = _command("O-first"), _command("O-second")
        strategy_side.publish("commands.trading.S-001", first)
        strategy_side.publish("commands.trading.S-001", second)
        await strategy_side.flush()

        # the first run: reads both, journals and sends the first, dies before any XACK
        read = await client.xreadgroup(
            config.group, config.consumer, {config.stream_key: ">"}, count=10
        )
        assert len(read[0][1]) == 2
        dead, dead_venue = _kernel(storage)
        dead.submit(first)
        assert [c.client_order_id for c in dead_venue.submitted] == ["O-first"]

        # the restart: orders rebuilt from the journal, then the same group and consumer
        kernel, venue = _kernel(storage)
        for order in rebuild_orders(storage.journal).orders:
            kernel.cache.add_order(order)
        server = serve_commands(restarted, kernel, max_age_s=60)
        await restarted.start()
        deadline = time.monotonic() + 10
        while True:
            pending = await client.xpending(config.stream_key, config.group)
            if server.stats.submits + server.stats.duplicates == 2 and pending["pending"] == 0:
                break
            assert time.monotonic() < deadline, (server.stats, pending)
            await asyncio.sleep(0.05)
    finally:
        await restarted.stop()
        await strategy_side.stop()
        await client.aclose()
    assert [c.client_order_id for c in venue.submitted] == ["O-second"]  # the first: not again
    assert server.stats.duplicates == 1
    statuses = {str(o.client_order_id): o.status for o in rebuild_orders(storage.journal).orders}
    storage.close()
    assert statuses == {"O-first": OrderStatus.SUBMITTED, "O-second": OrderStatus.SUBMITTED}
