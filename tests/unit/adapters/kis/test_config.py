from __future__ import annotations

import pytest

from jts.adapters.kis.config import (
    KisAccount,
    KisAppKey,
    KisClientConfig,
    KisEnv,
    KisHosts,
    RateLimitConfig,
    RetryConfig,
    TokenConfig,
    WsConfig,
)
from jts.core.errors import ConfigError
from jts.domain.identifiers import AccountId

APP = KisAppKey("PSkey123456", "secret-value", name="main")


def test_app_key_hides_the_secret_and_labels_itself():
    assert "secret-value" not in repr(APP)
    assert APP.label == "main"
    assert KisAppKey("PSabcdefgh", "s").label == "PSabcd..."


@pytest.mark.parametrize(("key", "secret"), [("", "s"), ("k", ""), (" k", "s"), ("k", "s ")])
def test_app_key_refuses_blank_or_padded_values(key, secret):
    with pytest.raises(ConfigError, match="non-empty"):
        KisAppKey(key, secret)


def test_account_id_and_validation():
    account = KisAccount("12345678", APP, "01", "hts")
    assert account.account_id == AccountId("KIS-12345678-01")
    with pytest.raises(ConfigError, match="8 digits"):
        KisAccount("1234567", APP)
    with pytest.raises(ConfigError, match="2 digits"):
        KisAccount("12345678", APP, "1")


def test_hosts_per_env_are_the_documented_ones():
    real = KisHosts.for_env(KisEnv.REAL)
    paper = KisHosts.for_env(KisEnv.PAPER)
    assert real.rest_url == "https://openapi.koreainvestment.com:9443"
    assert real.ws_url == "ws://ops.koreainvestment.com:21000"
    assert paper.rest_url == "https://openapivts.koreainvestment.com:29443"
    assert paper.ws_url == "ws://ops.koreainvestment.com:31000"
    assert real.ws_path == "/tryitout"
    assert KisHosts.local(1, 2).rest_url == "http://127.0.0.1:1"


@pytest.mark.parametrize(
    ("rest", "ws", "path"),
    [("ftp://x", "ws://x", "/t"), ("http://x", "http://x", "/t"), ("http://x", "ws://x", "t")],
)
def test_hosts_refuse_wrong_schemes(rest, ws, path):
    with pytest.raises(ConfigError):
        KisHosts(rest, ws, path)


def test_rate_defaults_follow_the_environment():
    real = KisClientConfig(env=KisEnv.REAL)
    paper = KisClientConfig(env=KisEnv.PAPER)
    assert (real.rate_per_s, real.burst) == (20, 10)
    assert (paper.rate_per_s, paper.burst) == (2, 1)
    custom = KisClientConfig(rate_limit=RateLimitConfig(rate_per_s=5, burst=5))
    assert (custom.rate_per_s, custom.burst) == (5, 5)
    assert KisClientConfig().resolved_hosts == KisHosts.for_env(KisEnv.PAPER)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: RateLimitConfig(rate_per_s=0), "rate_per_s"),
        (lambda: RateLimitConfig(burst=-1), "burst"),
        (lambda: RateLimitConfig(query_headroom=-1), "query_headroom"),
        (lambda: RetryConfig(timeout_s=0), "timeout_s"),
        (lambda: RetryConfig(query_attempts=0), "query_attempts"),
        (lambda: TokenConfig(refresh_margin_s=0), "refresh_margin_s"),
        (lambda: TokenConfig(redis_url="http://x"), "redis_url"),
        (lambda: WsConfig(max_subscriptions=0), "max_subscriptions"),
        (lambda: WsConfig(reconnect_jitter=2), "reconnect_jitter"),
        (lambda: KisClientConfig(custtype="X"), "custtype"),
        (lambda: KisClientConfig(exchange="NYSE"), "exchange"),
        (lambda: KisClientConfig(adjusted_price_code="2"), "adjusted_price_code"),
        (lambda: KisClientConfig(daily_bar_close_hhmmss="1530"), "daily_bar_close_hhmmss"),
        (lambda: KisClientConfig(more_pages_markers=()), "more_pages_markers"),
        (lambda: KisClientConfig(fill_poll_s=0), "fill_poll_s"),
    ],
)
def test_bad_values_name_the_field(factory, message):
    with pytest.raises(ConfigError, match=message):
        factory()
