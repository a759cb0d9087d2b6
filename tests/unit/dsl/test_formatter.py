"""The formatter: canonical layout, comments kept, idempotent, and the tree unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from jts.dsl import ast
from jts.dsl.errors import DslError
from jts.dsl.formatter import format_expr, format_file, format_source
from jts.dsl.parser import parse_script

from . import strategies

EXAMPLES = sorted((Path(__file__).parents[3] / "examples" / "strategies").glob("*.jts"))

MESSY = """\
   # SMA cross, written carelessly
param   fast=10   in 2 .. 50    # the fast one
param slow = 30 in 10..200 step 5
universe 005930.KRX ,000660.KRX
bars 1   minutes



let fast_ma=sma( close,fast )
let spread = ( fast_ma - sma(close, slow) ) / close * 100
enter long when fast_ma crosses above sma(close,slow) and
    # only in an uptrend
    (close > open or close[1]>open[1])
exit long when not(spread > -1)     # kept at the end
size quantity shares
size 10 % of equity
stop loss 2 %
trailing stop 3*atr( 14 )
no entries after 9:45
flatten at 15:15
# trailing comment at the end
"""

CANONICAL = """\
# SMA cross, written carelessly
param fast = 10 in 2..50  # the fast one
param slow = 30 in 10..200 step 5
universe 005930.KRX, 000660.KRX
bars 1 minutes

let fast_ma = sma(close, fast)
let spread = (fast_ma - sma(close, slow)) / close * 100
# only in an uptrend
enter long when fast_ma crosses above sma(close, slow) and (close > open or close[1] > open[1])
exit long when not spread > -1  # kept at the end
size quantity shares
size 10% of equity
stop loss 2%
trailing stop 3 * atr(14)
no entries after 09:45
flatten at 15:15
# trailing comment at the end
"""


def test_messy_source_becomes_canonical() -> None:
    assert format_source(MESSY) == CANONICAL


def test_formatting_is_idempotent_and_keeps_the_tree() -> None:
    once = format_source(MESSY)
    assert format_source(once) == once
    assert parse_script(once) == parse_script(MESSY)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_already_canonical(path: Path) -> None:
    assert format_file(path) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a * (b + c)", "a * (b + c)"),
        ("(a * b) + c", "a * b + c"),
        ("a / (b * c)", "a / (b * c)"),
        ("-(a + b)", "-(a + b)"),
        ("- - a", "-(-a)"),
        ("-a[1]", "-a[1]"),
        ("(-a)[1]", "(-a)[1]"),
        ("(a + b)[2]", "(a + b)[2]"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b and c)", "a or b and c"),
        ("a and (b and c)", "a and (b and c)"),
        ("not (a and b)", "not (a and b)"),
        ("not not a", "not not a"),
        ("(a > b) == c", "(a > b) == c"),
        ("(a crosses above b) and c", "a crosses above b and c"),
        ("(a + 1) crosses below (b)", "a + 1 crosses below b"),
        ("bbands(close,20,nbdev_up=2).upper", "bbands(close, 20, nbdev_up=2).upper"),
        ("(bb).upper[1]", "bb.upper[1]"),
        ("5_000_000", "5_000_000"),
        ("9:05", "09:05"),
        ("true and false", "true and false"),
    ],
)
def test_expressions_get_the_fewest_parentheses_that_keep_their_meaning(
    source: str, expected: str
) -> None:
    formatted = format_source(f"let x = {source}\n")
    assert formatted == f"let x = {expected}\n"
    assert parse_script(formatted) == parse_script(f"let x = {source}\n")


def test_blank_lines_collapse_and_leading_blanks_drop() -> None:
    assert format_source("\n\n\nlet a = 1\n\n\n\nlet b = 2\nlet c = 3\n") == (
        "let a = 1\n\nlet b = 2\nlet c = 3\n"
    )


def test_comments_inside_a_wrapped_statement_move_above_it() -> None:
    source = "let a = close +  # first\n  # second\n  open  # third\n"
    assert format_source(source) == "# first\n# second\nlet a = close + open  # third\n"


def test_empty_and_comment_only_files() -> None:
    assert format_source("") == ""
    assert format_source("\n\n") == ""
    assert format_source("  # just a note   \n\n\n# another\n") == "# just a note\n\n# another\n"


def test_unparsable_source_is_refused_with_diagnostics() -> None:
    with pytest.raises(DslError) as caught:
        format_source("let a = \n", "bad.jts")
    assert caught.value.diagnostics[0].file == "bad.jts"


@given(strategies.numbers(), strategies.conditions())
@settings(max_examples=150, deadline=None)
def test_random_expressions_round_trip(number: ast.Expr, condition: ast.Expr) -> None:
    source = f"let x = {format_expr(number)}\nenter long when {format_expr(condition)}\n"
    script = parse_script(source)
    (let, rule) = script.statements
    assert isinstance(let, ast.LetDecl)
    assert isinstance(rule, ast.RuleDecl)
    assert let.value == number
    assert rule.condition == condition
    formatted = format_source(source)
    assert formatted == source
    assert parse_script(formatted) == script
