"""Compiling: the parameters model, universe and bar type, refusals before the run, and the
plan's shape (shared indicators, minimal look-back buffers, folded constants)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import AggregationSource, BarSpecification, BarType
from jts.dsl.errors import DslError, DslRuntimeError
from jts.dsl.load import check_source, load_file
from jts.dsl.streaming import (
    BarEvaluator,
    build_plan,
    compile_strategy,
    load_strategy,
    strategy_class,
)
from jts.dsl.streaming.steps import IndicatorStep, LagStep
from jts.kernel.strategy.params import InvalidParamsError

EXAMPLES = Path(__file__).parents[3] / "examples" / "strategies"
SMA_CROSS = EXAMPLES / "sma_cross.jts"
RULES = "enter long when close > 1\nsize 1 shares\n"


# ---------------------------------------------------------------------------------- parameters


def test_the_params_model_mirrors_the_programs_params() -> None:
    strategy = load_strategy(SMA_CROSS)
    params = type(strategy).Params
    assert list(params.model_fields) == ["fast", "slow", "quantity"]
    assert strategy.params.fast == 10
    assert type(strategy.params.fast) is int
    assert strategy.values == {"fast": Decimal(10), "slow": Decimal(30), "quantity": Decimal(100)}


def test_overrides_accept_text_and_refuse_floats_and_out_of_range_values() -> None:
    strategy = load_strategy(SMA_CROSS, {"fast": "12", "slow": 40})
    assert (strategy.params.fast, strategy.params.slow) == (12, 40)
    with pytest.raises(InvalidParamsError, match=r"fast.*outside its range 2\.\.50"):
        load_strategy(SMA_CROSS, {"fast": 60})
    with pytest.raises(InvalidParamsError, match=r"floats are refused"):
        load_strategy(SMA_CROSS, {"fast": 12.0})
    with pytest.raises(InvalidParamsError, match=r"takes whole numbers"):
        load_strategy(SMA_CROSS, {"fast": "12.5"})
    with pytest.raises(InvalidParamsError, match=r"fastest.*Extra inputs"):
        load_strategy(SMA_CROSS, {"fastest": 12})


def test_decimal_parameters_stay_exact() -> None:
    strategy = load_strategy(EXAMPLES / "bollinger_breakout.jts", {"width": "2.25"})
    assert strategy.params.width == Decimal("2.25")
    assert strategy.values["width"] == Decimal("2.25")


def test_a_sweep_builds_more_instances_of_the_same_class() -> None:
    first = load_strategy(SMA_CROSS)
    cls = type(first)
    for combo in ({"fast": 5}, {"fast": 20, "slow": 100}):
        other = cls(combo, strategy_id=f"sma-{combo['fast']}")
        assert other.params.fast == combo["fast"]
        assert other.plan.fingerprint != first.plan.fingerprint
    assert cls({}).plan.fingerprint == first.plan.fingerprint


def test_an_indicator_setting_a_sweep_value_breaks_is_refused_at_compile_time() -> None:
    program = check_source("param f = 12 in 2..40\nlet m = macd(close, f, 26)\n" + RULES)
    compile_strategy(program, instruments=["005930.KRX"], bars="1-MINUTE-LAST")
    with pytest.raises(DslRuntimeError, match=r"macd"):
        compile_strategy(program, {"f": 30}, instruments=["005930.KRX"], bars="1-MINUTE-LAST")


# --------------------------------------------------------------------------- universe, bars


def test_universe_and_bars_come_from_the_file_or_the_caller() -> None:
    strategy = load_strategy(SMA_CROSS)
    assert strategy.universe == (InstrumentId("005930.KRX"),)
    assert list(strategy.bar_types.values()) == [BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")]
    other = load_strategy(
        SMA_CROSS,
        instruments=["000660.KRX"],
        bars="5-MINUTE-LAST",
        bar_source=AggregationSource.INTERNAL,
    )
    assert list(other.bar_types.values()) == [BarType.parse("000660.KRX-5-MINUTE-LAST-INTERNAL")]


def test_a_file_without_universe_or_bars_needs_them_from_the_caller() -> None:
    program = check_source(RULES)
    with pytest.raises(DslRuntimeError, match="no 'universe' line"):
        compile_strategy(program, bars="1-MINUTE-LAST")
    with pytest.raises(DslRuntimeError, match="no 'bars' line"):
        compile_strategy(program, instruments=["005930.KRX"])
    with pytest.raises(DslRuntimeError, match="must not be empty"):
        compile_strategy(program, instruments=[], bars="1-MINUTE-LAST")
    with pytest.raises(DslRuntimeError, match="listed twice"):
        compile_strategy(program, instruments=["005930.KRX"] * 2, bars="1-MINUTE-LAST")
    strategy = compile_strategy(
        program, instruments=["005930.KRX"], bars=BarSpecification.parse("1-DAY-LAST")
    )
    assert strategy.bar_spec == BarSpecification.parse("1-DAY-LAST")


@pytest.mark.parametrize(
    "extra", ["no entries after 14:30\n", "let top = high_between(09:00, 09:30)\n"]
)
def test_time_rules_and_windows_on_daily_bars_are_refused(extra: str) -> None:
    program = check_source(RULES + extra)
    with pytest.raises(DslRuntimeError, match="need intraday bars, but the bars are 1-DAY-LAST"):
        compile_strategy(program, instruments=["005930.KRX"], bars="1-DAY-LAST")


def test_names_and_ids() -> None:
    assert str(load_strategy(SMA_CROSS).id) == "sma_cross-001"
    assert str(load_strategy(SMA_CROSS, strategy_id="sma-7").id) == "sma-7"
    assert type(load_strategy(SMA_CROSS, name="Fast")).__name__ == "Fast"
    with pytest.raises(DslRuntimeError, match="strategy name"):
        strategy_class(load_file(SMA_CROSS), name="9lives")


def test_a_broken_file_reports_every_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.jts"
    path.write_text("let fast_ma = smaa(close, 10)\nenter long when fast_m > 1\nsize 1 shares\n")
    with pytest.raises(DslError) as caught:
        load_strategy(path, instruments=["005930.KRX"], bars="1-MINUTE-LAST")
    assert len(caught.value.diagnostics) == 2


def test_trace_and_evaluator_reads_are_checked() -> None:
    strategy = load_strategy(EXAMPLES / "rsi_reversion.jts")
    with pytest.raises(DslRuntimeError, match="trades 2 instruments"):
        strategy.evaluator()
    with pytest.raises(DslRuntimeError, match="not in the universe"):
        strategy.evaluator("035720.KRX")
    with pytest.raises(Exception, match="without trace=True"):
        strategy.trace("005930.KRX")


# ------------------------------------------------------------------------------------- plans


def test_equal_sub_expressions_share_one_indicator_and_one_slot() -> None:
    program = check_source(
        "let a = sma(close, 10) - sma(close, 10)\n"
        "let b = sma(close, 10) * 2\n"
        "let c = bbands(close, 20).upper - bbands(close, 20).lower\n" + RULES
    )
    plan = build_plan(program, {})
    indicators = [s for s in plan.steps if isinstance(s, IndicatorStep)]
    assert len(indicators) == 2  # sma(close, 10) once, bbands(close, 20) once
    assert len(plan.indicators) == 2


def test_look_back_buffers_keep_only_the_deepest_look_back_of_each_series() -> None:
    program = check_source(
        "param n = 4 in 0..9\n"
        "let a = close[1] + close[n] + close[2]\n"
        "let b = (close - open)[3]\n"
        "let c = close crosses above open[1]\n" + RULES
    )
    plan = build_plan(program, program.bind({"n": 7}))
    depths = sorted(ring.depth for ring in plan.rings)
    # close: 7 (also serves the cross); close - open: 3; open[1]: 1 (its value one bar ago
    # for the cross lives in the ring of open[1]'s slot)
    assert depths == [1, 1, 3, 7]
    assert sum(isinstance(s, LagStep) for s in plan.steps) == 5
    zero = build_plan(program, program.bind({"n": 0}))
    assert sorted(ring.depth for ring in zero.rings) == [1, 1, 2, 3]  # close[0] needs none


def test_constants_are_folded_before_the_run() -> None:
    program = check_source(
        "param p = 3 in 1..5\nlet k = (p * 2 + 1) / (p - p)\nlet t = not (p > 2)\n"
        "enter long when true or t\nsize 1 shares\n"
    )
    plan = build_plan(program, program.bind())
    assert plan.steps == ()
    evaluator = BarEvaluator(plan)
    evaluator.step(1.0, 1.0, 1.0, 1.0, 1.0, 60_000_000_000)
    assert str(evaluator.series("k")) == "nan"  # a division by zero is unknown
    assert evaluator.series("t") == 0.0


def test_fired_rules_report_their_lines() -> None:
    program = check_source(
        "enter long when close > 1\nenter long when close > 5\nenter long when close > 9\n"
        "size 1 shares\n"
    )
    evaluator = BarEvaluator(build_plan(program, {}))
    assert evaluator.step(6.0, 6.0, 6.0, 6.0, 1.0, 60_000_000_000)[0]
    assert evaluator.fired("enter", "long") == (1, 2)
    assert evaluator.fired("exit", "long") == ()
    assert str(evaluator.amount("stop_loss")) == "nan"
    with pytest.raises(KeyError):
        evaluator.series("missing")
