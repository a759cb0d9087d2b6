"""``node.role``: which part of the node a process runs, from the config or ``JTS_NODE__ROLE``."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from jts.config import NodeConfig, load_config
from jts.config.components import NodeRole
from jts.live.roles import ROLES


def test_the_role_defaults_to_the_whole_node_and_reads_any_case() -> None:
    assert NodeConfig().role == "all"
    assert NodeConfig(role=" Market-Data ").role == "market-data"
    with pytest.raises(ValidationError):
        NodeConfig(role="broker")


def test_the_role_comes_from_the_environment(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JTS_NODE__ROLE", "execution")
    loaded = load_config()
    assert loaded.settings.node.role == "execution"
    assert loaded.sources["node.role"] == "env JTS_NODE__ROLE"


def test_the_config_and_the_live_node_know_the_same_roles() -> None:
    assert get_args(NodeRole) == ROLES
