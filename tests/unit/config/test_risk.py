"""``[risk]``: TOML and environment into `RiskLimits` / `LossLimits`, tightening tables,
errors that name the dotted key, and `jts config show` output."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from jts.config import load_config, to_toml
from jts.config.render import masked_values
from jts.config.risk import RiskConfig
from jts.core.errors import ConfigError
from jts.domain.identifiers import InstrumentId, StrategyId
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.risk.monitor import LossLimits

FULL = """
[risk]
max_order_qty = 100
max_order_value = 10_000_000
max_position_qty = 500
max_gross_exposure = 50_000_000
max_net_exposure = 30_000_000
max_open_orders = 20
max_orders_per_second = 5
price_band_pct = 2.5
restricted = ["000660.KRX"]
allow_short = true
check_trading_hours = true
daily_loss_limit = 500_000
daily_loss_limit_pct = 2
max_drawdown_pct = 10

[risk.metrics]
interval_s = 5
window = 100

[risk.accounts.KIS-12345678-01]
max_order_value = 5_000_000
restricted = ["035720.KRX"]

[risk.strategies.SMACross-001]
max_order_qty = 5
allow_short = false

[risk.strategies.Other-002]
max_order_qty = 1000
max_open_orders = 3
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_enforce_nothing_but_the_structural_checks() -> None:
    risk = load_config().settings.risk
    assert risk.limits() == RiskLimits()
    assert risk.strategy_limits() == {}
    assert risk.loss_limits() == LossLimits()
    assert (risk.metrics.interval_s, risk.metrics.window) == (60.0, 250)


def test_a_full_section_becomes_the_kernels_limits(isolated: Path) -> None:
    risk = load_config(write(isolated / "jts.toml", FULL)).settings.risk
    base = risk.limits()
    assert base == RiskLimits(
        max_order_qty=Decimal(100),
        max_order_value=Decimal(10_000_000),
        max_position_qty=Decimal(500),
        max_gross_exposure=Decimal(50_000_000),
        max_net_exposure=Decimal(30_000_000),
        max_open_orders=20,
        max_orders_per_second=5,
        price_band=Decimal("0.025"),
        allow_short=True,
        check_trading_hours=True,
        restricted=frozenset({InstrumentId("000660.KRX")}),
    )
    assert risk.loss_limits() == LossLimits(
        daily_loss=Decimal(500_000), daily_loss_pct=Decimal(2), max_drawdown_pct=Decimal(10)
    )
    assert (risk.metrics.interval_s, risk.metrics.window) == (5.0, 100)


def test_account_and_strategy_tables_only_tighten(isolated: Path) -> None:
    risk = load_config(write(isolated / "jts.toml", FULL)).settings.risk
    account = risk.limits("KIS-12345678-01")
    assert account.max_order_value == 5_000_000
    assert account.restricted == {InstrumentId("000660.KRX"), InstrumentId("035720.KRX")}
    assert account.allow_short  # the account table did not mention shorting
    assert risk.limits("KIS-99999999-01") == risk.limits()  # no table: the top level

    by_strategy = risk.strategy_limits()
    assert set(by_strategy) == {StrategyId("SMACross-001"), StrategyId("Other-002")}
    sma = account.merged(by_strategy[StrategyId("SMACross-001")])
    assert sma.max_order_qty == 5
    assert not sma.allow_short  # a strategy may forbid shorting
    other = account.merged(by_strategy[StrategyId("Other-002")])
    assert other.max_order_qty == 100  # 1000 cannot loosen the account's 100
    assert other.max_open_orders == 3
    assert other.allow_short  # unset follows the account


def test_environment_reaches_the_top_level_and_json_tables(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    path = write(isolated / "jts.toml", "[risk]\nmax_order_qty = 100\n")
    monkeypatch.setenv("JTS_RISK__MAX_ORDER_QTY", "5")
    monkeypatch.setenv("JTS_RISK__DAILY_LOSS_LIMIT", "1")
    monkeypatch.setenv("JTS_RISK__STRATEGIES", '{"SMACross-001": {"max_order_qty": 2}}')
    loaded = load_config(path)
    risk = loaded.settings.risk
    assert risk.limits().max_order_qty == 5  # env over file
    assert risk.loss_limits().daily_loss == 1
    assert risk.strategy_limits()[StrategyId("SMACross-001")].max_order_qty == 2
    assert loaded.sources["risk.max_order_qty"] == "env JTS_RISK__MAX_ORDER_QTY"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[risk]\nmax_order_qty = 0\n", "risk.max_order_qty: Input should be greater than 0"),
        ("[risk]\nmax_order_qty = -5\n", "risk.max_order_qty: Input should be greater than 0"),
        ("[risk]\nmax_order_value = nan\n", "risk.max_order_value:"),
        ("[risk]\nmax_open_orders = 1.5\n", "risk.max_open_orders:"),
        ("[risk]\ndaily_loss_limit_pct = 120\n", "risk.daily_loss_limit_pct:"),
        ("[risk]\nmax_order_qty = true\n", "risk.max_order_qty:"),
        ("[risk]\nmax_ordr_qty = 5\n", "risk.max_ordr_qty: unknown key"),
        ('[risk]\nrestricted = ["005930"]\n', "risk.restricted.0: instrument id must be"),
        ("[risk.metrics]\nwindow = 1\n", "risk.metrics.window:"),
        (
            "[risk.strategies.sma]\nmax_order_qty = 5\n",
            "risk.strategies: 'sma' is not a strategy id",
        ),
        ("[risk.accounts.nope]\nmax_order_qty = 5\n", "risk.accounts: 'nope' is not an account id"),
        (
            "[risk.strategies.SMACross-001]\ncheck_ticks = false\n",
            "risk.strategies.SMACross-001.check_ticks: unknown key",
        ),
        (
            "[risk.strategies.SMACross-001]\nmax_order_qty = -1\n",
            "risk.strategies.SMACross-001.max_order_qty: Input should be greater than 0",
        ),
    ],
)
def test_bad_values_name_the_dotted_key_and_the_file(
    isolated: Path, toml: str, message: str
) -> None:
    path = write(isolated / "jts.toml", toml)
    with pytest.raises(ConfigError, match="config error") as caught:
        load_config(path)
    assert message in str(caught.value)
    assert f"from file {path}" in str(caught.value)


def test_config_show_lists_the_section_and_reads_back_exactly(isolated: Path) -> None:
    loaded = load_config(write(isolated / "full.toml", FULL))
    text = to_toml(masked_values(loaded.settings))
    assert "[risk]\n" in text
    assert "max_order_qty = 100\n" in text
    assert "price_band_pct = 2.5\n" in text
    assert "[risk.metrics]\n" in text
    assert "[risk.strategies.SMACross-001]\n" in text
    again = RiskConfig.model_validate(tomllib.loads(text)["risk"])
    assert again == loaded.settings.risk
    defaults = to_toml(masked_values(load_config().settings))
    # unset limits are left out of TOML (it has no null); the switches and tables show
    section = defaults[defaults.index("[risk]\n") :]
    for line in (
        "check_ticks = true\n",
        "allow_short = false\n",
        "[risk.metrics]\n",
        "interval_s = 60.0\n",
        "[risk.accounts]\n",
        "[risk.strategies]\n",
    ):
        assert line in section


def test_an_exact_number_that_is_no_float_is_shown_as_text(isolated: Path) -> None:
    path = write(isolated / "jts.toml", '[risk]\nmax_order_qty = "0.123456789012345678901"\n')
    risk = load_config(path).settings.risk
    assert risk.max_order_qty == Decimal("0.123456789012345678901")
    dumped = risk.model_dump(mode="json")
    assert dumped["max_order_qty"] == "0.123456789012345678901"
    assert RiskConfig.model_validate(dumped) == risk
