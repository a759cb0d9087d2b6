"""A constant `let` can size a period or a look-back (it used to pass the checker and then fail
at run time, because the constant was not folded through the let)."""

from __future__ import annotations

import numpy as np

from jts.dsl import check_source
from jts.dsl.signals import BarArrays, evaluate

SOURCE = """
param fast = 5 in 2..50
universe 005930.KRX
bars 1 minute
let k = 3
let n = fast * 2
let a = ema(close, k)
let b = ema(close, n)
let c = close[k]
enter long when a crosses above b
exit long when close < c
size 1 shares
"""

SAME = SOURCE.replace("ema(close, k)", "ema(close, 3)").replace(
    "ema(close, n)", "ema(close, fast * 2)"
)
SAME = SAME.replace("close[k]", "close[3]")


def _bars(n: int = 300) -> BarArrays:
    rng = np.random.default_rng(5)
    close = 70_000 + np.cumsum(rng.integers(-3, 4, n)) * 100.0
    ts = (np.arange(n, dtype=np.int64) + 1) * 60_000_000_000 + 1_709_510_400_000_000_000
    return BarArrays.of(open=close, high=close + 100, low=close - 100, close=close,
                        volume=np.full(n, 1000.0), ts=ts)  # fmt: skip


def test_constant_lets_fold_into_periods_and_lookbacks() -> None:
    program = check_source(SOURCE)
    reference = check_source(SAME)
    bars = _bars()
    got = evaluate(program, bars, {"fast": 5})
    want = evaluate(reference, bars, {"fast": 5})
    np.testing.assert_array_equal(got.enter_long, want.enter_long)
    np.testing.assert_array_equal(got.exit_long, want.exit_long)
    np.testing.assert_array_equal(got.series["a"], want.series["a"])
    assert got.enter_long.any()
