"""The day's base price in a running node: taken from the venue's quote at start, so the risk
engine's KRX daily price limits (±30 %) hold in ``jts up`` from the first order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from jts.cli.up import bring_up
from jts.config import load_config
from jts.core.time import kst_date
from jts.domain.enums import OrderStatus
from jts.domain.events_order import OrderDenied
from jts.domain.identifiers import InstrumentId
from jts.domain.messages import Message
from jts.domain.values import Price
from jts.live.node import LiveNode, NodeOptions

pytestmark = pytest.mark.slow

IID = InstrumentId("005930.KRX")

LISTENER = '''
from jts.kernel.strategy import Strategy, StrategyParams


class Listener(Strategy):
    """Hears the instrument's trades; the test sends its orders."""

    class Params(StrategyParams):
        instrument: str = "005930.KRX"

    def on_start(self) -> None:
        self.subscribe_trade_ticks(self.params.instrument)
'''


async def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


async def test_a_limit_beyond_the_daily_upper_limit_is_denied_by_the_risk_engine(
    tmp_path: Path,
) -> None:
    config = tmp_path / "jts.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    settings = load_config(config).settings
    bring_up(settings)
    strategy_file = tmp_path / "listener.py"
    strategy_file.write_text(LISTENER, encoding="utf-8")
    options = NodeOptions(
        strategy=str(strategy_file),
        params={"instrument": str(IID)},
        tick_interval_s=0.05,
        state_save_s=60.0,
    )
    node = LiveNode(settings, options)
    seen: list[Message] = []
    node.bus.subscribe("events.**", seen.append)
    await node.start()
    try:
        kernel = node.kernel
        assert kernel is not None
        assert node.simulator is not None
        # the venue's base price, not the kernel's guess: no day has rolled in this node
        venue_base = Price(node.simulator.ctx.market.state(IID.symbol).base)
        assert kernel.risk.base_price(IID) == venue_base
        await wait_for(lambda: kernel.cache.last_price(IID) is not None, 20, "a first trade")

        instrument = kernel.cache.instrument(IID)
        today = kst_date(time.time_ns())
        limits = instrument.daily_limits(venue_base, today)
        beyond = limits.upper + instrument.tick_scheme(today).tick_at(limits.upper)
        strategy = kernel.strategies[0]
        too_high = strategy.buy(IID, 1, beyond)
        at_floor = strategy.buy(IID, 1, limits.lower)  # inside the limits: goes to the venue
        assert too_high is not None
        assert at_floor is not None
        await wait_for(
            lambda: kernel.cache.order(at_floor).status is OrderStatus.ACCEPTED,
            10,
            "the order at the lower limit to be accepted",
        )
        assert kernel.cache.order(too_high).status is OrderStatus.DENIED
        denied = [m for m in seen if isinstance(m, OrderDenied)]
        assert [d.client_order_id for d in denied] == [too_high]
        reason = denied[0].reason
        assert reason.startswith("price: ")
        assert "above the upper limit" in reason
        assert f"{limits.upper.as_decimal():,}" in reason
    finally:
        await node.stop(grace_s=2.0)
