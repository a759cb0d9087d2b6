"""Shared test machinery: market-like data, a streaming driver and the comparison rules.

Comparison rules, used by every family's tests:

* streaming vs vectorised: bit-for-bit equal, NaN at exactly the same positions (the two forms
  perform the same floating-point operations in the same order; the DSL's parity test relies
  on this, so a tolerance here would hide a real divergence);
* vs TA-Lib: NaN at the same positions and ``|ours - talib| <= 1e-9 * max(|talib|, typical)``
  where ``typical`` is the mean magnitude of that output over the series: relative, except that
  for outputs passing through zero (MACD, momentum, slopes) a value near zero is judged against
  the output's usual size, since the relative error of two near-zero numbers means nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from jts.indicators import BaseIndicator, IndicatorParameterError

FloatArray = npt.NDArray[np.float64]
RTOL = 1e-9


def ohlcv(
    seed: int, n: int = 300, *, flat: bool = False, lead_nan: int = 0, scale: float = 1.0
) -> dict[str, Any]:
    """A random walk with high/low/volume around it.

    ``flat`` puts prices on a 0.5 grid with repeated bars, which exercises ties, zero ranges and
    zero changes (exactly representable, so TA-Lib's epsilon tests and our exact ones agree).
    ``lead_nan`` pads the float inputs with NaN, as another indicator's warm-up would.
    ``scale`` multiplies the prices (1e4: 1,000,000-won shares; 1e-3: fractions of a coin).
    """
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=n)
    if flat:
        steps = np.round(steps) * 0.5
        steps[rng.random(n) < 0.3] = 0.0
    close = 100.0 + np.cumsum(steps)
    spread_hi = rng.random(n) * 2.0
    spread_lo = rng.random(n) * 2.0
    if flat:
        spread_hi = np.round(spread_hi * 2) / 2
        spread_lo = np.round(spread_lo * 2) / 2
    data: dict[str, Any] = {
        "close": close,
        "high": close + spread_hi,
        "low": close - spread_lo,
        "volume": np.round(rng.random(n) * 1000.0) * (rng.random(n) > 0.05),
        "session": np.repeat(np.arange(n // 25 + 1), 25)[:n],
    }
    data["open"] = data["low"] + (data["high"] - data["low"]) * rng.random(n)
    data["a"] = close
    data["b"] = 100.0 + np.cumsum(rng.normal(size=n) * 0.5)  # a second series that crosses
    if flat:
        data["b"] = np.round(data["b"] * 2) / 2
    for key in ("close", "high", "low", "open", "a", "b"):
        data[key] = data[key] * scale
    if lead_nan:
        for key in ("close", "high", "low", "volume", "open", "a", "b"):
            data[key] = np.concatenate([np.full(lead_nan, np.nan), data[key][lead_nan:]])
    return data


def inputs_for(cls: type[BaseIndicator], data: dict[str, Any]) -> list[Any]:
    return [data[name] for name in cls.inputs]


def run_stream(
    cls: type[BaseIndicator], inputs: list[Any], **params: Any
) -> tuple[npt.NDArray[Any], ...]:
    """Feed the inputs bar by bar; per-output arrays of what ``update`` returned."""
    ind = cls(**params)
    return rows_to_outputs(cls, [ind.update(*bar) for bar in zip(*inputs, strict=True)])


def rows_to_outputs(cls: type[BaseIndicator], rows: list[Any]) -> tuple[npt.NDArray[Any], ...]:
    """What ``update`` returned bar by bar, as one array per output."""
    dtype = np.bool_ if cls.output_kind == "bool" else np.float64
    if len(cls.outputs) == 1:
        return (np.asarray(rows, dtype=dtype).reshape(-1),)
    table: npt.NDArray[Any] = np.asarray(rows, dtype=dtype).reshape(-1, len(cls.outputs))
    return tuple(table[:, i] for i in range(len(cls.outputs)))


def vectorised(
    cls: type[BaseIndicator], inputs: list[Any], **params: Any
) -> tuple[npt.NDArray[Any], ...]:
    return tuple(cls.compute_outputs(*inputs, **params).values())


def assert_identical(a: npt.NDArray[Any], b: npt.NDArray[Any], what: str = "") -> None:
    assert a.shape == b.shape, what
    if a.dtype == np.bool_:
        assert np.array_equal(a, b), what
        return
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"{what}: NaN positions differ"
    diff = np.flatnonzero(a[~nan_a] != b[~nan_b])
    assert diff.size == 0, f"{what}: first difference at non-NaN position {diff[:3]}"


def assert_matches_talib(ours: FloatArray, ref: FloatArray, what: str = "") -> None:
    nan_ours, nan_ref = np.isnan(ours), np.isnan(ref)
    assert np.array_equal(nan_ours, nan_ref), (
        f"{what}: warm-up differs: ours starts at {np.argmin(nan_ours)}, TA-Lib at "
        f"{np.argmin(nan_ref)}"
    )
    o, r = ours[~nan_ours], ref[~nan_ref]
    if r.size == 0:
        return
    typical = float(np.mean(np.abs(r))) or 1.0
    err = np.abs(o - r) / np.maximum(np.abs(r), typical)
    assert err.max() <= RTOL, f"{what}: relative error {err.max():.3g}"


@st.composite
def market_data(draw: st.DrawFn, max_len: int = 90) -> dict[str, Any]:
    """Hypothesis: short bar series with ties, flat stretches, zero volume and NaN padding."""
    n = draw(st.integers(min_value=0, max_value=max_len))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    return ohlcv(
        seed,
        n,
        flat=draw(st.booleans()),
        lead_nan=draw(st.integers(0, min(4, n))),
        scale=draw(st.sampled_from([1.0, 1e-3, 1e4])),  # coin fractions to 1,000,000-won shares
    )


@st.composite
def params_for(draw: st.DrawFn, cls: type[BaseIndicator]) -> dict[str, Any]:
    """Hypothesis: valid parameters for ``cls``, small enough for short series."""
    params: dict[str, Any] = {}
    for spec in cls.spec().params:
        if spec.choices is not None:
            params[spec.name] = draw(st.sampled_from(spec.choices))
        elif spec.type is int:
            least = int(spec.minimum) if spec.minimum is not None else 0
            params[spec.name] = draw(st.integers(min_value=least, max_value=max(least, 12)))
        else:
            bottom = float(spec.minimum) if spec.minimum is not None else 0.0
            params[spec.name] = draw(
                st.floats(bottom, bottom + 4.0, exclude_min=not spec.min_inclusive)
            )
    try:
        cls(**params)
    except IndicatorParameterError:
        from hypothesis import reject

        reject()
    return params


#: TA-Lib comparison data: a random walk, a grid walk with ties and flats, a NaN-padded walk,
#: and the flat walk at the price scales of 1,000,000-won shares and of coin fractions.
DATASETS: dict[str, dict[str, Any]] = {
    "walk": ohlcv(1, 300),
    "flat": ohlcv(2, 300, flat=True),
    "padded": ohlcv(3, 300, lead_nan=7),
    "large": ohlcv(4, 300, flat=True, scale=1e4),
    "small": ohlcv(5, 300, flat=True, scale=1e-3, lead_nan=3),
}


def check_against_talib(
    cls: type[BaseIndicator],
    params: dict[str, Any],
    reference: Any,
    outputs: tuple[str, ...] | None = None,
) -> None:
    """Both forms of ``cls(**params)`` equal ``reference(data)`` on every dataset.

    ``reference`` returns an array or a tuple of arrays for the outputs named in ``outputs``
    (default: all of ``cls.outputs``, in order).
    """
    names = outputs or cls.outputs
    for label, data in DATASETS.items():
        ref = reference(data)
        refs = ref if isinstance(ref, tuple) else (ref,)
        ins = inputs_for(cls, data)
        vec = vectorised(cls, ins, **params)
        stream = run_stream(cls, ins, **params)
        for name, r in zip(names, refs, strict=True):
            i = cls.outputs.index(name)
            assert_matches_talib(vec[i], r, f"{cls.name}.{name} {params} vectorised on {label}")
            assert_matches_talib(stream[i], r, f"{cls.name}.{name} {params} streaming on {label}")
