from __future__ import annotations

import math
from decimal import Decimal

import pytest

from jts.analytics.errors import AnalyticsInputError
from jts.analytics.report.sweep import SweepGrid


def test_from_points_pivots_and_orders_numbers_numerically() -> None:
    grid = SweepGrid.from_points(
        [(10, "a", 1.0), (5, "a", 2.0), (Decimal("7.5"), "b", 3), (5, "b", math.nan)],
        metric="sharpe",
        x_param="fast",
        y_param="mode",
    )
    assert grid.x_values == ("5", "7.5", "10")  # not "10" < "5"
    assert grid.y_values == ("a", "b")
    assert grid.values == ((2.0, None, 1.0), (None, 3.0, None))


def test_duplicate_points_are_refused() -> None:
    with pytest.raises(AnalyticsInputError, match="fast=5, slow=20 appears twice"):
        SweepGrid.from_points(
            [(5, 20, 1.0), (5, 20, 2.0)], metric="m", x_param="fast", y_param="slow"
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metric": ""}, "metric must be a non-empty name"),
        ({"x_values": ()}, "x_values is empty"),
        ({"y_values": ("1", "1")}, "repeats a value"),
        ({"values": ((1.0, 2.0),)}, "1 rows for 2 y values"),
        ({"values": ((1.0,), (2.0, 3.0))}, r"row 0 \(1\) has 1 cells for 2 x values"),
        ({"values": ((1.0, "x"), (2.0, 3.0))}, "must be a float or None"),
        ({"number_format": "%d"}, "not a float format"),
    ],
)
def test_grid_shape_and_content_are_validated(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "metric": "sharpe",
        "x_param": "fast",
        "y_param": "slow",
        "x_values": ("5", "10"),
        "y_values": ("1", "2"),
        "values": ((1.0, None), (2.0, 3.0)),
    }
    fields.update(changes)
    with pytest.raises(AnalyticsInputError, match=message):
        SweepGrid(**fields)  # type: ignore[arg-type]
