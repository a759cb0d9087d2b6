from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.analytics.report.svg import ChartLine, line_chart, nice_ticks

DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(30)]


@settings(max_examples=200)
@given(
    low=st.floats(-1e9, 1e9, allow_nan=False),
    span=st.floats(0, 1e9, allow_nan=False),
)
def test_ticks_cover_the_range_with_a_round_step(low: float, span: float) -> None:
    high = low + span
    ticks = nice_ticks(low, high)
    step = ticks[1] - ticks[0]
    assert ticks[0] <= low + step * 1e-9  # covered up to float rounding
    assert ticks[-1] >= high - step * 1e-9
    assert 2 <= len(ticks) <= 11
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))


def test_ticks_of_a_flat_range_still_span_something() -> None:
    assert nice_ticks(0.0, 0.0)[0] < 0.0 < nice_ticks(0.0, 0.0)[-1]
    ticks = nice_ticks(100.0, 100.0)
    assert ticks[0] < 100.0 < ticks[-1]
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0.0, math.inf)


def points(svg: str, element: str = "polyline") -> list[list[tuple[float, float]]]:
    found = re.findall(rf'<{element} [^>]*points="([^"]+)"', svg)
    return [[tuple(map(float, p.split(","))) for p in group.split()] for group in found]  # type: ignore[misc]


def test_points_stay_inside_the_view_box_and_extremes_map_to_extremes() -> None:
    values = [100.0 + 10 * math.sin(i / 3) for i in range(30)]
    svg = str(line_chart(DAYS, [ChartLine("Equity", values, "equity")], label="x", y_format=str))
    (line,) = points(svg)
    assert len(line) == 30
    assert all(0 <= x <= 960 and 0 <= y <= 280 for x, y in line)
    assert line[0][0] < line[-1][0]
    top = min(range(30), key=lambda i: line[i][1])
    bottom = max(range(30), key=lambda i: line[i][1])
    assert values[top] == max(values)
    assert values[bottom] == min(values)
    assert svg.count('class="tick"') >= 6
    assert "2024-01-01" in svg
    assert "2024-01-30" in svg
    assert "xmlns" not in svg


def test_nan_values_split_the_line_and_fill_closes_on_zero() -> None:
    values = [-0.01, -0.02, math.nan, -0.03, 0.0]
    days = DAYS[:5]
    line = ChartLine("DD", values, "dd", fill=True)
    svg = str(line_chart(days, [line], label="d", y_format=str, include_zero=True))
    lines = points(svg)
    assert [len(line) for line in lines] == [2, 2]
    polygons = points(svg, "polygon")
    assert len(polygons) == 2
    zero_y = lines[1][1][1]  # the last value is 0.0
    assert polygons[0][0][1] == zero_y
    assert polygons[0][-1][1] == zero_y


def test_one_day_and_no_finite_values_still_draw() -> None:
    one = str(line_chart(DAYS[:1], [ChartLine("E", [5.0], "e")], label="x", y_format=str))
    assert points(one) == [[(480.0 + 34.0, points(one)[0][0][1])]]
    gap = ChartLine("E", [math.nan] * 2, "e")
    empty = str(line_chart(DAYS[:2], [gap], label="x", y_format=str))
    assert points(empty) == []
    assert empty.startswith("<svg")


def test_labels_are_escaped_and_lengths_checked() -> None:
    svg = str(line_chart(DAYS[:2], [ChartLine("E", [1.0, 2.0], 'x"y')], label="<b>", y_format=str))
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert 'class="x&#34;y"' in svg
    with pytest.raises(ValueError, match="3 values for 2 days"):
        line_chart(DAYS[:2], [ChartLine("E", [1.0, 2.0, 3.0], "e")], label="x", y_format=str)
