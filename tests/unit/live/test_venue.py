"""What the live node hands the KIS adapter: a split node shares tokens and rate limits."""

from __future__ import annotations

from pathlib import Path

from jts.adapters.kis.config import KisAccount, KisAppKey, KisEnv, KisHosts
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.rate_limit import RedisTokenBucket, TokenBucket
from jts.adapters.kis.tokens import FileTokenStore, RedisTokenStore
from jts.config import Settings, load_settings
from jts.live.venue import VenueTarget, client_config, shared_redis

APP = KisAppKey("PS" + "a" * 34, "s" * 180)


def _target() -> VenueTarget:
    return VenueTarget(
        env=KisEnv.PAPER,
        hosts=KisHosts.local(1, 2),
        app=APP,
        account=KisAccount("50000001", APP),
        rate_per_s=None,
        description="test",
    )


def _settings(tmp_path: Path, toml: str) -> Settings:
    path = tmp_path / "jts.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n{toml}', encoding="utf-8")
    return load_settings(path)


async def test_one_process_keeps_its_own_bucket_and_token_files(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "")
    assert shared_redis(settings) is None
    node = KisNode(client_config(_target(), tmp_path, redis_url=shared_redis(settings)), [APP])
    assert isinstance(node.store, FileTokenStore)
    assert all(isinstance(c.limiter, TokenBucket) for c in node.pool.clients)
    await node.close()


async def test_a_split_node_shares_them_through_the_bus_redis(tmp_path: Path) -> None:
    url = "redis://127.0.0.1:6379/3"
    settings = _settings(tmp_path, f'[bus]\nbackend = "redis"\nredis_url = "{url}"\n')
    assert shared_redis(settings) == url
    node = KisNode(client_config(_target(), tmp_path, redis_url=shared_redis(settings)), [APP])
    assert isinstance(node.store, RedisTokenStore)
    assert all(isinstance(c.limiter, RedisTokenBucket) for c in node.pool.clients)
    await node.close()
