"""The vectorised evaluator on small hand-computed series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from jts.core.time import KST, dt_to_ns
from jts.dsl.catalog import Catalog, IndicatorSignature
from jts.dsl.errors import DslRuntimeError
from jts.dsl.signals import BarArrays, Signals, evaluate
from jts.indicators import SMA, VWAP, session_ids

from .conftest import SIZE, compile_ok

NAN = np.nan


def bars(close: list[float], **fields: Any) -> BarArrays:
    c = np.asarray(close, dtype=np.float64)
    return BarArrays.of(
        open=fields.get("open", c),
        high=fields.get("high", c + 1),
        low=fields.get("low", c - 1),
        close=c,
        volume=fields.get("volume", np.ones_like(c)),
        ts=fields.get("ts"),
    )


def run(
    source: str, data: BarArrays, catalog: Catalog, params: Mapping[str, object] | None = None
) -> Signals:
    text = source if "enter " in source else source + "enter long when true\n"
    return evaluate(compile_ok(text + SIZE, catalog), data, params)


def same(actual: npt.NDArray[Any], expected: list[float]) -> None:
    np.testing.assert_array_equal(actual, np.asarray(expected, dtype=np.float64))


def kst(day: int, hour: int, minute: int) -> int:
    return dt_to_ns(dt.datetime(2024, 3, day, hour, minute, tzinfo=KST))


def test_lookback_shifts_and_pads_with_unknown(catalog: Catalog) -> None:
    data = bars([1, 2, 3, 4])
    signals = run("let a = close[1]\nlet b = close[0]\nlet c = close[9]\n", data, catalog)
    same(signals.series["a"], [NAN, 1, 2, 3])
    same(signals.series["b"], [1, 2, 3, 4])
    same(signals.series["c"], [NAN] * 4)


def test_arithmetic_is_float_and_division_by_zero_is_unknown(catalog: Catalog) -> None:
    data = bars([1, 2, 4])
    signals = run("let r = close / (close - 2)\nlet s = -close * 2 + 1\n", data, catalog)
    same(signals.series["r"], [-1, NAN, 2])
    same(signals.series["s"], [-1, -3, -7])


def test_a_comparison_with_an_unknown_side_is_unknown(catalog: Catalog) -> None:
    signals = run("let c = close[1] > 1\n", bars([1, 2, 3]), catalog)
    same(signals.series["c"], [NAN, 0, 1])


def test_and_or_not_follow_kleene_logic(catalog: Catalog) -> None:
    # p from volume/open (open 0 -> unknown), q from high/low (low 0 -> unknown)
    unknown_p, false_p, true_p = (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)
    unknown_q, false_q, true_q = (1.0, 0.0), (1.0, 1.0), (2.0, 1.0)
    ps = [unknown_p, false_p, true_p] * 3
    qs = [unknown_q] * 3 + [false_q] * 3 + [true_q] * 3
    data = bars(
        [1.0] * 9,
        volume=[v for v, _ in ps],
        open=[o for _, o in ps],
        high=[h for h, _ in qs],
        low=[lo for _, lo in qs],
    )
    signals = run(
        "let p = volume / open > 0.5\nlet q = high / low > 1.5\n"
        "let a = p and q\nlet o = p or q\nlet n = not p\n",
        data,
        catalog,
    )
    u, f, t = NAN, 0.0, 1.0
    same(signals.series["p"], [u, f, t] * 3)
    same(signals.series["q"], [u, u, u, f, f, f, t, t, t])
    same(signals.series["a"], [u, f, u, f, f, f, u, f, t])
    same(signals.series["o"], [u, u, t, u, f, t, t, t, t])
    same(signals.series["n"], [u, t, f] * 3)


def test_crosses_above_and_below(catalog: Catalog) -> None:
    data = bars([1, 2, 3, 2, 1, 3])
    signals = run(
        "let up = close crosses above 2\nlet down = close crosses below 2\n"
        "let late = close[1] crosses above 2\n",
        data,
        catalog,
    )
    same(signals.series["up"], [NAN, 0, 1, 0, 0, 1])
    same(signals.series["down"], [NAN, 0, 0, 0, 1, 0])
    same(signals.series["late"], [NAN, NAN, 0, 1, 0, 0])


def test_a_touch_then_a_move_is_a_cross(catalog: Catalog) -> None:
    signals = run("let up = close crosses above open\n", bars([1, 2, 3], open=[2, 2, 2]), catalog)
    same(signals.series["up"], [NAN, 0, 1])


def test_indicator_values_and_warm_up(catalog: Catalog) -> None:
    signals = run("let s = sma(close, 3)\n", bars([1, 2, 3, 4, 5]), catalog)
    same(signals.series["s"], [NAN, NAN, 2, 3, 4])


def test_an_indicator_skips_bars_where_its_source_is_unknown(catalog: Catalog) -> None:
    close = [1.0, 2, 3, 4, 5, 6]
    signals = run("let s = sma(close / (close - 3), 2)\n", bars(close), catalog)
    # source: -0.5, -2, unknown, 4, 2.5, 2 -> the SMA sees -0.5, -2, 4, 2.5, 2
    same(signals.series["s"], [NAN, -1.25, NAN, 1.0, 3.25, 2.25])
    streaming = SMA(period=2)
    expected = []
    for value in close:
        source = value / (value - 3) if value != 3 else NAN
        expected.append(NAN if np.isnan(source) else streaming.update(source))
    same(signals.series["s"], expected)


def test_an_indicator_of_an_indicator_starts_when_its_source_does(catalog: Catalog) -> None:
    signals = run("let s = sma(sma(close, 2), 2)\n", bars([1, 3, 5, 7]), catalog)
    same(signals.series["s"], [NAN, NAN, 3, 5])


def test_several_outputs_are_listed_per_output(catalog: Catalog) -> None:
    data = bars([float(x) for x in range(1, 31)])
    signals = run("let bb = bbands(close, 5)\n", data, catalog)
    assert set(signals.series) == {"bb.upper", "bb.middle", "bb.lower"}
    same(signals.series["bb.middle"], [NAN] * 4 + [float(x) for x in range(3, 29)])


def test_bool_indicators_feed_conditions(catalog: Catalog) -> None:
    signals = run("enter long when cross_over(close, 2)\n", bars([1, 2, 3, 1, 3]), catalog)
    assert signals.enter_long.tolist() == [False, False, True, False, True]


def test_session_indicators_get_the_kst_day(catalog: Catalog) -> None:
    ts = np.array([kst(4, 9, 1), kst(4, 9, 2), kst(5, 9, 1), kst(5, 9, 2)], dtype=np.int64)
    close = np.array([10.0, 12, 20, 22])
    data = bars(list(close), ts=ts, volume=[1.0, 3, 1, 1])
    signals = run("let v = vwap()\n", data, catalog)
    expected = VWAP.compute(close + 1, close - 1, close, data.volume, session_ids(ts))
    same(signals.series["v"], list(expected))
    assert signals.series["v"][2] == 20.0  # a new day starts a new average


def test_rules_fire_only_where_true_and_several_rules_are_or_ed(catalog: Catalog) -> None:
    data = bars([1, 5, 2, 6, 3])
    program = compile_ok(
        SIZE
        + "enter long when close > 4\nenter long when close[1] > 5\n"
        + "exit long when close < close[1]\nenter short when close[1] < 0\n",
        catalog,
    )
    signals = evaluate(program, data)
    assert signals.enter_long.tolist() == [False, True, False, True, True]
    assert signals.exit_long.tolist() == [False, False, True, False, True]
    assert signals.enter_short.tolist() == [False] * 5
    assert signals.exit_short.tolist() == [False] * 5


def test_time_rules_use_the_kst_close_time_of_each_bar(catalog: Catalog) -> None:
    times = [(9, 1), (9, 29), (9, 30), (14, 30), (14, 31), (15, 14), (15, 15), (15, 20)]
    ts = np.array([kst(4, h, m) for h, m in times] + [kst(5, 9, 30)], dtype=np.int64)
    data = bars([1.0] * len(ts), ts=ts)
    program = compile_ok(
        SIZE
        + "enter long when true\nexit long when false\nenter short when true\n"
        + "no entries before 09:30\nno entries after 14:30\nflatten at 15:15\n",
        catalog,
    )
    signals = evaluate(program, data)
    allowed = [False, False, True, True, False, False, False, False, True]
    flatten = [False, False, False, False, False, False, True, True, False]
    assert signals.entry_allowed.tolist() == allowed
    assert signals.enter_long.tolist() == allowed
    assert signals.enter_short.tolist() == allowed
    assert signals.flatten.tolist() == flatten
    assert signals.exit_long.tolist() == flatten
    assert signals.exit_short.tolist() == flatten


def test_flatten_alone_also_stops_entries(catalog: Catalog) -> None:
    ts = np.array([kst(4, 15, 0), kst(4, 15, 15)], dtype=np.int64)
    program = compile_ok(SIZE + "enter long when true\nflatten at 15:15\n", catalog)
    signals = evaluate(program, bars([1.0, 1.0], ts=ts))
    assert signals.enter_long.tolist() == [True, False]
    assert signals.flatten.tolist() == [False, True]


def test_high_and_low_between_cover_the_window_from_its_end_each_day(catalog: Catalog) -> None:
    times = [(8, 59), (9, 0), (9, 1), (9, 2), (9, 3), (9, 4)]
    day_one = [kst(4, h, m) for h, m in times]
    day_two = [kst(5, 9, 1), kst(5, 9, 2), kst(5, 9, 5)]
    ts = np.array(day_one + day_two, dtype=np.int64)
    high = [50.0, 40, 11, 13, 12, 99, 7, 8, 9]
    low = [1.0, 2, 5, 4, 6, 0.5, 3, 2, 1]
    data = bars([5.0] * 9, high=high, low=low, ts=ts)
    signals = run(
        "let hi = high_between(09:00, 09:02)\nlet lo = low_between(09:00, 09:02)\n",
        data,
        catalog,
    )
    # window bars close in (09:00, 09:02]: 09:01 and 09:02; known from the 09:02 bar on
    same(signals.series["hi"], [NAN, NAN, NAN, 13, 13, 13, NAN, 8, 8])
    same(signals.series["lo"], [NAN, NAN, NAN, 4, 4, 4, NAN, 2, 2])


def test_a_day_without_bars_in_the_window_has_no_range(catalog: Catalog) -> None:
    ts = np.array([kst(4, 10, 0), kst(4, 10, 1)], dtype=np.int64)
    signals = run("let hi = high_between(09:00, 09:30)\n", bars([1.0, 2.0], ts=ts), catalog)
    same(signals.series["hi"], [NAN, NAN])


def test_parameters_override_defaults(catalog: Catalog) -> None:
    program = compile_ok(
        "param n = 2 in 1..5\nlet s = sma(close, n)\nlet back = close[n]\n"
        + SIZE
        + "enter long when s > 0\n",
        catalog,
    )
    data = bars([2, 4, 6, 8])
    default = evaluate(program, data)
    same(default.series["s"], [NAN, 3, 5, 7])
    same(default.series["back"], [NAN, NAN, 2, 4])
    three = evaluate(program, data, {"n": 3})
    same(three.series["s"], [NAN, NAN, 4, 6])
    same(three.series["back"], [NAN, NAN, NAN, 2])
    assert three.params == {"n": Decimal(3)}
    assert evaluate(program, data, {"n": "4"}).params == {"n": Decimal(4)}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"m": 2}, "unknown parameter 'm'; this strategy's parameters: n"),
        ({"n": 9}, "parameter 'n' = 9 is outside its range 1..5"),
        ({"n": 2.0}, "parameter 'n' takes an int, Decimal or numeric text, got float 2.0"),
        ({"n": Decimal("2.5")}, "parameter 'n' takes whole numbers, got 2.5"),
        ({"n": "two"}, "parameter 'n': 'two' is not a number"),
        ({"n": True}, "parameter 'n' takes an int, Decimal or numeric text, got bool True"),
    ],
)
def test_bad_parameter_values_are_refused(
    params: dict[str, object], message: str, catalog: Catalog
) -> None:
    program = compile_ok(
        "param n = 2 in 1..5\n" + SIZE + "enter long when close > sma(close, n)\n", catalog
    )
    with pytest.raises(DslRuntimeError) as caught:
        evaluate(program, bars([1, 2, 3]), params)
    assert message in str(caught.value)


def test_settings_computed_from_parameters_are_checked_when_known(catalog: Catalog) -> None:
    program = compile_ok(
        "param n = 6 in 1..10\n" + SIZE + "enter long when close > sma(close, n - 5)\n", catalog
    )
    assert evaluate(program, bars([1, 2, 3])).enter_long.tolist() == [False, False, False]
    with pytest.raises(DslRuntimeError) as caught:
        evaluate(program, bars([1, 2, 3]), {"n": 5})
    assert "'period' of 'sma' must be a whole number in 1..100000, got 0 with parameters n=5" in (
        str(caught.value)
    )


def test_cross_setting_rules_of_a_sweep_value_fail_at_run_time(catalog: Catalog) -> None:
    program = compile_ok(
        "param f = 5 in 2..40\n" + SIZE + "enter long when macd(close, f, 26).hist > 0\n",
        catalog,
    )
    with pytest.raises(DslRuntimeError) as caught:
        evaluate(program, bars([1.0] * 40), {"f": 30})
    assert "fast (30) must be below slow (26)" in str(caught.value)


def test_amounts_hold_the_price_expressions_of_sizing_and_stops(catalog: Catalog) -> None:
    program = compile_ok(
        "enter long when true\nsize risk 1% of equity per 2 * (high - low)\n"
        "stop loss high - low\ntake profit 3%\ntrailing stop 0.5 * close\n",
        catalog,
    )
    signals = evaluate(program, bars([10.0, 20.0]))
    assert set(signals.amounts) == {"size_risk_per", "stop_loss", "trailing_stop"}
    same(signals.amounts["size_risk_per"], [4, 4])
    same(signals.amounts["stop_loss"], [2, 2])
    same(signals.amounts["trailing_stop"], [5, 10])


def test_constant_lets_and_conditions_are_full_arrays(catalog: Catalog) -> None:
    signals = run("let k = 2\nlet always = true\n", bars([1, 2, 3]), catalog)
    same(signals.series["k"], [2, 2, 2])
    same(signals.series["always"], [1, 1, 1])


def test_equal_sub_expressions_are_computed_once(catalog: Catalog) -> None:
    calls: list[int] = []

    def counting(*inputs: Any, **params: Any) -> Mapping[str, Any]:
        calls.append(1)
        return {"sma": SMA.compute(*inputs, **params)}

    sma = catalog.lookup("sma")
    assert sma is not None
    counted = IndicatorSignature(
        "csma", sma.inputs, sma.params, ("sma",), counting, sma.output_kind
    )
    local = Catalog({**catalog.signatures, "csma": counted})
    program = compile_ok(
        SIZE
        + "let a = csma(close, 3)\nlet b = csma(close, 3) * 2\n"
        + "enter long when csma(close, 3) > csma(close, 4)\n",
        local,
    )
    evaluate(program, bars([1, 2, 3, 4, 5]))
    assert len(calls) == 2


def test_empty_bars_give_empty_signals(catalog: Catalog) -> None:
    ts = np.array([], dtype=np.int64)
    program = compile_ok(
        SIZE + "let hi = high_between(09:00, 09:30)\n"
        "enter long when close crosses above sma(close, 2)[1]\nflatten at 15:00\n",
        catalog,
    )
    signals = evaluate(program, bars([], ts=ts))
    assert signals.enter_long.shape == (0,)
    assert signals.series["hi"].shape == (0,)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"open": [1.0, 2.0]}, "bar field 'high' has 3 values, 'open' has 2"),
        ({"close": [1.0, np.nan, 2.0]}, "bar field 'close' is not finite at index 1"),
        ({"ts": np.array([3, 2, 4])}, "ts must not decrease; it does at index 1"),
        ({"ts": np.array([1.0, 2.0, 3.0])}, "ts must hold integer nanoseconds"),
        ({"ts": np.array([1, 2])}, "ts has shape (2,), the bars have 3"),
        ({"high": [[1.0, 2.0, 3.0]]}, "bar field 'high' must be 1-D"),
    ],
)
def test_bar_arrays_are_validated(fields: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {
        "open": [1.0, 2.0, 3.0],
        "high": [1.0, 2.0, 3.0],
        "low": [1.0, 2.0, 3.0],
        "close": [1.0, 2.0, 3.0],
        "volume": [1.0, 1.0, 1.0],
    }
    with pytest.raises(DslRuntimeError) as caught:
        BarArrays.of(**{**base, **fields})
    assert message in str(caught.value)


def test_time_rules_need_timestamps(catalog: Catalog) -> None:
    program = compile_ok(SIZE + "enter long when true\nflatten at 15:00\n", catalog)
    with pytest.raises(DslRuntimeError) as caught:
        evaluate(program, bars([1.0]))
    assert "a time rule needs the bar timestamps" in str(caught.value)


def test_a_setting_that_divides_by_a_zero_parameter_fails_at_run_time(catalog: Catalog) -> None:
    program = compile_ok(
        "param d = 1 in 0..2\n"
        + SIZE
        + "enter long when close > bbands(close, 3, nbdev_up=1 / d).upper\n",
        catalog,
    )
    assert evaluate(program, bars([1.0, 2.0, 3.0])).enter_long.tolist() == [False, False, True]
    with pytest.raises(DslRuntimeError) as caught:
        evaluate(program, bars([1.0, 2.0, 3.0]), {"d": 0})
    assert "a constant divides by zero with parameters d=0" in str(caught.value)


def test_series_arithmetic_with_a_zero_parameter_is_unknown_not_an_error(catalog: Catalog) -> None:
    program = compile_ok(
        "param d = 1 in 0..2\n" + SIZE + "let x = close / d\nenter long when x > 1\n", catalog
    )
    signals = evaluate(program, bars([1.0, 2.0]), {"d": 0})
    same(signals.series["x"], [NAN, NAN])
    assert signals.enter_long.tolist() == [False, False]
