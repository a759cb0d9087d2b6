"""`equity_curve` equals the row-by-row definition (what the compiled loop used to write after
each row: cash plus every position at its instrument's last close), overflows included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.dsl.vector.equity import equity_curve

LIMIT = 1 << 62
#: whether the drawn runs had an overflow: the test below checks both kinds were drawn
assume_seen: set[bool] = set()


def _reference(
    cash: int,
    row_inst: list[int],
    close: list[int],
    n_inst: int,
    fills: list[tuple[int, int, int, int, int, int]],
) -> tuple[list[int], int]:
    """Row by row with Python ints, as `jts.dsl.vector.kernels._equity` did after each row."""
    position = [0] * n_inst
    last = [0] * n_inst
    curve: list[int] = []
    first_bad = -1
    at = 0
    for r, (k, price) in enumerate(zip(row_inst, close, strict=True)):
        last[k] = price
        while at < len(fills) and fills[at][0] == r:
            _, side, qty, px, comm, tax = fills[at]
            value = px * qty
            cash += value - comm - tax if side < 0 else -(value + comm)
            position[row_inst[r]] += side * qty
            at += 1
        total = cash
        bad = False
        for i in range(n_inst):
            mark = abs(position[i]) * last[i]
            if position[i] and mark > LIMIT:
                bad = True
                continue
            total += mark if position[i] > 0 else -mark
        wrapped = (total + (1 << 63)) % (1 << 64) - (1 << 63)  # int64, as compiled code adds
        if (bad or wrapped < -LIMIT) and first_bad < 0:
            first_bad = r
        curve.append(wrapped)
    return curve, first_bad


@st.composite
def runs(draw: st.DrawFn) -> tuple[int, list[int], list[int], int, list[tuple[int, ...]]]:
    """Rows of up to three instruments and fills the loop could have booked: each fill's
    value and the cash after it below 2**62 (the loop stops a run otherwise); with large
    prices and sizes, a mark can pass 2**62."""
    n_inst = draw(st.integers(1, 3))
    n = draw(st.integers(1, 40))
    big = draw(st.booleans())
    price = st.integers(1 << 20, 1 << 32) if big else st.integers(1, 200_000)
    # a later close far above the fills' prices marks a position past 2**62
    marks = st.integers(1 << 30, 1 << 40) if big else price
    row_inst = draw(st.lists(st.integers(0, n_inst - 1), min_size=n, max_size=n))
    close = draw(st.lists(marks, min_size=n, max_size=n))
    cash = draw(st.integers(1, 1 << 61))
    fills: list[tuple[int, ...]] = []
    balance = cash
    for r in sorted(draw(st.lists(st.integers(0, n - 1), max_size=12))):
        side = draw(st.sampled_from([1, -1]))
        qty = draw(st.integers(1 << 26, 1 << 28) if big else st.integers(1, 500))
        px = draw(price)
        commission = draw(st.integers(0, 99))
        value = px * qty
        after = balance + (value - commission if side < 0 else -(value + commission))
        if abs(after) >= LIMIT:
            continue  # the loop would have stopped here
        balance = after
        fills.append((r, side, qty, px, commission, 0))
    return cash, row_inst, close, n_inst, fills


@settings(max_examples=300, deadline=None)
@given(run=runs())
def test_the_curve_and_its_first_overflow_are_the_row_by_row_ones(
    run: tuple[int, list[int], list[int], int, list[tuple[int, ...]]],
) -> None:
    cash, row_inst, close, n_inst, fills = run
    columns = np.array(fills, dtype=np.int64).reshape(-1, 6).T
    curve, first_bad = equity_curve(
        cash=cash,
        row_inst=np.array(row_inst, dtype=np.int32),
        close=np.array(close, dtype=np.int64),
        n_inst=n_inst,
        fill_row=columns[0],
        fill_side=columns[1],
        fill_qty=columns[2],
        fill_px=columns[3],
        fill_commission=columns[4],
        fill_tax=columns[5],
    )
    expected, expected_bad = _reference(cash, row_inst, close, n_inst, [tuple(f) for f in fills])
    assert first_bad == expected_bad
    assume_seen.add(expected_bad >= 0)
    end = len(close) if first_bad < 0 else first_bad  # past an overflow the run has stopped
    assert curve.tolist()[:end] == expected[:end]


def test_the_runs_above_reach_the_overflows() -> None:
    """Both outcomes occur among the drawn runs (else the check above proves little)."""
    assert assume_seen == {True, False}


def test_no_fills_is_the_cash_throughout() -> None:
    empty = np.zeros(0, dtype=np.int64)
    curve, first_bad = equity_curve(
        cash=5,
        row_inst=np.zeros(3, dtype=np.int32),
        close=np.array([7, 8, 9], dtype=np.int64),
        n_inst=1,
        fill_row=empty,
        fill_side=empty,
        fill_qty=empty,
        fill_px=empty,
        fill_commission=empty,
        fill_tax=empty,
    )
    assert curve.tolist() == [5, 5, 5]
    assert first_bad == -1


def test_an_equity_below_minus_two_to_the_62_stops_the_run_there() -> None:
    """A long bought for nearly 2**62 won whose close falls to 1, and a short of another
    instrument: no mark passes 2**62, but the sum does, on the second row."""
    price = LIMIT - 100
    curve, first_bad = equity_curve(
        cash=5,
        row_inst=np.array([0, 1], dtype=np.int32),
        close=np.array([1, 200], dtype=np.int64),
        n_inst=2,
        fill_row=np.array([0, 1], dtype=np.int64),
        fill_side=np.array([1, -1], dtype=np.int64),
        fill_qty=np.array([1, 1], dtype=np.int64),
        fill_px=np.array([price, 1], dtype=np.int64),
        fill_commission=np.zeros(2, dtype=np.int64),
        fill_tax=np.zeros(2, dtype=np.int64),
    )
    assert first_bad == 1
    assert int(curve[0]) == 5 - price + 1
