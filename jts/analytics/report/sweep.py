"""A parameter sweep's metric over two parameters, as the report's sweep heatmap reads it.

The sweep engine owns running the grid; this is only its result in the shape a heatmap needs:
``values[row][column]`` is the metric at ``y_values[row]`` and ``x_values[column]``, None where
that combination was not run (or failed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from jts.analytics.errors import AnalyticsInputError

ParamValue = str | int | Decimal | float


def _label(value: ParamValue) -> str:
    return value if isinstance(value, str) else str(value)


def _order_key(value: ParamValue) -> tuple[int, Decimal | float, str]:
    """Numbers in numeric order before text in text order, so 5 < 10 and not '10' < '5'."""
    if isinstance(value, bool):
        return (1, 0, str(value))
    if isinstance(value, int | Decimal | float):
        return (0, value, "")
    return (1, 0, value)


@dataclass(frozen=True, slots=True)
class SweepGrid:
    metric: str
    x_param: str
    y_param: str
    x_values: tuple[str, ...]
    y_values: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    number_format: str = ".3f"

    def __post_init__(self) -> None:
        where = f"sweep grid of {self.metric!r}"
        for name in ("metric", "x_param", "y_param"):
            if not getattr(self, name):
                raise AnalyticsInputError(f"{where}: {name} must be a non-empty name")
        for name in ("x_values", "y_values"):
            labels = getattr(self, name)
            if not labels:
                raise AnalyticsInputError(f"{where}: {name} is empty")
            if len(set(labels)) != len(labels):
                raise AnalyticsInputError(f"{where}: {name} repeats a value: {labels}")
        if len(self.values) != len(self.y_values):
            raise AnalyticsInputError(
                f"{where}: {len(self.values)} rows for {len(self.y_values)} y values"
            )
        for index, row in enumerate(self.values):
            if len(row) != len(self.x_values):
                raise AnalyticsInputError(
                    f"{where}: row {index} ({self.y_values[index]}) has {len(row)} cells for "
                    f"{len(self.x_values)} x values"
                )
            for cell in row:
                if cell is not None and (isinstance(cell, bool) or not isinstance(cell, float)):
                    raise AnalyticsInputError(
                        f"{where}: cell {cell!r} in row {index} must be a float or None"
                    )
        try:
            format(1.0, self.number_format)
        except ValueError as exc:
            raise AnalyticsInputError(
                f"{where}: number_format {self.number_format!r} is not a float format"
            ) from exc

    @classmethod
    def from_points(
        cls,
        points: Iterable[tuple[ParamValue, ParamValue, float | None]],
        *,
        metric: str,
        x_param: str,
        y_param: str,
        number_format: str = ".3f",
    ) -> SweepGrid:
        """Pivot ``(x, y, metric)`` triples; axes sorted, numbers numerically."""
        cells: dict[tuple[str, str], float | None] = {}
        xs: dict[str, ParamValue] = {}
        ys: dict[str, ParamValue] = {}
        for x, y, value in points:
            key = (_label(x), _label(y))
            if key in cells:
                raise AnalyticsInputError(
                    f"sweep of {metric!r}: {x_param}={key[0]}, {y_param}={key[1]} appears twice"
                )
            cell: float | None = value
            if isinstance(value, float) and math.isnan(value):
                cell = None
            elif isinstance(value, int) and not isinstance(value, bool):
                cell = float(value)
            cells[key] = cell
            xs.setdefault(key[0], x)
            ys.setdefault(key[1], y)
        x_labels = tuple(sorted(xs, key=lambda label: _order_key(xs[label])))
        y_labels = tuple(sorted(ys, key=lambda label: _order_key(ys[label])))
        return cls(
            metric=metric,
            x_param=x_param,
            y_param=y_param,
            x_values=x_labels,
            y_values=y_labels,
            values=tuple(tuple(cells.get((x, y)) for x in x_labels) for y in y_labels),
            number_format=number_format,
        )
