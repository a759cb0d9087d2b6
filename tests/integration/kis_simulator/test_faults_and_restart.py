"""Fault switches (5xx, timeouts, delays) and restarts that keep every order and token."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from jts.adapters.kis.simulator import KisSimulator, SimulatorConfig
from jts.core.time import kst_date, unix_nanos_now

from .conftest import QUOTES, TRADING, RawClient

PRICE = f"{QUOTES}/inquire-price"
PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


def _daily_params(client: RawClient) -> dict[str, str]:
    today = kst_date(unix_nanos_now()).strftime("%Y%m%d")
    return {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "INQR_STRT_DT": today,
        "INQR_END_DT": today,
        "SLL_BUY_DVSN_CD": "00",
        "INQR_DVSN": "00",
        "CCLD_DVSN": "00",
    }


async def test_error_burst_then_recovery(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    settings = await client.admin("/sim/faults", {"error_next": 2, "error_status": 503})
    assert settings["error_next"] == 2
    statuses = [(await client.get(PRICE, "FHKST01010100", PARAMS))[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    state = await (await http.get(sim.rest_url + "/sim/state")).json()
    assert state["injected_errors"] == 2


async def test_error_rate_and_path_scope(make_sim, http):
    sim = await make_sim("real", rate_limit_per_s=1_000)
    client = RawClient(sim, http)
    await client.issue_token()
    await client.admin("/sim/faults", {"error_rate": 1.0, "paths": [f"{TRADING}/"]})
    assert (await client.get(PRICE, "FHKST01010100", PARAMS))[0] == 200  # not in scope
    status, _, body = await client.post(f"{TRADING}/order-cash", "TTTC0802U", {})
    assert (status, body["msg_cd"]) == (500, "EGW00002")
    await client.admin("/sim/faults", {"reset": True})
    assert (await client.get(PRICE, "FHKST01010100", PARAMS))[0] == 200


async def test_a_timed_out_order_still_reached_the_broker(make_sim, http):
    sim = await make_sim("real", rate_limit_per_s=1_000)
    client = RawClient(sim, http)
    await client.issue_token()
    await client.admin("/sim/faults", {"timeout_next": 1, "timeout_hold_s": 0.8})
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.3):
            await client.order("buy", "005930", 3, price=60_000)
    # the lost answer hides an accepted order: a client must look before re-sending
    _, _, body = await client.get(
        f"{TRADING}/inquire-daily-ccld", "TTTC0081R", _daily_params(client)
    )
    assert [(r["pdno"], r["ord_qty"]) for r in body["output1"]] == [("005930", "3")]
    await asyncio.sleep(0.6)  # let the held request finish before the server stops


async def test_timeout_before_processing_loses_the_order(make_sim, http):
    sim = await make_sim("real", rate_limit_per_s=1_000)
    client = RawClient(sim, http)
    await client.issue_token()
    await client.admin(
        "/sim/faults", {"timeout_next": 1, "timeout_hold_s": 0.5, "timeout_phase": "before"}
    )
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.2):
            await client.order("buy", "005930", 3, price=60_000)
    _, _, body = await client.get(
        f"{TRADING}/inquire-daily-ccld", "TTTC0081R", _daily_params(client)
    )
    assert body["output1"] == []
    await asyncio.sleep(0.4)


async def test_delay(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    await client.admin("/sim/faults", {"delay_ms": 150})
    started = time.perf_counter()
    assert (await client.get(PRICE, "FHKST01010100", PARAMS))[0] == 200
    assert time.perf_counter() - started >= 0.15


async def test_bad_fault_switches_are_refused(make_sim, http):
    sim = await make_sim("real")
    for body in ({"error_rate": 3}, {"no_such_switch": 1}, {"error_status": 404}):
        async with http.post(sim.rest_url + "/sim/faults", json=body) as resp:
            assert resp.status == 400
            assert "error" in await resp.json()


async def test_in_process_restart_keeps_orders_tokens_and_ports(make_sim, http):
    sim = await make_sim("real", rate_limit_per_s=1_000)
    client = RawClient(sim, http)
    await client.issue_token()
    placed = await client.order("buy", "005930", 5, price=60_000)
    port, ws_port = sim.port, sim.ws_port
    await sim.restart()
    assert (sim.port, sim.ws_port) == (port, ws_port)
    status, _, body = await client.get(
        f"{TRADING}/inquire-daily-ccld", "TTTC0081R", _daily_params(client)
    )
    assert status == 200  # the old token still works
    assert [r["odno"] for r in body["output1"]] == [placed["output"]["ODNO"]]
    again = await client.order("buy", "005930", 1, price=60_000)
    assert int(again["output"]["ODNO"]) == int(placed["output"]["ODNO"]) + 1


async def test_a_new_process_continues_from_the_state_file(tmp_path, http):
    config = SimulatorConfig.generate(
        "real",
        state_file=str(tmp_path / "kis.json"),
        tick_interval_s=3_600.0,
        pingpong_interval_s=3_600.0,
        rate_limit_per_s=1_000,
    )
    first = KisSimulator(config)
    await first.start()
    client = RawClient(first, http)
    await client.issue_token()
    resting = await client.order("buy", "005930", 5, price=60_000)
    filled = await client.order("buy", "000660", 2)
    await first.stop()
    second = KisSimulator(config)
    await second.start()
    try:
        client.sim = second
        _, _, body = await client.get(
            f"{TRADING}/inquire-daily-ccld", "TTTC0081R", _daily_params(client)
        )
        rows = {r["odno"]: r for r in body["output1"]}
        assert rows[resting["output"]["ODNO"]]["rmn_qty"] == "5"
        assert rows[filled["output"]["ODNO"]]["tot_ccld_qty"] == "2"
        # the resting order is back on the book and fills on a print through it
        await client.admin("/sim/trade", {"symbol": "005930", "price": 59_900, "qty": 10})
        _, _, body = await client.get(
            f"{TRADING}/inquire-daily-ccld", "TTTC0081R", _daily_params(client)
        )
        rows = {r["odno"]: r for r in body["output1"]}
        assert rows[resting["output"]["ODNO"]]["tot_ccld_qty"] == "5"
        reissue = await client.issue_token()
        assert reissue["error_code"] == "EGW00133"  # the issue limit survived the restart
    finally:
        await second.stop()


async def test_config_endpoint_tells_a_client_its_credentials(make_sim):
    sim = await make_sim("paper")
    async with aiohttp.ClientSession() as session:
        body = await (await session.get(sim.rest_url + "/sim/config")).json()
    assert body["env"] == "paper"
    assert body["apps"][0]["app_key"] == sim.config.apps[0].app_key
    assert body["notice_tr_id"] == "H0STCNI9"
