"""Constant expressions: literals and parameters, and arithmetic on them, computed exactly.

Indicator settings, look-backs, sizes and percentages are constants. The checker folds the
literal ones to check them before anything runs; a run folds the rest once its parameter
values are known. Both use `fold`, in `Decimal`, so ``0.1 + 0.2`` is exactly ``0.3``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from jts.dsl.program import Parameter
from jts.dsl.typed import Arith, Builtin, Const, Neg, Param, TExpr

__all__ = ["fold", "param_bounds", "params_in"]


def param_bounds(parameter: Parameter) -> tuple[Decimal, Decimal]:
    """The smallest and largest value a parameter can take in any run or sweep."""
    low = parameter.low if parameter.low is not None else parameter.default
    high = parameter.high if parameter.high is not None else parameter.default
    return low, high


def fold(node: TExpr, params: Mapping[str, Decimal] | None = None) -> Decimal | None:
    """The exact value of a constant made of literals (``0 - 1``), or also of parameters when
    ``params`` gives their values; None for anything else."""
    match node:
        case Const():
            return node.value
        case Param():
            return None if params is None else params.get(node.name)
        case Neg():
            inner = fold(node.operand, params)
            return None if inner is None else -inner
        case Arith():
            left, right = fold(node.left, params), fold(node.right, params)
            if left is None or right is None:
                return None
            if node.op == "+":
                return left + right
            if node.op == "-":
                return left - right
            if node.op == "*":
                return left * right
            return None if right == 0 else left / right
        case Builtin():
            args = [fold(a, params) for a in node.args]
            if any(a is None for a in args):
                return None
            known = [a for a in args if a is not None]
            if node.name == "abs":
                return abs(known[0])
            return min(known) if node.name == "min" else max(known)
    return None


def params_in(node: TExpr) -> list[Param]:
    """The parameters a constant expression uses, in order (with repeats)."""
    match node:
        case Param():
            return [node]
        case Neg():
            return params_in(node.operand)
        case Arith():
            return params_in(node.left) + params_in(node.right)
        case Builtin():
            return [p for a in node.args for p in params_in(a)]
    return []
