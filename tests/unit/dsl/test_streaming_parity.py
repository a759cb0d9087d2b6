"""Decision-level parity: the streaming compiler decides, bar by bar, exactly what the
vectorised evaluator (`jts.dsl.signals.evaluate`) decides over whole arrays: the entry, exit
and flatten booleans, every ``let`` series and every sizing/stop amount, bit for bit with NaN
in the same places.

Three angles: every example strategy running as a kernel `Strategy` on random sessions (with
default and swept parameters); every indicator of the library, also fed a source with gaps;
and random valid expressions (hypothesis), with and without time rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jts.core.time import KST, NANOS_PER_MINUTE, dt_to_ns
from jts.dsl import ast
from jts.dsl.catalog import Catalog, IndicatorSignature
from jts.dsl.formatter import format_expr
from jts.dsl.load import load_file
from jts.dsl.program import Program
from jts.dsl.signals import BarArrays, evaluate
from jts.dsl.streaming import DslStrategy, compile_strategy
from jts.indicators import default_registry

from . import strategies
from .conftest import SIZE, compile_ok
from .test_streaming_kit import (
    assert_same_decisions,
    desk,
    merge,
    random_series,
    stream,
)

EXAMPLES = sorted((Path(__file__).parents[3] / "examples" / "strategies").glob("*.jts"))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sampled_params(program: Program, seed: int) -> dict[str, Decimal]:
    """One value per parameter, drawn from its sweep grid (the default for seed 0)."""
    if seed == 0:
        return {}
    rng = np.random.default_rng(seed)
    chosen: dict[str, Decimal] = {}
    for parameter in program.params:
        grid = parameter.grid()
        chosen[parameter.name] = grid[int(rng.integers(len(grid)))]
    return chosen


def run_example(
    path: Path, params: dict[str, Decimal], seed: int
) -> tuple[DslStrategy, dict[str, BarArrays]]:
    program = load_file(path)
    strategy = compile_strategy(program, params, trace=True)
    minutes = strategy.bar_spec.step
    days = -(-800 * minutes // 390)  # at least 800 bars per instrument
    series = {
        iid: random_series(bar_type, days=days, minutes=minutes, seed=seed + k)
        for k, (iid, bar_type) in enumerate(strategy.bar_types.items())
    }
    d = desk()
    d.kernel.add_strategy(strategy)
    d.kernel.start()
    d.feed(merge(*series.values()))
    return strategy, {str(iid): s.arrays for iid, s in series.items()}


# ------------------------------------------------------------------------------------ examples


@pytest.mark.parametrize("seed", [0, 11, 12])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_decides_like_the_vectorised_evaluator(path: Path, seed: int) -> None:
    program = load_file(path)
    params = sampled_params(program, seed)
    strategy, arrays = run_example(path, params, seed)
    traded = 0
    for iid, data in arrays.items():
        signals = evaluate(program, data, params)
        trace = strategy.trace(iid)
        assert_same_decisions(trace, signals)
        traded += int(signals.enter_long.sum() + signals.enter_short.sum())
    if seed == 0:  # swept values may be quiet on some data; the defaults must not be
        assert traded, f"{path.name} never signalled an entry: the comparison would be weak"
        assert strategy.signals, "entries and exits emit signals"


# ---------------------------------------------------------------------------------- indicators


def call_text(signature: IndicatorSignature, source: str) -> str:
    """A call of the indicator with default settings reading ``source`` where it takes a
    series (``open`` as the second series of a two-series indicator)."""
    slots = signature.input_slots
    if slots == ("source",):
        return f"{signature.name}({source})"
    args = [source if k == 0 else "open" for k in range(len(slots))]
    return f"{signature.name}({', '.join(args)})"


@pytest.mark.parametrize("name", sorted(default_registry().names()))
def test_every_indicator_streams_like_its_vectorised_form(name: str, catalog: Catalog) -> None:
    signature = catalog.lookup(name)
    assert signature is not None
    # a plain source, and one with gaps: close - open is 0 on flat bars, so the ratio is unknown
    sources = ["close", "close / (close - open)"]
    lets = "".join(f"let x{k} = {call_text(signature, src)}\n" for k, src in enumerate(sources))
    uses = " or ".join(
        f"x{k}{'.' + signature.outputs[0] if signature.multi_output else ''} "
        f"{'' if signature.output_kind == 'bool' else '> close'}"
        for k in range(len(sources))
    )
    program = compile_ok(lets + f"enter long when {uses}\n" + SIZE, catalog)
    data = random_series("005930.KRX-1-MINUTE-LAST-EXTERNAL", days=2, seed=31).arrays
    signals = evaluate(program, data)
    assert_same_decisions(stream(program, data), signals)
    assert any(np.isfinite(a).any() for a in signals.series.values()), "never warmed up"


# ------------------------------------------------------------------------ random expressions


@st.composite
def bar_arrays(draw: st.DrawFn, *, stamped: bool = False) -> BarArrays:
    """Short random bars; with ``stamped``, close times around a KRX session over two days
    (some before 09:00, some after 15:30, never two at the same instant)."""
    length = draw(st.integers(min_value=0, max_value=40))
    closes = draw(
        st.lists(st.integers(min_value=95, max_value=105), min_size=length, max_size=length)
    )
    close = np.asarray(closes, dtype=np.float64)
    spread = np.asarray(
        draw(st.lists(st.integers(0, 3), min_size=length, max_size=length)), dtype=np.float64
    )
    volume = np.asarray(
        draw(st.lists(st.integers(0, 5), min_size=length, max_size=length)), dtype=np.float64
    )
    ts = None
    if stamped:
        gaps = draw(st.lists(st.integers(1, 90), min_size=length, max_size=length))
        start = dt_to_ns(dt.datetime(2024, 3, 4, 8, 40, tzinfo=KST))
        minutes = np.cumsum(gaps)
        minutes = minutes + (minutes > 420) * (24 * 60 - 420)  # jump to the next morning
        ts = start + minutes.astype(np.int64) * NANOS_PER_MINUTE
    return BarArrays.of(
        open=np.roll(close, 1) if length else close,
        high=close + spread,
        low=close - spread,
        close=close,
        volume=volume,
        ts=ts,
    )


@given(
    number=strategies.numbers(),
    condition=strategies.conditions(),
    data=bar_arrays(),
    p=st.integers(0, 3),
)
@SETTINGS
def test_random_expressions_stream_like_the_vectorised_evaluator(
    number: ast.Expr, condition: ast.Expr, data: BarArrays, p: int, catalog: Catalog
) -> None:
    source = (
        strategies.PARAMS
        + f"let x = {format_expr(number)}\n"
        + f"let c = {format_expr(condition)}\n"
        + "let y = (x + close)[p] + (x * open)[2] - min(x, close, low[1])\n"
        + "enter long when c\nexit long when x > close\n"
        + "enter short when x crosses below y or not (c or close > open)[1]\n"
        + "exit short when y crosses above 100\n"
        + "size risk 1% of equity per x - y\n"
        + "stop loss abs(x)\n"
    )
    program = compile_ok(source, catalog)
    assert_same_decisions(stream(program, data, {"p": p}), evaluate(program, data, {"p": p}))


@given(condition=strategies.conditions(2), data=bar_arrays(stamped=True), p=st.integers(0, 3))
@SETTINGS
def test_time_rules_and_windows_stream_like_the_vectorised_evaluator(
    condition: ast.Expr, data: BarArrays, p: int, catalog: Catalog
) -> None:
    source = (
        strategies.PARAMS
        + "bars 1 minute\n"
        + "let top = high_between(09:00, 09:30)\n"
        + "let bottom = low_between(09:10, 10:00)\n"
        + "let fair = vwap()\n"
        + f"let c = {format_expr(condition)}\n"
        + "enter long when c or close crosses above top\n"
        + "enter short when close crosses below bottom and close < fair\n"
        + "exit long when close < fair[p]\n"
        + "exit short when c\n"
        + "no entries before 09:15\nno entries after 14:30\nflatten at 15:15\n"
        + SIZE
    )
    program = compile_ok(source, catalog)
    assert_same_decisions(stream(program, data, {"p": p}), evaluate(program, data, {"p": p}))


def test_a_program_that_reads_every_kind_of_node(catalog: Catalog) -> None:
    """One hand-written program touching each node kind once, on a longer series."""
    source = (
        "param n = 3 in 1..5\nparam w = 2.5 in 1.0..3.0 step 0.5\n"
        "let k = 2 * n - 1\n"  # a constant let
        "let always = true\n"
        "let m = macd(close, n + 2, n * 4)\n"  # a bundle let, settings from arithmetic
        "let spread = m.macd - m.signal\n"
        "let gap = (close - open) / (high - low)\n"  # unknown on bars where high == low
        "let smooth = ema(gap, n + 1)\n"  # an indicator of a series with gaps
        "let band = bbands(close, 20, nbdev_up=w).upper[n]\n"
        "let up = cross_over(close, sma(close, 5))\n"  # a boolean indicator
        "let either = up or not (spread > 0) and always\n"
        "let extreme = max(abs(spread), -smooth, 0.5) - min(gap, 1 / 0)\n"
        "enter long when either and close > band[1]\n"
        "enter short when spread crosses below 0 or up[2]\n"
        "exit long when smooth crosses below 0\n"
        "exit short when close crosses above k * 1000\n"
        "size 1 shares\n"
    )
    program = compile_ok(source, catalog)
    data = random_series("005930.KRX-1-MINUTE-LAST-EXTERNAL", days=2, seed=9, step=40).arrays
    for params in ({}, {"n": 5, "w": "1.5"}, {"n": 1}):
        signals = evaluate(program, data, params)
        assert_same_decisions(stream(program, data, params), signals)
    assert np.isnan(signals.series["gap"]).any()
    assert not np.isnan(signals.series["gap"]).all()


def test_signed_zeros_come_out_as_numpy_gives_them(catalog: Catalog) -> None:
    """``np.minimum``/``np.maximum`` return the right side on a tie of 0.0 and -0.0; the
    streaming min/max must too, or a later division would flip an infinity's sign."""
    zero, minus = "(close - close)", "-(close - close)"
    source = "".join(
        f"let {name}{k} = {name}({a}, {b})\n"
        for name in ("min", "max")
        for k, (a, b) in enumerate(((zero, minus), (minus, zero)))
    )
    program = compile_ok(source + "enter long when min0 == 0\n" + SIZE, catalog)
    data = random_series("005930.KRX-1-MINUTE-LAST-EXTERNAL", days=1, seed=2).arrays
    signals = evaluate(program, data)
    assert_same_decisions(stream(program, data), signals)
    assert np.signbit(signals.series["min0"]).all()
    assert not np.signbit(signals.series["min1"]).any()
