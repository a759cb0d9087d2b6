"""A running simulator per test, and a raw KIS client built on aiohttp (not our adapter)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from jts.adapters.kis.simulator import KisSimulator, SimulatorConfig

TRADING = "/uapi/domestic-stock/v1/trading"
QUOTES = "/uapi/domestic-stock/v1/quotations"

SimFactory = Callable[..., Awaitable[KisSimulator]]


@pytest.fixture
async def make_sim() -> AsyncIterator[SimFactory]:
    """Start simulators on free ports; quiet background loops unless a test asks for them."""
    started: list[KisSimulator] = []

    async def make(env: str = "paper", clock: Any = None, **overrides: Any) -> KisSimulator:
        overrides.setdefault("tick_interval_s", 3_600.0)
        overrides.setdefault("pingpong_interval_s", 3_600.0)
        config = overrides.pop("config", None) or SimulatorConfig.generate(env)
        config = dataclasses.replace(config, **overrides)
        sim = KisSimulator(config, clock=clock)
        await sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        if sim.running:
            await sim.stop()


class RawClient:
    """Just enough of a KIS client to drive the wire protocol from tests."""

    def __init__(self, sim: KisSimulator, session: aiohttp.ClientSession, app: int = 0) -> None:
        self.sim = sim
        self.session = session
        self.app = sim.config.apps[app]
        self.account = sim.config.accounts[0]
        self.token = ""

    @property
    def paper(self) -> bool:
        return self.sim.config.env == "paper"

    def tr(self, real_tr_id: str) -> str:
        """The official sample's rule: T/J/C trading ids get a V on the paper host."""
        if self.paper and real_tr_id[0] in "TJC":
            return "V" + real_tr_id[1:]
        return real_tr_id

    async def issue_token(self) -> dict[str, Any]:
        async with self.session.post(
            self.sim.rest_url + "/oauth2/tokenP",
            json={
                "grant_type": "client_credentials",
                "appkey": self.app.app_key,
                "appsecret": self.app.app_secret,
            },
        ) as resp:
            body = await resp.json()
            if resp.status == 200:
                self.token = body["access_token"]
            return {"status": resp.status, **body}

    async def approval_key(self) -> str:
        async with self.session.post(
            self.sim.rest_url + "/oauth2/Approval",
            json={
                "grant_type": "client_credentials",
                "appkey": self.app.app_key,
                "secretkey": self.app.app_secret,
            },
        ) as resp:
            assert resp.status == 200
            return (await resp.json())["approval_key"]

    def headers(self, tr_id: str, tr_cont: str | None = None) -> dict[str, str]:
        headers = {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {self.token}",
            "appkey": self.app.app_key,
            "appsecret": self.app.app_secret,
            "tr_id": tr_id,
            "custtype": "P",
        }
        if tr_cont is not None:
            headers["tr_cont"] = tr_cont
        return headers

    async def get(
        self, path: str, tr_id: str, params: dict[str, str], tr_cont: str | None = None
    ) -> tuple[int, CIMultiDictProxy[str], dict[str, Any]]:
        async with self.session.get(
            self.sim.rest_url + path, params=params, headers=self.headers(tr_id, tr_cont)
        ) as resp:
            return resp.status, resp.headers, await resp.json()

    async def post(
        self, path: str, tr_id: str, body: dict[str, str]
    ) -> tuple[int, CIMultiDictProxy[str], dict[str, Any]]:
        async with self.session.post(
            self.sim.rest_url + path, json=body, headers=self.headers(tr_id)
        ) as resp:
            return resp.status, resp.headers, await resp.json()

    async def order(
        self, side: str, symbol: str, qty: int, price: int = 0, kind: str | None = None
    ) -> dict[str, Any]:
        tr_id = self.tr("TTTC0012U" if side == "buy" else "TTTC0011U")
        body = {
            "CANO": self.account.cano,
            "ACNT_PRDT_CD": self.account.product,
            "PDNO": symbol,
            "ORD_DVSN": kind or ("00" if price else "01"),
            "ORD_QTY": str(qty),
            "ORD_UNPR": str(price),
        }
        _, _, reply = await self.post(f"{TRADING}/order-cash", tr_id, body)
        return reply

    async def admin(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        async with self.session.post(self.sim.rest_url + path, json=body or {}) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            return data


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
