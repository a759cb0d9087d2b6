"""``[routing]`` in a live node: a route to an account the node does not trade stops the start
with the route and the node's accounts named (before any order could go astray)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jts.cli.up import bring_up
from jts.config import load_config
from jts.core.errors import ConfigError
from jts.live.node import LiveNode, NodeOptions
from tests.integration.live.test_risk_live import PROBE

ROUTE = """
[[routing.routes]]
strategy = "Probe-001"
accounts = ["KIS-00000000-01"]
"""


async def test_a_route_to_an_unknown_account_stops_the_node_at_start(tmp_path: Path) -> None:
    config = tmp_path / "jts.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n{ROUTE}', encoding="utf-8")
    settings = load_config(config).settings
    bring_up(settings)
    strategy = tmp_path / "probe.py"
    strategy.write_text(PROBE, encoding="utf-8")
    node = LiveNode(settings, NodeOptions(strategy=str(strategy), tick_interval_s=0.05))
    try:
        with pytest.raises(ConfigError) as caught:
            await node.start()
    finally:
        await node.stop(grace_s=1.0)
    message = str(caught.value)
    assert "routing.routes[0]" in message
    assert "KIS-00000000-01" in message
    assert node.execution is not None
    assert f"its accounts: {node.execution.account_id}" in message
    assert node.kernel is not None
    assert node.kernel.cache.orders() == []
