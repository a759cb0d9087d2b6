"""A live node trading two KIS accounts of the embedded simulator: orders follow ``[routing]``,
the routed account's ``[risk.accounts.*]`` limits apply, positions and cash are kept per
account and equal the simulator's books account by account, also after a restart."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import msgspec
import pytest

from jts.adapters.kis.simulator import SimulatorConfig
from jts.adapters.kis.simulator import load_config as load_sim_config
from jts.adapters.kis.simulator.config import AccountConfig, AppConfig
from jts.cli.up import bring_up
from jts.config import load_config
from jts.domain.enums import OrderStatus
from jts.domain.identifiers import AccountId, InstrumentId, StrategyId
from jts.domain.values import KRW
from jts.live.node import LiveNode, NodeOptions
from jts.live.venue import DEMO_RATE_PER_S, SIM_CONFIG_FILE, SIM_DIR
from tests.integration.live.test_risk_live import PROBE, wait_for

pytestmark = pytest.mark.slow

IID = InstrumentId("005930.KRX")
PROBE_ID = StrategyId("Probe-001")


def _two_account_simulator(data_dir: Path) -> None:
    """The embedded simulator's config, written before the first start: two accounts, each
    with an app key of its own (as KIS issues them)."""
    base = SimulatorConfig.generate(
        "paper", rate_limit_per_s=DEMO_RATE_PER_S, market_hours="always"
    )
    first = base.accounts[0]
    second = AccountConfig(cano=first.cano[:7] + str((int(first.cano[7]) + 1) % 10))
    apps = (
        dataclasses.replace(base.apps[0], accounts=(first.key,)),
        AppConfig("PS" + "2" * 34, "s" * 180, accounts=(second.key,)),
    )
    config = dataclasses.replace(base, apps=apps, accounts=(first, second))
    folder = data_dir / SIM_DIR
    folder.mkdir(parents=True)
    (folder / SIM_CONFIG_FILE).write_bytes(msgspec.json.encode(config))


@asynccontextmanager
async def two_account_node(
    tmp_path: Path, quantities: str
) -> AsyncIterator[tuple[LiveNode, AccountId, AccountId]]:
    data_dir = tmp_path / "var"
    if not (data_dir / SIM_DIR).exists():
        _two_account_simulator(data_dir)
    config = load_sim_config(data_dir / SIM_DIR / SIM_CONFIG_FILE)
    one, two = (AccountId(f"KIS-{a.key}") for a in config.accounts)
    toml = tmp_path / "jts.toml"
    toml.write_text(
        f'data_dir = "{data_dir}"\n\n'
        f'[[routing.routes]]\ninstrument = "{IID}"\naccounts = ["{two}"]\n\n'
        f"[risk.accounts.{two}]\nmax_order_qty = 2\n",
        encoding="utf-8",
    )
    settings = load_config(toml).settings
    bring_up(settings)
    strategy = tmp_path / "probe.py"
    strategy.write_text(PROBE, encoding="utf-8")
    params = {"instrument": str(IID), "quantities": quantities}
    options = NodeOptions(
        strategy=str(strategy), params=params, tick_interval_s=0.05, state_save_s=60.0
    )
    node = LiveNode(settings, options)
    await node.start()
    try:
        yield node, one, two
    finally:
        await node.stop(grace_s=2.0)


def _books(node: LiveNode) -> dict[str, tuple[int, int]]:
    """The simulator's (shares of 005930, cash) per account id."""
    assert node.simulator is not None
    return {
        f"KIS-{key}": (
            record.holdings["005930"].qty if "005930" in record.holdings else 0,
            record.cash,
        )
        for key, record in node.simulator.ctx.state.accounts.items()
    }


async def test_two_accounts_routed_limited_and_booked_apart(tmp_path: Path) -> None:
    async with two_account_node(tmp_path, "1,3,2") as (node, one, two):
        kernel = node.kernel
        assert kernel is not None
        assert [c.account_id for c in node.executions] == [one, two]
        await wait_for(
            lambda: sum(o.status is OrderStatus.FILLED for o in kernel.cache.orders()) == 2,
            30,
            "the orders of 1 and 2 to fill",
        )
        orders = {str(o.quantity): o for o in kernel.cache.orders()}
        # the route sends 005930 to the second account, whose own limit is 2 per order
        assert orders["3"].status is OrderStatus.DENIED
        assert "max_order_qty: quantity 3 exceeds the limit 2" in orders["3"].events[-1].reason  # type: ignore[attr-defined]
        assert {orders["1"].account_id, orders["2"].account_id} == {two}
        portfolio = kernel.portfolio
        assert portfolio.position_qty(IID, PROBE_ID, two) == 3
        assert portfolio.position_qty(IID, PROBE_ID, one) == 0
        books = _books(node)
        assert books[str(two)][0] == 3
        assert books[str(one)][0] == 0
        cash = {a.account_id: a.total(KRW).as_decimal() for a in portfolio.accounts()}
        assert cash == {AccountId(k): v[1] for k, v in books.items()}
        (plan_one, plan_two) = await node.reconcile()
        assert node.recovery.position_differences == 0
        assert plan_one.external == plan_two.external == []
        positions = node._handlers().positions()
        assert [(p["account_id"], p["quantity"]) for p in positions] == [(str(two), "3")]
    # a restart rebuilds both accounts from the journal and meets the same books
    async with two_account_node(tmp_path, "") as (node, one, two):
        kernel = node.kernel
        assert kernel is not None
        assert node.recovery.position_differences == 0
        assert node.recovery.external_orders == 0
        assert kernel.portfolio.position_qty(IID, PROBE_ID, two) == 3
        books = _books(node)
        cash = {a.account_id: a.total(KRW).as_decimal() for a in kernel.portfolio.accounts()}
        assert cash == {AccountId(k): v[1] for k, v in books.items()}
