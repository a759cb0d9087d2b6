"""Inline SVG time-series charts, drawn by hand so the report needs no script and no network.

A chart is a handful of polylines over an evenly spaced day axis (trading days, so weekends and
holidays leave no gaps) with "nice" y ticks (1, 2, 2.5 or 5 times a power of ten). Coordinates
are printed with two decimals, so the same data always gives the same bytes. The SVG carries no
``xmlns``: inline SVG in HTML does not need one, and the report then holds no URL at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_LEFT, _RIGHT, _TOP, _BOTTOM = 84.0, 16.0, 12.0, 28.0
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class ChartLine:
    """One series; NaN values leave a gap. ``fill`` shades the area between it and zero."""

    label: str
    values: Sequence[float]
    css_class: str
    fill: bool = False


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high].

    A range too thin to divide (a flat curve, or float noise around one value) is widened to
    +-1 % around its centre, so a flat equity line sits mid-chart instead of failing.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"tick range must be finite, got {low}..{high}")
    if high < low:
        low, high = high, low
    if not high - low > max(abs(low), abs(high), 1e-200) * 1e-9:
        centre = (low + high) / 2
        pad = max(abs(centre) * 0.01, high - low)
        if pad < 1e-200:  # zero, or too small to divide into ticks
            pad = 1.0
        low, high = centre - pad, centre + pad
    raw_step = (high - low) / max(count - 1, 1)
    exponent = math.floor(math.log10(raw_step))
    magnitude = 10.0**exponent
    step = next(s * magnitude for s in _STEPS if s * magnitude >= raw_step)
    digits = max(0, 2 - exponent)  # enough to keep 2.5 x 10^k exact, not the float noise
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(k * step, digits) for k in range(first, last + 1)]


def _coordinate(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def line_chart(
    days: Sequence[dt.date],
    lines: Sequence[ChartLine],
    *,
    label: str,
    y_format: Callable[[float], str],
    width: int = 960,
    height: int = 280,
    include_zero: bool = False,
) -> Markup:
    """An SVG chart of ``lines`` over ``days`` (every line has one value per day)."""
    count = len(days)
    for line in lines:
        if len(line.values) != count:
            raise ValueError(f"line {line.label!r} has {len(line.values)} values for {count} days")
    finite = [v for line in lines for v in line.values if math.isfinite(v)]
    if include_zero:
        finite.append(0.0)
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    ticks = nice_ticks(low, high)
    y_low, y_high = ticks[0], ticks[-1]
    plot_w = width - _LEFT - _RIGHT
    plot_h = height - _TOP - _BOTTOM

    def x_of(index: int) -> float:
        return _LEFT + (plot_w / 2 if count == 1 else plot_w * index / (count - 1))

    def y_of(value: float) -> float:
        return _TOP + plot_h * (y_high - value) / (y_high - y_low)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="none">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in ticks:
        y = _coordinate(y_of(tick))
        parts.append(
            f'<line class="grid" x1="{_coordinate(_LEFT)}" y1="{y}" '
            f'x2="{_coordinate(width - _RIGHT)}" y2="{y}"/>'
            f'<text class="tick" x="{_coordinate(_LEFT - 6)}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(y_format(tick))}</text>'
        )
    for index in _x_tick_indices(count):
        parts.append(
            f'<text class="tick" x="{_coordinate(x_of(index))}" y="{height - 8}" '
            f'text-anchor="middle">{days[index].isoformat()}</text>'
        )
    zero_y = y_of(min(max(0.0, y_low), y_high))
    for line in lines:
        for segment in _segments(line.values):
            points = [(x_of(i), y_of(line.values[i])) for i in segment]
            path = " ".join(f"{_coordinate(x)},{_coordinate(y)}" for x, y in points)
            if line.fill:
                first_x, last_x = _coordinate(points[0][0]), _coordinate(points[-1][0])
                base = _coordinate(zero_y)
                parts.append(
                    f'<polygon class="{escape(line.css_class)} area" '
                    f'points="{first_x},{base} {path} {last_x},{base}"/>'
                )
            parts.append(f'<polyline class="{escape(line.css_class)}" points="{path}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute above is escaped


def _x_tick_indices(count: int, labels: int = 6) -> list[int]:
    if count == 0:
        return []
    if count <= labels:
        return list(range(count))
    return sorted({round(k * (count - 1) / (labels - 1)) for k in range(labels)})


def _segments(values: Sequence[float]) -> list[list[int]]:
    """Runs of consecutive finite values (a single finite point is drawn as a dot-sized line)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, value in enumerate(values):
        if math.isfinite(value):
            current.append(index)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
