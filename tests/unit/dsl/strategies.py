"""Hypothesis strategies for random *valid* DSL expressions (syntax trees that type-check).

The language needs a series (something that varies bar by bar) in some places: a look-back
target, an indicator source, one side of ``crosses``. So each kind of expression has two
strategies, any and series-only, built so that no draw is ever filtered out. The parameter
``p`` (a whole number in 0..3) is in scope.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from jts.dsl import ast

PARAMS = "param p = 2 in 0..3\n"
Expr = st.SearchStrategy[ast.Expr]

_FIELDS = ("open", "high", "low", "close", "volume")


def _number(value: str) -> ast.Number:
    return ast.Number(Decimal(value), value)


def _call(name: str, *args: ast.Expr) -> ast.Call:
    return ast.Call(name, tuple(ast.Argument(a) for a in args))


_fields: Expr = st.sampled_from(_FIELDS).map(ast.Name)
_constants: Expr = st.one_of(
    st.sampled_from(["0", "1", "2", "3", "0.5", "1.25", "100"]).map(_number),
    st.just(ast.Name("p")),
)
_binary_ops = st.sampled_from(["+", "-", "*", "/"])
_bars_back: Expr = st.one_of(
    st.sampled_from(["0", "1", "2", "3"]).map(_number), st.just(ast.Name("p"))
)
_periods: Expr = st.sampled_from(["1", "2", "3", "4"]).map(_number)


def series_numbers(depth: int) -> Expr:
    if depth <= 0:
        return _fields
    series, anything = series_numbers(depth - 1), numbers(depth - 1)
    return st.one_of(
        _fields,
        st.builds(ast.Binary, _binary_ops, series, anything),
        st.builds(ast.Binary, _binary_ops, anything, series),
        st.builds(ast.Negate, series),
        st.builds(ast.Lookback, series, _bars_back),
        st.builds(_call, st.sampled_from(["sma", "ema", "highest"]), series, _periods),
        st.builds(
            ast.Output,
            st.builds(_call, st.just("bbands"), series, _periods),
            st.sampled_from(["upper", "middle", "lower"]),
        ),
        st.builds(_call, st.just("abs"), series),
        st.builds(_call, st.sampled_from(["min", "max"]), series, anything),
        st.just(_call("atr", _number("2"))),
    )


def numbers(depth: int = 3) -> Expr:
    if depth <= 0:
        return st.one_of(_fields, _constants)
    constants = st.one_of(_constants, st.builds(ast.Binary, _binary_ops, _constants, _constants))
    return st.one_of(constants, series_numbers(depth))


def series_conditions(depth: int) -> Expr:
    series, anything = series_numbers(max(depth - 1, 0)), numbers(max(depth - 1, 0))
    compare_ops = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])
    leaves = st.one_of(
        st.builds(ast.Compare, compare_ops, series, anything),
        st.builds(ast.Compare, compare_ops, anything, series),
        st.builds(ast.Cross, st.sampled_from(["above", "below"]), series, anything),
    )
    if depth <= 0:
        return leaves
    sub_series, sub_any = series_conditions(depth - 1), conditions(depth - 1)
    logic_ops = st.sampled_from(["and", "or"])
    return st.one_of(
        leaves,
        st.builds(ast.Logic, logic_ops, sub_series, sub_any),
        st.builds(ast.Logic, logic_ops, sub_any, sub_series),
        st.builds(ast.Not, sub_series),
        st.builds(ast.Lookback, sub_series, st.sampled_from(["0", "1", "2"]).map(_number)),
    )


def conditions(depth: int = 3) -> Expr:
    literals = st.booleans().map(ast.BoolLiteral)
    if depth <= 0:
        return st.one_of(literals, series_conditions(0))
    return st.one_of(
        literals,
        st.builds(ast.Not, literals),
        series_conditions(depth),
    )
