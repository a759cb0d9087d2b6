"""Column chunks of bars and trade ticks, and the instrument table their indices refer to.

The feed hands data on as numpy arrays first: a vectorised evaluator uses them directly, and
the event-driven engine builds `Bar` objects only for the rows it replays. Prices and volumes
are int64 *raw* values at the instrument's precision (``Price.from_raw(raw, precision)``), so
the arrays are exact; ``instrument_index`` points into ``instrument_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt

from jts.backtest.data.errors import FeedOptionError
from jts.core.errors import UnknownInstrumentError
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument

__all__ = ["BarArrays", "InstrumentTable", "Int64Array", "TickArrays"]

Int64Array = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
Int8Array = npt.NDArray[np.int8]
ObjectArray = npt.NDArray[np.object_]


class InstrumentTable:
    """The instruments a feed may read, and the index of each one it has met so far.

    Indices are handed out in the order instruments are first met and never change, so an
    ``instrument_index`` stays valid across all the chunks of one feed.
    """

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._known: dict[InstrumentId, Instrument] = {}
        for instrument in instruments:
            if not isinstance(instrument, Instrument):
                raise FeedOptionError(
                    f"instruments must be Instrument objects, got {type(instrument).__name__}"
                )
            self._known[instrument.id] = instrument
        self._index: dict[InstrumentId, int] = {}
        self._ids: list[InstrumentId] = []
        self._instruments: list[Instrument] = []
        self._price_precision: list[int] = []
        self._size_precision: list[int] = []

    def knows(self, instrument_id: str) -> bool:
        return instrument_id in self._known

    def index_of(self, instrument_id: InstrumentId) -> int:
        """The index of a known instrument, registering it on first use."""
        found = self._index.get(instrument_id)
        if found is not None:
            return found
        instrument = self._known.get(instrument_id)
        if instrument is None:
            raise UnknownInstrumentError(f"no instrument {instrument_id} was given to the reader")
        index = len(self._ids)
        self._index[instrument_id] = index
        self._ids.append(instrument_id)
        self._instruments.append(instrument)
        self._price_precision.append(instrument.price_precision)
        self._size_precision.append(instrument.size_precision)
        return index

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> tuple[InstrumentId, ...]:
        return tuple(self._ids)

    def instrument(self, index: int) -> Instrument:
        return self._instruments[index]

    def price_precision(self, index: int) -> int:
        return self._price_precision[index]

    def size_precision(self, index: int) -> int:
        return self._size_precision[index]

    def ranks(self) -> Int64Array:
        """``ranks()[index]`` orders the registered instruments by id text (the tie-break
        between rows with the same timestamp)."""
        order = sorted(range(len(self._ids)), key=self._ids.__getitem__)
        ranks = np.empty(len(order), dtype=np.int64)
        ranks[order] = np.arange(len(order), dtype=np.int64)
        return ranks


def _select_index(ids: tuple[InstrumentId, ...], instrument_id: str) -> int:
    try:
        return ids.index(InstrumentId(instrument_id))
    except ValueError:
        return -1


@dataclass(frozen=True, slots=True, eq=False)
class BarArrays:
    """One chunk of bars in time order: rows share an index across the arrays.

    ``ts_event`` is the bar close (int ns UTC); ``open``..``close`` are raw prices and
    ``volume`` raw quantities at each row's instrument precision.
    """

    instrument_ids: tuple[InstrumentId, ...]
    instrument_index: Int32Array
    ts_event: Int64Array
    open: Int64Array
    high: Int64Array
    low: Int64Array
    close: Int64Array
    volume: Int64Array

    def __len__(self) -> int:
        return len(self.ts_event)

    def take(self, rows: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> Self:
        """The rows selected by a boolean mask or an index array, in that order."""
        return type(self)(
            self.instrument_ids,
            self.instrument_index[rows],
            self.ts_event[rows],
            self.open[rows],
            self.high[rows],
            self.low[rows],
            self.close[rows],
            self.volume[rows],
        )

    def for_instrument(self, instrument_id: str) -> Self:
        """The rows of one instrument (empty when the chunk has none)."""
        index = _select_index(self.instrument_ids, instrument_id)
        return self.take(self.instrument_index == index)


@dataclass(frozen=True, slots=True, eq=False)
class TickArrays:
    """One chunk of trade ticks in time order.

    ``aggressor`` holds 0 (none), 1 (buyer) or 2 (seller); ``trade_id`` holds the file's ids
    as str, or None where the file has none (the feed then derives one).
    """

    instrument_ids: tuple[InstrumentId, ...]
    instrument_index: Int32Array
    ts_event: Int64Array
    price: Int64Array
    size: Int64Array
    aggressor: Int8Array
    trade_id: ObjectArray

    def __len__(self) -> int:
        return len(self.ts_event)

    def take(self, rows: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> Self:
        return type(self)(
            self.instrument_ids,
            self.instrument_index[rows],
            self.ts_event[rows],
            self.price[rows],
            self.size[rows],
            self.aggressor[rows],
            self.trade_id[rows],
        )

    def for_instrument(self, instrument_id: str) -> Self:
        index = _select_index(self.instrument_ids, instrument_id)
        return self.take(self.instrument_index == index)
