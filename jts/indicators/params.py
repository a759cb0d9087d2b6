"""Indicator parameters: declared once on the class, validated once, described for the DSL.

A parameter is a class attribute (``period = IntParam(14, minimum=2)``). The same declaration
gives the constructor its validation, gives the instance a typed read-only attribute
(``self.period`` is an ``int``), and gives the registry the metadata (type, default, range) that
the strategy DSL needs to type-check a call before anything runs. Nothing is coerced silently:
``period=14.0`` is refused, not truncated, because a float where an int belongs is usually a bug
in the caller.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from jts.indicators.errors import IndicatorParameterError

T = TypeVar("T", int, float, str)

#: TA-Lib's upper bound on periods; also keeps a typo (period=1e9) from allocating gigabytes.
MAX_PERIOD = 100_000


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """What a parameter accepts, in a form the DSL can check and print."""

    name: str
    type: type[int] | type[float] | type[str]
    default: int | float | str
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_inclusive: bool = True
    choices: tuple[str, ...] | None = None
    doc: str = ""

    def describe(self) -> str:
        """The rule in words, e.g. ``an int in 2..100000`` or ``a float > 0``."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        noun = "an int" if self.type is int else "a float"
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None and self.min_inclusive:
            return f"{noun} in {lo}..{hi}"
        parts = []
        if lo is not None:
            parts.append(f"{'>=' if self.min_inclusive else '>'} {lo}")
        if hi is not None:
            parts.append(f"<= {hi}")
        return f"{noun} {' and '.join(parts)}" if parts else noun


class Param(Generic[T]):
    """A declared parameter; a descriptor that reads the validated value from the instance."""

    __slots__ = ("default", "doc", "maximum", "min_inclusive", "minimum", "name")

    def __init__(
        self,
        default: T,
        *,
        minimum: int | float | None = None,
        maximum: int | float | None = None,
        min_inclusive: bool = True,
        doc: str = "",
    ) -> None:
        self.name = ""
        self.default: T = default
        self.minimum = minimum
        self.maximum = maximum
        self.min_inclusive = min_inclusive
        self.doc = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Param[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Param[T] | T:
        if obj is None:
            return self
        value: T = obj._params[self.name]  # type: ignore[attr-defined]
        return value

    def coerce(self, indicator: str, value: object) -> T:
        """The validated value, or an `IndicatorParameterError` naming the rule it broke."""
        raise NotImplementedError

    def spec(self) -> ParamSpec:
        raise NotImplementedError

    def _fail(self, indicator: str, value: object) -> IndicatorParameterError:
        return IndicatorParameterError(
            indicator,
            self.name,
            f"parameter {self.name!r} must be {self.spec().describe()}, got {value!r}",
        )

    def _check_range(self, indicator: str, value: float, raw: object) -> None:
        lo, hi = self.minimum, self.maximum
        if lo is not None and (value < lo if self.min_inclusive else value <= lo):
            raise self._fail(indicator, raw)
        if hi is not None and value > hi:
            raise self._fail(indicator, raw)


class IntParam(Param[int]):
    """An integer parameter (periods, counts); bools and floats are refused."""

    __slots__ = ()

    def coerce(self, indicator: str, value: object) -> int:
        # numbers.Integral admits numpy integers (a sweep grid often yields them) but not floats.
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self._fail(indicator, value)
        result = int(value)
        self._check_range(indicator, result, value)
        return result

    def spec(self) -> ParamSpec:
        return ParamSpec(
            self.name,
            int,
            self.default,
            self.minimum,
            self.maximum,
            self.min_inclusive,
            None,
            self.doc,
        )


class FloatParam(Param[float]):
    """A real parameter (multipliers, factors); ints are accepted, NaN and infinities are not."""

    __slots__ = ()

    def coerce(self, indicator: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self._fail(indicator, value)
        result = float(value)
        if not math.isfinite(result):
            raise self._fail(indicator, value)
        self._check_range(indicator, result, value)
        return result

    def spec(self) -> ParamSpec:
        return ParamSpec(
            self.name,
            float,
            float(self.default),
            self.minimum,
            self.maximum,
            self.min_inclusive,
            None,
            self.doc,
        )


class ChoiceParam(Param[str]):
    """A parameter that takes one of a few names (a moving-average kind)."""

    __slots__ = ("choices",)

    def __init__(self, default: str, choices: tuple[str, ...], *, doc: str = "") -> None:
        super().__init__(default, doc=doc)
        self.choices = choices

    def coerce(self, indicator: str, value: object) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self._fail(indicator, value)
        return value

    def spec(self) -> ParamSpec:
        return ParamSpec(self.name, str, self.default, None, None, True, self.choices, self.doc)


def bind_params(
    indicator: str,
    decls: tuple[Param[Any], ...],
    args: tuple[object, ...],
    kwargs: dict[str, object],
) -> dict[str, Any]:
    """Positional and keyword arguments -> validated values for every declared parameter.

    Positional arguments follow declaration order, as in a plain function call, so both
    ``SMA(10)`` and ``SMA(period=10)`` work and the DSL can report wrong arity precisely.
    """
    names = tuple(d.name for d in decls)
    if len(args) > len(decls):
        raise IndicatorParameterError(
            indicator,
            None,
            f"takes at most {len(decls)} parameter(s) ({', '.join(names) or 'none'}), "
            f"got {len(args)} positional",
        )
    given: dict[str, object] = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in names:
            raise IndicatorParameterError(
                indicator,
                key,
                f"unknown parameter {key!r}; parameters are: {', '.join(names) or 'none'}",
            )
        if key in given:
            raise IndicatorParameterError(
                indicator, key, f"parameter {key!r} given both by position and by name"
            )
        given[key] = value
    return {d.name: d.coerce(indicator, given.get(d.name, d.default)) for d in decls}


def period_param(default: int, minimum: int = 1, doc: str = "bars in the window") -> IntParam:
    """The usual window-length parameter: an int from ``minimum`` to `MAX_PERIOD`."""
    return IntParam(default, minimum=minimum, maximum=MAX_PERIOD, doc=doc)
