"""Quotations over REST: the fields clients require, chart row limits, the holiday check."""

from __future__ import annotations

import datetime as dt

from jts.core.time import kst_date, unix_nanos_now

from .conftest import QUOTES, RawClient

REQUIRED = (
    "stck_shrn_iscd",
    "stck_prpr",
    "prdy_vrss",
    "prdy_vrss_sign",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_mxpr",
    "stck_llam",
    "stck_sdpr",
    "aspr_unit",
    "acml_vol",
    "acml_tr_pbmn",
    "hts_avls",
    "prdy_vrss_vol_rate",
    "mrkt_warn_cls_code",
    "temp_stop_yn",
    "short_over_yn",
    "bstp_kor_isnm",
    "rprs_mrkt_kor_name",
)


async def test_current_price_has_every_required_field_as_text(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    await client.admin("/sim/trade", {"symbol": "005930", "price": 70_500, "qty": 7})
    params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
    _, _, body = await client.get(f"{QUOTES}/inquire-price", "FHKST01010100", params)
    output = body["output"]
    for name in REQUIRED:
        assert isinstance(output[name], str), name
    assert output["stck_prpr"] == "70500"
    assert output["prdy_vrss"] == "500"
    assert output["prdy_vrss_sign"] in "012345"
    assert output["prdy_vrss_sign"] == "2"
    assert (output["stck_mxpr"], output["stck_llam"], output["stck_sdpr"]) == (
        "91000",
        "49000",
        "70000",
    )
    assert output["aspr_unit"] == "100"
    assert output["acml_vol"] == "7"
    assert output["mrkt_warn_cls_code"] in ("00", "01", "02", "03")
    params["FID_INPUT_ISCD"] = "999999"
    _, _, body = await client.get(f"{QUOTES}/inquire-price", "FHKST01010100", params)
    assert (body["rt_cd"], body["msg_cd"]) == ("1", "APBK0656")


async def test_daily_chart_is_at_most_100_rows_newest_first(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    today = kst_date(unix_nanos_now())
    params = {
        "FID_COND_MRKT_DIV_CODE": "J",
        "FID_INPUT_ISCD": "000660",
        "FID_INPUT_DATE_1": (today - dt.timedelta(days=400)).strftime("%Y%m%d"),
        "FID_INPUT_DATE_2": today.strftime("%Y%m%d"),
        "FID_PERIOD_DIV_CODE": "D",
        "FID_ORG_ADJ_PRC": "0",
    }
    path = f"{QUOTES}/inquire-daily-itemchartprice"
    _, _, body = await client.get(path, "FHKST03010100", params)
    rows = body["output2"]
    assert len(rows) == 100
    dates = [r["stck_bsop_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert body["output1"]["stck_shrn_iscd"] == "000660"
    # paging by shifting the end date before the oldest row returned
    older = params | {"FID_INPUT_DATE_2": str(int(dates[-1]) - 1)}
    _, _, body = await client.get(path, "FHKST03010100", older)
    assert body["output2"][0]["stck_bsop_date"] < dates[-1]
    _, _, weekly = await client.get(path, "FHKST03010100", params | {"FID_PERIOD_DIV_CODE": "W"})
    assert 50 <= len(weekly["output2"]) <= 100
    _, _, bad = await client.get(path, "FHKST03010100", params | {"FID_PERIOD_DIV_CODE": "Q"})
    assert bad["msg_cd"] == "OPSQ2001"


async def test_minute_chart_returns_today_up_to_the_hour_asked(make_sim, http):
    sim = await make_sim("real")
    client = RawClient(sim, http)
    await client.issue_token()
    await client.admin("/sim/trade", {"symbol": "005930", "price": 70_100, "qty": 3})
    await client.admin("/sim/trade", {"symbol": "005930", "price": 70_300, "qty": 2})
    params = {
        "FID_ETC_CLS_CODE": "",
        "FID_COND_MRKT_DIV_CODE": "J",
        "FID_INPUT_ISCD": "005930",
        "FID_INPUT_HOUR_1": "235959",
        "FID_PW_DATA_INCU_YN": "Y",
    }
    _, _, body = await client.get(f"{QUOTES}/inquire-time-itemchartprice", "FHKST03010200", params)
    rows = body["output2"]
    assert 1 <= len(rows) <= 30
    assert rows[0]["stck_prpr"] == "70300"
    assert sum(int(r["cntg_vol"]) for r in rows) == 5
    assert len(rows[0]["stck_cntg_hour"]) == 6
    _, _, early = await client.get(
        f"{QUOTES}/inquire-time-itemchartprice",
        "FHKST03010200",
        params | {"FID_INPUT_HOUR_1": "000000"},
    )
    assert early["output2"] == [] or early["output2"][0]["stck_cntg_hour"] == "000000"


async def test_holiday_check_is_real_only(make_sim, http):
    real = await make_sim("real")
    client = RawClient(real, http)
    await client.issue_token()
    params = {"BASS_DT": "20260302", "CTX_AREA_NK": "", "CTX_AREA_FK": ""}
    _, _, body = await client.get(f"{QUOTES}/chk-holiday", "CTCA0903R", params)
    days = {r["bass_dt"]: r for r in body["output"]}
    assert days["20260302"]["opnd_yn"] == "Y"  # a Monday
    assert days["20260307"]["opnd_yn"] == "N"  # a Saturday
    assert days["20260307"]["wday_dvsn_cd"] == "07"
    paper = await make_sim("paper")
    client = RawClient(paper, http)
    await client.issue_token()
    # the official sample sends the V-prefixed id on paper: there is no such service there
    status, _, body = await client.get(f"{QUOTES}/chk-holiday", client.tr("CTCA0903R"), params)
    assert (status, body["msg_cd"]) == (500, "OPSQ0002")
