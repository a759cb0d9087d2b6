"""Checked, typed expressions: the tree both compilers walk.

Every node knows its `Type` and every name is resolved: a bar field is a `Field`, a parameter a
`Param`, a ``let`` a `LetRef`, an indicator call an `Indicator` holding its signature, its
source(s) and its parameter expressions. Nodes are frozen and hashable, and structurally equal
nodes compute the same series, so a compiler can share one indicator instance (or one computed
array) between equal nodes: ``sma(close, 10)`` written twice is computed once.

Value model (see docs/dsl.md, "Semantics"):

- a *number series* is one float per bar, NaN while unknown (warm-up, look-back before the
  first bar, division by zero);
- a *condition* is three-valued per bar: true, false or unknown; ``and``/``or``/``not`` follow
  Kleene logic (``false and unknown`` is false, ``true or unknown`` is true, ``not unknown`` is
  unknown), and a rule fires only where its condition is *true*;
- *constants* (literals, parameters, arithmetic on them) are known before the run: they are
  what indicator parameters, look-backs, sizes and percentages are made of.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

from jts.dsl.catalog import IndicatorSignature

__all__ = [
    "Arith",
    "BoolConst",
    "Builtin",
    "Choice",
    "Compare",
    "Const",
    "Cross",
    "Field",
    "Indicator",
    "Invalid",
    "Kind",
    "LetRef",
    "Logic",
    "Lookback",
    "Neg",
    "Not",
    "Param",
    "SessionDay",
    "SessionRange",
    "TExpr",
    "TimeConst",
    "Type",
]


class Kind(enum.Enum):
    """What a value is; the enum value is how messages name it."""

    NUMBER = "a number"
    BOOL = "true/false"
    TIME = "a time of day"
    CHOICE = "a choice"
    BUNDLE = "an indicator with several outputs"
    ERROR = "an invalid value"


@dataclass(frozen=True, slots=True)
class Type:
    """``series``: varies bar by bar; else a constant known before the run.
    ``integral``: a whole number (tracked for constants, which may size or index things)."""

    kind: Kind
    series: bool
    integral: bool = False

    def describe(self) -> str:
        return self.kind.value


ERROR_TYPE = Type(Kind.ERROR, series=False)
NUMBER_SERIES = Type(Kind.NUMBER, series=True)
BOOL_SERIES = Type(Kind.BOOL, series=True)


@dataclass(frozen=True, slots=True)
class Const:
    value: Decimal

    @property
    def type(self) -> Type:
        return Type(Kind.NUMBER, False, self.value == self.value.to_integral_value())


@dataclass(frozen=True, slots=True)
class BoolConst:
    value: bool

    @property
    def type(self) -> Type:
        return Type(Kind.BOOL, False)


@dataclass(frozen=True, slots=True)
class TimeConst:
    """A KST time of day; only `SessionRange` takes one."""

    value: dt.time

    @property
    def type(self) -> Type:
        return Type(Kind.TIME, False)


@dataclass(frozen=True, slots=True)
class Choice:
    """A bare word naming one of a choice parameter's values: ``matype=ema``."""

    value: str

    @property
    def type(self) -> Type:
        return Type(Kind.CHOICE, False)


@dataclass(frozen=True, slots=True)
class SessionDay:
    """The KST trading day of each bar (days since 1970-01-01), fed to indicators that reset
    every session; never written by the trader."""

    @property
    def type(self) -> Type:
        return NUMBER_SERIES


@dataclass(frozen=True, slots=True)
class Param:
    """A strategy parameter; its value is fixed for one run and varies across a sweep."""

    name: str
    integral: bool

    @property
    def type(self) -> Type:
        return Type(Kind.NUMBER, False, self.integral)


@dataclass(frozen=True, slots=True)
class Field:
    """A bar field: ``open``, ``high``, ``low``, ``close``, ``volume``."""

    name: Literal["open", "high", "low", "close", "volume"]

    @property
    def type(self) -> Type:
        return NUMBER_SERIES


@dataclass(frozen=True, slots=True)
class LetRef:
    """A reference to a ``let`` of the program (by name; ``Program.let(name)`` has its value)."""

    name: str
    value_type: Type

    @property
    def type(self) -> Type:
        return self.value_type


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator applied to ``sources`` with constant ``params``.

    ``sources`` line up with ``signature.inputs`` (implicit inputs are `Field` or `SessionDay`
    nodes); ``params`` are all of the signature's, defaults filled in, in its order. ``output``
    picks one output of a several-output indicator; None for a one-output indicator (or a
    bundle, before an output is picked)."""

    name: str
    sources: tuple[TExpr, ...]
    params: tuple[tuple[str, TExpr], ...]
    output: str | None
    signature: IndicatorSignature = field(compare=False, hash=False, repr=False)

    @property
    def type(self) -> Type:
        if self.signature.multi_output and self.output is None:
            return Type(Kind.BUNDLE, True)
        return BOOL_SERIES if self.signature.output_kind == "bool" else NUMBER_SERIES


@dataclass(frozen=True, slots=True)
class SessionRange:
    """``high_between(09:00, 09:30)``: the highest high (or lowest low) of today's bars that
    close after ``start`` and at or before ``end``, known from the bar closing at ``end``."""

    extreme: Literal["high", "low"]
    start: dt.time
    end: dt.time

    @property
    def type(self) -> Type:
        return NUMBER_SERIES


@dataclass(frozen=True, slots=True)
class Builtin:
    """``abs(x)``, ``min(a, b, ...)``, ``max(a, b, ...)``."""

    name: Literal["abs", "min", "max"]
    args: tuple[TExpr, ...]

    @property
    def type(self) -> Type:
        series = any(a.type.series for a in self.args)
        return Type(Kind.NUMBER, series, all(a.type.integral for a in self.args))


@dataclass(frozen=True, slots=True)
class Lookback:
    """``target[bars]``; ``bars`` is a whole constant >= 0 (a literal or an int parameter)."""

    target: TExpr
    bars: TExpr

    @property
    def type(self) -> Type:
        return self.target.type


@dataclass(frozen=True, slots=True)
class Neg:
    operand: TExpr

    @property
    def type(self) -> Type:
        return self.operand.type


@dataclass(frozen=True, slots=True)
class Arith:
    op: Literal["+", "-", "*", "/"]
    left: TExpr
    right: TExpr

    @property
    def type(self) -> Type:
        left, right = self.left.type, self.right.type
        integral = left.integral and right.integral and self.op != "/"
        return Type(Kind.NUMBER, left.series or right.series, integral)


@dataclass(frozen=True, slots=True)
class Compare:
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    left: TExpr
    right: TExpr

    @property
    def type(self) -> Type:
        return Type(Kind.BOOL, self.left.type.series or self.right.type.series)


@dataclass(frozen=True, slots=True)
class Cross:
    """``left crosses above right``: above now, at or below one bar ago (``below`` mirrored)."""

    direction: Literal["above", "below"]
    left: TExpr
    right: TExpr

    @property
    def type(self) -> Type:
        return BOOL_SERIES


@dataclass(frozen=True, slots=True)
class Logic:
    op: Literal["and", "or"]
    left: TExpr
    right: TExpr

    @property
    def type(self) -> Type:
        return Type(Kind.BOOL, self.left.type.series or self.right.type.series)


@dataclass(frozen=True, slots=True)
class Not:
    operand: TExpr

    @property
    def type(self) -> Type:
        return self.operand.type


@dataclass(frozen=True, slots=True)
class Invalid:
    """Stands in for an expression that already has a diagnostic, so errors do not cascade."""

    @property
    def type(self) -> Type:
        return ERROR_TYPE


TExpr: TypeAlias = (
    Const
    | Choice
    | SessionDay
    | BoolConst
    | TimeConst
    | Param
    | Field
    | LetRef
    | Indicator
    | SessionRange
    | Builtin
    | Lookback
    | Neg
    | Arith
    | Compare
    | Cross
    | Logic
    | Not
    | Invalid
)
