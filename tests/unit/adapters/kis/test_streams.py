from __future__ import annotations

import pytest

from jts.adapters.kis.config import KisAppKey, KisClientConfig, KisHosts, WsConfig
from jts.adapters.kis.errors import KisSubscriptionLimitError
from jts.adapters.kis.frames import DataFrame
from jts.adapters.kis.streams import KisStreamManager
from jts.adapters.kis.tokens import APPROVAL_KEY, IssuedCredential, MemoryTokenStore, TokenManager
from tests.unit.adapters.kis.wire import frame, tick_record
from tests.unit.adapters.kis.ws_server import FakeKisWs

A = KisAppKey("PSkeyAAAAAA", "sa", name="a")
B = KisAppKey("PSkeyBBBBBB", "sb", name="b")


async def issuer(app: KisAppKey) -> IssuedCredential:
    return IssuedCredential(value=f"approval-{app.name}", expires_ns=2**62)


def manager(server: FakeKisWs, cap: int) -> KisStreamManager:
    config = KisClientConfig(
        hosts=KisHosts("http://127.0.0.1:1", server.url),
        ws=WsConfig(max_subscriptions=cap, reconnect_base_s=0.05, reconnect_max_s=0.1),
    )
    store = MemoryTokenStore()
    approvals = [
        TokenManager(app, store, issuer, kind=APPROVAL_KEY, min_issue_interval_s=0)
        for app in (A, B)
    ]
    return KisStreamManager(config, approvals)


async def test_sixty_symbols_spread_over_two_sessions_and_a_full_manager_refuses():
    async with FakeKisWs(cap=40) as server:
        streams = manager(server, 40)
        symbols = [f"{i:06d}" for i in range(1, 61)]
        used = [await streams.subscribe("H0STCNT0", s) for s in symbols]
        assert {used.count(A.app_key), used.count(B.app_key)} == {30}
        assert sorted(len(s) for s in server.subscriptions()) == [30, 30]
        for extra in range(61, 81):
            await streams.subscribe("H0STCNT0", f"{extra:06d}")
        with pytest.raises(KisSubscriptionLimitError, match="all 2 KIS sessions are full"):
            await streams.subscribe("H0STCNT0", "000999")
        assert await streams.subscribe("H0STCNT0", "000001") == used[0]  # idempotent
        await streams.stop()


async def test_pinned_registrations_and_dispatch_to_every_handler():
    async with FakeKisWs() as server:
        streams = manager(server, 40)
        seen_a: list[DataFrame] = []
        seen_b: list[DataFrame] = []
        streams.add_handler("H0STCNT0", lambda f, ts: seen_a.append(f))
        streams.add_handler("H0STCNT0", lambda f, ts: seen_b.append(f))
        assert await streams.subscribe("H0STCNI9", "hts", app_key=B.app_key) == B.app_key
        assert streams.placement("H0STCNI9", "hts") == B.app_key
        await streams.subscribe("H0STCNT0", "005930")
        await server.send_all([frame("H0STCNT0", tick_record())])
        await server.wait_for(lambda: len(seen_a) >= 1 and len(seen_b) >= 1)
        await streams.unsubscribe("H0STCNI9", "hts")
        assert streams.placement("H0STCNI9", "hts") is None
        await streams.stop()


async def test_gap_listeners_hear_the_reconnected_key():
    gaps: list[str] = []
    async with FakeKisWs() as server:
        streams = manager(server, 40)

        async def on_gap(app_key: str) -> None:
            gaps.append(app_key)

        streams.add_gap_listener(on_gap)
        await streams.subscribe("H0STCNT0", "005930")
        await server.drop_all()
        await server.wait_for(lambda: bool(gaps))
        assert gaps == [streams.placement("H0STCNT0", "005930")]
        await streams.stop()
