from __future__ import annotations

import asyncio
import os
import secrets
import stat

import pytest

from jts.adapters.kis.config import KisAppKey
from jts.adapters.kis.errors import KisError
from jts.adapters.kis.tokens import (
    ACCESS_TOKEN,
    FileTokenStore,
    MemoryTokenStore,
    RedisTokenStore,
    StoredCredential,
    TokenManager,
    app_key_digest,
)
from tests.unit.adapters.kis.fakes import FakeTime, Issuer

APP = KisAppKey("PSappkey0001", "secret")
S = 1_000_000_000


def manager(store, issuer: Issuer, time: FakeTime, **kw) -> TokenManager:
    return TokenManager(
        APP, store, issuer, clock_ns=time.now, sleep=time.sleep, refresh_margin_s=3600, **kw
    )


async def test_a_token_is_issued_once_and_reused():
    time = FakeTime()
    issuer = Issuer(time)
    tokens = manager(MemoryTokenStore(), issuer, time)
    assert await tokens.get() == "token-1"
    time.ns += 3600 * S
    assert await tokens.get() == "token-1"
    assert issuer.issued == 1


async def test_managers_sharing_a_store_share_the_token():
    """Two processes of one installation (modelled by two managers on one store)."""
    time = FakeTime()
    issuer = Issuer(time)
    store = MemoryTokenStore()
    first, second = manager(store, issuer, time), manager(store, issuer, time)
    results = await asyncio.gather(first.get(), second.get(), first.get())
    assert results == ["token-1"] * 3
    assert issuer.calls == 1


async def test_renewed_inside_the_margin_before_expiry():
    time = FakeTime()
    issuer = Issuer(time)
    tokens = manager(MemoryTokenStore(), issuer, time)
    await tokens.get()
    time.ns += (86_400 - 3_599) * S  # inside the last hour
    assert await tokens.get() == "token-2"
    assert await tokens.renew_if_due() is False


async def test_no_usable_token_waits_out_the_minute_instead_of_hitting_egw00133():
    time = FakeTime()
    issuer = Issuer(time)
    store = MemoryTokenStore()
    tokens = manager(store, issuer, time)
    await tokens.get()
    await tokens.invalidate("token-1")  # KIS said EGW00123 ten seconds after the issue
    time.ns += 10 * S
    assert await tokens.get() == "token-2"
    assert time.sleeps == [50.0]
    assert issuer.calls == 2  # never refused


async def test_near_expiry_within_the_minute_keeps_using_the_valid_token():
    time = FakeTime()
    issuer = Issuer(time)
    store = MemoryTokenStore()
    await store.save(
        APP.app_key,
        ACCESS_TOKEN,
        StoredCredential(
            value="old",
            issued_ns=time.ns - 86_000 * S,
            expires_ns=time.ns + 400 * S,
            last_request_ns=time.ns - 5 * S,
        ),
    )
    tokens = manager(store, issuer, time)
    assert await tokens.get() == "old"
    assert issuer.calls == 0
    assert time.sleeps == []
    time.ns += 60 * S
    assert await tokens.get() == "token-1"


async def test_egw00133_with_a_valid_token_uses_it_and_records_the_request():
    time = FakeTime()
    issuer = Issuer(time)
    issuer.last = time.ns  # someone else asked KIS just now
    store = MemoryTokenStore()
    await store.save(
        APP.app_key,
        ACCESS_TOKEN,
        StoredCredential(value="old", expires_ns=time.ns + 100 * S, last_request_ns=0),
    )
    tokens = manager(store, issuer, time)
    assert await tokens.get() == "old"
    stored = await store.load(APP.app_key, ACCESS_TOKEN)
    assert stored is not None
    assert stored.last_request_ns == time.ns


async def test_egw00133_without_a_token_waits_and_retries():
    time = FakeTime()
    issuer = Issuer(time)
    issuer.last = time.ns - 30 * S
    tokens = manager(MemoryTokenStore(), issuer, time)
    assert await tokens.get() == "token-1"
    assert issuer.calls == 2
    assert time.sleeps == [60.0]


async def test_gives_up_after_the_configured_attempts():
    time = FakeTime()

    async def always_refused(app):
        from jts.adapters.kis.errors import KisTokenIssueRateError

        raise KisTokenIssueRateError("EGW00133", "wait", status=403)

    tokens = manager(MemoryTokenStore(), always_refused, time, issue_attempts=2)
    with pytest.raises(KisError, match="EGW00133"):
        await tokens.get()


async def test_file_store_round_trip_private_file_and_corrupt_file(tmp_path):
    store = FileTokenStore(tmp_path)
    record = StoredCredential(value="tok", issued_ns=1, expires_ns=2, last_request_ns=3)
    await store.save(APP.app_key, ACCESS_TOKEN, record)
    assert await store.load(APP.app_key, ACCESS_TOKEN) == record
    (path,) = tmp_path.glob("*.json")
    assert APP.app_key not in path.name
    assert app_key_digest(APP.app_key) in path.name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    path.write_text("{not json")
    assert await store.load(APP.app_key, ACCESS_TOKEN) is None
    assert await store.load("other", ACCESS_TOKEN) is None


async def test_file_store_lock_excludes_a_second_holder(tmp_path):
    store = FileTokenStore(tmp_path)
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        async with store.lock(APP.app_key, ACCESS_TOKEN):
            order.append(f"{name}-in")
            await asyncio.sleep(seconds)
            order.append(f"{name}-out")

    first = asyncio.create_task(hold("a", 0.1))
    await asyncio.sleep(0.01)
    await hold("b", 0)
    await first
    assert order == ["a-in", "a-out", "b-in", "b-out"]


@pytest.fixture
async def redis_client(redis_url):
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_redis_store_round_trip_and_lock(redis_client):
    prefix = f"jts-test:{secrets.token_hex(4)}"
    store = RedisTokenStore(redis_client, prefix)
    record = StoredCredential(value="tok", expires_ns=4_000_000_000_000_000_000)
    await store.save(APP.app_key, ACCESS_TOKEN, record)
    assert await store.load(APP.app_key, ACCESS_TOKEN) == record
    order: list[str] = []

    async def hold(name: str) -> None:
        async with store.lock(APP.app_key, ACCESS_TOKEN):
            order.append(f"{name}-in")
            await asyncio.sleep(0.05)
            order.append(f"{name}-out")

    await asyncio.gather(hold("a"), hold("b"))
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])
    keys = [k async for k in redis_client.scan_iter(f"{prefix}:*")]
    if keys:
        await redis_client.delete(*keys)


async def test_two_managers_on_redis_share_one_issue(redis_client):
    time = FakeTime()
    issuer = Issuer(time)
    prefix = f"jts-test:{secrets.token_hex(4)}"
    store = RedisTokenStore(redis_client, prefix)
    a, b = manager(store, issuer, time), manager(store, issuer, time)
    assert await asyncio.gather(a.get(), b.get()) == ["token-1", "token-1"]
    assert issuer.calls == 1
    keys = [k async for k in redis_client.scan_iter(f"{prefix}:*")]
    await redis_client.delete(*keys)
