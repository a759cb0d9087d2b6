"""A checked strategy: what the streaming compiler and the vectorised evaluator both consume.

Everything here has passed the checker: names are resolved, types agree, parameter defaults lie
in their ranges, sizes and percentages are positive. Amounts that size orders or place stops are
exact (`Decimal` literals or parameters), never floats; only the per-bar signal arithmetic is
floating point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data.bars import BarSpecification
from jts.domain.values import Currency
from jts.dsl.errors import DslRuntimeError
from jts.dsl.typed import Const, Param, TExpr

__all__ = [
    "Let",
    "Parameter",
    "Program",
    "Rule",
    "Scalar",
    "SizeEquityPercent",
    "SizeRisk",
    "SizeShares",
    "SizeValue",
    "Sizing",
    "Stop",
    "TimeRules",
    "resolve_scalar",
]

#: An exact amount known before the run: a literal or a parameter.
Scalar: TypeAlias = Const | Param
ParamValue: TypeAlias = int | Decimal


@dataclass(frozen=True, slots=True)
class Parameter:
    """``param fast = 10 in 2..50 step 2``: a default and, for sweeps, a range and a step.

    ``integral`` parameters take whole numbers only (their default, bounds and step are all
    written without a decimal point).
    """

    name: str
    integral: bool
    default: Decimal
    low: Decimal | None = None
    high: Decimal | None = None
    step: Decimal | None = None

    def coerce(self, value: object) -> Decimal:
        """A caller's value (CLI, sweep) as an exact Decimal, refused when off type or range."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise DslRuntimeError(
                f"parameter {self.name!r} takes an int, Decimal or numeric text, "
                f"got {type(value).__name__} {value!r} (floats are refused: they are inexact)"
            )
        try:
            exact = Decimal(value.replace("_", "")) if isinstance(value, str) else Decimal(value)
        except ArithmeticError:
            raise DslRuntimeError(f"parameter {self.name!r}: {value!r} is not a number") from None
        if not exact.is_finite():
            raise DslRuntimeError(f"parameter {self.name!r} must be finite, got {value!r}")
        if self.integral and exact != exact.to_integral_value():
            raise DslRuntimeError(f"parameter {self.name!r} takes whole numbers, got {value}")
        if self.low is not None and self.high is not None and not self.low <= exact <= self.high:
            raise DslRuntimeError(
                f"parameter {self.name!r} = {value} is outside its range {self.low}..{self.high}"
            )
        return exact

    def grid(self) -> tuple[Decimal, ...]:
        """Every value of the sweep range: low, low + step, ... up to high (step 1 for ints)."""
        if self.low is None or self.high is None:
            return (self.default,)
        step = self.step if self.step is not None else (Decimal(1) if self.integral else None)
        if step is None:
            raise DslRuntimeError(
                f"parameter {self.name!r} has a decimal range {self.low}..{self.high} but no "
                f"step; write e.g. 'in {self.low}..{self.high} step 0.5' to sweep it"
            )
        values: list[Decimal] = []
        value = self.low
        while value <= self.high:
            values.append(value)
            value += step
        return tuple(values)


@dataclass(frozen=True, slots=True)
class Let:
    """``let name = value``; lets are listed in source order, each using only earlier names."""

    name: str
    value: TExpr
    line: int


@dataclass(frozen=True, slots=True)
class Rule:
    """``enter long when condition``; several rules for one action and side are or-ed."""

    action: Literal["enter", "exit"]
    side: Literal["long", "short"]
    condition: TExpr
    line: int


@dataclass(frozen=True, slots=True)
class SizeShares:
    """``size 100 shares``: a fixed number of shares (units of the instrument)."""

    quantity: Scalar


@dataclass(frozen=True, slots=True)
class SizeValue:
    """``size 5_000_000 KRW``: as many whole units as that amount buys at the entry price."""

    amount: Scalar
    currency: Currency


@dataclass(frozen=True, slots=True)
class SizeEquityPercent:
    """``size 10% of equity``: as many whole units as that share of equity buys."""

    percent: Scalar


@dataclass(frozen=True, slots=True)
class SizeRisk:
    """``size risk 1% of equity per 2 * atr(14)``: units = equity * percent / 100 / per,
    where ``per`` (the loss per unit the trader accepts, in price) is read at the entry bar."""

    percent: Scalar
    per: TExpr


Sizing: TypeAlias = SizeShares | SizeValue | SizeEquityPercent | SizeRisk


@dataclass(frozen=True, slots=True)
class Stop:
    """A protective exit, for long and short alike.

    ``percent`` is a distance from the entry price in percent; ``distance`` an expression in
    price units (``3 * atr(14)``) read at the entry bar and then fixed. A trailing stop keeps
    that distance from the best price since entry.
    """

    kind: Literal["stop_loss", "take_profit", "trailing_stop"]
    percent: Scalar | None = None
    distance: TExpr | None = None


@dataclass(frozen=True, slots=True)
class TimeRules:
    """KST times of day, compared with each bar's close time.

    No entry on a bar closing before ``no_entries_before`` or after ``no_entries_after``; from
    the first bar closing at or after ``flatten_at``, every position is closed and no entry is
    made for the rest of that day.
    """

    no_entries_before: dt.time | None = None
    no_entries_after: dt.time | None = None
    flatten_at: dt.time | None = None

    @property
    def any(self) -> bool:
        return any(t is not None for t in (self.no_entries_before, self.no_entries_after)) or (
            self.flatten_at is not None
        )


@dataclass(frozen=True, slots=True)
class Program:
    """The checked strategy. ``universe`` and ``bar_spec`` are empty/None when the file leaves
    them to the runner (``jts backtest --instrument ... --bars ...``)."""

    params: tuple[Parameter, ...]
    universe: tuple[InstrumentId, ...]
    bar_spec: BarSpecification | None
    lets: tuple[Let, ...]
    rules: tuple[Rule, ...]
    sizing: Sizing
    stops: tuple[Stop, ...]
    time_rules: TimeRules

    def param(self, name: str) -> Parameter:
        for parameter in self.params:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    def let(self, name: str) -> Let:
        for binding in self.lets:
            if binding.name == name:
                return binding
        raise KeyError(name)

    def rules_for(
        self, action: Literal["enter", "exit"], side: Literal["long", "short"]
    ) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.action == action and r.side == side)

    def stop(self, kind: Literal["stop_loss", "take_profit", "trailing_stop"]) -> Stop | None:
        return next((s for s in self.stops if s.kind == kind), None)

    def defaults(self) -> dict[str, Decimal]:
        return {p.name: p.default for p in self.params}

    def bind(self, overrides: Mapping[str, object] | None = None) -> dict[str, Decimal]:
        """All parameter values for one run: defaults, with ``overrides`` checked and applied."""
        values = self.defaults()
        for name, value in (overrides or {}).items():
            try:
                parameter = self.param(name)
            except KeyError:
                known = ", ".join(p.name for p in self.params) or "none"
                raise DslRuntimeError(
                    f"unknown parameter {name!r}; this strategy's parameters: {known}"
                ) from None
            values[name] = parameter.coerce(value)
        return values

    def sweep_grid(self) -> Iterator[dict[str, Decimal]]:
        """Every combination of every parameter's grid, in a stable order."""
        combos: list[dict[str, Decimal]] = [{}]
        for parameter in self.params:
            combos = [{**c, parameter.name: v} for c in combos for v in parameter.grid()]
        yield from combos


def resolve_scalar(scalar: Scalar, params: Mapping[str, Decimal]) -> Decimal:
    """The exact value of a size or percent amount for one run."""
    if isinstance(scalar, Const):
        return scalar.value
    return params[scalar.name]
