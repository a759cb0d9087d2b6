"""The self-contained HTML report of a run: summary, charts, heatmaps and the trade list."""

from __future__ import annotations

from jts.analytics.report.render import render_report, write_report
from jts.analytics.report.sweep import SweepGrid

__all__ = ["SweepGrid", "render_report", "write_report"]
