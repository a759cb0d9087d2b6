"""Iceberg: one slice shown at a time at the limit, replenished when it fills."""

from __future__ import annotations

import pytest

from jts.core.clock import SimulatedClock
from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.core.time import NANOS_PER_SECOND
from jts.domain.enums import OrderSide, OrderType
from jts.domain.values import Price, Quantity
from jts.kernel.execution.algorithms import AlgorithmStatus, DenialPolicy, Iceberg
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from tests.unit.kernel.conftest import SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, build_kernel, sent, start_owner

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_the_shown_part_is_replenished_until_done(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(Iceberg(SAMSUNG, BUY, 35, 70050, 10))
    assert algo.price == Price(70000)  # a buy rounds down onto the 100 tick
    assert sent(venue) == [("10", "70000", T0)]
    first = venue.submitted[0].order.client_order_id
    venue.fill(first, "4", "70000")
    assert len(venue.submitted) == 1  # a partial fill does not replenish
    venue.fill(first, "6", "70000")
    assert sent(venue)[-1] == ("10", "70000", T0)
    venue.fill(venue.submitted[1].order.client_order_id, "10", "70000")
    venue.fill(venue.submitted[2].order.client_order_id, "10", "70000")
    assert [q for q, _, _ in sent(venue)] == ["10", "10", "10", "5"]  # the last shows the rest
    assert algo.status is AlgorithmStatus.RUNNING
    venue.fill(venue.submitted[3].order.client_order_id, "5", "70000")
    progress = algo.progress()
    assert algo.status is AlgorithmStatus.FILLED
    assert (progress.filled_qty, progress.children_sent, progress.children_filled) == (
        Quantity(35),
        4,
        4,
    )
    assert [c.order.order_type for c in venue.submitted] == [OrderType.LIMIT] * 4
    assert kernel.cache.open_order_count() == 0


def test_prices_round_to_the_passive_side_and_stay_inside_the_limits(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    bought = owner.buy(SAMSUNG, 10)
    assert bought is not None
    venue.fill(bought, "10", "70000")
    assert owner.execute(Iceberg(SAMSUNG, SELL, 5, "70050", 5)).price == Price(70100)
    assert owner.execute(Iceberg(SAMSUNG, BUY, 5, "69999.5", 5)).price == Price(69900)
    owner.execute(Iceberg(SAMSUNG, BUY, 5, 95000, 5))  # above the 91,000 upper limit
    assert venue.submitted[-1].order.price == Price(91000)


def test_a_denied_slice_is_retried_after_the_interval(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    kernel = build_kernel(clock, venue, limits=RiskLimits(max_orders_per_second=1))
    owner = start_owner(kernel)
    algo = owner.execute(Iceberg(SAMSUNG, BUY, 20, 70000, 10, retry_interval_ns=NANOS_PER_SECOND))
    venue.fill(venue.submitted[0].order.client_order_id, "10", "70000")
    # the replacement at the same instant breaks the order rate: denied, retried in a second
    progress = algo.progress()
    assert (progress.children_denied, len(venue.submitted)) == (1, 1)
    assert algo.status is AlgorithmStatus.RUNNING
    kernel.advance_time(T0 + NANOS_PER_SECOND)
    assert sent(venue)[-1] == ("10", "70000", T0 + NANOS_PER_SECOND)
    venue.fill(venue.submitted[-1].order.client_order_id, "10", "70000")
    assert algo.status is AlgorithmStatus.FILLED


def test_skip_gives_up_the_denied_slice(clock: SimulatedClock, venue: ScriptedVenue) -> None:
    kernel = build_kernel(clock, venue, limits=RiskLimits(max_orders_per_second=1))
    owner = start_owner(kernel)
    algo = owner.execute(Iceberg(SAMSUNG, BUY, 25, 70000, 10, on_denied=DenialPolicy.SKIP))
    venue.fill(venue.submitted[0].order.client_order_id, "10", "70000")
    kernel.advance_time(T0 + NANOS_PER_SECOND)
    assert sent(venue)[-1] == ("5", "70000", T0 + NANOS_PER_SECOND)
    venue.fill(venue.submitted[-1].order.client_order_id, "5", "70000")
    progress = algo.progress()
    assert algo.status is AlgorithmStatus.ENDED
    assert (progress.filled_qty, progress.skipped_qty, progress.remaining_qty) == (
        Quantity(15),
        Quantity(10),
        Quantity(10),
    )


def test_the_end_of_the_window_takes_the_shown_part_down(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(Iceberg(SAMSUNG, BUY, 30, 69000, 10, end_ns=T0 + 30 * MINUTE))
    venue.fill(venue.submitted[0].order.client_order_id, "10", "69000")
    venue.fill(venue.submitted[1].order.client_order_id, "3", "69000")
    kernel.advance_time(T0 + 30 * MINUTE)
    assert algo.status is AlgorithmStatus.ENDED
    assert [c.client_order_id for c in venue.canceled] == [venue.submitted[1].order.client_order_id]
    assert algo.progress().remaining_qty == Quantity(17)


def test_cancel_takes_the_shown_part_down(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(Iceberg(SAMSUNG, BUY, 30, 69000, 10))
    algo.cancel()
    assert algo.status is AlgorithmStatus.CANCELED
    assert len(venue.canceled) == 1
    assert kernel.cache.open_order_count() == 0


def test_bad_iceberg_terms_are_refused(kernel: Kernel, owner: Owner) -> None:
    with pytest.raises(InvalidQuantityError, match=r"display_qty: .* must be positive"):
        owner.execute(Iceberg(SAMSUNG, BUY, 30, 69000, 0))
    with pytest.raises(InvalidInputError, match="price must be positive"):
        Iceberg(SAMSUNG, BUY, 30, 0, 10)
    with pytest.raises(InvalidInputError, match="iceberg price must be"):
        Iceberg(SAMSUNG, BUY, 30, 69000.0, 10)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="retry_interval_ns"):
        Iceberg(SAMSUNG, BUY, 30, 69000, 10, retry_interval_ns=0)
    with pytest.raises(InvalidPriceError, match="no valid price 1 tick"):
        owner.execute(Iceberg(SAMSUNG, BUY, 30, "0.5", 10))
    assert kernel.algorithms.active() == []
