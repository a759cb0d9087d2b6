"""Render an `Analysis` into one self-contained ``report.html``.

The page inlines its CSS and its SVG charts and loads nothing: it opens from a USB stick on an
air-gapped machine. Output bytes depend only on the inputs (no generation time unless the
caller passes one), so two identical runs give identical reports, which the backtest's
determinism check relies on. `write_report` writes a temporary file beside the target and
renames it over, so a crash never leaves half a report that looks complete.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

from jts.analytics.analysis import Analysis
from jts.analytics.errors import AnalyticsInputError
from jts.analytics.report import formatting
from jts.analytics.report.heatmap import (
    MONTH_HEADERS,
    Palette,
    monthly_rows,
    palette_colours,
    sequential_rows,
)
from jts.analytics.report.svg import ChartLine, line_chart
from jts.analytics.report.sweep import SweepGrid
from jts.analytics.stats import PerformanceStats

DEFAULT_MAX_TRADE_ROWS: Final = 500
WORST_DRAWDOWNS_SHOWN: Final = 5


@dataclass(frozen=True, slots=True)
class StatRow:
    key: str
    label: str
    text: str
    value: str


def _pct(value: object) -> str:
    assert isinstance(value, float)
    return formatting.percent(value)


def _num(value: object) -> str:
    assert isinstance(value, float)
    return formatting.number(value)


def _plain(value: object) -> str:
    return str(value)


def _amount(value: object) -> str:
    assert isinstance(value, Decimal)
    return formatting.amount(value)


def _optional(value: object) -> str:
    return formatting.NOT_AVAILABLE if value is None else str(value)


#: The summary table: (section, [(field, label, formatter)]). Every field is a PerformanceStats
#: field; the test of the report checks each shown value against the stats.
_SUMMARY: Final[tuple[tuple[str, tuple[tuple[str, str, Callable[[object], str]], ...]], ...]] = (
    (
        "Run",
        (
            ("start_date", "First day (KST)", _plain),
            ("end_date", "Last day (KST)", _plain),
            ("days", "Days", _plain),
            ("currency", "Currency", _optional),
            ("start_equity", "Starting equity", _amount),
            ("final_equity", "Final equity", _amount),
        ),
    ),
    (
        "Returns",
        (
            ("total_return", "Total return", _pct),
            ("cagr", "CAGR", _pct),
            ("volatility", "Volatility (ann.)", _pct),
            ("sharpe", "Sharpe", _num),
            ("sortino", "Sortino", _num),
            ("calmar", "Calmar", _num),
            ("best_day", "Best day", _pct),
            ("worst_day", "Worst day", _pct),
        ),
    ),
    (
        "Drawdown",
        (
            ("max_drawdown", "Max drawdown", _pct),
            ("max_drawdown_days", "Max drawdown duration (days)", _plain),
            ("longest_drawdown_days", "Longest drawdown (days)", _plain),
        ),
    ),
    (
        "Days",
        (
            ("win_rate", "Winning days", _pct),
            ("profit_factor", "Profit factor (days)", _num),
            ("avg_win", "Average winning day", _pct),
            ("avg_loss", "Average losing day", _pct),
            ("payoff_ratio", "Payoff ratio", _num),
        ),
    ),
    (
        "Benchmark",
        (
            ("alpha", "Alpha (ann.)", _pct),
            ("beta", "Beta", _num),
        ),
    ),
    (
        "Trading",
        (
            ("fills", "Fills", _plain),
            ("exposure", "Exposure", _pct),
            ("turnover", "Turnover (x equity)", _num),
            ("annual_turnover", "Turnover per year", _num),
            ("round_trips", "Round trips", _plain),
            ("winning_trades", "Winning trades", _plain),
            ("losing_trades", "Losing trades", _plain),
            ("trade_win_rate", "Trade win rate", _pct),
            ("trade_profit_factor", "Trade profit factor", _num),
            ("gross_profit", "Gross profit", _amount),
            ("gross_loss", "Gross loss", _amount),
            ("net_trade_pnl", "Net trade PnL", _amount),
            ("avg_trade_win", "Average winning trade", _num),
            ("avg_trade_loss", "Average losing trade", _num),
        ),
    ),
)


def _summary(stats: PerformanceStats) -> list[tuple[str, list[StatRow]]]:
    sections: list[tuple[str, list[StatRow]]] = []
    for title, fields in _SUMMARY:
        rows = []
        for key, label, shown in fields:
            value = getattr(stats, key)
            rows.append(StatRow(key, label, shown(value), formatting.raw(value)))
        sections.append((title, rows))
    return sections


def _charts(analysis: Analysis) -> tuple[Markup, Markup]:
    daily = analysis.daily
    closes = [float(close) for close in daily.closes]
    lines = [ChartLine("Equity", closes, "equity")]
    if analysis.benchmark is not None:
        level = float(daily.opening)
        rebased: list[float] = []
        for value in analysis.benchmark.values:
            if math.isfinite(value):
                level *= 1.0 + float(value)
                rebased.append(level)
            else:
                rebased.append(math.nan)
        lines.append(ChartLine("Benchmark (rebased)", rebased, "benchmark"))
    equity_svg = line_chart(
        daily.days,
        lines,
        label="Equity curve",
        y_format=lambda v: formatting.number(v, 0),
    )
    underwater = line_chart(
        daily.days,
        [ChartLine("Drawdown", [float(v) for v in analysis.drawdown.values], "drawdown", True)],
        label="Drawdown (underwater)",
        y_format=lambda v: formatting.percent(v, 1),
        height=200,
        include_zero=True,
    )
    return equity_svg, underwater


def _trade_rows(analysis: Analysis, limit: int) -> list[dict[str, str]]:
    rows = []
    for number, trade in enumerate(analysis.trades[:limit], start=1):
        rows.append(
            {
                "number": str(number),
                "instrument": trade.instrument_id,
                "side": "Long" if trade.side.sign > 0 else "Short",
                "quantity": str(trade.quantity),
                "entry": formatting.kst_minute(trade.entry_ns),
                "exit": formatting.kst_minute(trade.exit_ns),
                "entry_price": formatting.amount(trade.entry_price),
                "exit_price": formatting.amount(trade.exit_price),
                "pnl": formatting.amount(trade.pnl.as_decimal()),
                "pnl_raw": formatting.raw(trade.pnl.as_decimal()),
                "pnl_sign": "up" if trade.pnl.raw > 0 else ("down" if trade.pnl.raw < 0 else ""),
                "return": formatting.percent(trade.return_fraction),
            }
        )
    return rows


def _sweep_context(grid: SweepGrid) -> dict[str, Any]:
    return {
        "grid": grid,
        "rows": list(
            zip(grid.y_values, sequential_rows(grid.values, grid.number_format), strict=True)
        ),
    }


def _environment() -> jinja2.Environment:
    """A fresh environment per render: no module-level state, and rendering is rare."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jts.analytics.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report(
    analysis: Analysis,
    *,
    title: str = "JTS backtest report",
    parameters: Mapping[str, object] | None = None,
    sweeps: Sequence[SweepGrid] = (),
    generated_at: str | None = None,
    max_trade_rows: int = DEFAULT_MAX_TRADE_ROWS,
    palette: Palette = "krx",
) -> str:
    """The report as one HTML string (see the module docstring).

    ``parameters`` (strategy parameters, data file, ...) are listed in the given order;
    ``generated_at`` is printed verbatim when given; the trade list shows at most
    ``max_trade_rows`` round trips and says how many it left out.
    """
    if isinstance(max_trade_rows, bool) or not isinstance(max_trade_rows, int):
        raise AnalyticsInputError(f"max_trade_rows must be an int, got {max_trade_rows!r}")
    if max_trade_rows < 0:
        raise AnalyticsInputError(f"max_trade_rows cannot be negative, got {max_trade_rows}")
    up, down = palette_colours(palette)
    equity_svg, drawdown_svg = _charts(analysis)
    worst = sorted(analysis.drawdowns, key=lambda period: (period.depth, period.start))
    context = {
        "title": title,
        "generated_at": generated_at,
        "parameters": [(str(k), str(v)) for k, v in (parameters or {}).items()],
        "up_colour": up,
        "down_colour": down,
        "summary": _summary(analysis.stats),
        "has_benchmark": analysis.benchmark is not None,
        "equity_svg": equity_svg,
        "drawdown_svg": drawdown_svg,
        "worst_drawdowns": [
            {
                "start": period.start.isoformat(),
                "valley": period.valley.isoformat(),
                "end": period.end.isoformat() if period.recovered else "open",
                "days": period.days,
                "depth": formatting.percent(period.depth),
                "depth_raw": formatting.raw(period.depth),
            }
            for period in worst[:WORST_DRAWDOWNS_SHOWN]
        ],
        "month_headers": MONTH_HEADERS,
        "monthly_rows": monthly_rows(analysis.monthly, palette),
        "trades": _trade_rows(analysis, max_trade_rows),
        "trade_count": len(analysis.trades),
        "trades_hidden": max(0, len(analysis.trades) - max_trade_rows),
        "sweeps": [_sweep_context(grid) for grid in sweeps],
    }
    return _environment().get_template("report.html.j2").render(context)


def write_report(
    path: str | os.PathLike[str],
    analysis: Analysis,
    **options: Any,
) -> Path:
    """Render and write atomically (temporary file in the same folder, fsync, rename).

    ``options`` are those of `render_report`. Returns the path written.
    """
    target = Path(path)
    html = render_report(analysis, **options)  # render first: a bad input writes nothing
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the report from other readers
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(html)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target
