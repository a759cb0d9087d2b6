"""Which node ``jts up`` runs: the whole node, or one role of a split node (`jts.live.roles`)."""

from __future__ import annotations

from jts.config import Settings
from jts.live.node import LiveNode, NodeOptions
from jts.live.runner import Node

__all__ = ["build_node"]


def build_node(settings: Settings, options: NodeOptions) -> Node:
    if options.role == "strategy":
        from jts.live.strategy_role import StrategyNode  # noqa: PLC0415 - only this role's

        return StrategyNode(settings, options)
    if options.role == "market-data":
        from jts.live.market_data_role import MarketDataNode  # noqa: PLC0415

        return MarketDataNode(settings, options)
    return LiveNode(settings, options)  # all, execution
