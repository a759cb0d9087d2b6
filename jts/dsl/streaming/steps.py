"""The vocabulary of a plan: value slots, per-bar steps, and the scalar float semantics.

A step reads and writes numbered slots of one list of values; `jts.dsl.streaming.runtime`
turns each into a closure. The scalar functions here are where the few corner cases numpy
decides for the vectorised evaluator are pinned down once (a division by zero is unknown,
``np.minimum`` returns its right side on a tie of ``0.0`` and ``-0.0``, Kleene logic); planning
folds constants with them, and the runtime's closures inline the same expressions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import isnan
from typing import Final, Literal, TypeAlias

from jts.indicators import BaseIndicator

__all__ = [
    "CLOSE",
    "DAY",
    "FIELD_SLOTS",
    "FIXED_SLOTS",
    "HIGH",
    "LOW",
    "NAN",
    "OPEN",
    "SECOND",
    "VOLUME",
    "ArithStep",
    "BuiltinStep",
    "CompareStep",
    "CrossStep",
    "IndicatorSpec",
    "IndicatorStep",
    "LagStep",
    "LogicStep",
    "NegStep",
    "NotStep",
    "RingSpec",
    "SessionRangeStep",
    "Step",
    "arith",
    "compare",
    "logic",
    "maximum",
    "minimum",
]

NAN: Final = math.nan

#: Fixed slots the runtime writes before the steps run: the bar's fields, then its KST day
#: number (an int: the ``session`` input of indicators) and second of the KST day.
OPEN, HIGH, LOW, CLOSE, VOLUME, DAY, SECOND = range(7)
FIELD_SLOTS: Final = {"open": OPEN, "high": HIGH, "low": LOW, "close": CLOSE, "volume": VOLUME}
FIXED_SLOTS: Final = 7


# ------------------------------------------------------------------------------ float semantics


def arith(op: str, left: float, right: float) -> float:
    """IEEE float64 ``+ - * /``; a division by zero (either sign) is unknown, never infinite."""
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return NAN if right == 0.0 else left / right


def minimum(left: float, right: float) -> float:
    """``np.minimum``: NaN if either side is NaN; on a tie (``0.0`` and ``-0.0``) the right side."""
    if isnan(left) or isnan(right):
        return NAN
    return left if left < right else right


def maximum(left: float, right: float) -> float:
    """``np.maximum``: NaN if either side is NaN; on a tie the right side."""
    if isnan(left) or isnan(right):
        return NAN
    return left if left > right else right


def compare(op: str, left: float, right: float) -> float:
    if isnan(left) or isnan(right):
        return NAN
    if op == "<":
        result = left < right
    elif op == "<=":
        result = left <= right
    elif op == ">":
        result = left > right
    elif op == ">=":
        result = left >= right
    elif op == "==":
        result = left == right
    else:
        result = left != right
    return 1.0 if result else 0.0


def logic(op: str, left: float, right: float) -> float:
    """Kleene: a decided side wins over an unknown one."""
    decided = 0.0 if op == "and" else 1.0
    if decided in (left, right):
        return decided
    if isnan(left) or isnan(right):
        return NAN
    return 1.0 - decided


# ---------------------------------------------------------------------------------------- steps


@dataclass(frozen=True, slots=True)
class IndicatorStep:
    """Update indicator ``index`` with the values of ``inputs`` (skipped, all outputs unknown,
    when an input listed in ``checked`` is NaN) and write its outputs to ``outputs``."""

    index: int
    inputs: tuple[int, ...]
    checked: tuple[int, ...]
    outputs: tuple[int, ...]
    form: Literal["number", "bool", "multi"]


@dataclass(frozen=True, slots=True)
class SessionRangeStep:
    """``high_between``/``low_between``: session index ``index`` holds the day's extreme."""

    index: int
    extreme: Literal["high", "low"]
    start: int
    end: int
    out: int


@dataclass(frozen=True, slots=True)
class LagStep:
    """``x[lag]``: read ring ``ring``, which keeps the last values of x's slot."""

    ring: int
    lag: int
    out: int


@dataclass(frozen=True, slots=True)
class ArithStep:
    op: Literal["+", "-", "*", "/"]
    left: int
    right: int
    out: int


@dataclass(frozen=True, slots=True)
class NegStep:
    operand: int
    out: int


@dataclass(frozen=True, slots=True)
class BuiltinStep:
    name: Literal["abs", "min", "max"]
    args: tuple[int, ...]
    out: int


@dataclass(frozen=True, slots=True)
class CompareStep:
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    left: int
    right: int
    out: int


@dataclass(frozen=True, slots=True)
class CrossStep:
    """Now from the slots, one bar ago from the rings (None: a constant side, whose previous
    value is itself)."""

    direction: Literal["above", "below"]
    left: int
    right: int
    left_ring: int | None
    right_ring: int | None
    out: int


@dataclass(frozen=True, slots=True)
class LogicStep:
    op: Literal["and", "or"]
    left: int
    right: int
    out: int


@dataclass(frozen=True, slots=True)
class NotStep:
    operand: int
    out: int


Step: TypeAlias = (
    IndicatorStep
    | SessionRangeStep
    | LagStep
    | ArithStep
    | NegStep
    | BuiltinStep
    | CompareStep
    | CrossStep
    | LogicStep
    | NotStep
)


@dataclass(frozen=True, slots=True)
class RingSpec:
    """The last ``depth`` values of slot ``source``, written after every bar's steps ran."""

    source: int
    depth: int


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One streaming indicator to build per instrument: its class and resolved settings."""

    cls: type[BaseIndicator]
    settings: tuple[tuple[str, int | float | str], ...]

    def create(self) -> BaseIndicator:
        return self.cls(**dict(self.settings))
