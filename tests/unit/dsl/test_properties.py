"""Random valid expressions: they check, evaluate without exceptions, and the vectorised result
equals a bar-by-bar evaluation that follows the documented streaming semantics."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jts.dsl import ast
from jts.dsl.catalog import Catalog
from jts.dsl.formatter import format_expr
from jts.dsl.program import Program
from jts.dsl.signals import BarArrays, evaluate
from jts.dsl.typed import (
    Arith,
    BoolConst,
    Builtin,
    Compare,
    Const,
    Cross,
    Field,
    Indicator,
    LetRef,
    Logic,
    Lookback,
    Neg,
    Not,
    Param,
    TExpr,
)
from jts.indicators import default_registry

from . import strategies
from .conftest import SIZE, compile_ok

NAN = math.nan
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class BarByBar:
    """The streaming semantics, one bar at a time, written independently of `signals.py`:
    each node's value at bar ``i`` uses only bars ``<= i``; indicators are the library's
    streaming objects, updated only on bars where their source is known."""

    def __init__(self, program: Program, bars: BarArrays, params: dict[str, Decimal]):
        self.program = program
        self.bars = bars
        self.params = params
        self.memo: dict[tuple[TExpr, int], float] = {}
        self.indicators: dict[Indicator, list[tuple[float, ...]]] = {}
        self.registry = default_registry()

    def at(self, node: TExpr, i: int) -> float:
        if i < 0:
            return NAN
        key = (node, i)
        if key not in self.memo:
            self.memo[key] = self._at(node, i)
        return self.memo[key]

    def _at(self, node: TExpr, i: int) -> float:
        match node:
            case Const() | Param():
                return float(self.exact(node))
            case BoolConst():
                return 1.0 if node.value else 0.0
            case Field():
                return float(getattr(self.bars, node.name)[i])
            case LetRef():
                return self.at(self.program.let(node.name).value, i)
            case Indicator():
                outputs = node.signature.outputs
                values = self.indicator(node)[i]
                return values[outputs.index(node.output or outputs[0])]
            case Lookback():
                return self.at(node.target, i - int(self.exact(node.bars)))
            case Neg():
                return -self.at(node.operand, i)
            case Arith():
                a, b = self.at(node.left, i), self.at(node.right, i)
                if node.op == "/":
                    return NAN if b == 0 else a / b
                return {"+": a + b, "-": a - b, "*": a * b}[node.op]
            case Builtin():
                args = [self.at(a, i) for a in node.args]
                if any(math.isnan(a) for a in args):
                    return NAN
                if node.name == "abs":
                    return abs(args[0])
                return min(args) if node.name == "min" else max(args)
            case Compare():
                a, b = self.at(node.left, i), self.at(node.right, i)
                if math.isnan(a) or math.isnan(b):
                    return NAN
                ops = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
                ops |= {"==": a == b, "!=": a != b}
                return 1.0 if ops[node.op] else 0.0
            case Cross():
                now_a, now_b = self.at(node.left, i), self.at(node.right, i)
                was_a, was_b = self.at(node.left, i - 1), self.at(node.right, i - 1)
                if any(math.isnan(v) for v in (now_a, now_b, was_a, was_b)):
                    return NAN
                if node.direction == "above":
                    return 1.0 if now_a > now_b and was_a <= was_b else 0.0
                return 1.0 if now_a < now_b and was_a >= was_b else 0.0
            case Logic():
                a, b = self.at(node.left, i), self.at(node.right, i)
                if node.op == "and":
                    return 0.0 if 0.0 in (a, b) else (NAN if unknown_in(a, b) else 1.0)
                return 1.0 if 1.0 in (a, b) else (NAN if unknown_in(a, b) else 0.0)
            case Not():
                value = self.at(node.operand, i)
                return value if math.isnan(value) else 1.0 - value
        raise AssertionError(node)

    def exact(self, node: TExpr) -> Decimal:
        if isinstance(node, Const):
            return node.value
        assert isinstance(node, Param)
        return self.params[node.name]

    def indicator(self, node: Indicator) -> list[tuple[float, ...]]:
        key = Indicator(node.name, node.sources, node.params, None, node.signature)
        if key not in self.indicators:
            settings_ = {}
            for (name, value), spec in zip(node.params, node.signature.params, strict=True):
                exact = self.exact(value)
                settings_[name] = int(exact) if spec.integral else float(exact)
            live: Any = self.registry.create(node.name, **settings_)
            history: list[tuple[float, ...]] = []
            for i in range(len(self.bars)):
                inputs = [self.at(source, i) for source in node.sources]
                if any(math.isnan(v) for v in inputs):
                    history.append((NAN,) * len(node.signature.outputs))
                    continue
                live.update(*inputs)
                history.append(tuple(float(v) for v in live.values))
            self.indicators[key] = history
        return self.indicators[key]


def unknown_in(*values: float) -> bool:
    return any(math.isnan(v) for v in values)


@st.composite
def bar_arrays(draw: st.DrawFn) -> BarArrays:
    length = draw(st.integers(min_value=0, max_value=30))
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
    return BarArrays.of(
        open=np.roll(close, 1) if length else close,
        high=close + spread,
        low=close - spread,
        close=close,
        volume=volume,
    )


@given(
    number=strategies.numbers(),
    condition=strategies.conditions(),
    data=bar_arrays(),
    p=st.integers(0, 3),
)
@SETTINGS
def test_random_expressions_evaluate_like_bar_by_bar(
    number: ast.Expr, condition: ast.Expr, data: BarArrays, p: int, catalog: Catalog
) -> None:
    source = (
        strategies.PARAMS
        + f"let x = {format_expr(number)}\n"
        + f"let c = {format_expr(condition)}\n"
        + "enter long when c\nexit long when x > close\n"
        + SIZE
    )
    program = compile_ok(source, catalog)
    signals = evaluate(program, data, {"p": p})
    reference = BarByBar(program, data, {"p": Decimal(p)})
    for name in ("x", "c"):
        expected = [reference.at(program.let(name).value, i) for i in range(len(data))]
        np.testing.assert_array_equal(signals.series[name], np.asarray(expected, dtype=float))
    fired = [reference.at(program.rules[0].condition, i) == 1.0 for i in range(len(data))]
    assert signals.enter_long.tolist() == fired


def test_the_reference_itself_sees_warm_up_as_unknown(catalog: Catalog) -> None:
    program = compile_ok(SIZE + "let s = sma(close, 2)\nenter long when not s > 0\n", catalog)
    data = BarArrays.of(open=[1.0, 2], high=[1.0, 2], low=[1.0, 2], close=[1.0, 2], volume=[1, 1])
    reference = BarByBar(program, data, {})
    assert math.isnan(reference.at(program.rules[0].condition, 0))
    assert reference.at(program.rules[0].condition, 1) == 0.0
    assert evaluate(program, data).enter_long.tolist() == [False, False]
