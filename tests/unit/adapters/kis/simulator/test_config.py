"""Simulator configuration: defaults per env, validation naming the key, JSON loading."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from jts.adapters.kis.simulator.config import (
    AccountConfig,
    AppConfig,
    FaultSettings,
    HoldingConfig,
    SimulatorConfig,
    SymbolConfig,
    load_config,
)
from jts.core.errors import ConfigError


def test_generated_paper_config_has_keys_shaped_like_real_ones():
    config = SimulatorConfig.generate("paper")
    (app,) = config.apps
    assert app.app_key.startswith("PS")
    assert len(app.app_key) == 36
    assert len(app.app_secret) == 180
    (account,) = config.accounts
    assert len(account.cano) == 8
    assert account.cano.isdigit()
    assert SimulatorConfig.generate("paper").apps[0].app_key != app.app_key  # random


@pytest.mark.parametrize(
    ("env", "rate", "balance", "ccld"), [("real", 20, 50, 100), ("paper", 2, 20, 15)]
)
def test_documented_limits_per_env(env, rate, balance, ccld):
    config = SimulatorConfig(env=env)
    assert (config.rate_per_s, config.rate_burst) == (rate, rate)
    assert (config.balance_rows, config.daily_ccld_rows) == (balance, ccld)


def test_limits_are_configurable():
    config = SimulatorConfig(rate_limit_per_s=5, rate_limit_burst=7, balance_page_size=3)
    assert (config.rate_per_s, config.rate_burst, config.balance_rows) == (5, 7, 3)


def test_default_symbols_give_more_than_two_sessions_worth():
    symbols = SimulatorConfig().symbols
    assert len(symbols) > 80
    assert "005930" in {s.symbol for s in symbols}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"host": "0.0.0.0"}, "loopback"),
        ({"env": "prod"}, "env must be"),
        ({"port": 70000}, "port must be"),
        ({"port": 9000, "ws_port": 9000}, "must differ"),
        ({"accounts": (AccountConfig(cano="1234"),)}, "8 digits"),
        ({"accounts": (AccountConfig(cano="12345678", product="1"),)}, "2 digits"),
        ({"symbols": (SymbolConfig("5930", "x", 100),)}, "6 characters"),
        ({"symbols": (SymbolConfig("005930", "x", 0),)}, "base_price"),
        (
            {"symbols": (SymbolConfig("005930", "x", 1), SymbolConfig("005930", "y", 2))},
            "twice",
        ),
        ({"max_subscriptions": 0}, "max_subscriptions"),
        ({"token_reuse_window_s": 100_000}, "token_reuse_window_s"),
        ({"rate_limit_per_s": -1}, "rate_limit_per_s"),
        ({"tick_interval_s": 0}, "tick_interval_s"),
        ({"commission_rate": Decimal("1.5")}, "commission_rate"),
        ({"faults": FaultSettings(error_rate=2.0)}, "faults.error_rate"),
        ({"faults": FaultSettings(error_status=404)}, "5xx"),
        ({"market_hours": "sometimes"}, "market_hours"),
    ],
)
def test_bad_values_are_refused_naming_the_key(changes, message):
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(SimulatorConfig(), **changes)


def test_holdings_must_name_configured_symbols_and_apps_known_accounts():
    account = AccountConfig(cano="12345678", holdings=(HoldingConfig("999999", 1, 100),))
    with pytest.raises(ConfigError, match="999999"):
        SimulatorConfig(accounts=(account,))
    with pytest.raises(ConfigError, match="unknown accounts"):
        SimulatorConfig(apps=(AppConfig("k", "s", accounts=("00000000-01",)),))


def test_with_defaults_fills_only_what_is_missing():
    account = AccountConfig(cano="12345678")
    config = SimulatorConfig(accounts=(account,)).with_defaults()
    assert config.accounts == (account,)
    assert len(config.apps) == 1


def test_load_config_reads_json_and_names_the_file_on_error(tmp_path):
    good = tmp_path / "sim.json"
    good.write_text(
        '{"env": "real", "rate_limit_per_s": 19, "commission_rate": "0.0001",'
        ' "accounts": [{"cano": "12345678", "cash": 5000}],'
        ' "apps": [{"app_key": "K", "app_secret": "S"}]}'
    )
    config = load_config(good)
    assert config.env == "real"
    assert config.rate_per_s == 19
    assert config.commission_rate == Decimal("0.0001")
    assert config.accounts[0].cash == 5000
    bad = tmp_path / "bad.json"
    bad.write_text('{"env": "real", "no_such_key": 1}')
    with pytest.raises(ConfigError, match=r"bad\.json"):
        load_config(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.json")
