"""Heatmap tables: cells coloured by value, text kept, rendered as a plain HTML table.

A table (not an image) keeps every value readable, selectable and testable. Two scales:
returns are *diverging* around zero (gain colour above, loss colour below, white at zero); a
parameter sweep is *sequential* from its worst to its best cell, because what matters there is
where the best region lies, whatever the sign.

The default palette follows the Korean market convention: red for up, blue for down. The
"western" palette swaps in green for up and red for down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from jts.analytics.errors import AnalyticsInputError
from jts.analytics.report import formatting
from jts.analytics.returns import MONTHS, MonthlyReturns

Palette = Literal["krx", "western"]
_WHITE: Final = (255, 255, 255)
_COLOURS: Final[dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]]] = {
    # (up, down)
    "krx": ((214, 39, 40), (31, 96, 196)),
    "western": ((26, 152, 80), (214, 39, 40)),
}
_SEQUENTIAL: Final = (49, 54, 149)


def palette_colours(palette: Palette) -> tuple[str, str]:
    """(up, down) as ``#rrggbb`` for the CSS of lines and areas."""
    up, down = _colours(palette)
    return _hex(up), _hex(down)


def _colours(palette: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    try:
        return _COLOURS[palette]
    except KeyError:
        raise AnalyticsInputError(
            f"palette must be one of {sorted(_COLOURS)}, got {palette!r}"
        ) from None


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _mix(colour: tuple[int, int, int], strength: float) -> tuple[int, int, int]:
    t = min(max(strength, 0.0), 1.0)
    r, g, b = (round(w + (c - w) * t) for w, c in zip(_WHITE, colour, strict=True))
    return r, g, b


@dataclass(frozen=True, slots=True)
class HeatCell:
    """A coloured cell: ``text`` shown, ``value`` the exact figure for ``data-value``."""

    text: str
    value: str
    background: str
    foreground: str
    best: bool = False


_EMPTY: Final = HeatCell(text="", value="", background="#ffffff", foreground="#1a1a1a")


def _cell(text: str, value: float, colour: tuple[int, int, int], strength: float) -> HeatCell:
    mixed = _mix(colour, strength)
    foreground = "#ffffff" if strength > 0.55 else "#1a1a1a"
    return HeatCell(text, formatting.raw(value), _hex(mixed), foreground)


def diverging_cell(value: float | None, scale: float, palette: Palette) -> HeatCell:
    """A return cell: intensity ``|value| / scale`` in the up or down colour."""
    if value is None or math.isnan(value):
        return _EMPTY
    up, down = _colours(palette)
    strength = abs(value) / scale if scale > 0 else 0.0
    return _cell(formatting.percent(value, 1), value, up if value >= 0 else down, strength)


@dataclass(frozen=True, slots=True)
class MonthlyRow:
    year: int
    months: tuple[HeatCell, ...]
    total: HeatCell


def monthly_rows(monthly: MonthlyReturns, palette: Palette) -> list[MonthlyRow]:
    """Year rows of month cells plus the year's total, on one scale (the largest month)."""
    months = [v for row in monthly.rows for v in row if v is not None and math.isfinite(v)]
    scale = max((abs(v) for v in months), default=0.0)
    return [
        MonthlyRow(
            year=year,
            months=tuple(diverging_cell(value, scale, palette) for value in row),
            total=diverging_cell(total, scale, palette),
        )
        for year, row, total in zip(monthly.years, monthly.rows, monthly.year_totals, strict=True)
    ]


MONTH_HEADERS: Final = MONTHS


def sequential_rows(
    values: Sequence[Sequence[float | None]], number_format: str
) -> list[list[HeatCell]]:
    """Cells shaded from the lowest to the highest value; the highest cells are marked best."""
    finite = [v for row in values for v in row if v is not None and math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    span = high - low
    rows: list[list[HeatCell]] = []
    for row in values:
        cells: list[HeatCell] = []
        for value in row:
            if value is None or not math.isfinite(value):
                if value is None:
                    cells.append(_EMPTY)
                else:
                    text = formatting.number(value)
                    cells.append(HeatCell(text, formatting.raw(value), "#ffffff", "#1a1a1a"))
                continue
            strength = 0.15 + 0.85 * ((value - low) / span) if span > 0 else 0.6
            cell = _cell(format(value, number_format), value, _SEQUENTIAL, strength)
            cells.append(
                HeatCell(
                    cell.text, cell.value, cell.background, cell.foreground, best=value == high
                )
            )
        rows.append(cells)
    return rows
