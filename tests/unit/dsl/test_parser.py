"""The parser: every statement form, operator precedence, positions, comments, layout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.dsl import ast
from jts.dsl.errors import DslError, Span
from jts.dsl.parser import parse_script


def expr_of(text: str) -> ast.Expr:
    statement = parse_script(f"let x = {text}\n").statements[0]
    assert isinstance(statement, ast.LetDecl)
    return statement.value


def n(value: str) -> ast.Number:
    return ast.Number(Decimal(value), value)


def name(identifier: str) -> ast.Name:
    return ast.Name(identifier)


def test_parameter_with_range_and_step() -> None:
    (decl,) = parse_script("param width = 2.0 in 1.5..3.0 step 0.25").statements
    assert decl == ast.ParamDecl("width", n("2.0"), n("1.5"), n("3.0"), n("0.25"))
    assert isinstance(decl, ast.ParamDecl)
    assert decl.default.text == "2.0"
    assert not decl.default.is_integral
    assert decl.name_span == Span(1, 7, 1, 12)


def test_parameter_without_range_and_with_negative_bounds() -> None:
    first, second = parse_script("param a = 3\nparam b = -5 in -10..-1").statements
    assert first == ast.ParamDecl("a", n("3"))
    assert second == ast.ParamDecl("b", n("-5"), n("-10"), n("-1"))
    assert isinstance(second, ast.ParamDecl)
    assert second.default.value == Decimal(-5)
    assert second.default.span == Span(2, 11, 2, 13)


def test_number_underscores_compare_by_value_and_keep_spelling() -> None:
    value = expr_of("5_000_000")
    assert value == n("5000000")
    assert isinstance(value, ast.Number)
    assert value.text == "5_000_000"
    assert value.value == Decimal(5_000_000)


def test_universe_bars_and_time_rules() -> None:
    script = parse_script(
        "universe 005930.KRX, KRW-BTC.UPBIT\nbars 5 minutes\n"
        "no entries before 9:15\nno entries after 14:30\nflatten at 15:15\n"
    )
    universe, bars, before, after, flatten = script.statements
    assert universe == ast.UniverseDecl(("005930.KRX", "KRW-BTC.UPBIT"))
    assert isinstance(universe, ast.UniverseDecl)
    assert universe.instrument_spans[1] == Span(1, 22, 1, 35)
    assert bars == ast.BarsDecl(n("5"), "minutes")
    assert before == ast.TimeRule("no_entries_before", ast.TimeLiteral(9, 15))
    assert after == ast.TimeRule("no_entries_after", ast.TimeLiteral(14, 30))
    assert flatten == ast.TimeRule("flatten_at", ast.TimeLiteral(15, 15))
    assert isinstance(before, ast.TimeRule)
    assert before.time.text == "09:15"


def test_rules_for_both_sides() -> None:
    script = parse_script(
        "enter long when a\nexit long when b\nenter short when c\nexit short when d\n"
    )
    assert [(r.action, r.side) for r in script.statements if isinstance(r, ast.RuleDecl)] == [
        ("enter", "long"),
        ("exit", "long"),
        ("enter", "short"),
        ("exit", "short"),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("size 100 shares", ast.SizeDecl("units", n("100"), unit="shares")),
        ("size quantity shares", ast.SizeDecl("units", name("quantity"), unit="shares")),
        ("size 5_000_000 KRW", ast.SizeDecl("units", n("5000000"), unit="KRW")),
        ("size 10% of equity", ast.SizeDecl("equity", n("10"))),
        (
            "size risk 1% of equity per 2 * atr(14)",
            ast.SizeDecl(
                "risk",
                n("1"),
                per=ast.Binary("*", n("2"), ast.Call("atr", (ast.Argument(n("14")),))),
            ),
        ),
    ],
)
def test_size_forms(source: str, expected: ast.SizeDecl) -> None:
    assert parse_script(source).statements == (expected,)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("stop loss 2%", ast.StopDecl("stop_loss", percent=n("2"))),
        ("take profit pct%", ast.StopDecl("take_profit", percent=name("pct"))),
        (
            "trailing stop 3 * atr(14)",
            ast.StopDecl(
                "trailing_stop",
                distance=ast.Binary("*", n("3"), ast.Call("atr", (ast.Argument(n("14")),))),
            ),
        ),
        ("stop loss width", ast.StopDecl("stop_loss", distance=name("width"))),
    ],
)
def test_stop_forms(source: str, expected: ast.StopDecl) -> None:
    assert parse_script(source).statements == (expected,)


def test_arithmetic_precedence_and_left_associativity() -> None:
    assert expr_of("a - b - c * d / e") == ast.Binary(
        "-",
        ast.Binary("-", name("a"), name("b")),
        ast.Binary("/", ast.Binary("*", name("c"), name("d")), name("e")),
    )


def test_boolean_precedence_not_and_or() -> None:
    assert expr_of("not a > b and c or d") == ast.Logic(
        "or",
        ast.Logic("and", ast.Not(ast.Compare(">", name("a"), name("b"))), name("c")),
        name("d"),
    )


def test_parentheses_group_and_leave_no_node() -> None:
    assert expr_of("(a + b) * c") == ast.Binary(
        "*", ast.Binary("+", name("a"), name("b")), name("c")
    )
    assert expr_of("((a))") == name("a")


def test_unary_minus_binds_tighter_than_product_and_looser_than_lookback() -> None:
    assert expr_of("-a[1] * 2") == ast.Binary(
        "*", ast.Negate(ast.Lookback(name("a"), n("1"))), n("2")
    )


def test_crosses_above_and_below() -> None:
    assert expr_of("fast crosses above slow + 1") == ast.Cross(
        "above", name("fast"), ast.Binary("+", name("slow"), n("1"))
    )
    assert expr_of("a crosses below b") == ast.Cross("below", name("a"), name("b"))


def test_calls_with_positional_and_keyword_arguments_and_outputs() -> None:
    assert expr_of("bbands(close, 20, nbdev_up=2.5).upper[1]") == ast.Lookback(
        ast.Output(
            ast.Call(
                "bbands",
                (
                    ast.Argument(name("close")),
                    ast.Argument(n("20")),
                    ast.Argument(n("2.5"), "nbdev_up"),
                ),
            ),
            "upper",
        ),
        n("1"),
    )
    assert expr_of("atr()") == ast.Call("atr", ())


def test_literals() -> None:
    assert expr_of("true") == ast.BoolLiteral(True)
    assert expr_of("false") == ast.BoolLiteral(False)
    assert expr_of("09:30") == ast.TimeLiteral(9, 30)


def test_spans_point_at_tokens() -> None:
    (rule,) = parse_script("enter long when\n  fast_ma crosses above slow_ma").statements
    assert isinstance(rule, ast.RuleDecl)
    assert rule.span == Span(1, 1, 2, 32)
    condition = rule.condition
    assert isinstance(condition, ast.Cross)
    assert condition.span == Span(2, 3, 2, 32)
    assert condition.op_span == Span(2, 11, 2, 24)
    assert condition.right.span == Span(2, 25, 2, 32)


def test_statements_may_wrap_over_lines_and_comments_are_ignored() -> None:
    wrapped = parse_script(
        "# header\nenter long when a > b  # why\n    and c < d # more\nsize 1 shares\n"
    )
    flat = parse_script("enter long when a > b and c < d size 1 shares")
    assert wrapped == flat


def test_empty_and_comment_only_sources() -> None:
    assert parse_script("") == ast.Script(())
    assert parse_script("# nothing yet\n\n   # at all\n") == ast.Script(())


def test_context_words_remain_usable_as_names() -> None:
    # "risk", "long", "step" are keywords only where the grammar expects them
    script = parse_script("let risk = 1\nlet long = 2\nlet step = risk + long\n")
    assert [s.name for s in script.statements if isinstance(s, ast.LetDecl)] == [
        "risk",
        "long",
        "step",
    ]


@pytest.mark.parametrize("word", ["let", "and", "not", "crosses", "size", "flatten", "true"])
def test_reserved_words_cannot_be_names(word: str) -> None:
    with pytest.raises(DslError) as caught:
        parse_script(f"let {word} = 1\n")
    assert f"'{word}' is a reserved word" in caught.value.format()


def test_chained_comparisons_are_rejected() -> None:
    with pytest.raises(DslError):
        parse_script("let a = 1 < b < 3")
