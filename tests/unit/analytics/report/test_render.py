from __future__ import annotations

import math
import os
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from jts.analytics import (
    AnalyticsInputError,
    Fill,
    RoundTrip,
    SweepGrid,
    analyse,
    render_report,
    write_report,
)
from jts.analytics.analysis import Analysis
from jts.analytics.report import formatting
from jts.domain.enums import OrderSide
from jts.domain.values import KRW, Money, Price, Quantity
from tests.unit.analytics.builders import from_basis_points

MOVES = [120, -250, 80, 0, 310, -90, -40, 200, -500, 260, 75, -10] * 4
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}
SVG_LEAVES = {"line", "polyline", "polygon", "path", "rect", "circle"}


class Page(HTMLParser):
    """Collects what the tests look at and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stats: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self._key: str | None = None
        self._capture: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "tr" and attributes.get("data-key"):
            self._key = attributes["data-key"]
        if tag == "td" and self._key and "data-value" in attributes:
            self.stats[self._key] = attributes["data-value"] or ""
            self._capture = self._key
            self.texts[self._key] = ""
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in SVG_LEAVES and tag not in VOID:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "td":
            self._capture = None
        if tag == "tr":
            self._key = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._capture:
            self.texts[self._capture] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.errors == []
    assert page.stack == []
    return page


def trades(count: int) -> list[RoundTrip]:
    return [
        RoundTrip(
            instrument_id="005930.KRX",
            side=OrderSide.BUY if i % 3 else OrderSide.SELL,
            quantity=Quantity(10),
            entry_ns=1_704_153_600_000_000_000 + i * 86_400_000_000_000,
            exit_ns=1_704_175_200_000_000_000 + i * 86_400_000_000_000,
            entry_price=Decimal(70_000),
            exit_price=Decimal(70_000 + 100 * (i % 5) - 200),
            pnl=Money(1_000 * (i % 5) - 2_000, KRW),
        )
        for i in range(count)
    ]


def make_analysis(trade_count: int = 7) -> Analysis:
    ts, eq = from_basis_points(100_000_000, MOVES)
    bench = from_basis_points(2_650_000, [m // 3 for m in MOVES])
    fills = [
        Fill(ts[3], "005930.KRX", OrderSide.BUY, Quantity(10), Price(70_000)),
        Fill(ts[9], "005930.KRX", OrderSide.SELL, Quantity(10), Price(70_500)),
    ]
    return analyse(ts, eq, benchmark=bench, trades=trades(trade_count), fills=fills)


SWEEP = SweepGrid.from_points(
    [(5, 20, 1.2), (10, 20, 0.4), (5, 30, -0.3), (10, 30, 1.9)],
    metric="sharpe",
    x_param="fast",
    y_param="slow",
)


def test_report_is_self_contained_html_with_every_section() -> None:
    html = render_report(make_analysis(), sweeps=[SWEEP], parameters={"fast": 5, "slow": 20})
    page = parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html
    assert "https://" not in html
    assert "//" not in html.replace("</", "")  # no protocol-relative URL either
    names = [tag for tag, _ in page.tags]
    assert "script" not in names
    assert "link" not in names
    assert "img" not in names
    assert all("src" not in attrs and "href" not in attrs for _, attrs in page.tags)
    assert "<style>" in html
    ids = [attrs.get("id") for tag, attrs in page.tags if tag == "section"]
    assert ids == ["summary", "equity", "drawdown", "monthly", "trades", "sweeps"]
    assert names.count("svg") == 2
    assert sum(1 for tag, _ in page.tags if tag == "polyline") >= 3  # equity, bench, drawdown


def test_without_sweeps_there_is_no_sweep_section() -> None:
    page = parse(render_report(make_analysis()))
    ids = [attrs.get("id") for tag, attrs in page.tags if tag == "section"]
    assert "sweeps" not in ids


def _read_back(raw: str, like: object) -> object:
    if isinstance(like, float):
        return float(raw)
    if isinstance(like, Decimal):
        return Decimal(raw)
    if isinstance(like, int):
        return int(raw)
    return raw if raw else None


def test_summary_values_are_the_stats() -> None:
    analysis = make_analysis()
    page = parse(render_report(analysis))
    stats = analysis.stats
    assert len(page.stats) >= 35
    for key, raw in page.stats.items():
        expected = getattr(stats, key)
        got = _read_back(raw, expected)
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(got), key  # type: ignore[arg-type]
        else:
            assert got == expected, key
    assert page.texts["sharpe"] == f"{stats.sharpe:,.2f}"
    assert page.texts["total_return"] == f"{stats.total_return * 100:,.2f}%"
    assert page.texts["final_equity"] == f"{stats.final_equity:,}"
    assert page.texts["alpha"] == formatting.percent(stats.alpha)
    for key in ("sharpe", "sortino", "max_drawdown", "cagr", "exposure", "turnover", "beta"):
        assert key in page.stats


def test_monthly_heatmap_cells_are_the_monthly_returns() -> None:
    analysis = make_analysis()  # 48 weekdays from 2024-01-02: January to mid-March
    section = html_section(render_report(analysis), "monthly")
    page = parse(section + "</section>")
    rows: dict[str, list[dict[str, str | None]]] = {}
    year = ""
    for tag, attrs in page.tags:
        if tag == "tr" and attrs.get("data-year"):
            year = attrs["data-year"] or ""
            rows[year] = []
        elif tag == "td" and year:
            rows[year].append(attrs)
    monthly = analysis.monthly
    assert list(rows) == [str(y) for y in monthly.years] == ["2024"]
    cells = rows["2024"]
    assert len(cells) == 13
    for attrs, expected in zip(cells, [*monthly.rows[0], monthly.year_totals[0]], strict=True):
        if expected is None:
            assert attrs["data-value"] == ""
            assert "background:#ffffff" in (attrs["style"] or "")
        else:
            assert float(attrs["data-value"] or "nan") == expected
            assert "background:#ffffff" not in (attrs["style"] or "")
    assert monthly.rows[0][0] is not None
    assert monthly.rows[0][3] is None  # April is past the end: an empty, white cell
    assert cells[12].get("class") == "total"


def test_trade_list_is_capped_with_a_note() -> None:
    analysis = make_analysis(trade_count=7)
    page = parse(render_report(analysis, max_trade_rows=5))
    trade_table = html_section(render_report(analysis, max_trade_rows=5), "trades")
    assert trade_table.count("<tr>") == 6  # header + 5 trades
    assert "Showing the first 5 of 7 round trips; 2 more are not listed." in page.text
    full = html_section(render_report(analysis), "trades")
    assert full.count("<tr>") == 8
    assert "Showing the first" not in full
    assert "2024-01-02 09:00" in full  # entries are shown in KST


def test_no_trades_says_so() -> None:
    page = parse(render_report(make_analysis(trade_count=0)))
    assert "No closed round trips." in page.text


def html_section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}">')
    return html[start : html.index("</section>", start)]


def test_sweep_heatmap_shows_every_cell_and_marks_the_best() -> None:
    section = html_section(render_report(make_analysis(), sweeps=[SWEEP]), "sweeps")
    page = parse(section + "</section>")
    values = [
        float(a["data-value"])  # type: ignore[arg-type]
        for tag, a in page.tags
        if tag == "td" and a.get("data-value")
    ]
    assert sorted(values) == [-0.3, 0.4, 1.2, 1.9]
    best = [a for tag, a in page.tags if tag == "td" and a.get("class") == "best"]
    assert len(best) == 1
    assert best[0]["data-value"] == "1.9"
    assert "slow \\ fast" in page.text


def test_identical_input_gives_identical_bytes() -> None:
    first = render_report(make_analysis(), sweeps=[SWEEP])
    second = render_report(make_analysis(), sweeps=[SWEEP])
    assert first == second
    assert "Generated" not in first
    stamped = render_report(make_analysis(), generated_at="2024-05-01 10:00 KST")
    assert "Generated 2024-05-01 10:00 KST" in stamped


def test_user_text_is_escaped() -> None:
    html = render_report(
        make_analysis(), title="<script>alert(1)</script>", parameters={"a&b": "<i>"}
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "a&amp;b" in html
    assert "&lt;i&gt;" in html
    parse(html)


def test_palette_changes_the_colours() -> None:
    krx = render_report(make_analysis())
    western = render_report(make_analysis(), palette="western")
    assert "--up: #d62728" in krx
    assert "--up: #1a9850" in western
    with pytest.raises(AnalyticsInputError, match="palette"):
        render_report(make_analysis(), palette="neon")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_bad_trade_cap_is_refused(bad: object) -> None:
    with pytest.raises(AnalyticsInputError, match="max_trade_rows"):
        render_report(make_analysis(), max_trade_rows=bad)  # type: ignore[arg-type]


def test_write_report_writes_the_rendered_bytes(tmp_path: Path) -> None:
    analysis = make_analysis()
    target = write_report(tmp_path / "out" / "report.html", analysis, title="Run 1")
    assert target == tmp_path / "out" / "report.html"
    assert target.read_text(encoding="utf-8") == render_report(analysis, title="Run 1")
    assert os.listdir(target.parent) == ["report.html"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_render_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(AnalyticsInputError):
        write_report(tmp_path / "report.html", make_analysis(), max_trade_rows=-1)
    assert os.listdir(tmp_path) == []


def test_a_failed_write_keeps_the_old_report_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous run", encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_report(target, make_analysis())
    assert target.read_text(encoding="utf-8") == "previous run"
    assert os.listdir(tmp_path) == ["report.html"]
