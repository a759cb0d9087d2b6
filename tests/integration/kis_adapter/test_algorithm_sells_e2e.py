"""TWAP, VWAP, iceberg and POV selling a held position in the live kernel against the KIS
simulator.

Each test first buys a holding for the rig's holder strategy (positions are per strategy, so
the sell runs under the holder: `Rig.run(..., owned=True)`), then sells part of it with one
algorithm, and proves:

- the parent filled exactly its quantity, children on the day's grid and inside the daily
  limits (a sell asked below the lower limit is clipped up to it, never down);
- the position ends at what was held less what was sold, in the kernel and at the venue;
- every sell fill paid commission and the securities transaction tax, exactly as the venue
  booked them, and the kernel's cash equals the venue's to the won;
- a sell larger than the position, with shorting off, is denied child by child by the risk
  engine (``no_short``) once the children would take the position below zero: the venue never
  sees an order for shares the account does not hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from fractions import Fraction

import pytest

from jts.adapters.kis.node import KisNode
from jts.adapters.kis.simulator import KisSimulator
from jts.core.time import KST, NANOS_PER_SECOND, ns_to_dt
from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.events_order import OrderFilled
from jts.domain.values import Price
from jts.kernel.execution.algorithms import (
    POV,
    TWAP,
    VWAP,
    AlgorithmStatus,
    DenialPolicy,
    EndAction,
    ExecAlgorithm,
    Iceberg,
    VolumeCurve,
)
from jts.kernel.risk.limits import RiskLimits
from tests.integration.kis_adapter.algo_rig import (
    SYMBOL,
    Rig,
    check_books,
    check_prices,
    check_progress,
    check_risk,
    finish,
    rigs,
)
from tests.integration.kis_adapter.conftest import eventually

SELL = OrderSide.SELL


@pytest.fixture
async def start_rig(
    start_sim: Callable[..., Awaitable[KisSimulator]], node_factory: Callable[..., KisNode]
) -> AsyncIterator[Callable[..., Awaitable[Rig]]]:
    async with rigs(start_sim, node_factory) as start:
        yield start


def check_sold(rig: Rig, algorithm: ExecAlgorithm) -> None:
    """Every sell fill of the children booked a commission and the sell tax, the ones the
    venue charged; together they are what the venue's cash lost to costs."""
    fills = [
        event
        for child in algorithm.child_orders()
        for event in child.events
        if isinstance(event, OrderFilled)
    ]
    assert fills, "nothing was sold"
    assert all(f.order_side is SELL for f in fills)
    assert all(f.commission.as_decimal() > 0 and f.tax.as_decimal() > 0 for f in fills)
    venue = [f for f in rig.sim.ctx.state.fills if f.side == "01"]  # 01: sell
    assert sum(f.tax.as_decimal() for f in fills) == sum(f.tax for f in venue) > 0
    assert sum(f.commission.as_decimal() for f in fills) == sum(f.commission for f in venue)


def _lower(rig: Rig) -> int:
    return rig.sim.ctx.market.state(SYMBOL).lower


# ---- TWAP ---------------------------------------------------------------------------------------
async def test_twap_sells_part_of_a_holding_exactly_with_children_clipped_to_the_lower_limit(
    start_rig,
):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(30)))
    await rig.hold(30)
    now = rig.kernel.clock.timestamp_ns()
    # ten thousand ticks below the market is far beyond the lower limit: every child asks the
    # limit itself, which the venue accepts and fills at its best bid
    twap = TWAP(
        "005930.KRX",
        SELL,
        17,
        None,
        now + 3 * NANOS_PER_SECOND,
        slices=6,
        limit_offset_ticks=-10_000,
    )
    log = rig.run(twap, owned=True)
    await finish(rig, twap)
    assert twap.status is AlgorithmStatus.FILLED
    assert twap.progress().filled_qty.as_decimal() == 17
    children = twap.child_orders()
    assert [int(c.quantity.as_decimal()) for c in children] == [2, 3, 3, 3, 3, 3]
    assert {c.side for c in children} == {SELL}
    assert {c.price for c in children} == {Price(_lower(rig))}
    check_prices(rig, twap)
    check_risk(rig, twap, others=1)
    check_books(rig, twap, held_before=30)
    assert rig.held_at_venue() == 13
    check_sold(rig, twap)
    check_progress(rig, log, AlgorithmStatus.FILLED)


# ---- VWAP ---------------------------------------------------------------------------------------
def _curve(now_ns: int, weights: list[int]) -> VolumeCurve:
    """A curve in one-second buckets whose session opens at the whole second before now."""
    opens = ns_to_dt(now_ns, KST).replace(microsecond=0, tzinfo=None)
    closes = opens + dt.timedelta(seconds=len(weights))
    return VolumeCurve(
        tuple(Fraction(w) for w in weights), NANOS_PER_SECOND, opens.time(), closes.time()
    )


async def test_vwap_sells_part_of_a_holding_exactly(start_rig):
    rig = await start_rig()
    await rig.hold(25)
    now = rig.kernel.clock.timestamp_ns()
    # limits two ticks below the last price, crossing the spread; what is left at the end is
    # swept at market
    vwap = VWAP(
        "005930.KRX",
        SELL,
        20,
        None,
        now + 4 * NANOS_PER_SECOND,
        curve=_curve(now, [1, 1, 6, 1, 1, 1, 1, 1]),
        limit_offset_ticks=-2,
        at_end=EndAction.SWEEP,
    )
    log = rig.run(vwap, owned=True)
    assert sum(vwap.slice_quantities()) == 20
    await finish(rig, vwap)
    assert vwap.status is AlgorithmStatus.FILLED
    assert vwap.progress().filled_qty.as_decimal() == 20
    assert {c.side for c in vwap.child_orders()} == {SELL}
    check_prices(rig, vwap)
    check_risk(rig, vwap, others=1)
    check_books(rig, vwap, held_before=25)
    assert rig.held_at_venue() == 5
    check_sold(rig, vwap)
    check_progress(rig, log, AlgorithmStatus.FILLED)


# ---- iceberg ------------------------------------------------------------------------------------
async def test_iceberg_sells_a_slice_at_a_time_rounded_up_and_clipped_to_the_lower_limit(
    start_rig,
):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(20)))
    await rig.hold(20)
    lower = _lower(rig)
    # off the grid and below the lower limit: rounded up to the grid (the passive side for a
    # sell), then clipped up to the limit
    iceberg = Iceberg("005930.KRX", SELL, 12, lower - 4_050, 5)
    log = rig.run(iceberg, owned=True)
    await finish(rig, iceberg)
    assert iceberg.status is AlgorithmStatus.FILLED
    children = iceberg.child_orders()
    assert [int(c.quantity.as_decimal()) for c in children] == [5, 5, 2]
    assert {c.price for c in children} == {Price(lower)}
    check_prices(rig, iceberg)
    check_risk(rig, iceberg, others=1)
    check_books(rig, iceberg, held_before=20)
    assert rig.held_at_venue() == 8
    check_sold(rig, iceberg)
    check_progress(rig, log, AlgorithmStatus.FILLED)


# ---- POV ----------------------------------------------------------------------------------------
async def test_pov_sells_its_share_of_the_tape_from_a_holding(start_rig):
    # no random walk: the test prints the tape itself, so the targets are exact
    rig = await start_rig(tick_s=3600, watch=False)
    await rig.hold(15)
    pov = POV("005930.KRX", SELL, 10, "0.1")
    log = rig.run(pov, owned=True)
    await rig.feed.drain()
    await rig.print_at_market(50)  # target 5: a market child of 5 (its fill prints 5 more)
    await eventually(lambda: pov.progress().filled_qty.as_decimal() == 5)
    await rig.print_at_market(45)  # volume 100: the last 5, after the throttle's interval
    await finish(rig, pov)
    assert pov.status is AlgorithmStatus.FILLED
    assert [int(c.quantity.as_decimal()) for c in pov.child_orders()] == [5, 5]
    assert pov.volume >= 100
    check_risk(rig, pov, others=1)
    check_books(rig, pov, held_before=15)
    assert rig.held_at_venue() == 5
    check_sold(rig, pov)
    check_progress(rig, log, AlgorithmStatus.FILLED)


# ---- more than is held --------------------------------------------------------------------------
async def test_a_sell_larger_than_the_position_is_denied_by_the_risk_engine(start_rig):
    """Shorting is off (the default): 8 sold from 5 held in slices of 2. The first two slices
    sell 4; the third would leave -1 (position less what open sells may still take) and the
    risk engine denies it, and the fourth; the venue never sees them."""
    rig = await start_rig()
    await rig.hold(5)
    now = rig.kernel.clock.timestamp_ns()
    twap = TWAP(
        "005930.KRX",
        SELL,
        8,
        None,
        now + 2 * NANOS_PER_SECOND,
        slices=4,
        on_denied=DenialPolicy.SKIP,
    )
    log = rig.run(twap, owned=True)
    await finish(rig, twap)
    progress = twap.progress()
    assert progress.status is AlgorithmStatus.ENDED
    assert (progress.filled_qty.as_decimal(), progress.skipped_qty.as_decimal()) == (4, 4)
    assert (progress.children_denied, progress.children_rejected) == (2, 0)
    statuses = [c.status for c in twap.child_orders()]
    assert statuses == [OrderStatus.FILLED] * 2 + [OrderStatus.DENIED] * 2
    check_risk(rig, twap, rule="no_short", others=1)
    check_books(rig, twap, held_before=5)
    assert rig.held_at_venue() == 1
    check_sold(rig, twap)
    check_progress(rig, log, AlgorithmStatus.ENDED)
