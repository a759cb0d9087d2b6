"""Parameter spaces: what ``--param NAME=SPEC`` (or a DSL file's ``param`` ranges) means.

Spec forms, values exact (``int``, `Decimal` or text, never float):

- ``NAME=10`` one fixed value; ``NAME=5,10,20`` a list (numbers and text, in the given order);
- ``NAME=5:50:5`` an inclusive range with a step (``5, 10, ..., 50``); ``NAME=5:50`` steps by 1
  when both ends are whole numbers;
- ``NAME=0.5:2.5:0.25`` a decimal range with a step; ``NAME=0.5:2.5`` a *continuous* decimal
  range: random and Optuna search sample it, a grid cannot enumerate it and says so;
- ``NAME`` alone (a ``.jts`` strategy only) takes the range of the file's ``param NAME = ...
  in LO..HI step S`` line.

Combinations are plain dicts in the space's dimension order; the grid order is that of
`itertools.product` (the last parameter varies fastest), which is also the order of the results
table, so two runs of the same sweep list their rows identically.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeAlias

from jts.backtest.sweeps.errors import ParamSpecError

if TYPE_CHECKING:
    from jts.dsl.program import Parameter, Program

__all__ = [
    "Choice",
    "DecimalRange",
    "Dimension",
    "IntRange",
    "ParamSpace",
    "ParamValue",
    "Params",
    "params_key",
    "parse_param",
    "parse_value",
    "space_from_dsl",
]

ParamValue: TypeAlias = int | Decimal | str
Params: TypeAlias = Mapping[str, ParamValue]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"[+-]?\d[\d_]*")
#: Extra decimal places a continuous range is sampled at, beyond those its bounds are written
#: with: ``0.5:2.5`` gives values such as ``1.3871``. Fine enough to search, short to read.
_CONTINUOUS_EXTRA_PLACES = 3


def parse_value(text: str) -> ParamValue:
    """``10`` -> int, ``0.5`` -> Decimal, anything else stays text."""
    text = text.strip()
    if _INT.fullmatch(text):
        return int(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return number if number.is_finite() else text


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True, slots=True)
class Choice:
    """An explicit list of values (one value: a fixed parameter)."""

    name: str
    choices: tuple[ParamValue, ...]

    def __post_init__(self) -> None:
        if not self.choices:
            raise ParamSpecError(f"--param {self.name}: no values")
        if len(set(self.choices)) != len(self.choices):
            raise ParamSpecError(f"--param {self.name}: repeats a value in {self.choices}")

    @property
    def size(self) -> int | None:
        return len(self.choices)

    def values(self) -> tuple[ParamValue, ...]:
        return self.choices

    def value_at(self, index: int) -> ParamValue:
        return self.choices[index]

    def sample(self, rng: random.Random) -> ParamValue:
        return self.choices[rng.randrange(len(self.choices))]


@dataclass(frozen=True, slots=True)
class IntRange:
    """``low..high`` (both included) by ``step``."""

    name: str
    low: int
    high: int
    step: int = 1

    def __post_init__(self) -> None:
        if self.step <= 0:
            raise ParamSpecError(f"--param {self.name}: step must be positive, got {self.step}")
        if self.low > self.high:
            raise ParamSpecError(
                f"--param {self.name}: range {self.low}:{self.high} has its low end above its "
                "high end"
            )

    @property
    def size(self) -> int | None:
        return (self.high - self.low) // self.step + 1

    def values(self) -> tuple[ParamValue, ...]:
        return tuple(range(self.low, self.high + 1, self.step))

    def value_at(self, index: int) -> ParamValue:
        return self.low + index * self.step

    def sample(self, rng: random.Random) -> ParamValue:
        return self.low + rng.randrange((self.high - self.low) // self.step + 1) * self.step


@dataclass(frozen=True, slots=True)
class DecimalRange:
    """``low..high`` by an exact decimal ``step``; without a step, a continuous range."""

    name: str
    low: Decimal
    high: Decimal
    step: Decimal | None = None

    def __post_init__(self) -> None:
        for bound in (self.low, self.high, self.step):
            if bound is not None and not bound.is_finite():
                raise ParamSpecError(f"--param {self.name}: {bound} is not a finite number")
        if self.step is not None and self.step <= 0:
            raise ParamSpecError(f"--param {self.name}: step must be positive, got {self.step}")
        if self.low > self.high:
            raise ParamSpecError(
                f"--param {self.name}: range {self.low}:{self.high} has its low end above its "
                "high end"
            )

    @property
    def size(self) -> int | None:
        if self.step is None:
            return None
        return int((self.high - self.low) // self.step) + 1

    @property
    def resolution(self) -> Decimal:
        """The spacing a continuous range is sampled at (see the module docstring)."""
        places = max(_places(self.low), _places(self.high)) + _CONTINUOUS_EXTRA_PLACES
        return Decimal(1).scaleb(-places)

    def values(self) -> tuple[ParamValue, ...]:
        size = self.size
        if size is None:
            raise ParamSpecError(
                f"--param {self.name}={self.low}:{self.high} is a continuous range: a grid "
                f"needs a step ({self.name}={self.low}:{self.high}:STEP), or use --method "
                "random or optuna"
            )
        return tuple(self.value_at(i) for i in range(size))

    def value_at(self, index: int) -> ParamValue:
        if self.step is None:
            raise ParamSpecError(f"--param {self.name}: a continuous range has no grid")
        return self.low + index * self.step

    def sample(self, rng: random.Random) -> ParamValue:
        size = self.size
        if size is not None:
            return self.value_at(rng.randrange(size))
        fraction = Decimal(rng.random())  # exact binary value of the float, then rounded once
        value = (self.low + (self.high - self.low) * fraction).quantize(self.resolution)
        return min(max(value, self.low), self.high)


Dimension: TypeAlias = Choice | IntRange | DecimalRange


def _number(name: str, text: str, spec: str) -> int | Decimal:
    value = parse_value(text)
    if isinstance(value, str):
        raise ParamSpecError(f"--param {name}={spec}: {text.strip()!r} is not a number")
    return value


def _range(name: str, spec: str) -> Dimension:
    parts = spec.split(":")
    if len(parts) not in (2, 3) or any(not p.strip() for p in parts):
        raise ParamSpecError(
            f"--param {name}={spec}: a range is LOW:HIGH or LOW:HIGH:STEP, e.g. {name}=5:50:5"
        )
    numbers = [_number(name, part, spec) for part in parts]
    if all(isinstance(n, int) for n in numbers):
        low, high, *step = (int(n) for n in numbers)
        return IntRange(name, low, high, step[0] if step else 1)
    low_d, high_d, *step_d = (Decimal(n) for n in numbers)
    return DecimalRange(name, low_d, high_d, step_d[0] if step_d else None)


def _from_parameter(parameter: Parameter, where: str) -> Dimension:
    if parameter.low is None or parameter.high is None:
        raise ParamSpecError(
            f"--param {parameter.name}: {where} gives it no range (param {parameter.name} = "
            f"{parameter.default} has no 'in LOW..HIGH'); give one as {parameter.name}=LOW:HIGH"
        )
    if parameter.integral:
        step = int(parameter.step) if parameter.step is not None else 1
        return IntRange(parameter.name, int(parameter.low), int(parameter.high), step)
    return DecimalRange(parameter.name, parameter.low, parameter.high, parameter.step)


def parse_param(
    text: str, program: Program | None = None, where: str = "the strategy"
) -> Dimension:
    """One ``--param`` option; ``program`` (a checked DSL file) supplies ranges for ``NAME``."""
    name, eq, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not _NAME.fullmatch(name):
        raise ParamSpecError(f"--param must be NAME=SPEC with a parameter name, got {text!r}")
    if not eq:
        if program is None:
            raise ParamSpecError(
                f"--param {name}: give its values (NAME=a,b,c or NAME=LOW:HIGH[:STEP]); a bare "
                "name takes its range from a .jts strategy file only"
            )
        try:
            parameter = program.param(name)
        except KeyError:
            known = ", ".join(p.name for p in program.params) or "none"
            raise ParamSpecError(
                f"--param {name}: {where} has no such parameter (it has: {known})"
            ) from None
        return _from_parameter(parameter, where)
    if not spec:
        raise ParamSpecError(f"--param {name}=: no values after '='")
    if ":" in spec:
        return _range(name, spec)
    items = spec.split(",")
    if any(not item.strip() for item in items):
        raise ParamSpecError(f"--param {name}={spec}: an empty value in the list")
    return Choice(name, tuple(parse_value(item) for item in items))


def space_from_dsl(
    program: Program, names: Sequence[str] | None = None, where: str = "the strategy"
) -> ParamSpace:
    """The ranges of a DSL program: of ``names``, or of every parameter that has a range."""
    if names is None:
        ranged = [p for p in program.params if p.low is not None and p.high is not None]
        if not ranged:
            raise ParamSpecError(f"{where} has no parameter with a range: give --param NAME=SPEC")
        return ParamSpace(tuple(_from_parameter(p, where) for p in ranged))
    return ParamSpace(tuple(parse_param(name, program, where) for name in names))


@dataclass(frozen=True, slots=True)
class ParamSpace:
    """The dimensions of a search, in the order given (the order of the table's columns)."""

    dimensions: tuple[Dimension, ...]

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise ParamSpecError("a sweep needs at least one --param")
        names = [d.name for d in self.dimensions]
        for name in names:
            if names.count(name) > 1:
                raise ParamSpecError(f"--param {name} is given more than once")

    @classmethod
    def parse(
        cls, specs: Sequence[str], program: Program | None = None, where: str = "the strategy"
    ) -> ParamSpace:
        return cls(tuple(parse_param(spec, program, where) for spec in specs))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def size(self) -> int | None:
        """Number of grid combinations; None when a dimension is continuous."""
        total = 1
        for dimension in self.dimensions:
            size = dimension.size
            if size is None:
                return None
            total *= size
        return total

    def swept(self) -> tuple[str, ...]:
        """Parameters with more than one value (the axes a heatmap can use)."""
        return tuple(d.name for d in self.dimensions if d.size is None or d.size > 1)

    def check_names(self, known: Collection[str], owner: str) -> None:
        """Refuse a parameter the strategy does not declare, before anything runs."""
        for name in self.names:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise ParamSpecError(
                    f"--param {name}: {owner} has no such parameter (it has: {listed})"
                )

    def grid(self) -> Iterator[dict[str, ParamValue]]:
        """Every combination, last parameter fastest; a continuous range is refused."""
        axes = [d.values() for d in self.dimensions]
        names = self.names
        for values in itertools.product(*axes):
            yield dict(zip(names, values, strict=True))

    def combination(self, index: int) -> dict[str, ParamValue]:
        """The ``index``-th combination of `grid` without enumerating the ones before it."""
        size = self.size
        if size is None or not 0 <= index < size:
            raise ParamSpecError(f"combination {index} is outside the grid of {size} values")
        chosen: list[ParamValue] = []
        for dimension in reversed(self.dimensions):
            count = dimension.size
            assert count is not None
            index, digit = divmod(index, count)
            chosen.append(dimension.value_at(digit))
        return dict(zip(self.names, reversed(chosen), strict=True))

    def sample(self, rng: random.Random) -> dict[str, ParamValue]:
        return {d.name: d.sample(rng) for d in self.dimensions}


def params_key(params: Params, names: Sequence[str]) -> tuple[ParamValue, ...]:
    """A hashable identity of a combination (the same values give the same key)."""
    return tuple(params[name] for name in names)
