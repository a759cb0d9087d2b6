from __future__ import annotations

import asyncio
import secrets

import pytest

from jts.adapters.kis.rate_limit import Priority, RedisTokenBucket, TokenBucket
from jts.core.errors import ConfigError
from tests.unit.adapters.kis.fakes import FakeTime


def test_bucket_refuses_bad_rates():
    with pytest.raises(ConfigError):
        TokenBucket(0, 1)
    with pytest.raises(ConfigError):
        TokenBucket(2, 0)


async def test_burst_then_rate_with_exact_integer_refill():
    time = FakeTime(0)
    bucket = TokenBucket(20, 2, monotonic_ns=time.now, sleep=time.sleep)
    assert await bucket.acquire(Priority.QUERY) == 0.0
    assert await bucket.acquire(Priority.QUERY) == 0.0
    assert bucket.try_take() == 50_000_000  # one token every 50 ms
    time.ns += 49_999_999
    assert bucket.try_take() == 1
    time.ns += 1
    assert bucket.try_take() == 0  # exactly one interval later the token is there


async def test_waiters_are_served_cancel_then_order_then_query():
    time = FakeTime(0)
    bucket = TokenBucket(2, 1, monotonic_ns=time.now, sleep=time.sleep)
    await bucket.acquire(Priority.QUERY)  # empties the bucket
    served: list[tuple[str, int]] = []

    async def take(name: str, priority: Priority) -> None:
        await bucket.acquire(priority)
        served.append((name, time.ns))

    tasks = [
        asyncio.create_task(take("q1", Priority.QUERY)),
        asyncio.create_task(take("q2", Priority.QUERY)),
        asyncio.create_task(take("o1", Priority.ORDER)),
        asyncio.create_task(take("c1", Priority.CANCEL)),
        asyncio.create_task(take("q3", Priority.QUERY)),
    ]
    await asyncio.gather(*tasks)
    assert [name for name, _ in served] == ["c1", "o1", "q1", "q2", "q3"]
    # paced at the rate: the dispatcher waited 0.5 s before each of the five grants
    assert time.sleeps == [0.5] * 5


async def test_a_cancelled_waiter_does_not_take_a_token():
    time = FakeTime(0)
    bucket = TokenBucket(1, 1, monotonic_ns=time.now, sleep=time.sleep)
    await bucket.acquire(Priority.QUERY)
    waiter = asyncio.create_task(bucket.acquire(Priority.QUERY))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    second = asyncio.create_task(bucket.acquire(Priority.QUERY))
    await second
    assert time.ns == 1_000_000_000  # served after one refill, not two
    await bucket.close()


@pytest.fixture
async def redis_client(redis_url):
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_redis_bucket_is_shared_by_two_processes_worth_of_clients(redis_client):
    key = f"jts-test:rate:{secrets.token_hex(6)}"
    a = RedisTokenBucket(redis_client, key, 5, 5)
    b = RedisTokenBucket(redis_client, key, 5, 5)
    for bucket in (a, b, a, b, a):
        assert await bucket.acquire(Priority.ORDER) == 0.0
    # the shared bucket is empty now: the next take has to wait about 1/5 s
    waited = await b.acquire(Priority.ORDER)
    assert 0.1 < waited < 0.6
    assert a.available() <= 1.0
    await redis_client.delete(key)


async def test_redis_bucket_keeps_headroom_for_orders_of_other_processes(redis_client):
    key = f"jts-test:rate:{secrets.token_hex(6)}"
    bucket = RedisTokenBucket(redis_client, key, 1, 2, query_headroom=1)
    assert await bucket._take(Priority.CANCEL) == 0  # 1 token left
    assert await bucket._take(Priority.QUERY) > 0  # a query must leave one for others
    assert await bucket._take(Priority.ORDER) == 0  # an order takes the last one
    await redis_client.delete(key)


def test_redis_bucket_refuses_bad_parameters():
    with pytest.raises(ConfigError):
        RedisTokenBucket(_NoRedis(), "k", 0, 1)
    with pytest.raises(ConfigError):
        RedisTokenBucket(_NoRedis(), "k", 1, 1, query_headroom=-1)


class _NoRedis:
    def register_script(self, script):  # pragma: no cover - never reached
        raise AssertionError("not used")


async def _settled(bucket: RedisTokenBucket) -> None:
    """Let the background lease take finish."""
    for _ in range(100):
        if bucket._leasing is None or bucket._leasing.done():
            return
        await asyncio.sleep(0.01)


async def test_redis_bucket_keeps_one_token_taken_ahead_for_orders(redis_client):
    """An order can take a slot without a Redis round trip, from a token taken ahead; the
    shared bucket is never overdrawn by it (burst 2: two takes in all, whoever makes them)."""
    key = f"jts-test:rate:{secrets.token_hex(6)}"
    mine = RedisTokenBucket(redis_client, key, 1, 2)
    other = RedisTokenBucket(redis_client, key, 1, 2)
    assert mine.try_acquire(Priority.ORDER) is False  # nothing taken ahead yet: now it is
    await _settled(mine)
    assert mine.available() >= 1
    assert mine.try_acquire(Priority.QUERY) is False  # queries never use it
    assert await other._take(Priority.ORDER) == 0  # the other process takes the last token
    assert mine.try_acquire(Priority.ORDER) is True  # the leased one, no round trip
    await _settled(mine)  # the bucket is empty: nothing more taken ahead
    assert mine.try_acquire(Priority.ORDER) is False
    await _settled(mine)
    assert await other._take(Priority.ORDER) > 0  # still empty: nobody overdrew it
    await mine.close()
    await redis_client.delete(key)


async def test_a_waiting_order_uses_the_token_taken_ahead(redis_client):
    key = f"jts-test:rate:{secrets.token_hex(6)}"
    bucket = RedisTokenBucket(redis_client, key, 1, 1)
    bucket.try_acquire(Priority.ORDER)
    await _settled(bucket)  # the only token is held ahead
    assert await bucket.acquire(Priority.ORDER) == 0.0  # served from it, no wait
    await _settled(bucket)
    assert bucket.try_acquire(Priority.ORDER) is False  # the bucket had nothing more
    await bucket.close()
    await redis_client.delete(key)
