"""Constraints between parameters: ``--constraint "fast < slow"``.

A combination that breaks a constraint is *skipped* (counted under the constraint's text in the
sweep summary) instead of being run or failing the sweep. The expression language is a small,
safe subset of Python's, evaluated exactly over the combination's values (never ``eval``):

- names of swept parameters; numbers (exact decimals) and quoted text;
- ``+ - * / %`` and unary ``-``; comparisons, chained too (``5 <= fast < slow``);
- ``and``, ``or``, ``not`` and parentheses.

    --constraint "fast < slow" --constraint "slow - fast >= 5"
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Collection
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any, Final

from jts.backtest.sweeps.errors import ConstraintError
from jts.backtest.sweeps.space import Params, ParamValue

__all__ = ["Constraint"]

_Value = Decimal | str | bool

_COMPARE: Final[dict[type[ast.cmpop], Callable[[Any, Any], bool]]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: Final[dict[type[ast.operator], Callable[[Any, Any], Any]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}


class Constraint:
    """One parsed constraint; `holds` tells whether a combination satisfies it."""

    def __init__(self, text: str, names: Collection[str]) -> None:
        self.text = text.strip()
        if not self.text:
            raise ConstraintError("--constraint is empty")
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise ConstraintError(
                f"--constraint {self.text!r} is not an expression: {exc.msg}"
            ) from None
        self._tree = tree.body
        self._check(self._tree, frozenset(names))

    def __repr__(self) -> str:
        return f"Constraint({self.text!r})"

    def _fail(self, node: ast.AST, why: str) -> ConstraintError:
        part = ast.get_source_segment(self.text, node) or type(node).__name__
        return ConstraintError(f"--constraint {self.text!r}: {why}: {part}")

    def _check(self, node: ast.AST, names: frozenset[str]) -> None:
        if isinstance(node, ast.Name):
            if node.id not in names:
                listed = ", ".join(sorted(names)) or "none"
                raise self._fail(node, f"not a swept parameter (have: {listed})")
            return
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float | str):
                raise self._fail(node, "only numbers and quoted text are allowed")
            return
        if isinstance(node, ast.BoolOp | ast.Compare | ast.BinOp | ast.UnaryOp):
            if isinstance(node, ast.Compare) and not all(type(op) in _COMPARE for op in node.ops):
                raise self._fail(node, "only < <= > >= == != compare")
            if isinstance(node, ast.BinOp) and type(node.op) not in _ARITHMETIC:
                raise self._fail(node, "only + - * / % are allowed")
            if isinstance(node, ast.UnaryOp) and not isinstance(
                node.op, ast.Not | ast.USub | ast.UAdd
            ):
                raise self._fail(node, "only not, - and + apply to one value")
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.cmpop | ast.operator | ast.unaryop | ast.boolop):
                    self._check(child, names)
            return
        raise self._fail(node, "not allowed in a constraint")

    def holds(self, params: Params) -> bool:
        """Whether ``params`` satisfy the constraint; a type mismatch (text compared with a
        number) or a division by zero is a `ConstraintError` naming the values."""
        try:
            return bool(self._eval(self._tree, params))
        except (TypeError, InvalidOperation, DivisionByZero, ZeroDivisionError) as exc:
            shown = ", ".join(f"{k}={v}" for k, v in params.items())
            raise ConstraintError(
                f"--constraint {self.text!r} cannot be evaluated for {shown}: {exc}"
            ) from None

    def _eval(self, node: ast.AST, params: Params) -> _Value:
        if isinstance(node, ast.Name):
            return _exact(params[node.id])
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value
            return Decimal(ast.get_source_segment(self.text, node) or str(node.value))
        if isinstance(node, ast.BoolOp):
            results = (self._eval(v, params) for v in node.values)
            return all(results) if isinstance(node.op, ast.And) else any(results)
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, params)
            if isinstance(node.op, ast.Not):
                return not operand
            if isinstance(operand, str | bool):
                raise TypeError(f"cannot negate {operand!r}")
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, params), self._eval(node.right, params)
            if not isinstance(left, Decimal) or not isinstance(right, Decimal):
                raise TypeError(f"arithmetic needs numbers, got {left!r} and {right!r}")
            result: Decimal = _ARITHMETIC[type(node.op)](left, right)
            return result
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, params)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self._eval(comparator, params)
                if isinstance(left, str) != isinstance(right, str) and not isinstance(
                    op, ast.Eq | ast.NotEq
                ):
                    raise TypeError(f"cannot order {left!r} against {right!r}")
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        raise AssertionError(f"unchecked node {type(node).__name__}")  # _check refused it


def _exact(value: ParamValue) -> Decimal | str:
    if isinstance(value, str):
        return value
    return Decimal(value)
