"""The ``[routing]`` section: parsed, checked, shown and read back."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from jts.config import load_config, to_toml
from jts.config.render import masked_values
from jts.config.routing import RoutingConfig
from jts.core.errors import ConfigError

ROUTES = """
[[routing.routes]]
strategy = "SMACross-001"
accounts = ["KIS-12345678-01"]

[[routing.routes]]
strategy = "SMACross-001"
instrument = "005930.KRX"
accounts = ["KIS-12345678-01", "KIS-87654321-01"]

[[routing.routes]]
instrument = "000660.KRX"
accounts = [" KIS-87654321-01 "]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_no_routes_by_default() -> None:
    assert load_config().settings.routing == RoutingConfig()


def test_routes_are_read_in_order_and_trimmed(isolated: Path) -> None:
    routing = load_config(write(isolated / "jts.toml", ROUTES)).settings.routing
    assert [(r.strategy, r.instrument, r.accounts) for r in routing.routes] == [
        ("SMACross-001", "", ("KIS-12345678-01",)),
        ("SMACross-001", "005930.KRX", ("KIS-12345678-01", "KIS-87654321-01")),
        ("", "000660.KRX", ("KIS-87654321-01",)),
    ]


def test_config_show_lists_the_routes_and_reads_back_exactly(isolated: Path) -> None:
    loaded = load_config(write(isolated / "jts.toml", ROUTES))
    text = to_toml(masked_values(loaded.settings))
    assert "[[routing.routes]]\n" in text
    again = RoutingConfig.model_validate(tomllib.loads(text)["routing"])
    assert again == loaded.settings.routing


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[routing.routes]]\naccounts = ["KIS-1"]\n', "needs a strategy, an instrument"),
        ('[[routing.routes]]\nstrategy = "S"\naccounts = ["kis 1"]\n', "malformed account id"),
        ('[[routing.routes]]\nstrategy = "S"\naccounts = []\n', "routing.routes.0.accounts"),
        ('[[routing.routes]]\nstrategy = "S"\n', "routing.routes.0.accounts"),
        ('[[routing.routes]]\ninstrument = "005930"\naccounts = ["SIM-A"]\n', "SYMBOL.VENUE"),
        ('[[routing.routes]]\nstrategy = "S"\naccounts = ["SIM-A", "SIM-A"]\n', "named twice"),
        ('[[routing.routes]]\nstrategy = "S"\naccounts = ["SIM-A", " "]\n', "non-empty"),
        ('[[routing.routes]]\nstrategy = "S"\naccounts = ["SIM-A"]\nvenue = "KRX"\n', "venue"),
        (
            '[[routing.routes]]\nstrategy = "S"\naccounts = ["SIM-A"]\n'
            '[[routing.routes]]\nstrategy = "S"\naccounts = ["SIM-B"]\n',
            "two routes for strategy S and instrument *",
        ),
    ],
)
def test_bad_routes_are_refused_with_the_key_named(isolated: Path, toml: str, message: str) -> None:
    path = write(isolated / "jts.toml", toml)
    with pytest.raises(ConfigError, match="config error") as caught:
        load_config(path)
    assert message in str(caught.value)
