"""The shape every indicator shares: parameters, streaming state, vectorised form, metadata.

One class per indicator holds all of it, so the live path (``update`` per bar) and the
backtest path (``compute`` over arrays) cannot drift apart in parameters or conventions:

* ``SMA(period=10)`` validates the parameters (declared as `Param` class attributes);
* ``ind.update(x)`` advances the streaming state in O(1) amortised and returns the new value
  (NaN during warm-up); ``ind.value``/``ind.values``, ``ind.ready``, ``ind.reset()``;
* ``SMA.compute(close, period=10)`` runs the vectorised form over numpy arrays and returns arrays
  of the same length, NaN during warm-up;
* ``SMA.spec()`` describes name, parameters, inputs and outputs for the DSL and the registry.

Missing data. Leading NaNs are warm-up padding (typically the output of another indicator):
both forms skip them and start at the first index where every input is a number, like TA-Lib's
Python wrapper does. A NaN after that start is a gap in the data, not padding; both forms refuse
it with an `IndicatorInputError` rather than let it poison a running sum for ever.

Outputs never turn NaN once they start: where a ratio's denominator vanishes (a flat window)
the TA-Lib convention is followed (usually 0.0) and documented per indicator. TA-Lib tests such
denominators against an absolute epsilon; here the test is exact, or relative to the window's
level where equal values computed along different paths can differ in the last bit (see
`oscillators`). docs/indicators.md lists every deliberate difference from TA-Lib.

Streaming and vectorised forms perform the same floating-point operations in the same order, so
they agree bit for bit; the tests hold every indicator to that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from jts.indicators.errors import IndicatorInputError, IndicatorParameterError
from jts.indicators.params import Param, ParamSpec
from jts.indicators.params import bind_params as _bind

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]

NAN: Final = math.nan
#: Inputs that are identifiers, not prices: never NaN, kept as int64, excluded from warm-up skip.
SESSION_INPUT: Final = "session"
OUTPUT_KINDS: Final = ("number", "bool")
#: Relative size below which a range or a change counts as none: equal values computed along
#: different paths (thirds, smoothed series) can differ in the last bits, and a sign or a
#: ratio taken of that residue would be noise presented as signal. 1e-12 of the level is far
#: below any tick size.
FLAT_REL: Final = 1e-12


class Outputs(tuple[FloatArray, ...]):
    """A multi-output result: unpack it, index it, or read an output by name (``bands.upper``)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __getattr__(self, name: str) -> FloatArray:
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(f"no output {name!r}; outputs are {self._fields}") from None

    def _asdict(self) -> dict[str, FloatArray]:
        return dict(zip(self._fields, self, strict=True))


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """Everything the DSL needs to type-check a call: the rest is in the class docstring."""

    name: str
    title: str
    params: tuple[ParamSpec, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    output_kind: str
    talib: str | None
    doc: str

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise IndicatorParameterError(self.name, name, f"has no parameter {name!r}")


class BaseIndicator:
    """Common machinery; subclass `Indicator`, `MultiIndicator` or `SignalIndicator` instead."""

    #: Registry name, lower case (``"sma"``); empty on abstract classes.
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: Input fields in ``update``/``compute`` order: close, high, low, volume, session, a, b.
    inputs: ClassVar[tuple[str, ...]] = ("close",)
    outputs: ClassVar[tuple[str, ...]] = ()
    output_kind: ClassVar[str] = "number"
    #: The TA-Lib function this matches to 1e-9, if any (used by the tests and the docs table).
    talib: ClassVar[str | None] = None
    _param_decls: ClassVar[tuple[Param[Any], ...]] = ()
    #: The tuple type `MultiIndicator.compute` returns (outputs readable by name); picklable.
    Result: ClassVar[type[Outputs]]

    # Streaming entry point; each indicator declares its own positional inputs, in `inputs` order.
    update: Callable[..., Any]
    # Vectorised body: gap-free input slices longer than `_earliest_lookback` in, one array per
    # output out (NaN, or False, during warm-up); `compute` does the validation and padding.
    _vectorised: Callable[..., tuple[npt.NDArray[Any], ...]]

    __slots__ = ("_count", "_lookback", "_params")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        decls: dict[str, Param[Any]] = {}
        for klass in reversed(cls.__mro__):
            for key, val in vars(klass).items():
                if isinstance(val, Param):
                    decls[key] = val
        cls._param_decls = tuple(decls.values())
        if cls.name and not cls.outputs:
            cls.outputs = (cls.name,)
        if cls.output_kind not in OUTPUT_KINDS:
            raise TypeError(f"{cls.__name__}.output_kind must be one of {OUTPUT_KINDS}")
        if cls.outputs:
            namespace = {
                "__slots__": (),
                "_fields": cls.outputs,
                "__module__": cls.__module__,
                "__qualname__": f"{cls.__qualname__}.Result",
            }
            cls.Result = type("Result", (Outputs,), namespace)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._params = _bind(self.name or type(self).__name__, self._param_decls, args, kwargs)
        self._validate()
        self._lookback = self._compute_lookback()
        self.reset()

    # -- metadata ---------------------------------------------------------------------------

    @classmethod
    def spec(cls) -> IndicatorSpec:
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        return IndicatorSpec(
            name=cls.name,
            title=cls.title,
            params=tuple(p.spec() for p in cls._param_decls),
            inputs=cls.inputs,
            outputs=cls.outputs,
            output_kind=cls.output_kind,
            talib=cls.talib,
            doc=doc,
        )

    @classmethod
    def bind_params(cls, *args: object, **kwargs: object) -> dict[str, Any]:
        """Validate a call's parameters without building anything (for the DSL's checker)."""
        params = _bind(cls.name, cls._param_decls, args, kwargs)
        cls(**params)  # cross-parameter rules live in _validate
        return params

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    @property
    def lookback(self) -> int:
        """Bars consumed before the first value (TA-Lib's lookback), e.g. ``period - 1`` for SMA."""
        return self._lookback

    @property
    def ready(self) -> bool:
        """True once every output has a value."""
        return self._count > self._lookback

    def reset(self) -> None:
        """Forget all data, as if just constructed."""
        self._count = 0

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({args})"

    # -- vectorised -------------------------------------------------------------------------

    @classmethod
    def compute_outputs(cls, *inputs: object, **params: Any) -> dict[str, npt.NDArray[Any]]:
        """The vectorised form with outputs by name, the same for every indicator (for the DSL)."""
        return dict(zip(cls.outputs, cls._run_vectorised(inputs, params), strict=True))

    @classmethod
    def _run_vectorised(
        cls, inputs: tuple[object, ...], params: dict[str, Any]
    ) -> tuple[npt.NDArray[Any], ...]:
        indicator = cls(**params)
        arrays, start, length = prepare_inputs(cls.name, cls.inputs, inputs)
        if length - start <= indicator._earliest_lookback():
            return tuple(cls._warmup(length) for _ in cls.outputs)
        sliced = arrays if start == 0 else tuple(a[start:] for a in arrays)
        results = indicator._vectorised(*sliced)
        if start == 0:
            return tuple(results)
        full = []
        for res in results:
            out = cls._warmup(length)
            out[start:] = res
            full.append(out)
        return tuple(full)

    @classmethod
    def _warmup(cls, length: int) -> npt.NDArray[Any]:
        if cls.output_kind == "bool":
            return np.zeros(length, dtype=np.bool_)
        return np.full(length, NAN)

    # -- hooks for subclasses ---------------------------------------------------------------

    def _validate(self) -> None:
        """Rules that tie parameters together (fast < slow); single-parameter rules are in Param."""

    def _compute_lookback(self) -> int:
        raise NotImplementedError

    def _earliest_lookback(self) -> int:
        """Lookback of the earliest output; differs from `lookback` only where outputs start
        one by one (Ichimoku). ``_vectorised`` is only called on inputs longer than this."""
        return self._lookback

    def _missing(self) -> None:
        """``update`` got a NaN: skipped while nothing has started, an error once it has."""
        if self._count:
            raise IndicatorInputError(
                self.name,
                None,
                f"NaN input after {self._count} values; a gap in the data cannot be skipped "
                "without changing every later value (fill or drop the bar first)",
            )

    def _param_error(self, parameter: str, message: str) -> IndicatorParameterError:
        return IndicatorParameterError(self.name, parameter, message)


class Indicator(BaseIndicator):
    """An indicator with one numeric output: ``update`` returns it, ``value`` holds it."""

    __slots__ = ("_value",)

    def reset(self) -> None:
        super().reset()
        self._value = NAN

    @property
    def value(self) -> float:
        """The latest value, NaN until ``ready``."""
        return self._value

    @property
    def values(self) -> tuple[float, ...]:
        return (self._value,)

    @classmethod
    def compute(cls, *inputs: object, **params: Any) -> FloatArray:
        """The vectorised form: float64 arrays in, one array of the same length out."""
        out: FloatArray = cls._run_vectorised(inputs, params)[0]
        return out


class MultiIndicator(BaseIndicator):
    """An indicator with several named outputs (bands, lines); ``value`` is the first of them."""

    __slots__ = ("_values",)

    def reset(self) -> None:
        super().reset()
        self._values: tuple[float, ...] = (NAN,) * len(self.outputs)

    @property
    def value(self) -> float:
        return self._values[0]

    @property
    def values(self) -> tuple[float, ...]:
        """The latest value of every output, in ``outputs`` order."""
        return self._values

    def output(self, name: str) -> float:
        """The latest value of one named output."""
        try:
            return self._values[self.outputs.index(name)]
        except ValueError:
            raise IndicatorParameterError(
                self.name, None, f"has no output {name!r}; outputs are {', '.join(self.outputs)}"
            ) from None

    @classmethod
    def compute(cls, *inputs: object, **params: Any) -> Outputs:
        """The vectorised form: a tuple of arrays in ``outputs`` order, also readable by name."""
        return cls.Result(cls._run_vectorised(inputs, params))


class SignalIndicator(BaseIndicator):
    """An indicator whose output is a boolean event (a cross); False during warm-up."""

    output_kind: ClassVar[str] = "bool"
    __slots__ = ("_value",)

    def reset(self) -> None:
        super().reset()
        self._value = False

    @property
    def value(self) -> bool:
        return self._value

    @property
    def values(self) -> tuple[bool, ...]:
        return (self._value,)

    @classmethod
    def compute(cls, *inputs: object, **params: Any) -> BoolArray:
        out: BoolArray = cls._run_vectorised(inputs, params)[0]
        return out


def prepare_inputs(
    indicator: str, names: tuple[str, ...], inputs: tuple[object, ...]
) -> tuple[tuple[npt.NDArray[Any], ...], int, int]:
    """Validate and convert inputs; return (arrays, first gap-free index, length).

    The first input fixes the length; a later input may be a scalar, broadcast to that length
    (``cross_over(rsi, 30.0)``). A ``session`` input is converted to int64 ids.
    """
    if len(inputs) != len(names):
        raise IndicatorInputError(
            indicator,
            None,
            f"takes {len(names)} input(s) ({', '.join(names)}), got {len(inputs)}",
        )
    arrays: list[npt.NDArray[Any]] = []
    length = -1
    for name, raw in zip(names, inputs, strict=True):
        arrays.append(_as_array(indicator, name, raw, length))
        if length < 0:
            length = arrays[0].shape[0]
    start = 0
    valid: npt.NDArray[np.bool_] | None = None
    for name, arr in zip(names, arrays, strict=True):
        if name == SESSION_INPUT:
            continue
        ok = ~np.isnan(arr)
        valid = ok if valid is None else valid & ok
    if valid is not None and length:
        start = int(np.argmax(valid)) if valid.any() else length
        if start < length and not valid[start:].all():
            gap = start + int(np.argmin(valid[start:]))
            bad = next(
                n
                for n, a in zip(names, arrays, strict=True)
                if n != SESSION_INPUT and math.isnan(a[gap])
            )
            raise IndicatorInputError(
                indicator,
                bad,
                f"input {bad!r} has a NaN at index {gap}, after the series started at index "
                f"{start}; only leading NaNs (warm-up) are skipped",
            )
    return tuple(arrays), start, length


def _as_array(indicator: str, name: str, raw: object, length: int) -> npt.NDArray[Any]:
    is_session = name == SESSION_INPUT
    if length >= 0 and np.ndim(raw) == 0:  # type: ignore[arg-type]
        if isinstance(raw, bool) or not isinstance(raw, int | float | np.number):
            raise IndicatorInputError(
                indicator, name, f"input {name!r} must be numeric, got {raw!r}"
            )
        return np.full(length, raw, dtype=np.int64 if is_session else np.float64)
    try:
        arr = np.asarray(raw)
    except (TypeError, ValueError) as exc:
        raise IndicatorInputError(
            indicator, name, f"input {name!r} is not an array: {exc}"
        ) from exc
    if arr.ndim != 1:
        raise IndicatorInputError(
            indicator, name, f"input {name!r} must be one-dimensional, got shape {arr.shape}"
        )
    if length >= 0 and arr.shape[0] != length:
        raise IndicatorInputError(
            indicator, name, f"input {name!r} has length {arr.shape[0]}, expected {length}"
        )
    if arr.dtype.kind not in "biuf" or (arr.dtype.kind == "b" and not is_session):
        raise IndicatorInputError(
            indicator, name, f"input {name!r} must hold numbers, got dtype {arr.dtype}"
        )
    if is_session:
        if arr.dtype.kind == "f" and not np.array_equal(arr, np.floor(arr)):
            raise IndicatorInputError(indicator, name, "input 'session' must hold integer ids")
        return np.ascontiguousarray(arr, dtype=np.int64)
    return np.ascontiguousarray(arr, dtype=np.float64)
