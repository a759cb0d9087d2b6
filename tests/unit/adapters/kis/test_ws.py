from __future__ import annotations

import asyncio
import json

import pytest

from jts.adapters.kis.config import KisAppKey, KisClientConfig, KisHosts, WsConfig
from jts.adapters.kis.errors import KisSubscriptionError, KisSubscriptionLimitError
from jts.adapters.kis.frames import DataFrame
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.tokens import APPROVAL_KEY, IssuedCredential, MemoryTokenStore, TokenManager
from jts.adapters.kis.ws import KisWsSession
from tests.unit.adapters.kis.wire import encrypted_frame, frame, notice_record, tick_record
from tests.unit.adapters.kis.ws_server import FakeKisWs

APP = KisAppKey("PSappkey0001", "secret")


async def approval_issuer(app: KisAppKey) -> IssuedCredential:
    return IssuedCredential(value="approval-1", expires_ns=2**62)


def make_session(server: FakeKisWs, frames: list[tuple[DataFrame, int]], **ws_kw) -> KisWsSession:
    ws = {"reconnect_base_s": 0.05, "reconnect_max_s": 0.2, "stale_check_s": 0.05, **ws_kw}
    config = KisClientConfig(
        hosts=KisHosts("http://127.0.0.1:1", server.url, "/tryitout"), ws=WsConfig(**ws)
    )
    approval = TokenManager(
        APP, MemoryTokenStore(), approval_issuer, kind=APPROVAL_KEY, min_issue_interval_s=0
    )
    return KisWsSession(
        config, APP, approval, lambda f, ts: frames.append((f, ts)), metrics=KisMetrics()
    )


async def test_subscribe_sends_the_documented_request_and_waits_for_the_reply():
    async with FakeKisWs() as server:
        session = make_session(server, [])
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNT0", "005930")
        assert ("H0STCNT0", "005930") in session.active
        request = server.received[-1]
        assert request == {
            "header": {
                "approval_key": "approval-1",
                "custtype": "P",
                "tr_type": "1",
                "content-type": "utf-8",
            },
            "body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}},
        }
        await session.unsubscribe("H0STCNT0", "005930")
        assert server.received[-1]["header"]["tr_type"] == "2"
        assert session.active == set()
        await session.stop()


async def test_plain_and_encrypted_frames_reach_the_handler_decrypted():
    frames: list[tuple[DataFrame, int]] = []
    async with FakeKisWs() as server:
        session = make_session(server, frames)
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNI9", "hts-user")  # the reply carries key and iv
        await session.subscribe("H0STCNT0", "005930")
        tick = frame("H0STCNT0", tick_record(), tick_record(acml_vol="2000"))
        notice = encrypted_frame("H0STCNI9", notice_record(odno="77"))
        await server.send_all([tick, notice])
        await server.wait_for(lambda: len(frames) == 2)
        (tick_frame, ts), (notice_frame, _) = frames
        assert tick_frame.tr_id == "H0STCNT0"
        assert tick_frame.records == 2
        assert ts > 0
        assert not notice_frame.encrypted
        assert notice_frame.payload.split("^")[2] == "77"
        await session.stop()


async def test_pingpong_is_echoed_as_text_and_optional():
    async with FakeKisWs() as server:
        session = make_session(server, [])
        await session.start()
        await session.wait_connected(5)
        await server.ping()
        await server.wait_for(lambda: any("PINGPONG" in t for t in server.texts))
        echoed = json.loads(next(t for t in server.texts if "PINGPONG" in t))
        assert echoed == {"header": {"tr_id": "PINGPONG", "datetime": "20260302093000"}}
        await session.stop()
    async with FakeKisWs() as server:
        session = make_session(server, [], ping_reply_text=False)
        await session.start()
        await session.wait_connected(5)
        await server.ping()
        await asyncio.sleep(0.1)
        assert not any("PINGPONG" in t for t in server.texts)
        assert session.connected  # a pong frame was enough to stay connected
        await session.stop()


async def test_refusals_and_the_local_cap():
    async with FakeKisWs(refuse={"BAD": "OPSP0009"}) as server:
        session = make_session(server, [], max_subscriptions=2)
        await session.start()
        await session.wait_connected(5)
        with pytest.raises(KisSubscriptionError, match="OPSP0009"):
            await session.subscribe("H0STCNT0", "BAD")
        assert ("H0STCNT0", "BAD") not in session.wanted
        await session.subscribe("H0STCNT0", "000001")
        await session.subscribe("H0STCNT0", "000002")
        sent = len(server.received)
        with pytest.raises(KisSubscriptionLimitError):
            await session.subscribe("H0STCNT0", "000003")
        assert len(server.received) == sent  # refused locally, nothing sent
        await session.stop()


async def test_a_refused_approval_key_is_dropped_and_a_new_one_issued():
    issued = iter(["stale-approval", "approval-2"])

    async def issuer(app: KisAppKey) -> IssuedCredential:
        return IssuedCredential(value=next(issued), expires_ns=2**62)

    async with FakeKisWs(bad_approvals={"stale-approval"}) as server:
        session = make_session(server, [])
        session._approval = TokenManager(
            APP, MemoryTokenStore(), issuer, kind=APPROVAL_KEY, min_issue_interval_s=0
        )
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNT0", "005930")
        assert ("H0STCNT0", "005930") in session.active
        keys = [m["header"]["approval_key"] for m in server.received]
        assert keys == ["stale-approval", "approval-2"]
        await session.subscribe("H0STCNT0", "000660")  # the new key from now on
        assert server.received[-1]["header"]["approval_key"] == "approval-2"
        await session.stop()


async def test_an_approval_key_refused_twice_is_an_error():
    async def issuer(app: KisAppKey) -> IssuedCredential:
        return IssuedCredential(value="never-good", expires_ns=2**62)

    async with FakeKisWs(bad_approvals={"never-good"}) as server:
        session = make_session(server, [])
        session._approval = TokenManager(
            APP, MemoryTokenStore(), issuer, kind=APPROVAL_KEY, min_issue_interval_s=0
        )
        await session.start()
        await session.wait_connected(5)
        with pytest.raises(KisSubscriptionError, match="OPSP0011"):
            await session.subscribe("H0STCNT0", "005930")
        assert len(server.received) == 2  # one retry with a new key, no more
        await session.stop()


async def test_server_side_cap_is_a_limit_error():
    async with FakeKisWs(cap=1) as server:
        session = make_session(server, [])
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNT0", "000001")
        with pytest.raises(KisSubscriptionLimitError, match="OPSP0008"):
            await session.subscribe("H0STCNT0", "000002")
        await session.stop()


async def test_reconnects_after_a_drop_and_resubscribes_everything():
    gaps: list[str] = []
    async with FakeKisWs() as server:
        session = make_session(server, [])

        async def on_gap(s: KisWsSession) -> None:
            gaps.append(s.label)

        session.add_reconnect_listener(on_gap)
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNT0", "005930")
        await session.subscribe("H0STASP0", "005930")
        await server.drop_all()
        await server.wait_for(lambda: server.connects == 2 and gaps)
        await server.wait_for(
            lambda: server.subscriptions() == [{("H0STCNT0", "005930"), ("H0STASP0", "005930")}]
        )
        assert session.active == {("H0STCNT0", "005930"), ("H0STASP0", "005930")}
        assert session._metrics.reconnects.get(session.label) == 1
        await session.stop()


async def test_a_stale_feed_in_market_hours_is_reconnected():
    async with FakeKisWs() as server:
        session = make_session(server, [], stale_after_s=0.2)
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNT0", "005930")
        await server.wait_for(lambda: server.connects >= 2, within_s=5)
        assert session._metrics.stale_feeds.get(session.label) >= 1
        await session.stop()


async def test_notice_only_sessions_are_not_stale_while_pinged():
    async with FakeKisWs() as server:
        session = make_session(server, [], stale_after_s=0.15)
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNI9", "hts-user")
        for _ in range(6):
            await server.ping()
            await asyncio.sleep(0.1)
        assert server.connects == 1
        await session.stop()


async def test_broken_frames_are_counted_and_the_stream_survives():
    frames: list[tuple[DataFrame, int]] = []
    async with FakeKisWs() as server:
        session = make_session(server, frames)
        await session.start()
        await session.wait_connected(5)
        await session.subscribe("H0STCNT0", "005930")
        bad = [
            "0|H0STCNT0|abc",  # malformed head
            encrypted_frame("H0STCNI0", notice_record()),  # no key for this tr_id yet
            "{not json",
        ]
        await server.send_all([*bad, frame("H0STCNT0", tick_record())])
        await server.wait_for(lambda: len(frames) == 1)
        errors = session._metrics.frame_errors
        assert errors.get("frame") == 2
        assert errors.get("control") == 1
        assert session.connected
        await session.stop()
