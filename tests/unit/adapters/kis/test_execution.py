from __future__ import annotations

import json

import httpx
import pytest

from jts.adapters.kis.config import KisAccount, KisAppKey, KisClientConfig, RetryConfig
from jts.adapters.kis.execution import KisExecutionClient
from jts.adapters.kis.frames import DataFrame
from jts.adapters.kis.parse import kst_ns
from jts.domain.commands import CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId, TraderId
from jts.domain.values import KRW, Money, Price, Quantity
from tests.unit.adapters.kis.fakes import FakeTime, rest_client
from tests.unit.adapters.kis.wire import notice_record, payload

APP = KisAppKey("PSappkey0001", "secret")
ACCOUNT = KisAccount("12345678", APP, "01", "hts-user")
IID = InstrumentId("005930.KRX")
NOW = kst_ns("20260302", "100000")
OK_ORDER = {"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "주문 전송 완료 되었습니다."}


class Broker:
    """Answers the adapter's REST calls from a list of order rows; records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.rows: list[dict[str, str]] = []
        self.next_odno = 1
        self.order_answer: object = "ok"  # "ok" | "timeout" | "timeout-after" | dict (error body)

    def bodies(self, path_part: str) -> list[dict]:
        return [json.loads(r.content) for r in self.requests if path_part in r.url.path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/order-cash") or path.endswith("/order-rvsecncl"):
            answer = self.order_answer
            if answer in ("timeout", "timeout-after"):
                if answer == "timeout-after":
                    self._place(json.loads(request.content))
                raise httpx.ReadTimeout("no answer", request=request)
            if isinstance(answer, dict):
                return httpx.Response(200, json=answer)
            odno = self._place(json.loads(request.content))
            output = {"KRX_FWDG_ORD_ORGNO": "06010", "ODNO": odno, "ORD_TMD": "100001"}
            return httpx.Response(200, json={**OK_ORDER, "output": output})
        if path.endswith("/inquire-daily-ccld"):
            return httpx.Response(
                200,
                json={
                    "rt_cd": "0",
                    "msg_cd": "MCA00000",
                    "msg1": "ok",
                    "output1": self.rows,
                    "output2": {},
                },
                headers={"tr_cont": "D"},
            )
        if path.endswith("/inquire-balance"):
            return httpx.Response(
                200,
                json={
                    "rt_cd": "0",
                    "msg_cd": "MCA00000",
                    "msg1": "ok",
                    "output1": [{"pdno": "005930", "hldg_qty": "7", "pchs_avg_pric": "70000.0000"}],
                    "output2": [{"dnca_tot_amt": "5000000", "prvs_rcdl_excc_amt": "4500000"}],
                },
                headers={"tr_cont": "D"},
            )
        raise AssertionError(f"unexpected request {path}")

    def _place(self, body: dict) -> str:
        odno = f"{self.next_odno:010d}"
        self.next_odno += 1
        self.rows.append(
            {
                "ord_dt": "20260302",
                "odno": odno,
                "orgn_odno": body.get("ORGN_ODNO", ""),
                "sll_buy_dvsn_cd": "01" if body.get("SLL_TYPE") else "02",
                "pdno": body.get("PDNO", "005930"),
                "ord_qty": body.get("ORD_QTY", "0"),
                "ord_unpr": body.get("ORD_UNPR", "0"),
                "ord_tmd": "100001",
                "tot_ccld_qty": "0",
                "tot_ccld_amt": "0",
                "rmn_qty": body.get("ORD_QTY", "0"),
                "ord_dvsn_cd": body.get("ORD_DVSN", "00"),
                "cncl_yn": "Y" if body.get("RVSE_CNCL_DVSN_CD") == "02" else "N",
            }
        )
        return odno


def make(broker: Broker, time: FakeTime | None = None) -> tuple[KisExecutionClient, list]:
    time = time or FakeTime(NOW)
    retry = RetryConfig(order_lookup_attempts=3, order_lookup_delay_s=0.5)
    rest = rest_client(broker, APP, time=time, retry=retry)
    client = KisExecutionClient(
        KisClientConfig(retry=retry), ACCOUNT, rest, clock_ns=time.now, sleep=time.sleep
    )
    events: list = []
    client.bind(events.append)
    return client, events


def submit(
    client: KisExecutionClient,
    *,
    cid: str = "O-1",
    side: OrderSide = OrderSide.BUY,
    order_type: OrderType = OrderType.LIMIT,
    tif: TimeInForce = TimeInForce.DAY,
    qty: int = 10,
    price: int | None = 70000,
) -> OrderInitialized:
    init = OrderInitialized(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=IID,
        client_order_id=ClientOrderId(cid),
        ts_event=NOW,
        ts_init=NOW,
        side=side,
        order_type=order_type,
        quantity=Quantity(qty),
        time_in_force=tif,
        price=Price(price) if price is not None and order_type.requires_price else None,
    )
    client.submit_order(
        SubmitOrder(
            trader_id=init.trader_id,
            strategy_id=init.strategy_id,
            instrument_id=IID,
            command_id=f"c-{cid}",
            ts_init=NOW,
            order=init,
        )
    )
    return init


def modify(client, cid="O-1", **kw) -> None:
    client.modify_order(
        ModifyOrder(
            trader_id=TraderId("JTS-001"),
            strategy_id=StrategyId("S-1"),
            instrument_id=IID,
            command_id="m",
            ts_init=NOW,
            client_order_id=ClientOrderId(cid),
            **kw,
        )
    )


def cancel(client, cid="O-1") -> None:
    client.cancel_order(
        CancelOrder(
            trader_id=TraderId("JTS-001"),
            strategy_id=StrategyId("S-1"),
            instrument_id=IID,
            command_id="x",
            ts_init=NOW,
            client_order_id=ClientOrderId(cid),
        )
    )


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


async def test_limit_buy_sends_the_documented_body_and_is_accepted():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    (request,) = broker.requests
    assert request.headers["tr_id"] == "VTTC0012U"
    assert json.loads(request.content) == {
        "CANO": "12345678",
        "ACNT_PRDT_CD": "01",
        "PDNO": "005930",
        "ORD_DVSN": "00",
        "ORD_QTY": "10",
        "ORD_UNPR": "70000",
        "EXCG_ID_DVSN_CD": "KRX",
        "SLL_TYPE": "",
        "CNDT_PRIC": "",
    }
    (accepted,) = events
    assert isinstance(accepted, OrderAccepted)
    assert accepted.venue_order_id == "0000000001"
    assert accepted.account_id == ACCOUNT.account_id
    assert accepted.ts_event == kst_ns("20260302", "100001")


async def test_market_sell_and_ioc_limit_codes():
    broker = Broker()
    client, _ = make(broker)
    submit(client, side=OrderSide.SELL, order_type=OrderType.MARKET, price=None)
    submit(client, cid="O-2", tif=TimeInForce.IOC)
    await client.drain()
    sell, ioc = (json.loads(r.content) for r in broker.requests)
    assert broker.requests[0].headers["tr_id"] == "VTTC0011U"
    assert (sell["ORD_DVSN"], sell["ORD_UNPR"], sell["SLL_TYPE"]) == ("01", "0", "01")
    assert ioc["ORD_DVSN"] == "11"


async def test_broker_rejection_carries_the_brokers_message():
    broker = Broker()
    broker.order_answer = {
        "rt_cd": "1",
        "msg_cd": "APBK0952",
        "msg1": "주문가능금액을 초과 했습니다",
    }
    client, events = make(broker)
    submit(client)
    await client.drain()
    (rejected,) = events
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason == "APBK0952 주문가능금액을 초과 했습니다"


async def test_orders_krx_cannot_express_are_refused_without_a_request():
    broker = Broker()
    client, events = make(broker)
    submit(client, tif=TimeInForce.GTC)
    await client.drain()
    assert broker.requests == []
    (rejected,) = events
    assert isinstance(rejected, OrderRejected)
    assert "GTC" in rejected.reason


async def test_a_timed_out_order_that_reached_kis_is_found_not_resent():
    broker = Broker()
    broker.order_answer = "timeout-after"
    client, events = make(broker)
    submit(client)
    await client.drain()
    assert len(broker.bodies("order-cash")) == 1  # never re-sent
    assert kinds(events) == ["OrderAccepted"]
    assert events[0].venue_order_id == "0000000001"
    assert client._metrics.order_lookups.get("submit") == 1


async def test_a_timed_out_order_found_with_fills_recovers_them():
    broker = Broker()
    broker.order_answer = "timeout-after"
    client, events = make(broker)
    original = broker._place

    def place_filled(body):
        odno = original(body)
        broker.rows[-1].update(tot_ccld_qty="10", tot_ccld_amt="700000", rmn_qty="0")
        return odno

    broker._place = place_filled
    submit(client)
    await client.drain()
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    assert events[1].last_qty == Quantity(10)


async def test_a_timed_out_order_that_never_arrived_is_rejected_after_the_lookups():
    broker = Broker()
    broker.order_answer = "timeout"
    time = FakeTime(NOW)
    client, events = make(broker, time)
    submit(client)
    await client.drain()
    assert len(broker.bodies("order-cash")) == 1
    assert len([r for r in broker.requests if "daily-ccld" in r.url.path]) == 3
    (rejected,) = events
    assert isinstance(rejected, OrderRejected)
    assert "not received by KIS" in rejected.reason
    assert time.sleeps == [0.5, 0.5]


async def test_an_earlier_identical_order_is_not_mistaken_for_the_lost_one():
    broker = Broker()
    client, events = make(broker)
    submit(client, cid="O-1")
    await client.drain()
    broker.order_answer = "timeout"
    submit(client, cid="O-2")
    await client.drain()
    assert kinds(events) == ["OrderAccepted", "OrderRejected"]


async def test_a_notice_that_beat_the_timeout_identifies_the_order():
    broker = Broker()
    broker.order_answer = "timeout"
    client, events = make(broker)
    frame = DataFrame(
        False, "H0STCNI9", 1, payload(notice_record(account_no="1234567801", odno="55"))
    )
    client._on_notice_frame(frame, NOW)  # arrives before the (lost) REST answer
    submit(client)
    await client.drain()
    assert kinds(events) == ["OrderAccepted"]
    assert events[0].venue_order_id == "0000000055"
    assert [r for r in broker.requests if "daily-ccld" in r.url.path] == []


async def test_notices_of_other_accounts_are_ignored():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    other = DataFrame(
        False,
        "H0STCNI9",
        1,
        payload(notice_record(account_no="9999999901", odno="1", cntg_yn="2", acpt_yn="2")),
    )
    client._on_notice_frame(other, NOW)
    mine = DataFrame(
        False,
        "H0STCNI9",
        1,
        payload(notice_record(account_no="1234567801", odno="1", cntg_yn="2", acpt_yn="2", qty=4)),
    )
    client._on_notice_frame(mine, NOW)
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    assert events[1].last_qty == Quantity(4)


async def test_modify_price_moves_to_a_new_order_number():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    modify(client, price=Price(69900))
    await client.drain()
    (body,) = broker.bodies("order-rvsecncl")
    assert body["RVSE_CNCL_DVSN_CD"] == "01"
    assert body["QTY_ALL_ORD_YN"] == "Y"
    assert body["ORGN_ODNO"] == "0000000001"
    assert body["ORD_UNPR"] == "69900"
    assert body["KRX_FWDG_ORD_ORGNO"] == "06010"
    update = events[-1]
    assert isinstance(update, OrderUpdated)
    assert update.price == Price(69900)
    assert update.venue_order_id == "0000000002"
    assert client.venue_order_ids(ClientOrderId("O-1")) == ["0000000001", "0000000002"]


async def test_modify_quantity_down_is_a_partial_cancel_and_up_is_refused():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    modify(client, quantity=Quantity(6))
    await client.drain()
    (body,) = broker.bodies("order-rvsecncl")
    assert (body["RVSE_CNCL_DVSN_CD"], body["QTY_ALL_ORD_YN"], body["ORD_QTY"]) == ("02", "N", "4")
    assert isinstance(events[-1], OrderUpdated)
    assert events[-1].quantity == Quantity(6)
    modify(client, quantity=Quantity(20))
    await client.drain()
    assert len(broker.bodies("order-rvsecncl")) == 1
    assert isinstance(events[-1], OrderModifyRejected)
    assert "increase" in events[-1].reason


async def test_cancel_everything_left():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    cancel(client)
    await client.drain()
    (body,) = broker.bodies("order-rvsecncl")
    assert (body["RVSE_CNCL_DVSN_CD"], body["QTY_ALL_ORD_YN"], body["ORD_QTY"]) == ("02", "Y", "0")
    assert isinstance(events[-1], OrderCanceled)
    cancel(client)  # already closed
    await client.drain()
    assert isinstance(events[-1], OrderCancelRejected)
    assert len(broker.bodies("order-rvsecncl")) == 1


async def test_cancel_refused_by_kis():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    broker.order_answer = {
        "rt_cd": "1",
        "msg_cd": "APBK0415",
        "msg1": "정정/취소할 수량이 없습니다.",
    }
    cancel(client)
    await client.drain()
    assert isinstance(events[-1], OrderCancelRejected)
    assert events[-1].reason.startswith("APBK0415")


async def test_a_timed_out_cancel_that_reached_kis_is_found():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    broker.order_answer = "timeout-after"
    cancel(client)
    await client.drain()
    assert len(broker.bodies("order-rvsecncl")) == 1
    assert isinstance(events[-1], OrderCanceled)


async def test_gap_recovery_emits_missed_fills():
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    broker.rows[0].update(tot_ccld_qty="4", tot_ccld_amt="280000", rmn_qty="6")
    assert await client.recover() == 1
    fill = events[-1]
    assert isinstance(fill, OrderFilled)
    assert fill.last_qty == Quantity(4)
    assert fill.trade_id == "20260302-0000000001-4"
    assert client._metrics.recovered_fills.total() == 1
    assert await client.recover() == 0


async def test_reports():
    broker = Broker()
    client, _ = make(broker)
    submit(client)
    await client.drain()
    broker.rows[0].update(tot_ccld_qty="4", tot_ccld_amt="280000", rmn_qty="6")
    (status,) = await client.order_status_reports()
    assert status.order_status is OrderStatus.PARTIALLY_FILLED
    assert status.client_order_id == ClientOrderId("O-1")
    (fill,) = await client.fill_reports()
    assert fill.last_qty == Quantity(4)
    assert fill.commission == Money(39, KRW)
    assert await client.fill_reports(client_order_id=ClientOrderId("O-9")) == []
    (position,) = await client.position_reports()
    assert position.position_side is PositionSide.LONG
    assert position.quantity == Quantity(7)
    state = await client.account_state(emit=False)
    assert state is not None
    assert state.balances[0].settled == Money(5_000_000, KRW)


async def test_old_fill_ranges_use_the_older_inquiry():
    broker = Broker()
    client, _ = make(broker)
    await client.fill_reports(since_ns=NOW - 200 * 86_400 * 1_000_000_000)
    tr_ids = [r.headers["tr_id"] for r in broker.requests]
    assert tr_ids == ["VTSC9215R", "VTTC0081R"]


def test_the_rest_client_must_use_the_accounts_key():
    other = rest_client(Broker(), KisAppKey("PSotherkey01", "s"))
    with pytest.raises(Exception, match="own app key"):
        KisExecutionClient(KisClientConfig(), ACCOUNT, other)
