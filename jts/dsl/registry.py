"""The bridge from `jts.indicators` to the DSL's `Catalog`.

The indicator library describes each indicator with a spec (name, typed parameters with ranges,
input fields, output names, bool or number output) and computes it with
``compute_outputs(*inputs, **params) -> {output: array}``. This module converts that description
once into the DSL's own `IndicatorSignature`, turning the library's float bounds into exact
`Decimal`s, so the checker compares parameter values without float rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal, Protocol

from jts.dsl.catalog import Catalog, IndicatorParam, IndicatorSignature
from jts.indicators import default_registry

__all__ = ["IndicatorClass", "catalog_from_indicators", "default_catalog", "signature_of"]


class _ParamSpecLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> type[int] | type[float] | type[str]: ...
    @property
    def default(self) -> int | float | str: ...
    @property
    def minimum(self) -> int | float | None: ...
    @property
    def maximum(self) -> int | float | None: ...
    @property
    def min_inclusive(self) -> bool: ...
    @property
    def choices(self) -> tuple[str, ...] | None: ...


class _SpecLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def params(self) -> tuple[_ParamSpecLike, ...]: ...
    @property
    def inputs(self) -> tuple[str, ...]: ...
    @property
    def outputs(self) -> tuple[str, ...]: ...
    @property
    def output_kind(self) -> str: ...


class IndicatorClass(Protocol):
    """What the DSL uses of an indicator class of `jts.indicators`."""

    def spec(self) -> _SpecLike: ...

    def compute_outputs(self, *inputs: object, **params: Any) -> Mapping[str, Any]: ...

    def bind_params(self, *args: object, **kwargs: object) -> dict[str, Any]: ...


def _exact(value: float | int | None) -> Decimal | None:
    """A library bound as an exact Decimal: ``0.1`` stays ``0.1`` (its shortest repr)."""
    if value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


def _param(spec: _ParamSpecLike) -> IndicatorParam:
    kind: Literal["int", "float", "choice"]
    if spec.choices is not None or spec.type is str:
        kind = "choice"
    elif spec.type is int:
        kind = "int"
    else:
        kind = "float"
    default = spec.default if isinstance(spec.default, str) else _exact(spec.default)
    return IndicatorParam(
        name=spec.name,
        kind=kind,
        default=default,
        minimum=_exact(spec.minimum) if kind != "choice" else None,
        maximum=_exact(spec.maximum) if kind != "choice" else None,
        min_inclusive=spec.min_inclusive,
        choices=tuple(spec.choices or ()),
    )


def signature_of(indicator: IndicatorClass) -> IndicatorSignature:
    """The DSL's view of one indicator class."""
    spec = indicator.spec()
    output_kind: Literal["number", "bool"] = "bool" if spec.output_kind == "bool" else "number"
    compute: Callable[..., Mapping[str, Any]] = indicator.compute_outputs
    return IndicatorSignature(
        name=spec.name,
        inputs=tuple(spec.inputs),
        params=tuple(_param(p) for p in spec.params),
        outputs=tuple(spec.outputs),
        compute=compute,
        output_kind=output_kind,
        validate=indicator.bind_params,
    )


def catalog_from_indicators(indicators: Iterable[IndicatorClass]) -> Catalog:
    """A catalog of the given indicator classes (names must be unique)."""
    return Catalog.of(signature_of(i) for i in indicators)


def default_catalog() -> Catalog:
    """Every built-in indicator of `jts.indicators`, built fresh on each call (no global)."""
    return catalog_from_indicators(default_registry())
