"""What the DSL needs to know about indicators: names, inputs, parameters, outputs, a function.

The checker resolves every call against an `IndicatorCatalog`, and the vectorised evaluator
calls the signature's ``compute``. Keeping this small interface in the DSL (rather than reaching
into `jts.indicators` everywhere) means the checker is tested against exactly what it relies on,
and the indicator library can change shape behind one adapter (`jts.dsl.registry`).

How a call reads, by the indicator's inputs:

- one input (``sma``, ``ema``, ``rsi`` read one series): the first argument is the *source*, any
  number series: ``sma(close, 20)``, ``ema(close - open, 5)``, ``sma(rsi(close, 14), 3)``;
- several inputs (``atr`` reads high, low and close): the inputs are the bar's own fields and the
  arguments are only parameters: ``atr(14)``; an input that is not a bar field (``a``, ``b`` of a
  two-series indicator) is passed explicitly.

The built-in functions (`BUILTINS`) are part of the language, not indicators: they are checked
and evaluated by the DSL itself and shadow an indicator of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal, Protocol, TypeAlias

__all__ = [
    "BAR_FIELDS",
    "BUILTINS",
    "IMPLICIT_INPUTS",
    "Catalog",
    "IndicatorCatalog",
    "IndicatorParam",
    "IndicatorSignature",
    "VectorFunction",
]

#: ``compute(*inputs, **params) -> {output name: array}``: inputs in ``inputs`` order, each a
#: float64 array (int64 for ``session``) without NaN except as leading warm-up; one array of the
#: same length per output, NaN (False, for a bool output) while warming up.
VectorFunction: TypeAlias = Callable[..., Mapping[str, Any]]

#: The bar fields a strategy can name directly, in the order bars carry them.
BAR_FIELDS: Final = ("open", "high", "low", "close", "volume")

#: Inputs supplied from the bars themselves when an indicator reads several series: the price
#: fields, and ``session`` (the KST trading day, an int64 id, for indicators that reset daily).
IMPLICIT_INPUTS: Final = frozenset({*BAR_FIELDS, "session"})

#: Built-in functions of the language: name -> how to call it (shown in error messages).
BUILTINS: Final = {
    "abs": "abs(x)",
    "min": "min(a, b, ...)",
    "max": "max(a, b, ...)",
    "high_between": "high_between(start, end)",
    "low_between": "low_between(start, end)",
}


@dataclass(frozen=True, slots=True)
class IndicatorParam:
    """One parameter: its kind, default and allowed values.

    ``int`` and ``float`` parameters have an optional range (``minimum`` is exclusive when
    ``min_inclusive`` is false: "a float > 0"); a ``choice`` parameter takes one of ``choices``,
    written as a bare word in the DSL (``matype=ema``).
    """

    name: str
    kind: Literal["int", "float", "choice"]
    default: Decimal | str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    min_inclusive: bool = True
    choices: tuple[str, ...] = ()

    @property
    def integral(self) -> bool:
        return self.kind == "int"

    def describe(self) -> str:
        return self.name if self.default is None else f"{self.name}={self.default}"

    def rule(self) -> str:
        """The allowed values in words: ``a whole number in 1..100000``, ``a number > 0``."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        noun = "a whole number" if self.integral else "a number"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None and self.min_inclusive:
            return f"{noun} in {low}..{high}"
        parts = []
        if low is not None:
            parts.append(f"{'>=' if self.min_inclusive else '>'} {low}")
        if high is not None:
            parts.append(f"<= {high}")
        return f"{noun} {' and '.join(parts)}" if parts else noun

    def admits(self, value: Decimal) -> bool:
        """True when a numeric value lies in the range (the kind is checked separately)."""
        if self.minimum is not None and (
            value < self.minimum if self.min_inclusive else value <= self.minimum
        ):
            return False
        return self.maximum is None or value <= self.maximum


@dataclass(frozen=True, slots=True)
class IndicatorSignature:
    """An indicator as the DSL sees it; ``compute`` is excluded from equality and hashing.

    ``inputs`` are the series the indicator reads, in its own order. With a single input, the
    call passes it explicitly as the first argument (the *source*). With several, the bar's
    own fields (`BAR_FIELDS`) and the KST trading day (``session``) are supplied implicitly,
    and any other input (``a``, ``b`` of a two-series indicator) is an explicit argument.
    """

    name: str
    inputs: tuple[str, ...]
    params: tuple[IndicatorParam, ...]
    outputs: tuple[str, ...]
    compute: VectorFunction = field(compare=False, hash=False, repr=False)
    output_kind: Literal["number", "bool"] = "number"
    #: ``validate(**params)`` raises `InvalidInputError` for settings that do not go together
    #: (``fast`` not below ``slow``); rules on one setting alone are in ``params``.
    validate: Callable[..., object] | None = field(
        default=None, compare=False, hash=False, repr=False
    )

    @property
    def explicit_inputs(self) -> tuple[str, ...]:
        """Input names the call passes as arguments, in order."""
        if len(self.inputs) == 1:
            return self.inputs
        return tuple(i for i in self.inputs if i not in IMPLICIT_INPUTS)

    @property
    def input_slots(self) -> tuple[str, ...]:
        """How the explicit inputs are named in a call: ``source`` for a single input."""
        explicit = self.explicit_inputs
        return ("source",) if len(self.inputs) == 1 else explicit

    @property
    def multi_output(self) -> bool:
        return len(self.outputs) > 1

    def param(self, name: str) -> IndicatorParam | None:
        return next((p for p in self.params if p.name == name), None)

    def describe(self) -> str:
        """How to call it: ``sma(source, period=20)``, ``atr(period=14)``."""
        parts = [*self.input_slots, *(p.describe() for p in self.params)]
        return f"{self.name}({', '.join(parts)})"


class IndicatorCatalog(Protocol):
    """Lookup of indicators by lower-case name; what the checker and evaluator depend on."""

    def lookup(self, name: str) -> IndicatorSignature | None: ...

    def names(self) -> Iterable[str]: ...


@dataclass(frozen=True, slots=True)
class Catalog:
    """A plain in-memory catalog; `jts.dsl.registry` builds one from `jts.indicators`."""

    signatures: Mapping[str, IndicatorSignature]

    @classmethod
    def of(cls, signatures: Iterable[IndicatorSignature]) -> Catalog:
        table: dict[str, IndicatorSignature] = {}
        for signature in signatures:
            if signature.name in table:
                raise ValueError(f"indicator {signature.name!r} is defined twice")
            table[signature.name] = signature
        return cls(table)

    def lookup(self, name: str) -> IndicatorSignature | None:
        return self.signatures.get(name)

    def names(self) -> Iterable[str]:
        return self.signatures.keys()
