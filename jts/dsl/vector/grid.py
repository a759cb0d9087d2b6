"""The tick tables of the instruments on the days of the data, as arrays for compiled code.

`jts.domain.tick_rules.TickScheme` holds a table as bands of (lower bound, tick); a KRX
instrument has one table per era (the 2023 reform changed them), so a run needs at most a few.
`GridTables` numbers the distinct tables, pads their bands into 2-D arrays and says which
table each (instrument, day) uses; `jts.dsl.vector.kernels.grid_down`/``grid_up`` round on
them exactly as `TickScheme.round` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jts.domain.instruments import Instrument
from jts.domain.tick_rules import NoTickSchemeError, TickScheme
from jts.dsl.errors import DslRuntimeError

__all__ = ["GridTables", "grid_tables"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class GridTables:
    """``lows[s, b]``/``ticks[s, b]``: band ``b`` of table ``s`` (``bands[s]`` are real, the
    rest padding); ``scheme_of[k, d]``: the table of instrument ``k`` on day ``d``."""

    lows: IntArray
    ticks: IntArray
    bands: IntArray
    scheme_of: npt.NDArray[np.int32]


def grid_tables(instruments: Sequence[Instrument], days: Sequence[dt.date]) -> GridTables:
    """The tables of every instrument on every day (one calendar look-up per distinct era)."""
    tables: list[TickScheme] = []
    scheme_of = np.zeros((len(instruments), max(len(days), 1)), dtype=np.int32)
    for k, instrument in enumerate(instruments):
        current: TickScheme | None = None
        index = 0
        for d, day in enumerate(days):
            if current is None or not current.applies_on(day):
                try:
                    current = instrument.tick_scheme(day)
                except NoTickSchemeError as exc:
                    raise DslRuntimeError(
                        f"{instrument.id}: no tick table on {day}, which the vectorised "
                        f"backtest needs for daily limits and stop levels ({exc})"
                    ) from None
                if current.precision != instrument.price_precision:
                    raise DslRuntimeError(
                        f"{instrument.id}: tick table {current.name} quotes {current.precision} "
                        f"decimals, the instrument {instrument.price_precision}"
                    )
                known = [i for i, t in enumerate(tables) if t is current or t == current]
                index = known[0] if known else len(tables)
                if not known:
                    tables.append(current)
            scheme_of[k, d] = index
    width = max((len(t.bands) for t in tables), default=1)
    lows = np.zeros((max(len(tables), 1), width), dtype=np.int64)
    ticks = np.ones((max(len(tables), 1), width), dtype=np.int64)
    bands = np.ones(max(len(tables), 1), dtype=np.int64)
    for s, table in enumerate(tables):
        p = table.precision
        bands[s] = len(table.bands)
        for b, band in enumerate(table.bands):
            lows[s, b] = band.lower.raw_at(p)
            ticks[s, b] = band.tick.raw_at(p)
    return GridTables(lows, ticks, bands, scheme_of)
