from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from jts.adapters.kis.auth import KisAuthApi
from jts.adapters.kis.config import (
    KisAppKey,
    KisClientConfig,
    KisEnv,
    KisHosts,
    RetryConfig,
    TrIdSet,
)
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.errors import (
    KisMarketClosedError,
    KisProtocolError,
    KisRateLimitError,
    KisServerError,
    KisTimeoutError,
    KisTokenError,
    KisTransportError,
)
from jts.adapters.kis.http import KisRestClient, backoff_delay
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.rate_limit import Priority, TokenBucket
from jts.adapters.kis.schemas import BalanceReply, OrderReply, PriceReply
from jts.adapters.kis.tokens import MemoryTokenStore, TokenManager
from tests.unit.adapters.kis.fakes import FakeTime, Issuer

APP = KisAppKey("PSappkey0001", "secret-1")
OK_PRICE = {"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok", "output": {"stck_prpr": "70000"}}
ORDER = ENDPOINTS[Operation.ORDER_BUY]
PRICE = ENDPOINTS[Operation.PRICE]


class Harness:
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response], **config_kw) -> None:
        self.time = FakeTime()
        self.issuer = Issuer(self.time, interval_s=0)
        self.metrics = KisMetrics()
        config = KisClientConfig(
            env=config_kw.pop("env", KisEnv.PAPER),
            hosts=KisHosts("http://kis.test", "ws://kis.test"),
            retry=RetryConfig(**config_kw.pop("retry", {})),
            **config_kw,
        )
        self.tokens = TokenManager(
            APP, MemoryTokenStore(), self.issuer, clock_ns=self.time.now, sleep=self.time.sleep
        )
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        self.client = KisRestClient(
            config,
            APP,
            client=http,
            tokens=self.tokens,
            auth=KisAuthApi(http, config.resolved_hosts),
            limiter=TokenBucket(1000, 1000),
            metrics=self.metrics,
            sleep=self.time.sleep,
        )


def reply(body: dict, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


async def test_every_header_and_query_parameter_is_sent():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return reply(OK_PRICE, tr_id="FHKST01010100")

    h = Harness(handler)
    result = await h.client.request(
        PRICE, PriceReply, params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
    )
    assert result.body.output is not None
    assert result.body.output.stck_prpr == "70000"
    (request,) = seen
    headers = request.headers
    assert headers["authorization"] == "Bearer token-1"
    assert headers["appkey"] == APP.app_key
    assert headers["appsecret"] == "secret-1"
    assert headers["tr_id"] == "FHKST01010100"
    assert headers["tr_cont"] == ""
    assert headers["custtype"] == "P"
    assert headers["content-type"].startswith("application/json")
    assert request.url.params["FID_INPUT_ISCD"] == "005930"
    assert request.method == "GET"
    assert request.url.path.endswith("/quotations/inquire-price")


async def test_post_bodies_are_json_and_tr_id_follows_env_and_set():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return reply(
            {
                "rt_cd": "0",
                "msg_cd": "APBK0013",
                "msg1": "ok",
                "output": {"ODNO": "1", "KRX_FWDG_ORD_ORGNO": "06010", "ORD_TMD": "093001"},
            }
        )

    h = Harness(handler, tr_ids=TrIdSet.LEGACY)
    result = await h.client.request(
        ORDER, OrderReply, body={"CANO": "12345678", "ORD_QTY": "3"}, priority=Priority.ORDER
    )
    assert result.body.output is not None
    assert result.body.output.odno == "1"
    assert seen[0].headers["tr_id"] == "VTTC0802U"
    assert json.loads(seen[0].content) == {"CANO": "12345678", "ORD_QTY": "3"}


async def test_rate_limit_answers_are_waited_out_and_retried_even_for_orders():
    answers = [
        reply({"rt_cd": "1", "msg_cd": "EGW00201", "msg1": "초당 거래건수를 초과하였습니다."}, 500),
        reply({"rt_cd": "1", "msg_cd": "EGW00201", "msg1": "초당 거래건수를 초과하였습니다."}, 500),
        reply({"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "ok", "output": {"ODNO": "9"}}),
    ]
    h = Harness(lambda request: answers.pop(0))
    result = await h.client.request(ORDER, OrderReply, body={}, priority=Priority.ORDER)
    assert result.body.output is not None
    assert result.body.output.odno == "9"
    assert len(h.time.sleeps) == 2
    assert h.metrics.retries.get("rate_limit") == 2
    assert h.metrics.errors.get("EGW00201") == 2


async def test_rate_limit_gives_up_after_the_configured_attempts():
    h = Harness(
        lambda request: reply({"rt_cd": "1", "msg_cd": "EGW00201", "msg1": "x"}, 500),
        retry={"rate_limit_attempts": 2},
    )
    with pytest.raises(KisRateLimitError):
        await h.client.request(PRICE, PriceReply)


async def test_expired_token_is_renewed_once_and_the_request_retried():
    tokens_seen: list[str] = []

    def handler(request):
        tokens_seen.append(request.headers["authorization"])
        if len(tokens_seen) == 1:
            return reply(
                {"rt_cd": "1", "msg_cd": "EGW00123", "msg1": "기간이 만료된 token 입니다."}, 500
            )
        return reply(OK_PRICE)

    h = Harness(handler)
    await h.client.request(PRICE, PriceReply)
    assert tokens_seen == ["Bearer token-1", "Bearer token-2"]


async def test_a_second_token_refusal_is_raised():
    h = Harness(lambda request: reply({"rt_cd": "1", "msg_cd": "EGW00121", "msg1": "invalid"}, 500))
    with pytest.raises(KisTokenError):
        await h.client.request(PRICE, PriceReply)
    assert h.issuer.issued == 2


async def test_queries_retry_5xx_and_timeouts_with_backoff():
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(calls) == 2:
            return httpx.Response(502, text="bad gateway")
        return reply(OK_PRICE)

    h = Harness(handler)
    await h.client.request(PRICE, PriceReply)
    assert len(calls) == 3
    assert len(h.time.sleeps) == 2
    assert h.time.sleeps[1] >= h.time.sleeps[0] * 0.5


async def test_queries_give_up_after_the_attempts():
    h = Harness(lambda request: httpx.Response(503, text="down"), retry={"query_attempts": 3})
    with pytest.raises(KisServerError):
        await h.client.request(PRICE, PriceReply)
    assert len(h.time.sleeps) == 2


async def test_an_order_is_never_resent_after_a_timeout():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=request)

    h = Harness(handler)
    with pytest.raises(KisTimeoutError) as info:
        await h.client.request(ORDER, OrderReply, body={}, priority=Priority.ORDER)
    assert calls == [1]
    assert info.value.reached is True


async def test_an_order_is_never_resent_after_a_5xx():
    calls = []

    def handler(request):
        calls.append(1)
        return reply({"rt_cd": "1", "msg_cd": "EGW00002", "msg1": "서버 에러"}, 500)

    h = Harness(handler)
    with pytest.raises(KisServerError):
        await h.client.request(ORDER, OrderReply, body={}, priority=Priority.ORDER)
    assert calls == [1]


async def test_an_order_whose_connection_was_refused_is_retried():
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return reply({"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "ok", "output": {"ODNO": "5"}})

    h = Harness(handler)
    result = await h.client.request(ORDER, OrderReply, body={}, priority=Priority.ORDER)
    assert result.body.output is not None
    assert calls == [1, 1]


async def test_business_rejections_are_typed_and_not_retried():
    calls = []

    def handler(request):
        calls.append(1)
        return reply(
            {"rt_cd": "1", "msg_cd": "APBK0919", "msg1": "장운영일자가 주문일과 상이합니다"}
        )

    h = Harness(handler)
    with pytest.raises(KisMarketClosedError) as info:
        await h.client.request(ORDER, OrderReply, body={}, priority=Priority.ORDER)
    assert info.value.reason == "APBK0919 장운영일자가 주문일과 상이합니다"
    assert calls == [1]


async def test_a_success_with_the_wrong_shape_is_a_protocol_error():
    h = Harness(
        lambda request: reply(
            {"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok", "output": {"stck_prpr": 5}}
        )
    )
    with pytest.raises(KisProtocolError, match="schema"):
        await h.client.request(PRICE, PriceReply)


async def test_non_json_200_is_a_protocol_error():
    h = Harness(lambda request: httpx.Response(200, text="hello"))
    with pytest.raises(KisProtocolError):
        await h.client.request(PRICE, PriceReply)


def balance_page(rows: list[str], nk: str) -> dict:
    return {
        "rt_cd": "0",
        "msg_cd": "MCA00000",
        "msg1": "ok",
        "ctx_area_fk100": "FK".ljust(100),
        "ctx_area_nk100": nk.ljust(100),
        "output1": [{"pdno": r, "hldg_qty": "1"} for r in rows],
        "output2": [{"dnca_tot_amt": "100"}],
    }


async def test_paging_follows_tr_cont_and_ctx_keys():
    seen: list[httpx.Request] = []
    pages = [
        reply(balance_page(["000001", "000002"], "K2"), tr_cont="F"),
        reply(balance_page(["000003"], "K3"), tr_cont="M"),
        reply(balance_page(["000004"], ""), tr_cont="D"),
    ]

    def handler(request):
        seen.append(request)
        return pages.pop(0)

    h = Harness(handler)
    rows = [
        row.pdno
        async for page in h.client.pages(ENDPOINTS[Operation.BALANCE], BalanceReply, {"CANO": "1"})
        for row in page.body.output1
    ]
    assert rows == ["000001", "000002", "000003", "000004"]
    assert [r.headers["tr_cont"] for r in seen] == ["", "N", "N"]
    assert seen[0].url.params["CTX_AREA_NK100"] == ""
    assert seen[1].url.params["CTX_AREA_NK100"].strip() == "K2"
    assert seen[2].url.params["CTX_AREA_NK100"].strip() == "K3"
    assert seen[2].url.params["CTX_AREA_FK100"].strip() == "FK"


async def test_paging_that_repeats_a_key_is_stopped():
    h = Harness(lambda request: reply(balance_page(["000001"], "SAME"), tr_cont="M"))
    with pytest.raises(KisProtocolError, match="repeats"):
        async for _ in h.client.pages(ENDPOINTS[Operation.BALANCE], BalanceReply, {}):
            pass


async def test_paging_stops_at_max_pages():
    counter = iter(range(100))
    h = Harness(
        lambda request: reply(balance_page(["000001"], f"K{next(counter)}"), tr_cont="F"),
        retry={"max_pages": 3},
    )
    with pytest.raises(KisProtocolError, match="more than 3 pages"):
        async for _ in h.client.pages(ENDPOINTS[Operation.BALANCE], BalanceReply, {}):
            pass


def test_backoff_grows_and_is_capped():
    import random

    rng = random.Random(1)
    delays = [backoff_delay(n, 0.5, 4.0, 0.0, rng) for n in range(1, 7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    jittered = backoff_delay(3, 0.5, 4.0, 0.5, rng)
    assert 1.0 <= jittered <= 2.0


async def test_hashkey_header_for_orders_when_configured():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        if request.url.path == "/uapi/hashkey":
            return reply({"HASH": "abc123"})
        return reply({"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "ok", "output": {"ODNO": "1"}})

    h = Harness(handler, use_hashkey=True)
    await h.client.request(ORDER, OrderReply, body={"A": "1"}, priority=Priority.ORDER)
    assert seen[-1].headers["hashkey"] == "abc123"


async def test_transport_errors_of_queries_are_retried_then_raised():
    def handler(request):
        raise httpx.RemoteProtocolError("reset", request=request)

    h = Harness(handler, retry={"query_attempts": 2})
    with pytest.raises(KisTransportError):
        await h.client.request(PRICE, PriceReply)


async def test_orders_go_straight_to_the_orders_transport_and_queries_through_the_client():
    """The node hands order requests to its transport directly (`KisRestClient._send_direct`):
    same request, same answer handling, same error mapping; queries keep the client's path."""
    via_client: list[httpx.Request] = []
    direct: list[httpx.Request] = []
    failures: list[Exception] = []
    order_ok = {
        "rt_cd": "0",
        "msg_cd": "APBK0013",
        "msg1": "ok",
        "output": {"ODNO": "7", "KRX_FWDG_ORD_ORGNO": "06010", "ORD_TMD": "093001"},
    }

    def client_handler(request):
        via_client.append(request)
        return reply(OK_PRICE, tr_id="FHKST01010100")

    def direct_handler(request):
        direct.append(request)
        if failures:
            raise failures.pop()
        return reply(order_ok, tr_id=request.headers["tr_id"])

    h = Harness(client_handler)
    h.client._orders_transport = httpx.MockTransport(direct_handler)
    body = {"CANO": "50000000", "ACNT_PRDT_CD": "01", "PDNO": "005930", "ORD_QTY": "1"}
    answer = await h.client.request(ORDER, OrderReply, body=body, priority=Priority.ORDER)
    assert answer.body.output is not None
    assert answer.body.output.odno == "7"
    assert answer.tr_id == h.client.tr_id(ORDER)
    await h.client.request(PRICE, PriceReply, params={"FID_INPUT_ISCD": "005930"})
    assert [r.url.path for r in via_client] == ["/uapi/domestic-stock/v1/quotations/inquire-price"]
    (request,) = direct
    assert request.method == "POST"
    assert json.loads(request.content) == body
    assert request.headers["authorization"] == "Bearer token-1"
    assert request.headers["tr_id"] == h.client.tr_id(ORDER)
    assert request.headers["content-length"] == str(len(request.content))
    assert set(request.extensions["timeout"]) == {"connect", "read", "write", "pool"}

    # an order whose answer never came may have been processed: never sent again
    failures.append(httpx.ReadTimeout("slow"))
    with pytest.raises(KisTimeoutError) as timed_out:
        await h.client.request(ORDER, OrderReply, body=body, priority=Priority.ORDER)
    assert timed_out.value.reached is True
    assert len(direct) == 2
    # a refused connection certainly never carried it: sent again
    failures.append(httpx.ConnectError("refused"))
    answer = await h.client.request(ORDER, OrderReply, body=body, priority=Priority.ORDER)
    assert answer.body.output is not None
    assert len(direct) == 4
