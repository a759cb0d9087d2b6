"""Orders, balances and daily fills over REST, with tr_cont / CTX_AREA paging."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.adapters.kis.simulator import AccountConfig, HoldingConfig, SimulatorConfig
from jts.adapters.kis.simulator.config import AppConfig
from jts.core.time import kst_date, unix_nanos_now

from .conftest import TRADING, RawClient

BALANCE = f"{TRADING}/inquire-balance"
DAILY = f"{TRADING}/inquire-daily-ccld"


def _today() -> str:
    return kst_date(unix_nanos_now()).strftime("%Y%m%d")


def _config(env: str, holdings: int = 0) -> SimulatorConfig:
    symbols = SimulatorConfig().symbols
    account = AccountConfig(
        cano="50123456",
        hts_id="tester",
        cash=500_000_000,
        holdings=tuple(HoldingConfig(s.symbol, 10, s.base_price) for s in symbols[:holdings]),
    )
    return SimulatorConfig(
        env=env,
        accounts=(account,),
        apps=(AppConfig("PSintegration", "secret"),),
        rate_limit_per_s=1_000,
    )


def _balance_params(client: RawClient, fk: str = "", nk: str = "", upper: bool = True):
    keys = ("CTX_AREA_FK100", "CTX_AREA_NK100") if upper else ("ctx_area_fk100", "ctx_area_nk100")
    return {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "AFHR_FLPR_YN": "N",
        "OFL_YN": "",
        "INQR_DVSN": "01",
        "UNPR_DVSN": "01",
        "FUND_STTL_ICLD_YN": "N",
        "FNCG_AMT_AUTO_RDPT_YN": "N",
        "PRCS_DVSN": "00",
        keys[0]: fk,
        keys[1]: nk,
    }


@pytest.mark.parametrize(("env", "page_size"), [("paper", 20), ("real", 50)])
async def test_balance_pages_with_tr_cont_and_ctx_keys(make_sim, http, env, page_size):
    sim = await make_sim(config=_config(env, holdings=55))
    client = RawClient(sim, http)
    await client.issue_token()
    tr_id = client.tr("TTTC8434R")
    rows, markers, fk, nk, tr_cont = [], [], "", "", ""
    upper = True
    while True:
        status, headers, body = await client.get(
            BALANCE, tr_id, _balance_params(client, fk, nk, upper), tr_cont=tr_cont
        )
        assert status == 200
        assert body["rt_cd"] == "0"
        markers.append(headers["tr_cont"])
        rows += body["output1"]
        assert isinstance(body["output2"], list)
        assert len(body["output2"]) == 1
        assert len(body["output1"]) <= page_size
        if headers["tr_cont"] in ("D", "E"):
            break
        fk, nk, tr_cont = body["ctx_area_fk100"], body["ctx_area_nk100"], "N"
        upper = not upper  # clients differ in the case of the paging keys
    assert len(rows) == 55
    assert len({r["pdno"] for r in rows}) == 55
    expected_pages = -(-55 // page_size)
    assert markers == ["F", *["M"] * (expected_pages - 2), "E"]
    summary = body["output2"][0]
    assert int(summary["dnca_tot_amt"]) == 500_000_000
    assert int(summary["pchs_amt_smtl_amt"]) == sum(int(r["pchs_amt"]) for r in rows)


async def test_balance_follows_fills_and_refuses_inqr_dvsn_02(make_sim, http):
    sim = await make_sim(config=_config("real"))
    client = RawClient(sim, http)
    await client.issue_token()
    reply = await client.order("buy", "005930", 10)
    assert reply["rt_cd"] == "0"
    status, headers, body = await client.get(BALANCE, "TTTC8434R", _balance_params(client))
    assert headers["tr_cont"] == "D"
    (row,) = body["output1"]
    assert row["pdno"] == "005930"
    assert row["hldg_qty"] == "10"
    assert row["ord_psbl_qty"] == "10"
    amount = int(row["pchs_amt"])
    assert row["pchs_avg_pric"] == f"{amount // 10}.0000"
    summary = body["output2"][0]
    commission = amount * 140527 // 1_000_000_000  # the KIS online rate, truncated
    assert int(summary["dnca_tot_amt"]) == 500_000_000 - amount - commission
    params = _balance_params(client) | {"INQR_DVSN": "02"}
    status, _, body = await client.get(BALANCE, "TTTC8434R", params)
    assert status == 200
    assert (body["rt_cd"], body["msg_cd"]) == ("2", "OPSQ2001")
    assert body["msg1"] == "ERROR : INPUT INVALID_CHECK_INQR_DVSN"


async def _place_many(client: RawClient, count: int) -> list[str]:
    numbers = []
    for i in range(count):
        reply = await client.order("buy", "005930", 1, price=60_000 + 100 * (i % 50))
        assert reply["rt_cd"] == "0", reply
        numbers.append(reply["output"]["ODNO"])
    return numbers


@pytest.mark.parametrize(("env", "page_size"), [("paper", 15), ("real", 100)])
async def test_daily_orders_page_newest_first(make_sim, http, env, page_size):
    sim = await make_sim(config=_config(env))
    client = RawClient(sim, http)
    await client.issue_token()
    count = page_size + 7
    numbers = await _place_many(client, count)
    params = {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "INQR_STRT_DT": _today(),
        "INQR_END_DT": _today(),
        "SLL_BUY_DVSN_CD": "00",
        "INQR_DVSN": "00",
        "PDNO": "",
        "CCLD_DVSN": "00",
        "ORD_GNO_BRNO": "",
        "ODNO": "",
        "INQR_DVSN_3": "00",
        "INQR_DVSN_1": "",
        "CTX_AREA_FK100": "",
        "CTX_AREA_NK100": "",
    }
    tr_id = client.tr("TTTC0081R")
    _, headers, first = await client.get(DAILY, tr_id, params)
    assert headers["tr_cont"] == "F"
    assert len(first["output1"]) == page_size
    nxt = params | {
        "CTX_AREA_FK100": first["ctx_area_fk100"],
        "CTX_AREA_NK100": first["ctx_area_nk100"],
    }
    _, headers, second = await client.get(DAILY, tr_id, nxt, tr_cont="N")
    assert headers["tr_cont"] == "E"
    listed = [r["odno"] for r in first["output1"] + second["output1"]]
    assert listed == sorted(numbers, reverse=True)
    row = first["output1"][0]
    for name in (
        "ord_dt",
        "ord_tmd",
        "pdno",
        "prdt_name",
        "ord_gno_brno",
        "odno",
        "sll_buy_dvsn_cd",
        "ord_qty",
        "ord_unpr",
        "avg_prvs",
        "tot_ccld_qty",
        "rmn_qty",
        "rjct_qty",
        "excg_dvsn_cd",
    ):
        assert name in row
    assert first["output2"]["tot_ord_qty"] == str(count)
    # the legacy tr_id python-kis sends is served the same
    _, _, legacy = await client.get(DAILY, client.tr("TTTC8001R"), params)
    assert [r["odno"] for r in legacy["output1"]] == listed[:page_size]


async def test_modify_cancel_and_the_cancellable_list(make_sim, http):
    sim = await make_sim(config=_config("real"))
    client = RawClient(sim, http)
    await client.issue_token()
    reply = await client.order("buy", "005930", 10, price=60_000)
    odno = reply["output"]["ODNO"]
    orgno = reply["output"]["KRX_FWDG_ORD_ORGNO"]
    psbl = {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "INQR_DVSN_1": "0",
        "INQR_DVSN_2": "0",
        "CTX_AREA_FK100": "",
        "CTX_AREA_NK100": "",
    }
    _, _, body = await client.get(f"{TRADING}/inquire-psbl-rvsecncl", "TTTC0084R", psbl)
    assert [(r["odno"], r["psbl_qty"]) for r in body["output"]] == [(odno, "10")]
    change = {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "KRX_FWDG_ORD_ORGNO": orgno,
        "ORGN_ODNO": odno,
        "ORD_DVSN": "00",
        "RVSE_CNCL_DVSN_CD": "01",
        "ORD_QTY": "4",
        "ORD_UNPR": "61000",
        "QTY_ALL_ORD_YN": "N",
    }
    _, _, modified = await client.post(f"{TRADING}/order-rvsecncl", "TTTC0013U", change)
    assert modified["rt_cd"] == "0", modified
    cancel = change | {
        "RVSE_CNCL_DVSN_CD": "02",
        "ORD_QTY": "0",
        "ORD_UNPR": "0",
        "QTY_ALL_ORD_YN": "Y",
    }
    _, _, cancelled = await client.post(f"{TRADING}/order-rvsecncl", "TTTC0803U", cancel)
    assert cancelled["rt_cd"] == "0", cancelled
    _, _, body = await client.get(f"{TRADING}/inquire-psbl-rvsecncl", "TTTC8036R", psbl)
    assert [(r["odno"], r["ord_unpr"], r["psbl_qty"]) for r in body["output"]] == [
        (modified["output"]["ODNO"], "61000", "4")
    ]
    _, _, again = await client.post(f"{TRADING}/order-rvsecncl", "TTTC0013U", cancel)
    assert (again["rt_cd"], again["msg_cd"]) == ("1", "APBK0415")


async def test_business_rejections_are_http_200(make_sim, http):
    sim = await make_sim(config=_config("real"))
    client = RawClient(sim, http)
    await client.issue_token()
    cases = [
        (("buy", "999999", 1, 1000), "APBK0656"),
        (("buy", "005930", 1, 70_050), "APBK0507"),
        (("buy", "005930", 1, 200_000), "APBK0506"),
        (("buy", "005930", 100_000, 70_000), "APBK0952"),
        (("sell", "005930", 1, 70_000), "APBK0400"),
    ]
    for args, expected in cases:
        reply = await client.order(*args)
        assert (reply["rt_cd"], reply["msg_cd"]) == ("1", expected), reply
    await client.admin("/sim/market-hours", {"mode": "closed"})
    reply = await client.order("buy", "005930", 1, 70_000)
    assert reply["msg_cd"] == "APBK0919"
    status, _, body = await client.get(
        BALANCE, "TTTC8434R", _balance_params(client) | {"CANO": "99999999"}
    )
    assert (status, body["rt_cd"], body["msg_cd"]) == (200, "2", "OPSQ2000")


async def test_paper_refuses_the_kinds_it_does_not_offer(make_sim, http):
    sim = await make_sim(config=_config("paper"))
    client = RawClient(sim, http)
    await client.issue_token()
    reply = await client.order("buy", "005930", 1, 70_000, kind="12")
    assert (reply["rt_cd"], reply["msg_cd"]) == ("1", "40070000")


async def test_buyable_amount(make_sim, http):
    sim = await make_sim(config=_config("real"))
    client = RawClient(sim, http)
    await client.issue_token()
    params = {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "PDNO": "005930",
        "ORD_UNPR": "70000",
        "ORD_DVSN": "00",
        "CMA_EVLU_AMT_ICLD_YN": "N",
        "OVRS_ICLD_YN": "N",
    }
    _, _, body = await client.get(f"{TRADING}/inquire-psbl-order", "TTTC8908R", params)
    output = body["output"]
    assert output["ord_psbl_cash"] == "500000000"
    qty = int(output["max_buy_qty"])
    assert qty * 70_000 * 100_015 <= 500_000_000 * 100_000 < (qty + 1) * 70_000 * 100_015


async def test_date_window_and_bad_dates(make_sim, http):
    sim = await make_sim(config=_config("real"))
    client = RawClient(sim, http)
    await client.issue_token()
    await client.order("buy", "005930", 1)
    yesterday = (kst_date(unix_nanos_now()) - dt.timedelta(days=5)).strftime("%Y%m%d")
    base = {
        "CANO": client.account.cano,
        "ACNT_PRDT_CD": "01",
        "INQR_STRT_DT": yesterday,
        "INQR_END_DT": yesterday,
        "SLL_BUY_DVSN_CD": "00",
        "INQR_DVSN": "00",
        "CCLD_DVSN": "00",
    }
    _, headers, body = await client.get(DAILY, "TTTC0081R", base)
    assert body["output1"] == []
    assert headers["tr_cont"] == "D"
    _, _, body = await client.get(DAILY, "TTTC0081R", base | {"INQR_STRT_DT": "2026-01-01"})
    assert body["msg1"] == "ERROR : INPUT INVALID_CHECK_INQR_STRT_DT"
