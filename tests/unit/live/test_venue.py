"""Which accounts and app keys a node trades with: from a simulator's config (each account
with the app key that names it) and from ``[brokers.kis]`` with more accounts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydantic import SecretStr

from jts.adapters.kis.config import KisAccount, KisAppKey, KisEnv, KisHosts
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.rate_limit import RedisTokenBucket, TokenBucket
from jts.adapters.kis.simulator import SimulatorConfig
from jts.adapters.kis.simulator.config import AccountConfig, AppConfig
from jts.adapters.kis.tokens import FileTokenStore, RedisTokenStore
from jts.config import Settings, load_settings
from jts.config.components import BrokersConfig, KisAccountConfig, KisConfig
from jts.live.venue import (
    VenueTarget,
    client_config,
    shared_redis,
    target_from_settings,
    target_from_simulator,
)

BASE = SimulatorConfig.generate("paper")
FIRST = BASE.accounts[0]
SECOND = AccountConfig(cano="59999999")


def test_one_account_two_apps_leaves_the_spare_app_to_market_data() -> None:
    config = dataclasses.replace(BASE, apps=(*BASE.apps, AppConfig("PSdata", "secret")))
    target = target_from_simulator(config, 1, 2, where="test")
    assert [a.cano for a in target.accounts] == [FIRST.cano]
    assert target.app.app_key == BASE.apps[0].app_key
    assert target.data_app is not None
    assert target.data_app.app_key == "PSdata"


def test_each_account_gets_the_app_that_names_it_else_an_open_one_in_turn() -> None:
    named = AppConfig("PSnamed", "secret", accounts=(SECOND.key,))
    config = dataclasses.replace(
        BASE, apps=(*BASE.apps, named), accounts=(FIRST, SECOND, AccountConfig(cano="58888888"))
    )
    target = target_from_simulator(config, 1, 2, where="test")
    assert [a.cano for a in target.accounts] == [FIRST.cano, SECOND.cano, "58888888"]
    assert [a.app.app_key for a in target.accounts] == [
        BASE.apps[0].app_key,
        "PSnamed",
        BASE.apps[0].app_key,  # the only app open to every account
    ]
    assert [app.app_key for app in target.apps] == [BASE.apps[0].app_key, "PSnamed"]
    assert target.data_app is None  # every app key is an account's
    assert "(+2 more)" in target.description


def test_settings_with_more_accounts() -> None:
    kis = KisConfig(
        app_key=SecretStr("k1"),
        app_secret=SecretStr("s1"),
        account="11111111-01",
        accounts=(
            KisAccountConfig(
                app_key=SecretStr("k2"), app_secret=SecretStr("s2"), account="22222222-01"
            ),
        ),
    )
    target = target_from_settings(Settings(brokers=BrokersConfig(kis=kis)))
    assert target is not None
    assert [str(a.account_id) for a in target.accounts] == ["KIS-11111111-01", "KIS-22222222-01"]
    assert [app.app_key for app in target.apps] == ["k1", "k2"]
    assert target.description.endswith("accounts 11111111-01, 22222222-01")


APP = KisAppKey("PS" + "a" * 34, "s" * 180)
REDIS = "redis://127.0.0.1:6379/3"


def _target(data_app: KisAppKey | None = None) -> VenueTarget:
    return VenueTarget(
        env=KisEnv.PAPER,
        hosts=KisHosts.local(1, 2),
        app=APP,
        account=KisAccount("50000001", APP),
        rate_per_s=None,
        description="test",
        data_app=data_app,
    )


def _settings(tmp_path: Path, toml: str) -> Settings:
    path = tmp_path / "jts.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n{toml}', encoding="utf-8")
    return load_settings(path)


async def test_one_process_keeps_its_own_bucket_and_token_files(tmp_path: Path) -> None:
    redis_bus = _settings(tmp_path, f'[bus]\nbackend = "redis"\nredis_url = "{REDIS}"\n')
    assert shared_redis(redis_bus, "all") is None  # a whole node: nothing to share
    assert shared_redis(_settings(tmp_path, ""), "execution") is None  # no Redis to share in
    node = KisNode(client_config(_target(), tmp_path, redis_url=None), [APP])
    assert isinstance(node.store, FileTokenStore)
    assert all(isinstance(c.limiter, TokenBucket) for c in node.pool.clients)
    await node.close()


async def test_split_roles_share_tokens_and_a_shared_app_keys_bucket_in_redis(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path, f'[bus]\nbackend = "redis"\nredis_url = "{REDIS}"\n')
    url = shared_redis(settings, "execution")
    assert url == REDIS
    # the market-data role uses the same app key: one bucket for both, in Redis
    node = KisNode(client_config(_target(), tmp_path, redis_url=url), [APP])
    assert isinstance(node.store, RedisTokenStore)
    assert all(isinstance(c.limiter, RedisTokenBucket) for c in node.pool.clients)
    await node.close()
    # it has a key of its own: the execution role's bucket stays in the process
    own = _target(data_app=KisAppKey("PS" + "b" * 34, "s" * 180))
    node = KisNode(client_config(own, tmp_path, redis_url=url), [APP])
    assert isinstance(node.store, RedisTokenStore)
    assert all(isinstance(c.limiter, TokenBucket) for c in node.pool.clients)
    await node.close()
