"""The real community client, python-kis 2.1.6 (``pip install python-kis==2.1.6``), unchanged,
against the simulator: token, quote, balance, a limit order placed and cancelled, a market
order filled, realtime ticks and execution notices.

python-kis has no setting for its hosts: the four URLs are module constants
(``pykis.__env__``), copied by name into ``pykis.kis`` (REST) and ``pykis.client.websocket``
(WebSocket) at import. The tests set those module attributes, nothing else; no code of the
library is replaced. (A user outside Python can reach the same effect with a hosts-file entry
for the KIS host names and the simulator on the real ports, which `jts sim kis` uses by default,
but the real REST hosts are HTTPS and the simulator speaks plain HTTP.)

Two incompatibilities of python-kis 2.1.6 with today's KIS are reproduced, as they should be:
its balance inquiry sends ``INQR_DVSN=02``, refused by KIS since 2026-02-10 (python-kis issue
#81), and it parses the older 23-field execution notice, while KIS sends 26 fields (issues #68,
#80). The simulator's ``reject_inqr_dvsn_02`` and ``notice_layout`` switches give the older
behaviour so the rest of the client can be exercised.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from jts.adapters.kis.simulator import KisSimulator, SimulatorConfig

pykis = pytest.importorskip(
    "pykis", reason="python-kis is not installed (dev extra: python-kis==2.1.6)"
)

import pykis.client.websocket as pykis_websocket  # noqa: E402 - after the skip
import pykis.kis as pykis_kis  # noqa: E402
from pykis.client.exceptions import KisAPIError  # noqa: E402

SYMBOL = "005930"
#: python-kis's own event tickets complain when garbage-collected after its socket closed
pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning:pykis.event.handler"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _wait(predicate: Callable[[], bool], within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def point_pykis(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Aim python-kis at simulators (its host constants; restored after the test)."""

    def point(real: KisSimulator | None = None, paper: KisSimulator | None = None) -> None:
        if real is not None:
            monkeypatch.setattr(pykis_kis, "REAL_DOMAIN", real.rest_url)
            monkeypatch.setattr(pykis_websocket, "WEBSOCKET_REAL_DOMAIN", real.ws_url)
        if paper is not None:
            monkeypatch.setattr(pykis_kis, "VIRTUAL_DOMAIN", paper.rest_url)
            monkeypatch.setattr(pykis_websocket, "WEBSOCKET_VIRTUAL_DOMAIN", paper.ws_url)

    return point


def _config(env: str, **overrides: Any) -> SimulatorConfig:
    base = SimulatorConfig.generate(env, tick_interval_s=0.1)  # type: ignore[arg-type]
    return dataclasses.replace(base, pingpong_interval_s=0.5, **overrides)


@pytest.fixture
async def sims() -> Iterator[Callable[..., Any]]:
    started: list[KisSimulator] = []

    async def start(config: SimulatorConfig) -> KisSimulator:
        sim = KisSimulator(config)
        await sim.start()
        started.append(sim)
        return sim

    yield start  # type: ignore[misc]
    for sim in started:
        if sim.running:
            await sim.stop()


def _client(sim: KisSimulator) -> Any:
    app, account = sim.config.apps[0], sim.config.accounts[0]
    return pykis.PyKis(
        id=account.hts_id,
        account=f"{account.cano}-{account.product}",
        appkey=app.app_key,
        secretkey=app.app_secret,
        keep_token=False,
    )


def _real_mode_session(sim: KisSimulator) -> dict[str, Any]:
    kis = _client(sim)
    out: dict[str, Any] = {"token": kis.token}
    stock = kis.stock(SYMBOL)
    quote = stock.quote()
    out["quote"] = quote
    account = kis.account()
    ticks: list[Any] = []
    executions: list[Any] = []
    tick_ticket = stock.on("price", lambda sender, e: ticks.append(e.response))
    exec_ticket = account.on("execution", lambda sender, e: executions.append(e.response))
    try:
        out["ticks_arrived"] = _wait(lambda: len(ticks) >= 3)
        out["ticks"] = list(ticks)
        hts_id = sim.config.accounts[0].hts_id
        out["notices_subscribed"] = _wait(
            lambda: sim.ctx.hub.is_subscribed(sim.ctx.hub.notice_tr_id, hts_id)
        )
        out["cash_before"] = account.balance("KR").deposits["KRW"].amount
        tick = Decimal(int(quote.tick)) if getattr(quote, "tick", None) else Decimal(100)
        limit = stock.buy(price=quote.price - 10 * tick, qty=3)
        out["limit"] = limit
        out["pending"] = [o.order_number for o in account.pending_orders(country="KR").orders]
        limit.cancel()
        out["pending_after_cancel"] = list(account.pending_orders(country="KR").orders)
        market = stock.buy(qty=2)
        out["market"] = market
        out["notices_arrived"] = _wait(
            lambda: any(
                e.order_number.number == market.number and e.executed_quantity > 0
                for e in executions
            ),
            within_s=5,
        )
        out["executions"] = list(executions)
        out["balance"] = account.balance("KR")
    finally:
        tick_ticket.unsubscribe()
        exec_ticket.unsubscribe()
        kis.websocket.disconnect()
    return out


async def test_python_kis_trades_against_the_simulator(sims, point_pykis):
    sim = await sims(_config("real", reject_inqr_dvsn_02=False, notice_layout="legacy23"))
    point_pykis(real=sim)
    out = await asyncio.to_thread(_real_mode_session, sim)

    assert out["token"].token  # issued by /oauth2/tokenP and parsed (expiry included)
    quote = out["quote"]
    assert quote.symbol == SYMBOL
    assert quote.price > 0
    assert quote.high >= quote.low >= 0  # 0 before the symbol's first trade, as at KIS
    assert out["ticks_arrived"], "no H0STCNT0 tick reached python-kis"
    assert out["notices_subscribed"], "python-kis never subscribed H0STCNI0"
    assert all(t.symbol == SYMBOL and t.price > 0 for t in out["ticks"])
    assert out["cash_before"] == Decimal(sim.config.accounts[0].cash)
    limit = out["limit"]
    assert limit.number in [o.number for o in out["pending"]]
    assert out["pending_after_cancel"] == []
    cancelled = sim.ctx.state.orders[limit.number]
    assert (cancelled.qty, cancelled.remaining) == (3, 0)
    assert out["notices_arrived"], "no execution notice reached python-kis"
    # python-kis reads no CNTG_YN: the cancel's confirmation (3 shares) looks like an
    # execution to it too, so the market order's notices are picked by their order number
    market_number = out["market"].number
    fills = [
        e
        for e in out["executions"]
        if e.order_number.number == market_number and e.executed_quantity > 0
    ]
    assert [(f.symbol, f.type, f.executed_quantity) for f in fills] == [(SYMBOL, "buy", 2)]
    assert fills[0].price > 0
    held = {s.symbol: s.qty for s in out["balance"].stocks}
    assert held == {SYMBOL: 2}
    venue_books = sim.ctx.state.accounts[sim.config.accounts[0].key]
    assert venue_books.holdings[SYMBOL].qty == 2


def _balance_error(sim: KisSimulator) -> KisAPIError | None:
    try:
        _client(sim).account().balance("KR")
    except KisAPIError as exc:
        return exc
    return None


async def test_python_kis_balance_meets_the_2026_inqr_dvsn_restriction(sims, point_pykis):
    sim = await sims(_config("real"))  # today's KIS: INQR_DVSN=02 refused
    point_pykis(real=sim)
    error = await asyncio.to_thread(_balance_error, sim)
    assert error is not None
    assert (error.rt_cd, error.msg_cd) == (2, "OPSQ2001")
    assert "INQR_DVSN" in error.msg1


def _executions_with_current_layout(sim: KisSimulator) -> tuple[list[Any], int]:
    kis = _client(sim)
    account = kis.account()
    executions: list[Any] = []
    ticket = account.on("execution", lambda sender, e: executions.append(e.response))
    try:
        hts_id = sim.config.accounts[0].hts_id
        assert _wait(lambda: sim.ctx.hub.is_subscribed(sim.ctx.hub.notice_tr_id, hts_id))
        before = sim.ctx.hub.frames_sent
        kis.stock(SYMBOL).buy(qty=1)
        _wait(lambda: sim.ctx.hub.frames_sent >= before + 2, within_s=5)
        time.sleep(0.3)
        return list(executions), sim.ctx.hub.frames_sent - before
    finally:
        ticket.unsubscribe()
        kis.websocket.disconnect()


async def test_python_kis_cannot_parse_todays_26_field_notices(sims, point_pykis):
    sim = await sims(_config("real"))
    point_pykis(real=sim)
    executions, frames = await asyncio.to_thread(_executions_with_current_layout, sim)
    assert frames >= 2  # the acknowledgement and the fill were sent...
    assert executions == []  # ...and python-kis 2.1.6 drops both, as against KIS itself


def _paper_mode_session(real: KisSimulator, paper: KisSimulator) -> dict[str, Any]:
    real_app, paper_app = real.config.apps[0], paper.config.apps[0]
    account = paper.config.accounts[0]
    kis = pykis.PyKis(
        id=account.hts_id,
        account=f"{account.cano}-{account.product}",
        appkey=real_app.app_key,
        secretkey=real_app.app_secret,
        virtual_id=account.hts_id,
        virtual_appkey=paper_app.app_key,
        virtual_secretkey=paper_app.app_secret,
        keep_token=False,
    )
    executions: list[Any] = []
    ticket = kis.account().on("execution", lambda sender, e: executions.append(e.response))
    try:
        # python-kis subscribes in its socket thread, paced by its own rate limiter: an order
        # filled before the notice subscription is registered has no notice to deliver
        subscribed = _wait(
            lambda: paper.ctx.hub.is_subscribed(paper.ctx.hub.notice_tr_id, account.hts_id)
        )
        assert subscribed, "python-kis never subscribed H0STCNI9 on the paper host"
        quote = kis.stock(SYMBOL).quote()  # real-domain host, real app key
        order = kis.stock(SYMBOL).buy(qty=4)  # paper host, paper key, legacy VTTC0802U
        arrived = _wait(lambda: any(e.executed_quantity > 0 for e in executions))
        return {"quote": quote, "order": order, "arrived": arrived, "executions": executions}
    finally:
        ticket.unsubscribe()
        kis.websocket.disconnect()


async def test_python_kis_paper_mode_uses_both_hosts(sims, point_pykis):
    real = await sims(_config("real"))
    paper = await sims(_config("paper", rate_limit_per_s=5, notice_layout="legacy23"))
    point_pykis(real=real, paper=paper)
    out = await asyncio.to_thread(_paper_mode_session, real, paper)
    assert out["quote"].price > 0
    assert out["arrived"], "no H0STCNI9 notice from the paper host"
    (order,) = paper.ctx.state.orders.values()
    assert (order.symbol, order.qty, order.remaining) == (SYMBOL, 4, 0)
    assert real.ctx.state.orders == {}  # orders never go to the real-domain host
