"""The checker: golden diagnostics for every error class, suggestions, and the typed program."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data.bars import BarAggregation
from jts.domain.values import Currency
from jts.dsl.catalog import Catalog
from jts.dsl.program import (
    Parameter,
    SizeEquityPercent,
    SizeRisk,
    SizeShares,
    SizeValue,
    Stop,
    TimeRules,
)
from jts.dsl.typed import (
    Arith,
    Choice,
    Compare,
    Const,
    Cross,
    Field,
    Indicator,
    Kind,
    LetRef,
    Logic,
    Lookback,
    Param,
    SessionRange,
)

from .conftest import SIZE, compile_ok, error_text

GOLDEN = [
    pytest.param(
        "size 1 shares\nlet a = smaa(close, 10)\nenter long when a > 1\n",
        (
            "t.jts:2:9: error: unknown indicator 'smaa'\n"
            " 2 | let a = smaa(close, 10)\n"
            "   |         ^^^^\n"
            "   = did you mean 'sma'?\n"
            "\n"
            "1 error"
        ),
        id="unknown_indicator",
    ),
    pytest.param(
        "size 1 shares\nlet fast_ma = sma(close, 3)\nenter long when fast_m > close\n",
        (
            "t.jts:3:17: error: unknown name 'fast_m'\n"
            " 3 | enter long when fast_m > close\n"
            "   |                 ^^^^^^\n"
            "   = did you mean 'fast_ma'?\n"
            "\n"
            "1 error"
        ),
        id="misspelled_name",
    ),
    pytest.param(
        "size 1 shares\nenter long when close + 1\n",
        (
            "t.jts:2:17: error: the condition of 'enter long' must be true/false, but "
            "this is a number\n"
            " 2 | enter long when close + 1\n"
            "   |                 ^^^^^^^^^\n"
            "\n"
            "1 error"
        ),
        id="number_where_condition",
    ),
    pytest.param(
        "size 1 shares\nenter long when close and open > 1\n",
        (
            "t.jts:2:17: error: 'and' needs true/false, but this is a number\n"
            " 2 | enter long when close and open > 1\n"
            "   |                 ^^^^^\n"
            "\n"
            "1 error"
        ),
        id="number_in_and",
    ),
    pytest.param(
        "size 1 shares\nlet a = (close > open) + 1\nenter long when a > 1\n",
        (
            "t.jts:2:10: error: '+' needs numbers, but this is true/false\n"
            " 2 | let a = (close > open) + 1\n"
            "   |          ^^^^^^^^^^^^\n"
            "\n"
            "1 error"
        ),
        id="condition_in_arithmetic",
    ),
    pytest.param(
        "size 1 shares\nlet a = sma(close, 10, 3)\nenter long when a > 1\n",
        (
            "t.jts:2:24: error: too many arguments: sma(source, period=20) takes at most "
            "2, got 3\n"
            " 2 | let a = sma(close, 10, 3)\n"
            "   |                        ^\n"
            "\n"
            "1 error"
        ),
        id="too_many_arguments",
    ),
    pytest.param(
        "size 1 shares\nlet a = sma()\nenter long when a > 1\n",
        (
            "t.jts:2:9: error: 'sma' is missing its source: sma(source, period=20)\n"
            " 2 | let a = sma()\n"
            "   |         ^^^^^\n"
            "   = for example sma(close, ...)\n"
            "\n"
            "1 error"
        ),
        id="missing_source",
    ),
    pytest.param(
        "size 1 shares\nlet a = sma(close, perod=10)\nenter long when a > 1\n",
        (
            "t.jts:2:20: error: sma(source, period=20) has no argument 'perod'\n"
            " 2 | let a = sma(close, perod=10)\n"
            "   |                    ^^^^^^^^\n"
            "   = did you mean 'period'?\n"
            "\n"
            "1 error"
        ),
        id="unknown_keyword",
    ),
    pytest.param(
        "size 1 shares\nlet a = sma(close, close)\nenter long when a > 1\n",
        (
            "t.jts:2:20: error: 'period' of 'sma' must be a constant (a number or a "
            "parameter), not a series\n"
            " 2 | let a = sma(close, close)\n"
            "   |                    ^^^^^\n"
            "   = indicator settings are fixed for a run; sweep them with a param\n"
            "\n"
            "1 error"
        ),
        id="series_as_setting",
    ),
    pytest.param(
        "size 1 shares\nlet a = sma(close, 2.5)\nenter long when a > 1\n",
        (
            "t.jts:2:20: error: 'period' of 'sma' must be a whole number, got 2.5\n"
            " 2 | let a = sma(close, 2.5)\n"
            "   |                    ^^^\n"
            "\n"
            "1 error"
        ),
        id="fractional_period",
    ),
    pytest.param(
        "size 1 shares\nlet a = sma(close, 0)\nenter long when a > 1\n",
        (
            "t.jts:2:20: error: 'period' of 'sma' must be a whole number in 1..100000, got 0\n"
            " 2 | let a = sma(close, 0)\n"
            "   |                    ^\n"
            "\n"
            "1 error"
        ),
        id="period_out_of_range",
    ),
    pytest.param(
        "size 1 shares\nparam n = 5 in 0..10\nlet a = sma(close, n)\nenter long when a > 1\n",
        (
            "t.jts:3:20: error: parameter 'n' can be 0, but 'period' of 'sma' must be a "
            "whole number in 1..100000\n"
            " 3 | let a = sma(close, n)\n"
            "   |                    ^\n"
            "   = narrow the range of 'n'\n"
            "\n"
            "1 error"
        ),
        id="param_range_wider_than_indicator",
    ),
    pytest.param(
        "size 1 shares\nenter long when close[1.5] > 1\n",
        (
            "t.jts:2:23: error: look-back must be a whole number of bars, got 1.5\n"
            " 2 | enter long when close[1.5] > 1\n"
            "   |                       ^^^\n"
            "\n"
            "1 error"
        ),
        id="fractional_lookback",
    ),
    pytest.param(
        "size 1 shares\nenter long when close > close[-1]\n",
        (
            "t.jts:2:31: error: look-back must be 0 or more bars, got -1\n"
            " 2 | enter long when close > close[-1]\n"
            "   |                               ^^\n"
            "   = a strategy cannot look into the future\n"
            "\n"
            "1 error"
        ),
        id="negative_lookback",
    ),
    pytest.param(
        "size 1 shares\nenter long when close[close] > 1\n",
        (
            "t.jts:2:23: error: look-back must be a fixed number of bars (a number or a "
            "parameter), not a series\n"
            " 2 | enter long when close[close] > 1\n"
            "   |                       ^^^^^\n"
            "\n"
            "1 error"
        ),
        id="series_lookback",
    ),
    pytest.param(
        "size 1 shares\nparam n = 3\nenter long when n[1] > 1\n",
        (
            "t.jts:3:17: error: look-back needs a series, but 'n' is a constant\n"
            " 3 | enter long when n[1] > 1\n"
            "   |                 ^\n"
            "   = a constant has the same value on every bar\n"
            "\n"
            "1 error"
        ),
        id="lookback_of_constant",
    ),
    pytest.param(
        "size 1 shares\nparam n = 3 in -2..5\nenter long when close[n] > 1\n",
        (
            "t.jts:3:23: error: parameter 'n' can be -2, but a look-back must be 0 or "
            "more bars\n"
            " 3 | enter long when close[n] > 1\n"
            "   |                       ^\n"
            "   = a strategy cannot look into the future\n"
            "\n"
            "1 error"
        ),
        id="lookback_param_may_be_negative",
    ),
    pytest.param(
        "size 1 shares\nparam fast = 60 in 2..50\nenter long when close > fast\n",
        (
            "t.jts:2:14: error: default 60 of parameter 'fast' is outside its range 2..50\n"
            " 2 | param fast = 60 in 2..50\n"
            "   |              ^^\n"
            "\n"
            "1 error"
        ),
        id="default_outside_range",
    ),
    pytest.param(
        "size 1 shares\nparam fast = 6 in 50..2\nenter long when close > fast\n",
        (
            "t.jts:2:19: error: the range of parameter 'fast' is empty: 50..2\n"
            " 2 | param fast = 6 in 50..2\n"
            "   |                   ^^^^^\n"
            "   = write the smaller bound first\n"
            "\n"
            "1 error"
        ),
        id="empty_range",
    ),
    pytest.param(
        "size 1 shares\nparam fast = 6\nparam fast = 7\nenter long when close > fast\n",
        (
            "t.jts:3:7: error: 'fast' is already defined on line 2\n"
            " 3 | param fast = 7\n"
            "   |       ^^^^\n"
            "\n"
            "1 error"
        ),
        id="duplicate_parameter",
    ),
    pytest.param(
        "size 1 shares\nlet a = close\nlet a = open\nenter long when a > 1\n",
        (
            "t.jts:3:5: error: 'a' is already defined on line 2\n"
            " 3 | let a = open\n"
            "   |     ^\n"
            "\n"
            "1 error"
        ),
        id="duplicate_let",
    ),
    pytest.param(
        "size 1 shares\nlet close = open\nenter long when close > 1\n",
        (
            "t.jts:2:5: error: 'close' is a bar field and cannot be redefined\n"
            " 2 | let close = open\n"
            "   |     ^^^^^\n"
            "\n"
            "1 error"
        ),
        id="redefined_bar_field",
    ),
    pytest.param(
        "size 1 shares\nenter long when a > 1\nlet a = close\n",
        (
            "t.jts:2:17: error: 'a' is used before it is defined\n"
            " 2 | enter long when a > 1\n"
            "   |                 ^\n"
            "   = it is defined on line 3; move that line above this one\n"
            "\n"
            "1 error"
        ),
        id="used_before_defined",
    ),
    pytest.param(
        "size 1 shares\nlet bb = bbands(close)\nenter long when close > bb\n",
        (
            "t.jts:3:25: error: '>' compares numbers, but this is 'bbands', which has "
            "several outputs (upper, middle, lower)\n"
            " 3 | enter long when close > bb\n"
            "   |                         ^^\n"
            "   = pick one output, e.g. '.upper'\n"
            "\n"
            "1 error"
        ),
        id="several_outputs_used_as_number",
    ),
    pytest.param(
        "size 1 shares\nlet bb = bbands(close)\nenter long when close > bb.uper\n",
        (
            "t.jts:3:28: error: 'bbands' has no output 'uper'; its outputs are upper, "
            "middle, lower\n"
            " 3 | enter long when close > bb.uper\n"
            "   |                            ^^^^\n"
            "   = did you mean 'upper'?\n"
            "\n"
            "1 error"
        ),
        id="unknown_output",
    ),
    pytest.param(
        "size 1 shares\nenter long when close > 09:30\n",
        (
            "t.jts:2:25: error: '>' compares numbers, but this is a time of day\n"
            " 2 | enter long when close > 09:30\n"
            "   |                         ^^^^^\n"
            "   = times of day belong in time rules ('no entries after 14:30') and in "
            "high_between/low_between\n"
            "\n"
            "1 error"
        ),
        id="time_in_comparison",
    ),
    pytest.param(
        "size 1 shares\nenter long when close > 1\nflatten at 25:00\n",
        (
            "t.jts:3:12: error: 25:00 is not a time of day\n"
            " 3 | flatten at 25:00\n"
            "   |            ^^^^^\n"
            "   = write hours 00-23 and minutes 00-59, e.g. 15:15\n"
            "\n"
            "1 error"
        ),
        id="impossible_time",
    ),
    pytest.param(
        "size 1 shares\nparam a = 1\nenter long when a crosses above 2\n",
        (
            "t.jts:3:19: error: 'crosses above' needs a series on at least one side; "
            "both sides are constants\n"
            " 3 | enter long when a crosses above 2\n"
            "   |                   ^^^^^^^^^^^^^\n"
            "   = a constant never crosses another constant\n"
            "\n"
            "1 error"
        ),
        id="constant_crossing",
    ),
    pytest.param(
        "size 1 shares\nenter long when rsi < 30\n",
        (
            "t.jts:2:17: error: unknown name 'rsi'\n"
            " 2 | enter long when rsi < 30\n"
            "   |                 ^^^\n"
            "   = 'rsi' is an indicator: call it, like rsi(source, period=14)\n"
            "\n"
            "1 error"
        ),
        id="indicator_without_call",
    ),
    pytest.param(
        "size 1 shares\nlet p = ppo(close, ma=emma)\nenter long when p > 1\n",
        (
            "t.jts:2:23: error: 'ma' of 'ppo' must be one of ema, sma\n"
            " 2 | let p = ppo(close, ma=emma)\n"
            "   |                       ^^^^\n"
            "   = did you mean 'ema'?\n"
            "\n"
            "1 error"
        ),
        id="unknown_choice",
    ),
    pytest.param(
        ("size 1 shares\nuniverse 005930.krx, 005930.KRX, 005930.KRX\nenter long when close > 1\n"),
        (
            "t.jts:2:10: error: bad instrument id '005930.krx'\n"
            " 2 | universe 005930.krx, 005930.KRX, 005930.KRX\n"
            "   |          ^^^^^^^^^^\n"
            "   = malformed venue: 'krx'\n"
            "   = write SYMBOL.VENUE with an upper-case venue, e.g. 005930.KRX\n"
            "\n"
            "t.jts:2:34: error: 005930.KRX is listed twice in the universe\n"
            " 2 | universe 005930.krx, 005930.KRX, 005930.KRX\n"
            "   |                                  ^^^^^^^^^^\n"
            "\n"
            "2 errors"
        ),
        id="bad_universe",
    ),
    pytest.param(
        "size 1 shares\nbars 1 minuts\nenter long when close > 1\n",
        (
            "t.jts:2:8: error: unknown bar unit 'minuts'\n"
            " 2 | bars 1 minuts\n"
            "   |        ^^^^^^\n"
            "   = did you mean 'minutes'?\n"
            "   = use ticks, seconds, minutes, hours or days\n"
            "\n"
            "1 error"
        ),
        id="bad_bar_unit",
    ),
    pytest.param(
        "size 1 shares\nbars 1 day\nenter long when close > 1\nflatten at 15:00\n",
        (
            "t.jts:4:1: error: 'flatten at' needs intraday bars, but the bars are daily\n"
            " 4 | flatten at 15:00\n"
            "   | ^^^^^^^^^^^^^^^^\n"
            "   = the bars are declared on line 2\n"
            "\n"
            "1 error"
        ),
        id="time_rule_on_daily_bars",
    ),
    pytest.param(
        (
            "size 1 shares\n"
            "enter long when close > 1\n"
            "no entries before 10:00\n"
            "no entries after 09:30\n"
        ),
        (
            "t.jts:4:1: error: no entries before 10:00 and after 09:30 leaves no time to "
            "enter\n"
            " 4 | no entries after 09:30\n"
            "   | ^^^^^^^^^^^^^^^^^^^^^^\n"
            "\n"
            "1 error"
        ),
        id="entry_window_empty",
    ),
    pytest.param(
        "let a = close\n",
        (
            "t.jts: error: this strategy never enters a position\n"
            "  = add a rule like 'enter long when fast_ma crosses above slow_ma'\n"
            "\n"
            "1 error"
        ),
        id="missing_entry",
    ),
    pytest.param(
        "enter long when close > 1\n",
        (
            "t.jts: error: this strategy does not say how much to buy or sell\n"
            "  = add a line like 'size 100 shares', 'size 5_000_000 KRW', 'size 10% of "
            "equity'\n"
            "\n"
            "1 error"
        ),
        id="missing_size",
    ),
    pytest.param(
        "size 1 shares\nenter long when close > 1\nsize 2 shares\n",
        (
            "t.jts:3:1: error: a second 'size' statement; a strategy has at most one\n"
            " 3 | size 2 shares\n"
            "   | ^^^^^^^^^^^^^\n"
            "   = the first one is on line 1\n"
            "\n"
            "1 error"
        ),
        id="second_size",
    ),
    pytest.param(
        "size 1 share\nenter long when close > 1\n",
        (
            "t.jts:1:8: error: unknown size unit 'share'\n"
            " 1 | size 1 share\n"
            "   |        ^^^^^\n"
            "   = did you mean 'shares'?\n"
            "   = size in 'shares', in a currency ('5_000_000 KRW'), '10% of equity' or "
            "'risk 1% of equity per 2 * atr(14)'\n"
            "\n"
            "1 error"
        ),
        id="misspelled_size_unit",
    ),
    pytest.param(
        "size 1.5 KRW\nenter long when close > 1\n",
        (
            "t.jts:1:6: error: an amount of KRW has no decimals, got 1.5\n"
            " 1 | size 1.5 KRW\n"
            "   |      ^^^\n"
            "\n"
            "1 error"
        ),
        id="won_with_decimals",
    ),
    pytest.param(
        "size 1 shares\nenter long when close > 1\nstop loss 120%\n",
        (
            "t.jts:3:11: error: the stop loss percent must be at most 100, got 120\n"
            " 3 | stop loss 120%\n"
            "   |           ^^^\n"
            "\n"
            "1 error"
        ),
        id="stop_percent_too_big",
    ),
]


@pytest.mark.parametrize(("source", "expected"), GOLDEN)
def test_golden_diagnostics(source: str, expected: str, catalog: Catalog) -> None:
    assert error_text(source, catalog) == expected


def test_every_independent_error_in_a_file_is_reported(catalog: Catalog) -> None:
    source = (
        "param fast = 10 in 2..50\n"
        "let f = sma(close, fsat)\n"
        "let s = ema(close, 2.5)\n"
        "enter long when f > s and 3\n"
        "exit long when close crosses above bb.upper\n"
        "size 1 share\n"
    )
    text = error_text(source, catalog)
    found = re.findall(r"^t\.jts:(\d+):(\d+): error: (.*)$", text, flags=re.MULTILINE)
    assert found == [
        ("2", "20", "unknown name 'fsat'"),
        ("3", "20", "'period' of 'ema' must be a whole number, got 2.5"),
        ("4", "27", "'and' needs true/false, but this is a number"),
        ("5", "36", "unknown name 'bb'"),
        ("6", "8", "unknown size unit 'share'"),
    ]
    assert "did you mean 'fast'?" in text
    assert "did you mean 'shares'?" in text
    assert text.endswith("5 errors")


def test_an_error_does_not_cascade_into_its_users(catalog: Catalog) -> None:
    source = SIZE + "let a = smaa(close, 3)\nlet b = a * 2\nenter long when b > a\n"
    text = error_text(source, catalog)
    assert text.count("error:") == 1


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("smaa", "sma"), ("SMA", "sma"), ("bband", "bbands"), ("rsl", "rsi"), ("emaa", "ema")],
)
def test_indicator_suggestions(typo: str, suggestion: str, catalog: Catalog) -> None:
    text = error_text(SIZE + f"enter long when {typo}(close) > 1\n", catalog)
    assert f"did you mean '{suggestion}'?" in text


def test_no_suggestion_when_nothing_is_close(catalog: Catalog) -> None:
    text = error_text(SIZE + "enter long when qqqqqq(close) > 1\n", catalog)
    assert "did you mean" not in text


def test_sma_cross_compiles_to_a_resolved_typed_program(catalog: Catalog) -> None:
    program = compile_ok(
        "param fast = 10 in 2..50\n"
        "param slow = 30 in 10..200 step 5\n"
        "param quantity = 100 in 1..10_000\n"
        "universe 005930.KRX\n"
        "bars 1 minute\n"
        "let fast_ma = sma(close, fast)\n"
        "let slow_ma = sma(close, slow)\n"
        "enter long when fast_ma crosses above slow_ma\n"
        "exit long when fast_ma crosses below slow_ma\n"
        "size quantity shares\n",
        catalog,
    )
    assert program.params == (
        Parameter("fast", True, Decimal(10), Decimal(2), Decimal(50)),
        Parameter("slow", True, Decimal(30), Decimal(10), Decimal(200), Decimal(5)),
        Parameter("quantity", True, Decimal(100), Decimal(1), Decimal(10_000)),
    )
    assert program.universe == (InstrumentId("005930.KRX"),)
    assert program.bar_spec is not None
    assert (program.bar_spec.step, program.bar_spec.aggregation) == (1, BarAggregation.MINUTE)
    fast_ma = program.let("fast_ma").value
    assert isinstance(fast_ma, Indicator)
    assert fast_ma.sources == (Field("close"),)
    assert fast_ma.params == (("period", Param("fast", True)),)
    assert fast_ma.signature.name == "sma"
    enter, leave = program.rules
    number = fast_ma.type
    assert enter.condition == Cross("above", LetRef("fast_ma", number), LetRef("slow_ma", number))
    assert leave.condition == Cross("below", LetRef("fast_ma", number), LetRef("slow_ma", number))
    assert (enter.action, enter.side, enter.line) == ("enter", "long", 8)
    assert program.sizing == SizeShares(Param("quantity", True))
    assert program.stops == ()
    assert program.time_rules == TimeRules()


def test_defaults_fill_missing_indicator_settings_and_outputs_resolve(catalog: Catalog) -> None:
    program = compile_ok(
        SIZE + "let bb = bbands(close, 10)\nenter long when close > bb.upper[1]\n", catalog
    )
    bundle = program.let("bb").value
    assert bundle.type.kind is Kind.BUNDLE
    assert isinstance(bundle, Indicator)
    assert bundle.params == (
        ("period", Const(Decimal(10))),
        ("nbdev_up", Const(Decimal("2.0"))),
        ("nbdev_dn", Const(Decimal("2.0"))),
    )
    (rule,) = program.rules
    assert isinstance(rule.condition, Compare)
    upper = rule.condition.right
    assert isinstance(upper, Lookback)
    assert upper.target == Indicator(
        "bbands", bundle.sources, bundle.params, "upper", bundle.signature
    )
    assert upper.bars == Const(Decimal(1))


def test_implicit_inputs_choice_settings_and_constant_arithmetic(catalog: Catalog) -> None:
    program = compile_ok(
        "param fast = 5 in 2..20\n"
        + SIZE
        + "let p = ppo(close, fast, fast * 3, ma=sma)\n"
        + "let vol = atr()\n"
        + "enter long when p > 0 and vol < 2\n",
        catalog,
    )
    ppo = program.let("p").value
    assert isinstance(ppo, Indicator)
    assert ppo.params == (
        ("fast", Param("fast", True)),
        ("slow", Arith("*", Param("fast", True), Const(Decimal(3)))),
        ("ma", Choice("sma")),
    )
    atr = program.let("vol").value
    assert isinstance(atr, Indicator)
    assert atr.sources == (Field("high"), Field("low"), Field("close"))
    assert atr.params == (("period", Const(Decimal(14))),)
    assert isinstance(program.rules[0].condition, Logic)


def test_sizing_stops_and_time_rules(catalog: Catalog) -> None:
    program = compile_ok(
        "param pct = 1.5 in 0.5..3 step 0.5\n"
        "enter long when close > open\n"
        "size risk pct% of equity per 2 * atr(14)\n"
        "stop loss pct%\n"
        "take profit 3 * atr(14)\n"
        "trailing stop 2.5%\n"
        "no entries before 9:05\n"
        "no entries after 14:30\n"
        "flatten at 15:15\n"
        "let opening = high_between(09:00, 09:30)\n",
        catalog,
    )
    assert program.params[0].integral is False
    assert isinstance(program.sizing, SizeRisk)
    assert program.sizing.percent == Param("pct", False)
    assert isinstance(program.sizing.per, Arith)
    assert program.stop("stop_loss") == Stop("stop_loss", percent=Param("pct", False))
    take = program.stop("take_profit")
    assert take is not None
    assert take.percent is None
    assert isinstance(take.distance, Arith)
    assert program.stop("trailing_stop") == Stop("trailing_stop", percent=Const(Decimal("2.5")))
    assert program.time_rules == TimeRules(dt.time(9, 5), dt.time(14, 30), dt.time(15, 15))
    assert program.let("opening").value == SessionRange("high", dt.time(9), dt.time(9, 30))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("size 100 shares", SizeShares(Const(Decimal(100)))),
        ("size 5_000_000 KRW", SizeValue(Const(Decimal(5_000_000)), Currency.of("KRW"))),
        ("size 0.5 BTC", SizeValue(Const(Decimal("0.5")), Currency.of("BTC"))),
        ("size 10% of equity", SizeEquityPercent(Const(Decimal(10)))),
    ],
)
def test_size_forms(line: str, expected: object, catalog: Catalog) -> None:
    program = compile_ok(f"enter long when close > open\n{line}\n", catalog)
    assert program.sizing == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("size 0 shares", "a share count must be positive, got 0"),
        ("size 1.5 shares", "a share count must be a whole number, got 1.5"),
        ("size 0% of equity", "a percent of equity must be positive, got 0"),
        ("size 150% of equity", "a percent of equity must be at most 100, got 150"),
        ("size 1 KRWW", "unknown currency 'KRWW'"),
        (
            "size close shares",
            "a share count must be a number or a parameter, but 'close' is a series",
        ),
        (
            "size risk 1% of equity per close > 1",
            "the risk per share after 'per' must be a number, but this is true/false",
        ),
        ("size q shares", "unknown name 'q'"),
    ],
)
def test_bad_sizes(line: str, message: str, catalog: Catalog) -> None:
    text = error_text(f"enter long when close > open\n{line}\n", catalog)
    assert f"error: {message}\n" in text


def test_a_parameter_size_is_checked_over_its_whole_range(catalog: Catalog) -> None:
    text = error_text(
        "param q = 10 in 0..100\nenter long when close > open\nsize q shares\n", catalog
    )
    assert "error: parameter 'q' can be 0, but a share count must be positive\n" in text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("stop loss 0%", "the stop loss percent must be positive, got 0"),
        ("trailing stop 100.5%", "the trailing stop percent must be at most 100, got 100.5"),
        (
            "take profit close > 1",
            "the take profit distance must be a number (in price), but this is true/false",
        ),
        (
            "stop loss 1%\nstop loss 2%",
            "a second 'stop loss' statement; a strategy has at most one",
        ),
    ],
)
def test_bad_stops(line: str, message: str, catalog: Catalog) -> None:
    text = error_text(SIZE + f"enter long when close > open\n{line}\n", catalog)
    assert f"error: {message}\n" in text


def test_take_profit_may_exceed_one_hundred_percent(catalog: Catalog) -> None:
    program = compile_ok(SIZE + "enter long when close > open\ntake profit 250%\n", catalog)
    assert program.stop("take_profit") == Stop("take_profit", percent=Const(Decimal(250)))


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            "high_between(09:30, 09:00) > 1",
            "'high_between' needs its start before its end, got 09:30 and 09:00",
        ),
        (
            "high_between(09:30) > 1",
            "'high_between' takes 2 arguments, got 1: high_between(start, end)",
        ),
        ("low_between(9, 10) > 1", "'low_between' needs times of day, but this is a number"),
        ("abs(close, open) > 1", "'abs' takes 1 argument, got 2: abs(x)"),
        ("max(close) > 1", "'max' takes at least 2 arguments, got 1: max(a, b, ...)"),
        ("min(close, open > 1) > 1", "'min' needs numbers, but this is true/false"),
        ("abs(x=close) > 1", "'abs' takes no keyword arguments; call it abs(x)"),
        ("sma(close, period=3, period=4) > 1", "argument 'period' is given twice"),
        (
            "sma(close > 1, 3) > 1",
            "the source of 'sma' must be a number series, but this is true/false",
        ),
        ("atr(14, 15) > 1", "too many arguments: atr(period=14) takes at most 1, got 2"),
        (
            "close.upper > 1",
            "'.upper' picks an output of an indicator with several outputs, but this is a number",
        ),
        (
            "bbands(close)[1] > 1",
            "look-back needs one series, but this is 'bbands', "
            "which has several outputs (upper, middle, lower)",
        ),
        ("not close", "'not' needs true/false, but this is a number"),
        ("-(close > 1)", "'-' needs a number, but this is true/false"),
        (
            "bbands(close, nbdev_up=0 - 1).upper > 1",
            "'nbdev_up' of 'bbands' must be a number >= 0.0, got -1",
        ),
        ("sma(close, 10)(1) > 1", "unexpected '('"),
    ],
)
def test_expression_errors(expr: str, message: str, catalog: Catalog) -> None:
    text = error_text(SIZE + f"enter long when {expr}\n", catalog)
    assert f"error: {message}\n" in text, text


@pytest.mark.parametrize(
    "expr",
    [
        "close[0] > 1",
        "close > close[fast]",
        "(close - open)[2] > 0",
        "true",
        "not (close > open) or false",
        "abs(close - open) > max(1, 2, 3)",
        "close crosses above 100",
        "100 crosses below close",
        "fast > 3",
        "sma(source=close, period=fast + 1) > 1",
        "bbands(close).lower[1] < close",
        "-close < 0",
    ],
)
def test_valid_expressions(expr: str, catalog: Catalog) -> None:
    program = compile_ok(f"param fast = 3 in 0..9\n{SIZE}enter long when {expr}\n", catalog)
    assert program.rules[0].condition.type.kind is Kind.BOOL


def test_lets_may_be_constants_and_conditions(catalog: Catalog) -> None:
    program = compile_ok(
        SIZE + "let k = 2\nlet up = close > open * k\nenter long when up and up[1]\n", catalog
    )
    assert program.let("k").value == Const(Decimal(2))
    assert program.let("up").value.type.kind is Kind.BOOL
