"""Showing the configuration: masked values, TOML that parses back, JSON with sources."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.config import Settings, load_config, masked_values, to_json, to_toml

SECRETS = ("kis-key-789", "kis-secret-000", "pg-pass-123")


def secret_settings() -> Settings:
    return Settings(
        database={"url": "postgresql://jts:pg-pass-123@db/jts"},
        brokers={"kis": {"app_key": "kis-key-789", "app_secret": "kis-secret-000"}},
    )


def test_masked_values_hide_secrets_and_url_passwords() -> None:
    values = masked_values(secret_settings())
    assert values["brokers"]["kis"]["app_key"] == "**********"
    assert values["brokers"]["kis"]["app_secret"] == "**********"
    assert values["database"]["url"] == "postgresql://jts:***@db/jts"
    text = json.dumps(values)
    for secret in SECRETS:
        assert secret not in text


def test_empty_secrets_are_shown_empty() -> None:
    assert masked_values(Settings())["brokers"]["kis"]["app_key"] == ""


def test_toml_of_the_settings_parses_back_to_the_same_values() -> None:
    values = masked_values(Settings(node={"trader_id": "DESK-1"}))
    text = to_toml(values)
    assert tomllib.loads(text) == _without_none(values)  # TOML has no null: None is left out
    assert '[brokers.kis]\napp_key = ""' in text
    assert "[brokers]\n" not in text  # a table holding only tables needs no header


def test_toml_round_trips_as_a_config_file(isolated: Any) -> None:
    """What `jts config show` prints can be saved as jts.toml and gives the same settings."""
    original = Settings(profile="embedded", data_dir="state", bus={"stream_prefix": "desk"})
    path = isolated / "saved.toml"
    path.write_text(to_toml(masked_values(original)), encoding="utf-8")
    assert load_config(path).settings == original


def test_toml_comments_carry_sources() -> None:
    text = to_toml({"a": 1, "t": {"b": "x"}}, {"a": "default", "t.b": "env JTS_T__B"})
    assert text == 'a = 1  # default\n\n[t]\nb = "x"  # env JTS_T__B\n'
    assert tomllib.loads(text) == {"a": 1, "t": {"b": "x"}}


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _without_none(v) if isinstance(v, dict) else v
        for k, v in values.items()
        if v is not None
    }


def test_toml_leaves_out_none_and_refuses_unknown_types() -> None:
    assert to_toml({"a": None, "b": True, "c": [1, "x"]}) == 'b = true\nc = [1, "x"]\n'
    assert to_toml({"a": 1.5, "b": float("inf")}) == "a = 1.5\nb = inf\n"
    with pytest.raises(TypeError, match="cannot write object"):
        to_toml({"a": object()})


_keys = st.text(min_size=1, max_size=8)
_scalars = st.one_of(st.text(max_size=20), st.integers(-(2**63), 2**63 - 1), st.booleans())
_tables = st.recursive(
    st.dictionaries(_keys, _scalars, max_size=4),
    lambda inner: st.dictionaries(_keys, st.one_of(_scalars, inner), min_size=1, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(_tables)
def test_any_table_of_scalars_round_trips_through_toml(data: dict[str, Any]) -> None:
    assert tomllib.loads(to_toml(data)) == data


def test_json_plain_and_with_sources() -> None:
    values = {"a": {"b": "가나다"}}
    assert json.loads(to_json(values)) == values
    assert "가나다" in to_json(values)
    both = json.loads(to_json(values, {"a.b": "default"}))
    assert both == {"settings": values, "sources": {"a.b": "default"}}
