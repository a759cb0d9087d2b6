"""KIS adapter: frame parsing rate, order round trip to the simulator, rate limiter at 20 req/s.

Figures:

1. WebSocket parsing on one core: H0STCNT0 frames of four records (as KIS batches them) for
   40 symbols, as `TickRecord` structs (the wire-level parse, target >= 200,000 records/s) and
   as domain `TradeTick`s (what the kernel receives), plus the frame head split.
2. Order round trip: a limit order far from the market submitted through
   `KisExecutionClient` until its `OrderAccepted`, against the simulator running in this process
   on the same event loop (so the figure includes the simulator's own work): p50 / p99.
3. Rate limiter: 30 workers saturating one real-account app key (20 req/s) against the
   simulator, which answers EGW00201 beyond the limit exactly as KIS does, for ``duration_s``
   (60 s by default, ``JTS_BENCH_KIS_SECONDS`` to change): achieved rate and EGW00201 count.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from jts.adapters.kis.config import (
    KisAccount,
    KisAppKey,
    KisClientConfig,
    KisEnv,
    KisHosts,
    RateLimitConfig,
    TokenConfig,
)
from jts.adapters.kis.frames import split_frame
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.parse_stream import StreamParser, tick_records
from jts.adapters.kis.simulator import KisSimulator, SimulatorConfig
from jts.domain.commands import SubmitOrder
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderAccepted, OrderInitialized
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId, TraderId
from jts.domain.values import Price, Quantity

RECORDS = 400_000
PER_FRAME = 4
ORDERS = 200
DEFAULT_SECONDS = 60.0


def _tick_frame(rng: random.Random, symbols: list[str], volumes: dict[str, int]) -> str:
    records = []
    for _ in range(PER_FRAME):
        symbol = rng.choice(symbols)
        qty = rng.randint(1, 500)
        volumes[symbol] += qty
        price = 70_000 + rng.randint(-50, 50) * 100
        fields = ["0"] * 46
        fields[0], fields[1], fields[2] = (
            symbol,
            f"09{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}",
            str(price),
        )
        fields[12], fields[13], fields[21], fields[33] = (
            str(qty),
            str(volumes[symbol]),
            rng.choice("15"),
            "20260302",
        )
        records.append("^".join(fields))
    return f"0|H0STCNT0|{PER_FRAME:03d}|" + "^".join(records)


def bench_parsing() -> None:
    rng = random.Random(5)
    symbols = [f"{i:06d}" for i in range(1, 41)]
    volumes = dict.fromkeys(symbols, 0)
    frames = [_tick_frame(rng, symbols, volumes) for _ in range(RECORDS // PER_FRAME)]
    started = time.perf_counter()
    heads = [split_frame(text) for text in frames]
    split_s = time.perf_counter() - started

    started = time.perf_counter()
    count = 0
    for head in heads:
        records, _ = tick_records(head.payload, head.records)
        count += len(records)
    structs_s = time.perf_counter() - started

    parser = StreamParser()
    started = time.perf_counter()
    ticks = 0
    for head in heads:
        ticks += len(parser.trade_ticks(head.payload, head.records, 0).items)
    domain_s = time.perf_counter() - started
    assert count == ticks == RECORDS
    print(f"frames: {len(frames):,} H0STCNT0 frames x {PER_FRAME} records, 40 symbols")
    print(f"frame head split        {len(frames) / split_s:>12,.0f} frames/s")
    print(f"records -> TickRecord   {count / structs_s:>12,.0f} records/s  (target >= 200,000)")
    print(f"records -> TradeTick    {ticks / domain_s:>12,.0f} records/s  (domain objects)")


def _node(sim: KisSimulator, cache: Path, rate: int) -> tuple[KisNode, KisAccount]:
    app_cfg = sim.config.apps[0]
    app = KisAppKey(app_cfg.app_key, app_cfg.app_secret, name="bench")
    acct = sim.config.accounts[0]
    account = KisAccount(acct.cano, app, acct.product, acct.hts_id)
    config = KisClientConfig(
        env=KisEnv(sim.config.env),
        hosts=KisHosts.local(sim.port, sim.ws_port),
        rate_limit=RateLimitConfig(rate_per_s=rate, burst=max(1, rate // 2)),
        tokens=TokenConfig(cache_dir=cache),
    )
    return KisNode(config, [app], [account]), account


async def bench_round_trip(cache: Path) -> None:
    sim_config = SimulatorConfig.generate("paper", rate_limit_per_s=1_000, tick_interval_s=1.0)
    async with KisSimulator(sim_config) as sim:
        node, account = _node(sim, cache, 1_000)
        async with node:
            client = node.execution_client(account)
            accepted: dict[str, float] = {}
            client.bind(
                lambda e: (
                    accepted.setdefault(str(e.client_order_id), time.perf_counter())
                    if isinstance(e, OrderAccepted)
                    else None
                )
            )
            await client.connect()
            iid = InstrumentId("005930.KRX")
            price = (await node.data_client().inquire_price(iid)).lower_limit or Price(50_000)
            sent: dict[str, float] = {}
            for i in range(ORDERS):
                cid = ClientOrderId(f"B-{i:05d}")
                init = OrderInitialized(
                    trader_id=TraderId("JTS-001"),
                    strategy_id=StrategyId("BENCH-1"),
                    instrument_id=iid,
                    client_order_id=cid,
                    ts_event=1,
                    ts_init=1,
                    side=OrderSide.BUY,
                    order_type=OrderType.LIMIT,
                    quantity=Quantity(1),
                    price=price,
                )
                sent[str(cid)] = time.perf_counter()
                client.submit_order(
                    SubmitOrder(
                        trader_id=init.trader_id,
                        strategy_id=init.strategy_id,
                        instrument_id=iid,
                        command_id=f"c{i}",
                        ts_init=1,
                        order=init,
                    )
                )
                await client.drain()
            await client.disconnect()
    latencies = sorted((accepted[c] - sent[c]) * 1e3 for c in sent if c in accepted)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    p50 = statistics.median(latencies)
    print(f"order round trip (submit -> OrderAccepted, {len(latencies)} orders, in-process sim):")
    print(f"  p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {latencies[-1]:.2f} ms")


async def bench_rate_limit(cache: Path, duration_s: float) -> None:
    sim_config = SimulatorConfig.generate("real", tick_interval_s=1.0)
    async with KisSimulator(sim_config) as sim:
        node, _ = _node(sim, cache, 20)
        async with node:
            data = node.data_client()
            iid = InstrumentId("005930.KRX")
            await data.inquire_price(iid)  # token and first request outside the window
            done = 0
            stop = time.monotonic() + duration_s

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < stop:
                    await data.inquire_price(iid)
                    done += 1

            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(30)))
            elapsed = time.monotonic() - started
            refused = dict(sim.ctx.limiter.rejected)
            client_refused = node.metrics.errors.get("EGW00201")
    print(f"rate limiter, real account (20 req/s), 30 workers for {elapsed:.1f} s:")
    print(
        f"  {done} requests = {done / elapsed:.2f} req/s (a first burst of 10 included); "
        f"EGW00201 from the simulator: "
        f"{sum(refused.values())}, seen by the client: {client_refused}"
    )


def main(duration_s: float | None = None) -> None:
    seconds = (
        duration_s
        if duration_s is not None
        else float(os.environ.get("JTS_BENCH_KIS_SECONDS", DEFAULT_SECONDS))
    )
    bench_parsing()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(bench_round_trip(Path(tmp) / "rt"))
        asyncio.run(bench_rate_limit(Path(tmp) / "rl", seconds))


if __name__ == "__main__":
    main()
