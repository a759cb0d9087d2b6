"""The XKRX calendar of backtests, built once per machine and kept on disk.

Building `XkrxCalendar` imports pandas and evaluates the lunar holiday rules of
`exchange_calendars`: about two seconds and some 50 MB of memory in a process that otherwise
needs neither, which is a large part of a short backtest and of the reference benchmark's
budget. A built calendar is plain Python data and pickles cheaply (the sweeps already send it
to their workers that way), so the backtest runner keeps that pickle in a cache file and
loads it in milliseconds, without importing pandas.

The file's name carries everything the calendar depends on: its span, the versions of Python
and `exchange_calendars`, and a digest of the `jts.calendar` sources (hours, overrides), so a
change of any of them is a cache miss, never a stale calendar. A missing, unreadable or
unexpected file is rebuilt and rewritten atomically (write, then rename), and a cache that
cannot be written (a read-only home) costs only the speed-up. The directory is
``$JTS_CACHE_DIR``, else ``$XDG_CACHE_HOME/jts``, else ``~/.cache/jts``; only this module writes
the pickles it reads there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path

import jts.calendar
from jts.calendar import KRX_EARLIEST_DATE, KRX_LATEST_DATE, XkrxCalendar

__all__ = ["cache_directory", "cached_xkrx_calendar"]

log = logging.getLogger(__name__)


def cache_directory() -> Path:
    """Where cached calendars live (see the module docstring)."""
    explicit = os.environ.get("JTS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "jts"


def _sources_digest() -> str:
    """A digest of the calendar package's code: its rules are part of what is cached."""
    digest = hashlib.sha256()
    package = Path(jts.calendar.__file__).parent
    for source in sorted(package.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _file_name(start: dt.date, end: dt.date) -> str:
    try:
        library = importlib.metadata.version("exchange_calendars")
    except importlib.metadata.PackageNotFoundError:
        library = "unknown"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (
        f"xkrx-{start.isoformat()}-{end.isoformat()}-py{python}-xcals{library}-"
        f"{_sources_digest()}.pickle"
    )


def _load(path: Path, start: dt.date, end: dt.date) -> XkrxCalendar | None:
    try:
        with path.open("rb") as file:
            # only this module writes here (0600 files in the user's own cache directory),
            # like the pickled calendars the sweeps send to their workers
            found = pickle.load(file)  # noqa: S301
    except FileNotFoundError:
        return None
    except Exception as exc:  # a torn or foreign file: rebuild it
        log.warning("ignoring unreadable calendar cache %s: %s", path, exc)
        return None
    if (
        not isinstance(found, XkrxCalendar)
        or not found.is_built
        or (found.start, found.end) != (start, end)
    ):
        log.warning("ignoring unexpected calendar cache %s", path)
        return None
    return found


def _store(calendar: XkrxCalendar, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(calendar, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.info("calendar cache not written (%s): every run builds its calendar", exc)


def cached_xkrx_calendar(
    start: dt.date = KRX_EARLIEST_DATE,
    end: dt.date = KRX_LATEST_DATE,
    *,
    cache_dir: Path | None = None,
) -> XkrxCalendar:
    """The built XKRX calendar over ``start``..``end`` (the default: its whole span), loaded
    from the cache or built and stored there."""
    path = (cache_dir or cache_directory()) / _file_name(start, end)
    found = _load(path, start, end)
    if found is not None:
        return found
    calendar = XkrxCalendar(start, end).build()
    _store(calendar, path)
    return calendar
