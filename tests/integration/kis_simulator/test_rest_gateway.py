"""Against a running simulator: header casing on the wire, tokens, tr_ids, rate limits."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from jts.core.clock import SimulatedClock
from jts.core.time import KST, NANOS_PER_HOUR, NANOS_PER_SECOND, dt_to_ns

from .conftest import QUOTES, TRADING, RawClient

START = dt_to_ns(dt.datetime(2026, 3, 2, 10, 0, tzinfo=KST))
PRICE = f"{QUOTES}/inquire-price"
PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def _raw_http(port: int, request: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request.encode())
    await writer.drain()
    data = await reader.read(65_536)
    writer.close()
    await writer.wait_closed()
    return data.decode("utf-8", errors="replace")


async def test_header_names_go_out_cased_like_the_real_service(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    request = (
        f"GET {PRICE}?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD=005930 HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\ncontent-type: application/json; charset=utf-8\r\n"
        f"authorization: Bearer {client.token}\r\nappkey: {client.app.app_key}\r\n"
        f"appsecret: {client.app.app_secret}\r\ntr_id: FHKST01010100\r\ncusttype: P\r\n"
        "Connection: close\r\n\r\n"
    )
    text = await _raw_http(sim.port, request)
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    assert head[0] == "HTTP/1.1 200 OK"
    names = [line.split(":", 1)[0] for line in head[1:]]
    assert "Content-Type" in names
    assert "Content-Length" in names
    for kis_name in ("tr_id", "tr_cont", "gt_uid"):
        assert kis_name in names
    lowercase_standard = [
        n for n in names if n.islower() and n not in ("tr_id", "tr_cont", "gt_uid")
    ]
    assert lowercase_standard == []  # the official sample would choke on these
    assert "tr_id: FHKST01010100" in head


async def test_token_reply_and_the_once_a_minute_rule(make_sim, http):
    clock = SimulatedClock(START)
    sim = await make_sim("paper", clock=clock)
    client = RawClient(sim, http)
    first = await client.issue_token()
    assert first["status"] == 200
    assert first["token_type"] == "Bearer"
    assert first["expires_in"] == 86_400
    assert isinstance(first["expires_in"], int)
    assert first["access_token_token_expired"] == "2026-03-03 10:00:00"
    clock.set_time(START + 30 * NANOS_PER_SECOND)
    again = await client.issue_token()
    assert again == {
        "status": 403,
        "error_code": "EGW00133",
        "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
    }
    clock.set_time(START + 61 * NANOS_PER_SECOND)
    same = await client.issue_token()
    assert same["access_token"] == first["access_token"]
    assert same["access_token_token_expired"] == first["access_token_token_expired"]
    clock.set_time(START + 6 * NANOS_PER_HOUR + 120 * NANOS_PER_SECOND)
    fresh = await client.issue_token()
    assert fresh["access_token"] != first["access_token"]


async def test_expired_invalid_and_revoked_tokens(make_sim, http):
    clock = SimulatedClock(START)
    sim = await make_sim("real", clock=clock)
    client = RawClient(sim, http)
    await client.issue_token()
    status, _, body = await client.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert (status, body["rt_cd"]) == (200, "0")
    clock.set_time(START + 86_400 * NANOS_PER_SECOND)
    status, headers, body = await client.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert status == 500
    assert body["msg_cd"] == "EGW00123"
    assert headers["tr_id"] == "FHKST01010100"
    client.token = "garbage"
    _, _, body = await client.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert body["msg_cd"] == "EGW00121"
    clock.set_time(START + 86_400 * NANOS_PER_SECOND + 120 * NANOS_PER_SECOND)
    await client.issue_token()
    async with http.post(
        sim.rest_url + "/oauth2/revokeP",
        json={
            "appkey": client.app.app_key,
            "appsecret": client.app.app_secret,
            "token": client.token,
        },
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["code"] == 200
    _, _, body = await client.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert body["msg_cd"] == "EGW00121"


async def test_missing_or_wrong_credentials(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    async with http.get(sim.rest_url + PRICE, params=PRICE_PARAMS) as resp:
        assert resp.status == 500
        assert (await resp.json())["msg_cd"] == "EGW00103"
    headers = client.headers("FHKST01010100")
    headers["appsecret"] = "wrong"
    async with http.get(sim.rest_url + PRICE, params=PRICE_PARAMS, headers=headers) as resp:
        assert (await resp.json())["msg_cd"] == "EGW00105"
    async with http.post(
        sim.rest_url + "/oauth2/tokenP",
        json={"grant_type": "client_credentials", "appkey": "PSnobody", "appsecret": "x"},
    ) as resp:
        assert resp.status == 403
        assert (await resp.json())["error_code"] == "EGW00103"


@pytest.mark.parametrize("env", ["real", "paper"])
async def test_both_tr_id_sets_and_the_wrong_ones(make_sim, http, env):
    sim = await make_sim(env, rate_limit_per_s=100)
    client = RawClient(sim, http)
    await client.issue_token()
    for tr_id in ("TTTC0012U", "TTTC0802U"):
        status, headers, body = await client.post(
            f"{TRADING}/order-cash",
            client.tr(tr_id),
            {
                "CANO": client.account.cano,
                "ACNT_PRDT_CD": "01",
                "PDNO": "005930",
                "ORD_DVSN": "01",
                "ORD_QTY": "1",
                "ORD_UNPR": "0",
            },
        )
        assert (status, body["rt_cd"]) == (200, "0"), body
        assert headers["tr_id"] == client.tr(tr_id)
        assert set(body["output"]) == {"KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD"}
    status, _, body = await client.get(PRICE, "FHKST03010100", PRICE_PARAMS)  # wrong endpoint
    assert (status, body["msg_cd"]) == (500, "OPSQ0002")
    if env == "paper":
        status, _, body = await client.post(f"{TRADING}/order-cash", "TTTC0012U", {})
        assert (status, body["msg_cd"]) == (500, "EGW00205")
    status, _, body = await client.get(PRICE, "", PRICE_PARAMS)
    assert body["msg_cd"] == "OPSQ0002"


async def test_paper_rate_limit_answers_egw00201_with_a_non_2xx_status(make_sim, http):
    sim = await make_sim("paper")
    client = RawClient(sim, http)
    await client.issue_token()
    results = [await client.get(PRICE, "FHKST01010100", PRICE_PARAMS) for _ in range(3)]
    assert [r[0] for r in results[:2]] == [200, 200]
    status, _, body = results[2]
    assert status == 500
    assert body == {"rt_cd": "1", "msg_cd": "EGW00201", "msg1": "초당 거래건수를 초과하였습니다."}
    await asyncio.sleep(0.55)
    assert (await client.get(PRICE, "FHKST01010100", PRICE_PARAMS))[0] == 200


async def test_hashkey_and_approval(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    order = {"CANO": client.account.cano, "PDNO": "005930"}
    async with http.post(
        sim.rest_url + "/uapi/hashkey",
        json=order,
        headers={"appkey": client.app.app_key, "appsecret": client.app.app_secret},
    ) as resp:
        body = await resp.json()
    assert body["BODY"] == order
    assert len(body["HASH"]) == 64
    key = await client.approval_key()
    assert key == await client.approval_key()
    async with http.post(
        sim.rest_url + "/oauth2/Approval",
        json={
            "grant_type": "client_credentials",
            "appkey": client.app.app_key,
            "appsecret": client.app.app_secret,
        },  # the field must be named secretkey
    ) as resp:
        assert resp.status == 403
