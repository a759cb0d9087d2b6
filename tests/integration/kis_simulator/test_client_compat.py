"""Request patterns of existing KIS clients, replayed with `requests` (as both clients use).

The official sample turns response headers and bodies into namedtuples; python-kis sends no
``custtype``, no ``tr_cont`` on first pages, legacy tr_ids and the paper/real domain split.
These run the same HTTP calls, in a thread, against the simulator.
"""

from __future__ import annotations

import asyncio
import json
from collections import namedtuple
from typing import Any

import requests

from jts.core.time import kst_date, unix_nanos_now

from .conftest import TRADING


class OfficialStyleResponse:
    """The sample's APIResp: lower-case header names and body keys become namedtuples."""

    def __init__(self, resp: requests.Response) -> None:
        fields = {name: resp.headers[name] for name in resp.headers if name.islower()}
        self.header = namedtuple("header", fields.keys())(**fields)
        self.body = namedtuple("body", resp.json().keys())(**resp.json())


def _official_flow(base: str, app_key: str, secret: str, cano: str) -> list[Any]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/plain",
        "charset": "UTF-8",
        "User-Agent": "sample",
    }
    token = requests.post(
        f"{base}/oauth2/tokenP",
        data=json.dumps(
            {"grant_type": "client_credentials", "appkey": app_key, "appsecret": secret}
        ),
        headers=headers,
        timeout=5,
    )
    assert token.status_code == 200
    parsed = namedtuple("res", token.json().keys())(**token.json())
    headers |= {
        "authorization": f"Bearer {parsed.access_token}",
        "appkey": app_key,
        "appsecret": secret,
    }
    pages = []
    tr_cont, fk, nk = "", "", ""
    while True:
        params = {
            "CANO": cano,
            "ACNT_PRDT_CD": "01",
            "AFHR_FLPR_YN": "N",
            "OFL_YN": "",
            "INQR_DVSN": "01",
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "N",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
            "CTX_AREA_FK100": fk,
            "CTX_AREA_NK100": nk,
        }
        resp = requests.get(
            f"{base}{TRADING}/inquire-balance",
            headers=headers | {"tr_id": "TTTC8434R", "custtype": "P", "tr_cont": tr_cont},
            params=params,
            timeout=5,
        )
        assert resp.status_code == 200
        answer = OfficialStyleResponse(resp)
        pages.append(answer)
        if answer.header.tr_cont not in ("F", "M"):
            return pages
        tr_cont, fk, nk = "N", answer.body.ctx_area_fk100, answer.body.ctx_area_nk100


async def test_the_official_sample_pattern_pages_the_balance(make_sim):
    from jts.adapters.kis.simulator import AccountConfig, HoldingConfig, SimulatorConfig

    base = SimulatorConfig.generate("real")
    holdings = tuple(HoldingConfig(s.symbol, 1, s.base_price) for s in base.symbols[:60])
    config = SimulatorConfig(
        env="real",
        apps=base.apps,
        rate_limit_per_s=1_000,
        accounts=(AccountConfig(cano="60000001", holdings=holdings),),
    )
    sim = await make_sim(config=config)
    app = sim.config.apps[0]
    pages = await asyncio.to_thread(
        _official_flow, sim.rest_url, app.app_key, app.app_secret, "60000001"
    )
    assert [p.header.tr_cont for p in pages] == ["F", "E"]
    assert sum(len(p.body.output1) for p in pages) == 60
    assert pages[0].body.rt_cd == "0"
    assert len(pages[0].header.gt_uid) == 32


def _python_kis_flow(
    base: str, app_key: str, secret: str, cano: str, hts_id: str
) -> dict[str, Any]:
    session = requests.Session()
    common = {"User-Agent": "PyKis/2.1.6", "appkey": app_key, "appsecret": secret}
    token = session.post(
        f"{base}/oauth2/tokenP",
        json={"grant_type": "client_credentials", "appkey": app_key, "appsecret": secret},
        timeout=5,
    ).json()
    auth = common | {"Authorization": f"Bearer {token['access_token']}"}
    order = session.post(
        f"{base}{TRADING}/order-cash",
        headers=auth | {"tr_id": "VTTC0802U"},  # legacy buy id, no custtype, no tr_cont
        json={
            "CANO": cano,
            "ACNT_PRDT_CD": "01",
            "PDNO": "005930",
            "ORD_DVSN": "01",
            "ORD_QTY": "2",
            "ORD_UNPR": "0",
        },
        timeout=5,
    ).json()
    today = kst_date(unix_nanos_now()).strftime("%Y%m%d")
    daily = session.get(
        f"{base}{TRADING}/inquire-daily-ccld",
        headers=auth | {"tr_id": "VTTC8001R"},
        params={
            "CANO": cano,
            "ACNT_PRDT_CD": "01",
            "INQR_STRT_DT": today,
            "INQR_END_DT": today,
            "SLL_BUY_DVSN_CD": "00",
            "INQR_DVSN": "01",
            "PDNO": "",
            "CCLD_DVSN": "00",
            "ORD_GNO_BRNO": "",
            "ODNO": "",
            "INQR_DVSN_3": "00",
            "INQR_DVSN_1": "",
            "INQR_DVSN_2": "",
            "EXCG_ID_DVSN_CD": "KRX",
        },
        timeout=5,
    )
    balance = session.get(
        f"{base}{TRADING}/inquire-balance",
        headers=auth | {"tr_id": "VTTC8434R", "Content-Type": "application/json"},
        params={
            "AFHR_FLPR_YN": "N",
            "INQR_DVSN": "01",
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "Y",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
            "CANO": cano,
            "ACNT_PRDT_CD": "01",
        },
        timeout=5,
    )
    approval = session.post(
        f"{base}/oauth2/Approval",
        json={"grant_type": "client_credentials", "appkey": app_key, "secretkey": secret},
        timeout=5,
    ).json()
    return {
        "token": token,
        "order": order,
        "daily": daily.json(),
        "daily_tr_cont": daily.headers.get("tr_cont"),
        "balance": balance.json(),
        "balance_tr_cont": balance.headers.get("tr_cont"),
        "approval": approval,
        "hts_id": hts_id,
    }


async def test_python_kis_request_patterns(make_sim):
    sim = await make_sim("paper", rate_limit_per_s=1_000)
    app, account = sim.config.apps[0], sim.config.accounts[0]
    result = await asyncio.to_thread(
        _python_kis_flow, sim.rest_url, app.app_key, app.app_secret, account.cano, account.hts_id
    )
    assert isinstance(result["token"]["expires_in"], int)
    assert result["order"]["rt_cd"] == "0"
    assert result["daily"]["rt_cd"] == "0"
    assert result["daily_tr_cont"] in ("D", "E")  # never empty: python-kis needs a value
    assert result["daily"]["output1"][0]["tot_ccld_qty"] == "2"
    assert result["balance"]["rt_cd"] == "0"
    assert result["balance_tr_cont"] == "D"
    assert result["balance"]["output2"]
    assert len(result["approval"]["approval_key"]) == 36
