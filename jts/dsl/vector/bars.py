"""`VectorBars`: one instrument's bars as exact integer arrays, the vectorised backtest's input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jts.core.errors import InvalidInputError
from jts.domain.instruments import Instrument
from jts.dsl.signals import BarArrays

__all__ = ["VectorBars"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VectorBars:
    """One instrument's bars: close times (int ns UTC, increasing) and raw prices/volumes at
    the instrument's precisions, as the data files hold them."""

    instrument: Instrument
    ts: IntArray
    open: IntArray
    high: IntArray
    low: IntArray
    close: IntArray
    volume: IntArray

    @classmethod
    def of(
        cls,
        instrument: Instrument,
        *,
        ts: Any,
        open: Any,
        high: Any,
        low: Any,
        close: Any,
        volume: Any,
    ) -> VectorBars:
        """Validate: 1-D int arrays of one length, positive prices, increasing timestamps."""
        fields = {"ts": ts, "open": open, "high": high, "low": low, "close": close}
        arrays: dict[str, IntArray] = {}
        length: int | None = None
        for name, raw in {**fields, "volume": volume}.items():
            array = np.ascontiguousarray(raw)
            if array.ndim != 1 or array.dtype.kind not in "iu":
                raise InvalidInputError(
                    f"bar field {name!r} must be a 1-D integer array, got {array.dtype} "
                    f"of shape {array.shape}"
                )
            array = array.astype(np.int64, copy=False)
            if length is not None and array.shape[0] != length:
                raise InvalidInputError(
                    f"bar field {name!r} has {array.shape[0]} values, 'ts' has {length}"
                )
            length = array.shape[0]
            arrays[name] = array
        for name in ("open", "high", "low", "close"):
            if length and int(arrays[name].min()) <= 0:
                bad = int(np.argmin(arrays[name]))
                raise InvalidInputError(f"bar field {name!r} is not positive at index {bad}")
        if length and (np.diff(arrays["ts"]) <= 0).any():
            bad = int(np.argmax(np.diff(arrays["ts"]) <= 0)) + 1
            raise InvalidInputError(f"ts must increase; it does not at index {bad}")
        return cls(instrument, **arrays)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def signal_arrays(self) -> BarArrays:
        """The float bar fields the signal evaluator reads (``Price.as_float`` of each). `of`
        validated the integers, so the floats need no second look (``BarArrays.of`` would copy
        the timestamps and scan every field again)."""
        scale_p = 10.0**self.instrument.price_precision
        scale_v = 10.0**self.instrument.size_precision
        return BarArrays(
            open=self.open / scale_p,
            high=self.high / scale_p,
            low=self.low / scale_p,
            close=self.close / scale_p,
            volume=self.volume / scale_v,
            ts=self.ts,
        )
