from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest

from jts.adapters import kis
from jts.adapters.kis.config import KisAccount, KisAppKey, KisClientConfig, KisHosts, TokenConfig
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.rate_limit import RedisTokenBucket, TokenBucket
from jts.adapters.kis.tokens import FileTokenStore, RedisTokenStore
from jts.core.errors import ConfigError
from jts.ports.execution import ExecutionClient
from jts.ports.market_data import MarketDataClient

APP = KisAppKey("PSappkey0001", "secret")
ACCOUNT = KisAccount("12345678", APP, "01", "hts")
HOSTS = KisHosts("http://kis.test", "ws://kis.test")


def test_public_names_are_exported_lazily():
    assert kis.KisNode is KisNode
    assert "KisExecutionClient" in kis.__all__
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = kis.Nope


async def test_defaults_are_a_file_store_and_local_buckets(tmp_path):
    config = KisClientConfig(hosts=HOSTS, tokens=TokenConfig(cache_dir=tmp_path))
    node = KisNode(config, [APP], [ACCOUNT])
    assert isinstance(node.store, FileTokenStore)
    assert isinstance(node.rest(APP.app_key).limiter, TokenBucket)
    execution = node.execution_client(ACCOUNT)
    data = node.data_client()
    assert isinstance(execution, ExecutionClient)
    assert isinstance(data, MarketDataClient)
    assert execution.account_id == ACCOUNT.account_id
    await node.close()


def test_accounts_must_use_configured_keys():
    other = KisAccount("87654321", KisAppKey("PSotherkey01", "s"))
    with pytest.raises(ConfigError, match="not configured"):
        KisNode(KisClientConfig(hosts=HOSTS), [APP], [other])
    with pytest.raises(ConfigError):
        KisNode(KisClientConfig(hosts=HOSTS), [])


async def test_redis_holds_tokens_and_shared_buckets(redis_url):
    prefix = f"jts-test:{secrets.token_hex(4)}"
    config = KisClientConfig(
        hosts=HOSTS, tokens=TokenConfig(redis_url=redis_url, key_prefix=prefix)
    )
    node = KisNode(config, [APP], [ACCOUNT])
    assert isinstance(node.store, RedisTokenStore)
    assert isinstance(node.rest(APP.app_key).limiter, RedisTokenBucket)
    await node.close()


async def test_the_token_is_renewed_before_it_expires_without_any_request(tmp_path):
    issued: list[str] = []
    renewed = asyncio.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/oauth2/tokenP"
        issued.append(f"t{len(issued) + 1}")
        if len(issued) == 2:
            renewed.set()
        return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 2})

    tokens = TokenConfig(
        cache_dir=tmp_path, refresh_margin_s=1.5, min_issue_interval_s=0.1, renewal_check_s=0.1
    )
    config = KisClientConfig(hosts=HOSTS, tokens=tokens)
    async with KisNode(config, [APP], [ACCOUNT], transport=httpx.MockTransport(handler)) as node:
        assert await node.tokens[APP.app_key].get() == "t1"
        await asyncio.wait_for(renewed.wait(), 3)  # the renewal loop, not a request, asked
        assert issued[:2] == ["t1", "t2"]
        assert await node.tokens[APP.app_key].get() == issued[-1]
