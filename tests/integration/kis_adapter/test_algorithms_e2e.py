"""TWAP, VWAP, iceberg and POV in the live kernel against the KIS simulator.

Each test runs one algorithm on a `LiveKernel` (the kernel `jts up` runs, on a live clock)
whose execution and market-data clients are the KIS adapter pointed at an in-process simulator
that prints every 50 ms (the rig and the checks: `algo_rig`; sells: `test_algorithm_sells_e2e`).
Algorithm by algorithm, the tests prove (for buys):

- every child goes through the risk engine: each child is one risk check, and a child larger
  than ``max_order_qty`` is denied, counted in the progress, and never reaches the venue;
- limit children are on the day's tick grid and inside the daily limits: prices the algorithm
  would have asked beyond the upper limit are clipped to it, and the venue (which refuses
  prices outside its limits) accepted every one;
- a completed parent filled exactly its quantity, and the kernel's position and cash equal the
  simulator's books, venue order by venue order;
- progress is reported, to listeners and on the bus alike, with a filled quantity that never
  goes down;
- cancelling the parent mid-way cancels every working child at the venue (the simulator holds
  no open order afterwards) and what filled stays booked on both sides.

VWAP runs along a given curve in one-second buckets. The adapter does offer the minute chart
(`KisMarketDataClient.request_bars`), but the simulator's chart holds only today's minutes
since it started (none complete in a fresh simulator), and a window of a few seconds lies in
one minute bucket: a curve learned from it would schedule a single slice. Learning a curve from
bars is `VolumeCurve.from_bars`'s unit tests' business.

Where a test needs a fill at a price the random walk would take long to reach, it injects two
prints with no step of the walk between them (the simulator runs on this loop): one through the
resting child, one back where the market was. Two POV tests turn the walk off and print the
whole tape themselves, so that every target is known to the share.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from fractions import Fraction

import pytest

from jts.adapters.kis.node import KisNode
from jts.adapters.kis.simulator import KisSimulator
from jts.core.time import KST, NANOS_PER_SECOND, kst_date, ns_to_dt
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderFilled
from jts.domain.values import Price
from jts.kernel.execution.algorithms import (
    POV,
    TWAP,
    VWAP,
    AlgorithmProgress,
    AlgorithmStatus,
    DenialPolicy,
    EndAction,
    Iceberg,
    VolumeCurve,
)
from jts.kernel.risk.limits import RiskLimits
from tests.integration.kis_adapter.algo_rig import (
    FAR,
    IID,
    SYMBOL,
    TICK,
    Rig,
    cancel_midway,
    check_books,
    check_prices,
    check_progress,
    check_risk,
    finish,
    rigs,
)
from tests.integration.kis_adapter.conftest import eventually

BUY = OrderSide.BUY


@pytest.fixture
async def start_rig(
    start_sim: Callable[..., Awaitable[KisSimulator]], node_factory: Callable[..., KisNode]
) -> AsyncIterator[Callable[..., Awaitable[Rig]]]:
    async with rigs(start_sim, node_factory) as start:
        yield start


# ---- TWAP ---------------------------------------------------------------------------------------
async def test_twap_fills_the_parent_exactly_with_children_clipped_to_the_upper_limit(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(10)))
    now = rig.kernel.clock.timestamp_ns()
    # ten thousand ticks above the market is far beyond the upper limit: every child asks the
    # limit itself, which the venue accepts and fills at its best ask
    twap = TWAP(
        IID, BUY, 17, None, now + 3 * NANOS_PER_SECOND, slices=6, limit_offset_ticks=-10_000
    )
    log = rig.run(twap)
    await finish(rig, twap)
    assert twap.status is AlgorithmStatus.FILLED
    assert twap.progress().filled_qty.as_decimal() == 17
    children = twap.child_orders()
    assert [int(c.quantity.as_decimal()) for c in children] == [2, 3, 3, 3, 3, 3]
    upper = rig.sim.ctx.market.state(SYMBOL).upper
    assert {c.price for c in children} == {Price(upper)}
    sent_at = [c.ts_init for c in children]
    assert all(s >= t for s, t in zip(sent_at, twap.slice_times, strict=True))
    assert sent_at[-1] - sent_at[0] >= 2 * NANOS_PER_SECOND  # spread over the window
    check_prices(rig, twap)
    check_risk(rig, twap)
    check_books(rig, twap)
    check_progress(rig, log, AlgorithmStatus.FILLED)


async def test_twap_cancelled_midway_cancels_its_resting_children_at_the_venue(start_rig):
    rig = await start_rig()
    now = rig.kernel.clock.timestamp_ns()
    twap = TWAP(IID, BUY, 12, None, now + 6 * NANOS_PER_SECOND, slices=6, limit_offset_ticks=FAR)
    log = rig.run(twap)
    await eventually(lambda: bool(rig.open_at_venue()))
    (first,) = twap.child_orders()
    assert first.price is not None
    rig.trade_through(first.price.raw_at(0) - TICK, 1)  # one of its two shares fills
    await eventually(lambda: len({o.client_order_id for o in twap.child_orders()}) >= 2)
    await cancel_midway(rig, twap)
    check_prices(rig, twap)
    check_risk(rig, twap)
    check_books(rig, twap)
    check_progress(rig, log, AlgorithmStatus.CANCELED)


async def test_twap_child_over_the_order_size_limit_is_denied_not_sent(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(2)))
    now = rig.kernel.clock.timestamp_ns()
    # slices of 2, 3, 2, 3: the second and the fourth are over the limit and given up
    end = now + 2 * NANOS_PER_SECOND
    twap = TWAP(IID, BUY, 10, None, end, slices=4, on_denied=DenialPolicy.SKIP)
    log = rig.run(twap)
    await finish(rig, twap)
    progress = twap.progress()
    assert progress.status is AlgorithmStatus.ENDED
    assert (progress.children_denied, progress.skipped_qty.as_decimal()) == (2, 6)
    assert progress.filled_qty.as_decimal() == 4
    assert "denied" not in progress.reason  # it went on after the first denial
    assert any(p.children_denied == 1 and p.status is AlgorithmStatus.RUNNING for p in log)
    check_risk(rig, twap, max_qty=2)
    check_books(rig, twap)
    check_progress(rig, log, AlgorithmStatus.ENDED)


# ---- VWAP ---------------------------------------------------------------------------------------
HEAVY = 2  # the bucket of the curve that trades most


def curve_from(now_ns: int, weights: list[int]) -> VolumeCurve:
    """A curve in one-second buckets whose session opens at the whole second before now."""
    opens = ns_to_dt(now_ns, KST).replace(microsecond=0, tzinfo=None)
    closes = opens + dt.timedelta(seconds=len(weights))
    return VolumeCurve(
        tuple(Fraction(w) for w in weights), NANOS_PER_SECOND, opens.time(), closes.time()
    )


def heavy_curve(now_ns: int) -> VolumeCurve:
    return curve_from(now_ns, [1, 1, 6, 1, 1, 1, 1, 1])


async def test_vwap_follows_its_curve_and_fills_the_parent_exactly(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(20)))
    now = rig.kernel.clock.timestamp_ns()
    curve = heavy_curve(now)
    # limits two ticks above the last price: a child the market ran away from is re-priced at
    # the next slice, and what is left at the end is swept at market
    vwap = VWAP(
        IID,
        BUY,
        20,
        None,
        now + 4 * NANOS_PER_SECOND,
        curve=curve,
        limit_offset_ticks=-2,
        at_end=EndAction.SWEEP,
    )
    log = rig.run(vwap)
    shares = vwap.slice_quantities()
    assert sum(shares) == 20 * 10**vwap.quantity.precision
    session = curve.session_start_ns(kst_date(now))
    heavy_at = session + HEAVY * NANOS_PER_SECOND
    (heavy,) = [q for t, q in zip(vwap.slice_times, shares, strict=True) if t == heavy_at]
    assert heavy == max(shares)
    assert heavy >= 3 * sorted(shares)[-2]
    await finish(rig, vwap)
    assert vwap.status is AlgorithmStatus.FILLED
    assert vwap.progress().filled_qty.as_decimal() == 20
    children = vwap.child_orders()
    heavy_sent = sum(
        c.quantity.raw for c in children if heavy_at <= c.ts_init < heavy_at + NANOS_PER_SECOND
    )
    assert heavy_sent >= heavy  # the heavy bucket's share went out in its second
    check_prices(rig, vwap)
    check_risk(rig, vwap)
    check_books(rig, vwap)
    check_progress(rig, log, AlgorithmStatus.FILLED)


async def test_vwap_cancelled_midway_cancels_its_resting_children_at_the_venue(start_rig):
    rig = await start_rig()
    now = rig.kernel.clock.timestamp_ns()
    vwap = VWAP(
        IID,
        BUY,
        20,
        None,
        now + 5 * NANOS_PER_SECOND,
        curve=heavy_curve(now),
        limit_offset_ticks=FAR,
    )
    log = rig.run(vwap)
    await eventually(lambda: bool(rig.open_at_venue()))
    first = vwap.child_orders()[0]
    assert first.price is not None
    rig.trade_through(first.price.raw_at(0) - TICK, 1)
    await cancel_midway(rig, vwap)
    check_prices(rig, vwap)
    check_risk(rig, vwap)
    check_books(rig, vwap)
    check_progress(rig, log, AlgorithmStatus.CANCELED)


async def test_vwap_heavy_slice_over_the_order_size_limit_is_denied_not_sent(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(5)))
    now = rig.kernel.clock.timestamp_ns()
    vwap = VWAP(
        IID,
        BUY,
        20,
        None,
        now + 4 * NANOS_PER_SECOND,
        curve=heavy_curve(now),
        on_denied=DenialPolicy.SKIP,
    )
    log = rig.run(vwap)
    shares = vwap.slice_quantities()
    await finish(rig, vwap)
    progress = vwap.progress()
    assert progress.status is AlgorithmStatus.ENDED
    assert progress.children_denied == 1
    assert progress.skipped_qty.raw == max(shares)
    assert progress.filled_qty.raw + progress.skipped_qty.raw == vwap.quantity.raw
    assert any(p.children_denied == 1 and p.status is AlgorithmStatus.RUNNING for p in log)
    check_risk(rig, vwap, max_qty=5)
    check_books(rig, vwap)
    check_progress(rig, log, AlgorithmStatus.ENDED)


# ---- iceberg ------------------------------------------------------------------------------------
async def test_iceberg_shows_a_slice_at_a_time_on_the_grid_within_the_limits(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(5)))
    upper = rig.sim.ctx.market.state(SYMBOL).upper
    # off the grid and above the upper limit: rounded down to the grid, then clipped
    iceberg = Iceberg(IID, BUY, 12, upper + 4_050, 5)
    log = rig.run(iceberg)
    await finish(rig, iceberg)
    assert iceberg.status is AlgorithmStatus.FILLED
    children = iceberg.child_orders()
    assert [int(c.quantity.as_decimal()) for c in children] == [5, 5, 2]
    assert {c.price for c in children} == {Price(upper)}
    # one child at a time: each was sent after the previous one filled
    for before, after in itertools.pairwise(children):
        last_fill = [e for e in before.events if isinstance(e, OrderFilled)][-1]
        assert after.ts_init >= last_fill.ts_init
    check_prices(rig, iceberg)
    check_risk(rig, iceberg)
    check_books(rig, iceberg)
    check_progress(rig, log, AlgorithmStatus.FILLED)


async def test_iceberg_cancelled_midway_cancels_the_shown_child_at_the_venue(start_rig):
    rig = await start_rig()
    price = rig.last() - FAR * TICK
    iceberg = Iceberg(IID, BUY, 10, price, 3)
    log = rig.run(iceberg)
    await eventually(lambda: bool(rig.open_at_venue()))
    rig.trade_through(price - TICK, 3)  # the first child fills; the next one is shown
    await eventually(lambda: len(iceberg.child_orders()) == 2)
    await cancel_midway(rig, iceberg)
    assert iceberg.progress().filled_qty.as_decimal() == 3
    check_prices(rig, iceberg)
    check_risk(rig, iceberg)
    check_books(rig, iceberg)
    check_progress(rig, log, AlgorithmStatus.CANCELED)


async def test_iceberg_child_over_the_order_size_limit_is_denied_not_sent(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(4)))
    upper = rig.sim.ctx.market.state(SYMBOL).upper
    iceberg = Iceberg(
        IID, BUY, 7, upper, 5, on_denied=DenialPolicy.SKIP, retry_interval_ns=NANOS_PER_SECOND // 5
    )
    log = rig.run(iceberg)
    await finish(rig, iceberg)
    progress = iceberg.progress()
    assert progress.status is AlgorithmStatus.ENDED
    assert (progress.children_denied, progress.skipped_qty.as_decimal()) == (1, 5)
    assert progress.filled_qty.as_decimal() == 2
    check_risk(rig, iceberg, max_qty=4)
    check_books(rig, iceberg)
    check_progress(rig, log, AlgorithmStatus.ENDED)


# ---- POV ----------------------------------------------------------------------------------------
async def test_pov_trades_its_share_of_the_tape_and_fills_the_parent_exactly(start_rig):
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(40)), watch=False)
    pov = POV(IID, BUY, 40, "0.01", min_child_qty=5)
    log = rig.run(pov)
    seen_before = len(rig.ticks)
    counted: list[int] = []  # ticks the kernel had when the POV finished

    def on_progress(progress: AlgorithmProgress) -> None:
        if progress.status.is_terminal:
            counted.append(len(rig.ticks))

    pov.add_progress_listener(on_progress)
    assert ("trades", IID) in rig.kernel.feed_subscriptions  # its subscription reached KIS
    await finish(rig, pov)
    assert pov.status is AlgorithmStatus.FILLED
    assert pov.progress().filled_qty.as_decimal() == 40
    sizes = [int(c.quantity.as_decimal()) for c in pov.child_orders()]
    assert sum(sizes) == 40
    assert all(size >= 5 for size in sizes[:-1])
    # the volume it counted is the tape the kernel saw while it ran, our own fills included
    tape = rig.ticks[seen_before : counted[0]]
    assert pov.volume == sum(Fraction(t.size.as_decimal()) for t in tape)
    check_risk(rig, pov)
    check_books(rig, pov)
    check_progress(rig, log, AlgorithmStatus.FILLED)


async def _print(rig: Rig, qty: int) -> None:
    """One print of ``qty`` at the market, and wait until the kernel has seen it."""
    await rig.print_at_market(qty)


async def test_pov_child_over_the_order_size_limit_is_denied_not_sent(start_rig):
    # no random walk: the test prints the tape itself, so the targets are exact
    rig = await start_rig(RiskLimits(max_order_qty=Decimal(4)), tick_s=3600, watch=False)
    pov = POV(IID, BUY, 10, "0.1", on_denied=DenialPolicy.SKIP)
    log = rig.run(pov)
    await rig.feed.drain()
    await _print(rig, 20)  # target 2: one child of 2 (its own fill prints 2 more)
    await eventually(lambda: pov.progress().filled_qty.as_decimal() == 2)
    await _print(rig, 60)  # volume 82, target 8: a child of 6, over the limit
    await eventually(lambda: pov.progress().children_denied == 1)
    assert pov.progress().skipped_qty.as_decimal() == 6
    assert pov.status is AlgorithmStatus.RUNNING
    await _print(rig, 30)  # volume 112: the last 2
    await finish(rig, pov)
    progress = pov.progress()
    assert progress.status is AlgorithmStatus.ENDED
    assert (progress.filled_qty.as_decimal(), progress.skipped_qty.as_decimal()) == (4, 6)
    check_risk(rig, pov, max_qty=4)
    check_books(rig, pov)
    check_progress(rig, log, AlgorithmStatus.ENDED)


async def test_pov_cancelled_midway_cancels_its_resting_children_at_the_venue(start_rig):
    rig = await start_rig(tick_s=3600, watch=False)
    pov = POV(IID, BUY, 20, "0.1", limit_offset_ticks=FAR)
    log = rig.run(pov)
    await rig.feed.drain()
    await _print(rig, 30)  # target 3: a child of 3 rests FAR ticks below
    await eventually(lambda: bool(rig.open_at_venue()))
    (child,) = pov.child_orders()
    assert child.price is not None
    rig.trade_through(child.price.raw_at(0) - TICK, 3)
    await eventually(lambda: pov.progress().filled_qty.as_decimal() == 3)
    await _print(rig, 20)  # the target moves on: a new child rests
    await cancel_midway(rig, pov)
    check_prices(rig, pov)
    check_risk(rig, pov)
    check_books(rig, pov)
    check_progress(rig, log, AlgorithmStatus.CANCELED)
