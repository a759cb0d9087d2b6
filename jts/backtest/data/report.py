"""What a feed read, and what it tolerated: counts per file, raised as warnings once each.

A tolerated problem (a gap, rows dropped outside the sessions, rows sorted or de-duplicated by
``repair``) is counted per (file, kind) and reported as one `DataQualityWarning` with the count
and the first row, when the feed finishes or is closed: a warning per row would drown the one
that matters, and no warning at all would hide that the data was changed.
"""

from __future__ import annotations

import enum
import logging
import warnings
from dataclasses import dataclass, field

from jts.backtest.data.errors import DataQualityWarning

__all__ = ["DataIssue", "FeedReport", "IssueKind"]

logger = logging.getLogger(__name__)


class IssueKind(enum.Enum):
    REORDERED = "reordered"  # repair sorted rows that were out of time order
    DUPLICATES_DROPPED = "duplicates_dropped"  # repair dropped exact duplicate rows
    GAPS = "gaps"  # bars missing inside a session
    OUTSIDE_SESSIONS = "outside_sessions"  # rows outside the sessions, dropped
    IGNORED_FILES = "ignored_files"  # files in a folder that are not data files


_WHAT = {
    IssueKind.REORDERED: "{count} row(s) out of time order were sorted (repair)",
    IssueKind.DUPLICATES_DROPPED: "{count} exact duplicate row(s) were dropped (repair)",
    IssueKind.GAPS: "{count} gap(s) inside sessions, {missing} bar(s) missing",
    IssueKind.OUTSIDE_SESSIONS: "{count} row(s) outside the trading sessions were dropped",
    IssueKind.IGNORED_FILES: "{count} file(s) without a .csv or .parquet suffix were ignored",
}


@dataclass(slots=True)
class DataIssue:
    """One kind of tolerated problem in one file: how many, and the first occurrence."""

    file: str
    kind: IssueKind
    count: int = 0
    first_row: int | None = None
    first_detail: str = ""
    missing: int = 0  # bars missing, for gaps

    def message(self) -> str:
        text = f"{self.file}: " + _WHAT[self.kind].format(count=self.count, missing=self.missing)
        if self.first_row is not None:
            text += f"; first at row {self.first_row}"
        if self.first_detail:
            text += f" ({self.first_detail})"
        return text


@dataclass(slots=True)
class FeedReport:
    """Counts of one pass over the data; `issues` lists what was tolerated, per file.

    ``rows_read`` counts rows converted and checked; ``rows_out_of_range`` the rows before
    ``start`` or after ``end`` that were read or skipped by Parquet statistics (a file is not
    read past ``end``, so rows after it are not counted).
    """

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_delivered: int = 0
    rows_out_of_range: int = 0
    gaps_checked: bool = False
    sessions_checked: bool = False
    issues: list[DataIssue] = field(default_factory=list)
    _open: dict[tuple[str, IssueKind], DataIssue] = field(default_factory=dict, repr=False)

    def note(
        self,
        file: str,
        kind: IssueKind,
        count: int,
        *,
        row: int | None = None,
        detail: str = "",
        missing: int = 0,
    ) -> None:
        """Add ``count`` occurrences; the first ``row``/``detail`` noted for a file is kept."""
        if count <= 0:
            return
        issue = self._open.get((file, kind))
        if issue is None:
            issue = DataIssue(file, kind, first_row=row, first_detail=detail)
            self._open[(file, kind)] = issue
            self.issues.append(issue)
        issue.count += count
        issue.missing += missing

    def total(self, kind: IssueKind) -> int:
        return sum(issue.count for issue in self.issues if issue.kind is kind)

    @property
    def missing_bars(self) -> int:
        return sum(issue.missing for issue in self.issues if issue.kind is IssueKind.GAPS)

    def emit_warnings(self) -> None:
        """Warn (and log) each issue once; safe to call again (already warned ones are kept)."""
        for issue in self._open.values():
            message = issue.message()
            logger.warning(message)
            warnings.warn(message, DataQualityWarning, stacklevel=3)
        self._open.clear()
