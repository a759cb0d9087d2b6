"""A saturating load against a simulator that enforces KIS's real-account limit (20/s): the
adapter's bucket keeps it at the rate with zero EGW00201 (the benchmark runs this for 60 s)."""

from __future__ import annotations

import asyncio
import time

from jts.domain.identifiers import InstrumentId
from tests.integration.kis_adapter.conftest import admin, sim_config


async def test_saturating_queries_never_trip_the_brokers_limit(start_sim, node_factory):
    sim = await start_sim(sim_config("real"))
    async with node_factory(sim) as node:  # real env: 20 requests/s
        data = node.data_client()
        iid = InstrumentId("005930.KRX")
        await data.inquire_price(iid)  # token issued outside the measured window
        done = 0
        stop = time.monotonic() + 3.0

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < stop:
                await data.inquire_price(iid)
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(30)))
        elapsed = time.monotonic() - started
        state = await admin(sim, "GET", "/sim/state")
        assert state["rate_limited"] == {}
        assert node.metrics.errors.get("EGW00201") == 0
        rate = done / elapsed
        assert 15 <= rate <= 20 + 10 / elapsed + 1  # at the limit: burst, then 20/s
        assert node.metrics.rate_limit_waits.total() > 0
