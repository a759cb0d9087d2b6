from __future__ import annotations

import math

import pytest

from jts.analytics.errors import AnalyticsInputError
from jts.analytics.report.heatmap import (
    diverging_cell,
    monthly_rows,
    palette_colours,
    sequential_rows,
)
from jts.analytics.returns import MonthlyReturns


def test_diverging_cells_use_the_up_or_down_colour_by_sign() -> None:
    up, down = palette_colours("krx")
    assert (up, down) == ("#d62728", "#1f60c4")  # red up, blue down: the KRX convention
    assert diverging_cell(0.05, 0.05, "krx").background == up
    assert diverging_cell(-0.05, 0.05, "krx").background == down
    assert diverging_cell(0.0, 0.05, "krx").background == "#ffffff"
    assert palette_colours("western")[0] == "#1a9850"


def test_intensity_grows_with_size_and_text_stays_readable() -> None:
    faint = diverging_cell(0.005, 0.05, "krx")
    strong = diverging_cell(0.05, 0.05, "krx")
    assert faint.foreground == "#1a1a1a"
    assert strong.foreground == "#ffffff"
    assert int(faint.background[3:5], 16) > int(strong.background[3:5], 16)  # less green: redder
    assert faint.text == "0.5%"
    assert faint.value == "0.005"


def test_empty_and_nan_cells_are_blank() -> None:
    assert diverging_cell(None, 0.1, "krx").text == ""
    assert diverging_cell(math.nan, 0.1, "krx").value == ""
    assert diverging_cell(0.01, 0.0, "krx").background == "#ffffff"  # no scale: no colour


def test_monthly_rows_share_one_scale() -> None:
    monthly = MonthlyReturns(
        years=(2023, 2024),
        rows=((None,) * 11 + (0.02,), (-0.04, 0.01) + (None,) * 10),
        year_totals=(0.02, -0.0304),
    )
    rows = monthly_rows(monthly, "krx")
    assert [row.year for row in rows] == [2023, 2024]
    assert rows[1].months[0].background == "#1f60c4"  # the largest month is the full colour
    assert rows[0].months[11].background != "#d62728"
    assert rows[0].total.value == "0.02"
    assert rows[1].months[5].text == ""


def test_sequential_rows_shade_low_to_high_and_mark_every_best_cell() -> None:
    rows = sequential_rows([[1.0, None], [3.0, 3.0], [math.nan, -1.0]], ".1f")
    flat = [cell for row in rows for cell in row]
    assert [cell.text for cell in flat] == ["1.0", "", "3.0", "3.0", "n/a", "-1.0"]
    assert [cell.best for cell in flat] == [False, False, True, True, False, False]
    darkness = [int(cell.background[1:3], 16) for cell in (flat[5], flat[0], flat[2])]
    assert darkness == sorted(darkness, reverse=True)  # lower value, lighter cell
    assert flat[1].value == ""
    assert flat[4].value == "nan"


def test_unknown_palette_is_refused() -> None:
    with pytest.raises(AnalyticsInputError, match="palette"):
        palette_colours("neon")  # type: ignore[arg-type]
