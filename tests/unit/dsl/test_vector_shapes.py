"""The state machine's shapes (`loop_kernel`): a program compiles only the branches it can
reach, and the branches it prunes change nothing. Run through the fullest shape (stops and a
flatten rule compiled in, orders recorded), a program without them books the same fills and
equity as through its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import jts.dsl.vector.loop as loop_module
from jts.dsl.load import check_source
from jts.dsl.registry import default_catalog
from jts.dsl.vector import VectorResult, backtest_vectorised
from jts.dsl.vector.kernels import SIZE_SHARES, loop_kernel
from tests.parity.support import calendar, instrument_of, synthetic, vector_bars

PROGRAM = """universe 005930.KRX
bars 1 minute
let up = close > close[1]
let down = close < close[1]
enter long when up and up[1]
exit long when down and down[1]
size {size}
"""


def _run(size: str, fill: str, *, record: bool = False) -> VectorResult:
    program = check_source(PROGRAM.format(size=size), default_catalog(), "shapes.jts")
    spec = program.bar_spec
    assert spec is not None
    table = synthetic("005930.KRX", spec, days=3, seed=11)
    bars = vector_bars(table, instrument_of("005930.KRX"))
    return backtest_vectorised(
        program, bars, {}, fill=fill, commission=None, tax=None, calendar=calendar(),
        record=record,
    )  # fmt: skip


def _same(a: VectorResult, b: VectorResult) -> None:
    assert len(a.fill_ts) > 0
    for name in ("fill_ts", "fill_side", "fill_qty", "fill_px", "fill_commission", "fill_tax"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.equity, b.equity)


@pytest.mark.parametrize("size", ["10 shares", "5_000_000 KRW", "20% of equity"])
@pytest.mark.parametrize("fill", ["next-open", "close"])
def test_the_fullest_shape_books_what_the_pruned_one_books(
    size: str, fill: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = _run(size, fill)
    shapes: list[tuple[Any, ...]] = []

    def fullest(
        stops: bool, size_mode: int, close_mode: bool, flatten: bool, record: bool = False
    ) -> Callable[..., tuple[int, int, int]]:
        shapes.append((stops, size_mode, close_mode, flatten, record))
        return loop_kernel(True, size_mode, close_mode, True, record)

    monkeypatch.setattr(loop_module, "loop_kernel", fullest)
    _same(_run(size, fill), own)
    assert shapes  # it would have pruned the stops and the flatten rule
    assert (shapes[0][0], shapes[0][3]) == (False, False)


def test_recording_changes_no_fill() -> None:
    plain, recorded = _run("10 shares", "next-open"), _run("10 shares", "next-open", record=True)
    _same(recorded, plain)
    assert plain.log is None
    assert recorded.log is not None
    assert recorded.log.fill_order.tolist() == list(range(1, len(recorded.fill_ts) + 1))


def test_an_unknown_sizing_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="sizing mode"):
        loop_kernel(False, SIZE_SHARES + 10, False, False)
