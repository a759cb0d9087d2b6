"""Request patterns of existing KIS clients, replayed with `requests` (as both clients use).

The official sample (`examples_user/kis_auth.py` of koreainvestment/open-trading-api) turns
response headers and bodies into namedtuples, sends JSON text bodies with its own base headers,
reads its hosts from ``kis_devlp.yaml`` (``prod``/``vps``/``ops``/``vops``: the only keys changed
here), decides decryption from the subscribe reply's ``encrypt`` and answers PINGPONG with a pong
frame carrying the text. python-kis sends no ``custtype``, no ``tr_cont`` on first pages, legacy
tr_ids and the paper/real domain split (the library itself runs in ``test_python_kis``). These
run the same HTTP and WebSocket exchanges against the simulator; no code of either is copied.
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


# ---- the official sample's whole flow, pointed at the simulator by its config file only ------
def _sample_config(sim: Any) -> dict[str, str]:
    """The keys of the sample's ``kis_devlp.yaml``; only the URLs differ from a real setup."""
    app, account = sim.config.apps[0], sim.config.accounts[0]
    return {
        "my_app": app.app_key,
        "my_sec": app.app_secret,
        "paper_app": app.app_key,
        "paper_sec": app.app_secret,
        "my_htsid": account.hts_id,
        "my_acct_stock": account.cano,
        "my_paper_stock": account.cano,
        "my_prod": account.product,
        "my_agent": "Mozilla/5.0",
        "prod": sim.rest_url,  # was https://openapi.koreainvestment.com:9443
        "vps": sim.rest_url,  # was https://openapivts.koreainvestment.com:29443
        "ops": sim.ws_url,  # was ws://ops.koreainvestment.com:21000
        "vops": sim.ws_url,  # was ws://ops.koreainvestment.com:31000
    }


def _sample_auth(cfg: dict[str, str], svr: str) -> dict[str, Any]:
    """auth() and auth_ws() as the sample sends them (JSON text bodies, its base headers)."""
    base = {
        "Content-Type": "application/json",
        "Accept": "text/plain",
        "charset": "UTF-8",
        "User-Agent": cfg["my_agent"],
    }
    app, sec = ("my_app", "my_sec") if svr == "prod" else ("paper_app", "paper_sec")
    grant = {"grant_type": "client_credentials", "appkey": cfg[app]}
    token = requests.post(
        f"{cfg[svr]}/oauth2/tokenP",
        data=json.dumps(grant | {"appsecret": cfg[sec]}),
        headers=base,
        timeout=5,
    )
    assert token.status_code == 200
    parsed = namedtuple("res", token.json().keys())(**token.json())
    approval = requests.post(
        f"{cfg[svr]}/oauth2/Approval",
        data=json.dumps(grant | {"secretkey": cfg[sec]}),
        headers=base,
        timeout=5,
    )
    assert approval.status_code == 200
    return {
        "approval_key": namedtuple("res", approval.json().keys())(**approval.json()).approval_key,
        "expires": parsed.access_token_token_expired,
        "headers": base
        | {
            "authorization": f"Bearer {parsed.access_token}",
            "appkey": cfg[app],
            "appsecret": cfg[sec],
        },
    }


def _sample_order(cfg: dict[str, str], svr: str, base: dict[str, str]) -> OfficialStyleResponse:
    """A market buy through the sample's _url_fetch: tr_id with V on paper, custtype, tr_cont."""
    headers = base | {
        "tr_id": "VTTC0012U" if svr == "vps" else "TTTC0012U",
        "custtype": "P",
        "tr_cont": "",
    }
    params = {
        "CANO": cfg["my_paper_stock" if svr == "vps" else "my_acct_stock"],
        "ACNT_PRDT_CD": cfg["my_prod"],
        "PDNO": "005930",
        "ORD_DVSN": "01",
        "ORD_QTY": "3",
        "ORD_UNPR": "0",
        "EXCG_ID_DVSN_CD": "KRX",
        "SLL_TYPE": "",
        "CNDT_PRIC": "",
    }
    order = requests.post(
        f"{cfg[svr]}{TRADING}/order-cash", headers=headers, data=json.dumps(params), timeout=5
    )
    assert order.status_code == 200
    return OfficialStyleResponse(order)


def _system_resp(raw: str) -> dict[str, Any]:
    """The sample's system_resp: a control message without ``rt_cd`` in a body is fatal."""
    rdic = json.loads(raw)
    tr_id = rdic["header"]["tr_id"]
    out: dict[str, Any] = {"tr_id": tr_id, "ping": False, "encrypt": None, "iv": None, "key": None}
    if tr_id != "PINGPONG":
        out["tr_key"] = rdic["header"]["tr_key"]
        out["encrypt"] = rdic["header"]["encrypt"]
    if rdic.get("body") is not None:
        out["ok"] = rdic["body"]["rt_cd"] == "0"
        if "output" in rdic["body"]:
            out["iv"] = rdic["body"]["output"]["iv"]
            out["key"] = rdic["body"]["output"]["key"]
    else:
        out["ping"] = tr_id == "PINGPONG"
    return out


async def test_the_official_sample_flow_with_only_its_config_file_changed(make_sim):
    import websockets

    from jts.adapters.kis.simulator import NoticeCipher

    sim = await make_sim("paper", rate_limit_per_s=1_000, pingpong_interval_s=0.3)
    cfg = _sample_config(sim)
    data_map: dict[str, dict[str, Any]] = {}
    pings = 0
    auth = await asyncio.to_thread(_sample_auth, cfg, "vps")
    assert len(auth["expires"]) == 19  # "YYYY-MM-DD HH:MM:SS", as save_token parses it
    order: OfficialStyleResponse | None = None
    notices: list[list[str]] = []
    async with websockets.connect(f"{cfg['vops']}/tryitout") as ws:
        for tr_id, tr_key in (("H0STCNT0", "005930"), ("H0STCNI9", cfg["my_htsid"])):
            message = {
                "header": {
                    "content-type": "utf-8",
                    "approval_key": auth["approval_key"],
                    "tr_type": "1",
                    "custtype": "P",
                },
                "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
            }
            await ws.send(json.dumps(message))
        deadline = asyncio.get_running_loop().time() + 8
        while asyncio.get_running_loop().time() < deadline and (not notices or pings < 2):
            raw = await asyncio.wait_for(ws.recv(), 3)
            assert isinstance(raw, str), "the sample reads text frames only"
            if raw[0] in ("0", "1"):
                _, tr_id, count, payload = raw.split("|", 3)
                entry = data_map[tr_id]
                if entry.get("encrypt") == "Y":  # decided by the subscribe reply
                    payload = NoticeCipher(entry["key"], entry["iv"]).decrypt(payload)
                fields = payload.split("^")
                width = 46 if tr_id == "H0STCNT0" else 26
                assert len(fields) == int(count) * width
                if tr_id == "H0STCNI9":
                    notices.append(fields)
                continue
            rsp = _system_resp(raw)
            entry = data_map.setdefault(rsp["tr_id"], {})
            for name in ("encrypt", "key", "iv"):
                if rsp[name] is not None:
                    entry[name] = rsp[name]
            if rsp["ping"]:
                pings += 1
                await ws.pong(raw)  # the sample answers with a pong frame carrying the text
            if order is None and {"H0STCNT0", "H0STCNI9"} <= set(data_map):
                order = await asyncio.to_thread(_sample_order, cfg, "vps", auth["headers"])
    assert order is not None
    assert order.body.rt_cd == "0"
    assert set(order.body.output) >= {"KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD"}
    assert data_map["H0STCNI9"]["encrypt"] == "Y"
    assert data_map["H0STCNT0"]["encrypt"] == "N"
    assert pings >= 2  # the session outlived the pongs
    fill = [n for n in notices if n[13] == "2"]
    assert fill, "no fill notice decrypted"
    assert fill[0][2] == order.body.output["ODNO"]
    assert fill[0][9] == "3"
