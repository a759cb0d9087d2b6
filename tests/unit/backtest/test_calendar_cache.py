"""The backtest runner's XKRX calendar cache: built once, loaded after, never stale."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jts.backtest import calendar_cache
from jts.backtest.calendar_cache import cache_directory, cached_xkrx_calendar
from jts.calendar import XkrxCalendar

START, END = dt.date(2024, 1, 2), dt.date(2024, 12, 30)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, XkrxCalendar]:
    """A cache directory holding one calendar, and that calendar (built once: seconds)."""
    folder = tmp_path_factory.mktemp("cache")
    return folder, cached_xkrx_calendar(START, END, cache_dir=folder)


def _refuse_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_build(self: XkrxCalendar) -> XkrxCalendar:
        raise AssertionError("the calendar was built instead of loaded")

    monkeypatch.setattr(XkrxCalendar, "build", no_build)


def test_a_stored_calendar_is_loaded_not_built(
    built: tuple[Path, XkrxCalendar], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, first = built
    (stored,) = folder.glob("xkrx-2024-01-02-2024-12-30-*.pickle")
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    _refuse_builds(monkeypatch)
    again = cached_xkrx_calendar(START, END, cache_dir=folder)
    assert again is not first
    assert again.is_built
    day = dt.date(2024, 2, 9)  # Seollal: closed
    assert again.is_session(day) == first.is_session(day) is False
    assert again.session(dt.date(2024, 1, 2)) == first.session(dt.date(2024, 1, 2))
    assert again.settlement_date(dt.date(2024, 2, 8), 2) == dt.date(2024, 2, 14)


def test_loading_needs_no_pandas(built: tuple[Path, XkrxCalendar]) -> None:
    folder, _ = built
    code = (
        "import sys, datetime as dt\n"
        "from jts.backtest.calendar_cache import cached_xkrx_calendar\n"
        "from pathlib import Path\n"
        "span = dt.date(2024, 1, 2), dt.date(2024, 12, 30)\n"
        f"c = cached_xkrx_calendar(*span, cache_dir=Path({str(folder)!r}))\n"
        "assert c.is_session(dt.date(2024, 1, 3))\n"
        "print('pandas' in sys.modules, 'exchange_calendars' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "False"]


def test_a_broken_file_is_rebuilt(
    built: tuple[Path, XkrxCalendar], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, first = built
    (stored,) = folder.glob("*.pickle")
    broken = tmp_path / stored.name
    broken.write_bytes(stored.read_bytes()[:100])  # a torn write
    calendar = cached_xkrx_calendar(START, END, cache_dir=tmp_path)
    assert "unreadable calendar cache" in caplog.text
    assert calendar.session(dt.date(2024, 1, 2)) == first.session(dt.date(2024, 1, 2))
    assert broken.stat().st_size == stored.stat().st_size  # rewritten whole


def test_another_span_or_calendar_code_is_another_file(
    built: tuple[Path, XkrxCalendar], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = built
    name = calendar_cache._file_name(START, END)
    assert (folder / name).exists()
    assert calendar_cache._file_name(START, dt.date(2025, 12, 30)) != name
    monkeypatch.setattr(calendar_cache, "_sources_digest", lambda: "changed-rules")
    assert calendar_cache._file_name(START, END) != name


def test_an_unwritable_cache_still_gives_a_calendar(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be")
    calendar = cached_xkrx_calendar(START, END, cache_dir=blocked / "jts")
    assert calendar.is_session(dt.date(2024, 1, 3))


def test_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_CACHE_DIR", "/somewhere/jts-cache")
    assert cache_directory() == Path("/somewhere/jts-cache")
    monkeypatch.delenv("JTS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_directory() == Path("/xdg/jts")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_directory() == Path(os.path.expanduser("~")) / ".cache" / "jts"
