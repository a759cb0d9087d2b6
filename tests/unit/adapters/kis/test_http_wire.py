"""`KisRestClient` with an `OrderWire`: orders written in the call (`start_order`) when nothing
makes them wait, the usual path otherwise, and the same answers, errors and retries either way.
The server is a real HTTP/1.1 server on 127.0.0.1 answering from a script."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from jts.adapters.kis.config import KisAppKey, KisClientConfig, KisEnv, KisHosts
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.errors import KisRejectedError
from jts.adapters.kis.http import KisRestClient
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.order_wire import OrderWire
from jts.adapters.kis.rate_limit import Priority, TokenBucket
from jts.adapters.kis.schemas import OrderReply
from jts.adapters.kis.tokens import MemoryTokenStore, TokenManager
from tests.unit.adapters.kis.fakes import FakeTime, Issuer
from tests.unit.adapters.kis.test_order_wire import answer, read_request

APP = KisAppKey("PSappkey0001", "secret-1")
ORDER = ENDPOINTS[Operation.ORDER_BUY]
BODY = {"CANO": "12345678", "ACNT_PRDT_CD": "01", "PDNO": "005930", "ORD_QTY": "1"}
OK = {"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "ok", "output": {"ODNO": "0000001"}}
RATE_LIMITED = {"rt_cd": "1", "msg_cd": "EGW00201", "msg1": "초당 거래건수를 초과하였습니다."}
EXPIRED = {"rt_cd": "1", "msg_cd": "EGW00123", "msg1": "기간이 만료된 token 입니다."}


class Server:
    """Answers each request with the next scripted (status, body); OK when the script is out."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, object]]] = []
        self.seen: list[tuple[str, dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await read_request(reader)) is not None:
                self.seen.append(request)
                status, body = self.script.pop(0) if self.script else (200, OK)
                data = answer(json.dumps(body).encode())
                if status != 200:
                    data = data.replace(b"200 OK", f"{status} Error".encode(), 1)
                writer.write(data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    script = Server()
    listener = await asyncio.start_server(script.handle, "127.0.0.1", 0)
    script.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    yield script
    listener.close()
    await listener.wait_closed()


class Rig:
    def __init__(self, server: Server, *, limiter: TokenBucket | None = None, **config_kw) -> None:
        self.time = FakeTime()
        config = KisClientConfig(
            env=KisEnv.PAPER, hosts=KisHosts(server.url, "ws://127.0.0.1:1"), **config_kw
        )
        self.tokens = TokenManager(
            APP,
            MemoryTokenStore(),
            Issuer(self.time, interval_s=0),
            clock_ns=self.time.now,
            sleep=self.time.sleep,
        )
        self.wire = OrderWire(server.url, timeout_s=2)
        self.limiter = limiter or TokenBucket(1000, 1000)
        self.metrics = KisMetrics()
        self.client = KisRestClient(
            config,
            APP,
            client=httpx.AsyncClient(),
            order_wire=self.wire,
            tokens=self.tokens,
            limiter=self.limiter,
            metrics=self.metrics,
            sleep=self.time.sleep,
        )

    async def ready(self) -> None:
        """A token cached and a connection kept alive, as after the node's first order."""
        await self.client.request(ORDER, OrderReply, body=BODY, priority=Priority.ORDER)


async def test_an_order_is_written_in_the_call_and_its_answer_decoded(server: Server) -> None:
    rig = Rig(server)
    assert rig.client.start_order(ORDER, OrderReply, BODY) is None  # no token, no connection
    await rig.ready()
    pending = rig.client.start_order(ORDER, OrderReply, BODY)
    assert pending is not None
    assert rig.wire.sent_now == 1
    reply = await pending
    assert reply.body.output is not None
    assert reply.body.output.odno == "0000001"
    line, headers, body = server.seen[-1]
    assert line == f"POST {ORDER.path} HTTP/1.1"
    assert headers["tr_id"] == rig.client.tr_id(ORDER)
    assert headers["authorization"] == "Bearer token-1"
    assert headers["appkey"] == APP.app_key
    assert json.loads(body) == BODY
    assert rig.metrics.requests.get(ORDER.op.value) == 2
    await rig.wire.aclose()


async def test_nothing_is_sent_at_once_when_the_limiter_would_make_it_wait(server: Server) -> None:
    rig = Rig(server, limiter=TokenBucket(1, 1, monotonic_ns=FakeTime().now))
    await rig.ready()  # took the only slot
    assert rig.client.start_order(ORDER, OrderReply, BODY) is None
    assert rig.wire.sent_now == 0
    assert len(server.seen) == 1
    await rig.wire.aclose()


async def test_nothing_is_sent_at_once_when_a_hashkey_is_wanted(server: Server) -> None:
    rig = Rig(server, use_hashkey=True)
    await rig.ready()
    client = KisRestClient(
        rig.client._config,
        APP,
        client=httpx.AsyncClient(),
        order_wire=rig.wire,
        tokens=rig.tokens,
        limiter=rig.limiter,
        auth=object(),  # type: ignore[arg-type]  # never called: start_order declines first
    )
    assert client.start_order(ORDER, OrderReply, BODY) is None
    await rig.wire.aclose()


async def test_a_rate_limited_first_attempt_is_retried_the_usual_way(server: Server) -> None:
    rig = Rig(server)
    await rig.ready()
    server.script = [(500, RATE_LIMITED)]
    pending = rig.client.start_order(ORDER, OrderReply, BODY)
    assert pending is not None
    reply = await pending
    assert reply.body.output is not None
    assert len(server.seen) == 3  # ready, the refused attempt, its retry
    assert rig.metrics.retries.get("rate_limit") == 1
    assert len(rig.time.sleeps) == 1
    await rig.wire.aclose()


async def test_a_token_refused_on_the_first_attempt_is_renewed_and_retried(server: Server) -> None:
    rig = Rig(server)
    await rig.ready()
    server.script = [(500, EXPIRED)]
    pending = rig.client.start_order(ORDER, OrderReply, BODY)
    assert pending is not None
    await pending
    tokens = [headers["authorization"] for _, headers, _ in server.seen]
    assert tokens == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
    await rig.wire.aclose()


async def test_a_business_rejection_is_the_same_error_either_way(server: Server) -> None:
    rig = Rig(server)
    await rig.ready()
    refusal = {"rt_cd": "1", "msg_cd": "APBK0919", "msg1": "주문가능금액을 초과 했습니다"}
    server.script = [(200, refusal), (200, refusal)]
    pending = rig.client.start_order(ORDER, OrderReply, BODY)
    assert pending is not None
    with pytest.raises(KisRejectedError) as at_once:
        await pending
    with pytest.raises(KisRejectedError) as usual:
        await rig.client.request(ORDER, OrderReply, body=BODY, priority=Priority.ORDER)
    assert str(at_once.value) == str(usual.value)
    await rig.wire.aclose()
