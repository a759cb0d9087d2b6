"""The WebSocket protocol against a running simulator, with a raw `websockets` client."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
import websockets

from jts.adapters.kis.simulator import NoticeCipher, SimulatorConfig
from jts.adapters.kis.simulator.config import AppConfig

from .conftest import RawClient

RECV_TIMEOUT = 3.0


def request(approval_key: str, tr_id: str, tr_key: str, tr_type: str = "1") -> str:
    return json.dumps(
        {
            "header": {
                "approval_key": approval_key,
                "custtype": "P",
                "tr_type": tr_type,
                "content-type": "utf-8",
            },
            "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
        }
    )


async def recv(ws) -> str:
    message = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
    assert isinstance(message, str), "KIS sends text frames only"
    return message


async def control(ws, approval_key, tr_id, tr_key, tr_type="1") -> dict:
    """Send a (un)subscribe and return its reply, skipping data frames and pings."""
    await ws.send(request(approval_key, tr_id, tr_key, tr_type))
    while True:
        message = await recv(ws)
        if message[0] in "01":
            continue
        reply = json.loads(message)
        if reply["header"]["tr_id"] != "PINGPONG":
            return reply


async def frames_of(ws, tr_id: str, count: int) -> list[str]:
    out = []
    while len(out) < count:
        message = await recv(ws)
        if message.startswith(("0|", "1|")) and message.split("|")[1] == tr_id:
            out.append(message)
    return out


async def test_subscribe_reply_and_tick_and_book_frames(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        reply = await control(ws, key, "H0STCNT0", "005930")
        assert reply["header"] == {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"}
        body = reply["body"]
        assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == (
            "0",
            "OPSP0000",
            "SUBSCRIBE SUCCESS",
        )
        assert len(body["output"]["key"]) == 32
        assert len(body["output"]["iv"]) == 16
        assert (await control(ws, key, "H0STASP0", "005930"))["body"]["rt_cd"] == "0"
        for _ in range(6):
            await client.admin("/sim/step", {"symbols": ["005930"]})
        ticks = await frames_of(ws, "H0STCNT0", 3)
        for frame in ticks:
            flag, tr_id, count, payload = frame.split("|", 3)
            assert (flag, tr_id) == ("0", "H0STCNT0")
            assert len(count) == 3
            fields = payload.split("^")
            assert len(fields) == 46 * int(count)
            for record in range(int(count)):
                rec = fields[46 * record : 46 * (record + 1)]
                assert rec[0] == "005930"
                assert rec[34][0] in "1234"
                assert len(rec[33]) == 8
        (book,) = await frames_of(ws, "H0STASP0", 1)
        _, _, count, payload = book.split("|", 3)
        assert count == "001"
        assert len(payload.split("^")) == 59


async def test_order_ack_and_fill_notices_decrypt_with_the_reply_key(make_sim, http):
    sim = await make_sim("paper", rate_limit_per_s=100)
    client = RawClient(sim, http)
    await client.issue_token()
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        reply = await control(ws, key, "H0STCNI9", client.account.hts_id)
        assert reply["header"]["encrypt"] == "Y"
        cipher = NoticeCipher(reply["body"]["output"]["key"], reply["body"]["output"]["iv"])
        placed = await client.order("buy", "005930", 10, price=69_000)
        odno = placed["output"]["ODNO"]
        await client.admin("/sim/trade", {"symbol": "005930", "price": 68_900, "qty": 4})
        await client.admin("/sim/trade", {"symbol": "005930", "price": 68_900, "qty": 50})
        notices = []
        for frame in await frames_of(ws, "H0STCNI9", 3):
            flag, _tr_id, count, payload = frame.split("|", 3)
            assert (flag, count) == ("1", "001")
            fields = cipher.decrypt(payload).split("^")
            assert len(fields) == 26
            notices.append(fields)
        assert [f[13] for f in notices] == ["1", "2", "2"]  # ack, then two fills
        assert {f[2] for f in notices} == {odno}
        assert notices[0][14] == "1"
        assert [(f[9], f[10]) for f in notices[1:]] == [("4", "69000"), ("6", "69000")]
        assert notices[0][0] == client.account.hts_id
        market = await client.order("sell", "005930", 10)
        acks = [
            cipher.decrypt(f.split("|", 3)[3]).split("^")
            for f in await frames_of(ws, "H0STCNI9", 2)
        ]
        assert [a[13] for a in acks] == ["1", "2"]
        assert acks[1][2] == market["output"]["ODNO"]


async def test_legacy_notice_layout_for_python_kis(make_sim, http):
    sim = await make_sim("real", notice_layout="legacy23")
    client = RawClient(sim, http)
    await client.issue_token()
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        reply = await control(ws, key, "H0STCNI0", client.account.hts_id)
        cipher = NoticeCipher(reply["body"]["output"]["key"], reply["body"]["output"]["iv"])
        await client.order("buy", "005930", 1)
        frames = await frames_of(ws, "H0STCNI0", 2)
        for frame in frames:
            assert len(cipher.decrypt(frame.split("|", 3)[3]).split("^")) == 23


async def test_subscription_cap_duplicates_and_unsubscribe(make_sim, http):
    sim = await make_sim("real", max_subscriptions=3)
    client = RawClient(sim, http)
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        for symbol in ("005930", "000660", "035720"):
            assert (await control(ws, key, "H0STCNT0", symbol))["body"]["msg_cd"] == "OPSP0000"
        assert (await control(ws, key, "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0002"
        over = await control(ws, key, "H0STASP0", "005930")
        assert (over["body"]["rt_cd"], over["body"]["msg_cd"]) == ("1", "OPSP0008")
        off = await control(ws, key, "H0STCNT0", "000660", tr_type="2")
        assert off["body"]["msg_cd"] == "OPSP0001"
        assert off["body"]["msg1"].startswith("UNSUB")
        missing = await control(ws, key, "H0STCNT0", "000660", tr_type="2")
        assert missing["body"]["msg_cd"] == "OPSP0003"
        assert "output" in missing["body"]  # python-kis reads output from every reply
        assert (await control(ws, key, "H0STASP0", "005930"))["body"]["msg_cd"] == "OPSP0000"


async def test_sixty_symbols_need_two_app_keys(make_sim, http):
    base = SimulatorConfig.generate("real")
    config = dataclasses.replace(
        base, apps=(base.apps[0], AppConfig("PSsecondapp", "secret2")), rate_limit_per_s=100
    )
    sim = await make_sim(config=config)
    symbols = sim.ctx.market.symbols()[:60]
    first, second = RawClient(sim, http, app=0), RawClient(sim, http, app=1)
    async with (
        websockets.connect(sim.ws_url + "/tryitout") as ws1,
        websockets.connect(sim.ws_url + "/tryitout") as ws2,
    ):
        key1, key2 = await first.approval_key(), await second.approval_key()
        codes = [(await control(ws1, key1, "H0STCNT0", s))["body"]["msg_cd"] for s in symbols[:41]]
        assert codes == ["OPSP0000"] * 40 + ["OPSP0008"]
        for symbol in symbols[40:]:
            assert (await control(ws2, key2, "H0STCNT0", symbol))["body"]["msg_cd"] == "OPSP0000"
        await client_step(first, symbols[39], symbols[59])
        got1 = await frames_of(ws1, "H0STCNT0", 1)
        got2 = await frames_of(ws2, "H0STCNT0", 1)
        assert got1[0].split("|")[3].startswith(symbols[39])
        assert got2[0].split("|")[3].startswith(symbols[59])


async def client_step(client: RawClient, *symbols: str) -> None:
    await client.admin("/sim/step", {"symbols": list(symbols)})


async def test_one_session_per_app_key(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws1:
        assert (await control(ws1, key, "H0STCNT0", "005930"))["body"]["rt_cd"] == "0"
        async with websockets.connect(sim.ws_url + "/tryitout") as ws2:
            reply = await control(ws2, await client.approval_key(), "H0STCNT0", "000660")
            assert reply["body"]["msg_cd"] == "OPSP8996"
    async with websockets.connect(sim.ws_url + "/tryitout") as ws3:
        for _ in range(50):  # the server notices the first session's close asynchronously
            reply = await control(ws3, key, "H0STCNT0", "000660")
            if reply["body"]["msg_cd"] != "OPSP8996":
                break
            await asyncio.sleep(0.02)
        assert reply["body"]["msg_cd"] == "OPSP0000"


async def test_bad_requests_get_control_errors(make_sim, http):
    sim = await make_sim("paper")
    client = RawClient(sim, http)
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        assert (await control(ws, "nope", "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0011"
        # the real-env notice id is not served on the paper host
        assert (await control(ws, key, "H0STCNI0", "hts"))["body"]["msg_cd"] == "OPSP0009"
        assert (await control(ws, key, "H0STCNT0", ""))["body"]["msg_cd"] == "OPSP0009"
        await ws.send("this is not json")
        assert json.loads(await recv(ws))["body"]["msg_cd"] == "OPSP9999"
        await ws.send(b"\x00binary")  # ignored, the session survives
        assert (await control(ws, key, "H0STCNT0", "005930"))["body"]["rt_cd"] == "0"


async def test_pingpong_is_header_only_and_both_answers_are_accepted(make_sim, http):
    sim = await make_sim("real", pingpong_interval_s=0.2)
    client = RawClient(sim, http)
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        ping = json.loads(await recv(ws))
        assert ping["header"]["tr_id"] == "PINGPONG"
        assert "body" not in ping
        assert len(ping["header"]["datetime"]) == 14
        await ws.pong(json.dumps(ping).encode())  # the official sample's answer
        await ws.send(json.dumps(ping))  # python-kis's answer
        reply = await control(ws, key, "H0STCNT0", "005930")
        assert reply["body"]["msg_cd"] == "OPSP0000"


async def test_drop_fault_cuts_the_connection_and_frees_the_key(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    key = await client.approval_key()
    ws = await websockets.connect(sim.ws_url + "/tryitout")
    await control(ws, key, "H0STCNT0", "005930")
    assert (await client.admin("/sim/ws/drop"))["dropped"] == 1
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
    async with websockets.connect(sim.ws_url + "/tryitout") as again:
        assert (await control(again, key, "H0STCNT0", "005930"))["body"]["msg_cd"] == "OPSP0000"


async def test_extra_fields_fault_sends_wider_records(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    key = await client.approval_key()
    await client.admin("/sim/faults", {"extra_fields": 2})
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        await control(ws, key, "H0STCNT0", "005930")
        await client_step(client, "005930")
        (frame,) = await frames_of(ws, "H0STCNT0", 1)
        _, _, count, payload = frame.split("|", 3)
        assert len(payload.split("^")) == 48 * int(count)


async def test_background_ticker_streams_subscribed_symbols(make_sim, http):
    sim = await make_sim("real", tick_interval_s=0.05)
    client = RawClient(sim, http)
    key = await client.approval_key()
    async with websockets.connect(sim.ws_url + "/tryitout") as ws:
        await control(ws, key, "H0STCNT0", "005930")
        frames = await frames_of(ws, "H0STCNT0", 3)
        assert all(f.split("|")[3].startswith("005930^") for f in frames)
