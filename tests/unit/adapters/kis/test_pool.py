from __future__ import annotations

import httpx
import pytest

from jts.adapters.kis.config import KisAppKey, KisClientConfig, RetryConfig
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.errors import KisServerError
from jts.adapters.kis.pool import AppKeyPool
from jts.adapters.kis.schemas import PriceReply
from jts.core.errors import ConfigError
from tests.unit.adapters.kis.fakes import FakeTime, rest_client

A = KisAppKey("PSkeyAAAAAA", "sa", name="a")
B = KisAppKey("PSkeyBBBBBB", "sb", name="b")
OK = {"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok", "output": {"stck_prpr": "1"}}
PRICE = ENDPOINTS[Operation.PRICE]


def make_pool(handler_a, handler_b, time: FakeTime, **config_kw) -> AppKeyPool:
    config = KisClientConfig(retry=RetryConfig(query_attempts=1), **config_kw)
    clients = [
        rest_client(handler_a, A, time=time, rate=10, retry=RetryConfig(query_attempts=1)),
        rest_client(handler_b, B, time=time, rate=10, retry=RetryConfig(query_attempts=1)),
    ]
    return AppKeyPool(clients, config, monotonic_ns=time.now)


def test_pool_needs_distinct_keys():
    time = FakeTime()
    client = rest_client(lambda r: httpx.Response(200, json=OK), A, time=time)
    with pytest.raises(ConfigError):
        AppKeyPool([], KisClientConfig())
    with pytest.raises(ConfigError):
        AppKeyPool([client, client], KisClientConfig())


async def test_queries_go_to_the_key_with_most_capacity():
    time = FakeTime()
    used: list[str] = []

    def handler(name):
        def inner(request):
            used.append(name)
            return httpx.Response(200, json=OK)

        return inner

    pool = make_pool(handler("a"), handler("b"), time)
    for _ in range(6):
        await pool.request(PRICE, PriceReply)
    assert used.count("a") == 3
    assert used.count("b") == 3


async def test_a_failing_key_is_benched_and_retried_later():
    time = FakeTime()
    used: list[str] = []

    def broken(request):
        used.append("a")
        return httpx.Response(503, text="down")

    def healthy(request):
        used.append("b")
        return httpx.Response(200, json=OK)

    pool = make_pool(broken, healthy, time, bench_after_failures=2, bench_base_s=30)
    for _ in range(4):
        await pool.request(PRICE, PriceReply)  # failover hides the broken key
    assert pool.is_benched(A.app_key)
    benched_at = used.count("a")
    for _ in range(4):
        await pool.request(PRICE, PriceReply)
    assert used.count("a") == benched_at  # not tried while benched
    time.ns += 31 * 1_000_000_000
    assert not pool.is_benched(A.app_key)
    await pool.request(PRICE, PriceReply)
    assert used.count("a") == benched_at + 1


async def test_when_every_key_fails_the_error_is_raised():
    time = FakeTime()

    def down(request):
        return httpx.Response(503, text="down")

    pool = make_pool(down, down, time)
    with pytest.raises(KisServerError):
        await pool.request(PRICE, PriceReply)


async def test_business_rejections_do_not_bench_a_key():
    time = FakeTime()

    def reject(request):
        return httpx.Response(200, json={"rt_cd": "1", "msg_cd": "APBK0656", "msg1": "없음"})

    pool = make_pool(reject, reject, time, bench_after_failures=1)
    for _ in range(3):
        with pytest.raises(Exception, match="APBK0656"):
            await pool.request(PRICE, PriceReply)
    assert not pool.is_benched(A.app_key)
    assert not pool.is_benched(B.app_key)


def test_all_benched_picks_the_one_back_soonest():
    time = FakeTime()
    pool = make_pool(lambda r: None, lambda r: None, time, bench_after_failures=1, bench_base_s=10)
    pool.record_failure(A.app_key, KisServerError("X", "x", status=500))
    time.ns += 1_000_000_000
    pool.record_failure(B.app_key, KisServerError("X", "x", status=500))
    assert pool.pick().app is A
    pool.record_success(A.app_key)
    assert not pool.is_benched(A.app_key)
