"""VWAP: slices follow the volume curve, sum to the parent in lots, and trade as TWAP's."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide, OrderType
from jts.kernel.execution.algorithms import VWAP, AlgorithmStatus, VolumeCurve
from jts.kernel.kernel import Kernel
from tests.unit.kernel.conftest import SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, sent

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def curve(*weights: int) -> VolumeCurve:
    """A 30-minute session from 09:00 in 10-minute buckets."""
    return VolumeCurve(
        tuple(Fraction(w) for w in weights),
        10 * MINUTE,
        session_open=dt.time(9, 0),
        session_close=dt.time(9, 30),
    )


def test_slices_are_proportional_to_the_curve(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(VWAP(SAMSUNG, BUY, 60, T0, T0 + 30 * MINUTE, curve=curve(3, 1, 2)))
    assert algo.slice_quantities() == [30, 10, 20]
    assert algo.slice_times == [T0, T0 + 10 * MINUTE, T0 + 20 * MINUTE]
    kernel.advance_time(T0 + 20 * MINUTE)
    assert sent(venue) == [
        ("30", None, T0),
        ("10", None, T0 + 10 * MINUTE),
        ("20", None, T0 + 20 * MINUTE),
    ]


def test_a_window_inside_the_session_weights_the_buckets_it_covers(
    kernel: Kernel, owner: Owner
) -> None:
    algo = owner.execute(
        VWAP(SAMSUNG, BUY, 90, T0 + 5 * MINUTE, T0 + 30 * MINUTE, curve=curve(3, 1, 2))
    )
    # weights 1.5, 1, 2 of 4.5: cumulative 30, 50, 90
    assert algo.slice_quantities() == [30, 20, 40]
    assert algo.slice_times == [T0 + 5 * MINUTE, T0 + 10 * MINUTE, T0 + 20 * MINUTE]


def test_lot_rounding_keeps_the_total_and_drops_empty_buckets(kernel: Kernel, owner: Owner) -> None:
    algo = owner.execute(VWAP(SAMSUNG, BUY, 7, T0, T0 + 30 * MINUTE, curve=curve(1, 0, 1)))
    assert algo.slice_quantities() == [3, 4]  # floor(7 x 1/2), then the rest
    assert algo.slice_times == [T0, T0 + 20 * MINUTE]
    algo = owner.execute(VWAP(SAMSUNG, BUY, 2, T0, T0 + 30 * MINUTE, curve=curve(1, 1, 10)))
    assert algo.slice_quantities() == [2]  # the early buckets' shares round to nothing
    assert algo.slice_times == [T0 + 20 * MINUTE]


def test_without_a_curve_the_session_is_flat(kernel: Kernel, owner: Owner) -> None:
    algo = owner.execute(VWAP(SAMSUNG, BUY, 24, T0, T0 + 60 * MINUTE))
    assert algo.slice_quantities() == [2] * 12
    assert algo.slice_times == [T0 + i * 5 * MINUTE for i in range(12)]


def test_limit_children_and_the_end(kernel: Kernel, owner: Owner, venue: ScriptedVenue) -> None:
    bought = owner.buy(SAMSUNG, 10)
    assert bought is not None
    venue.fill(bought, "10", "70000")
    algo = owner.execute(
        VWAP(SAMSUNG, SELL, 10, T0, T0 + 30 * MINUTE, curve=curve(1, 1, 3), limit_offset_ticks=2)
    )
    child = venue.submitted[-1].order
    assert (child.order_type, str(child.price), str(child.quantity)) == (
        OrderType.LIMIT,
        "70200",
        "2",
    )
    kernel.advance_time(T0 + 30 * MINUTE)
    assert algo.status is AlgorithmStatus.ENDED
    assert str(algo.progress().remaining_qty) == "10"
    assert len(venue.canceled) == 3


def test_a_window_outside_the_session_is_refused(kernel: Kernel, owner: Owner) -> None:
    with pytest.raises(InvalidInputError, match="outside the session"):
        owner.execute(
            VWAP(SAMSUNG, BUY, 5, T0 + 60 * MINUTE, T0 + 90 * MINUTE, curve=curve(1, 1, 1))
        )
    assert kernel.algorithms.active() == []
    with pytest.raises(InvalidInputError, match="must be a VolumeCurve"):
        VWAP(SAMSUNG, BUY, 5, T0, T0 + MINUTE, curve=[1, 2])  # type: ignore[arg-type]
