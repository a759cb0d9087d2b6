"""The front door: source text or a file in, a checked `Program` or diagnostics out.

``jts dsl check FILE`` calls `check_file` and prints the diagnostics; ``jts backtest --strategy
FILE.jts`` calls `load_file`. Neither lets a Python exception escape for a problem in the file:
an unreadable file is reported as a diagnostic too.
"""

from __future__ import annotations

from pathlib import Path

from jts.dsl.catalog import IndicatorCatalog
from jts.dsl.checker import check_script
from jts.dsl.errors import NO_SPAN, Diagnostic, DslError
from jts.dsl.parser import parse_script
from jts.dsl.program import Program
from jts.dsl.registry import default_catalog

__all__ = ["check_file", "check_source", "load_file", "read_source"]


def check_source(
    text: str, catalog: IndicatorCatalog | None = None, file: str = "<string>"
) -> Program:
    """Parse and check a source text; raise `DslError` listing every error.

    ``catalog`` defaults to every indicator of `jts.indicators`.
    """
    script = parse_script(text, file)
    return check_script(script, text, file, default_catalog() if catalog is None else catalog)


def read_source(path: str | Path) -> str:
    """A strategy file's text; a missing or non-UTF-8 file raises `DslError`, not OSError."""
    source = Path(path)
    try:
        return source.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"cannot read the file: {reason}"
    except UnicodeDecodeError as exc:
        message = f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"
    raise DslError([Diagnostic(str(source), NO_SPAN, message)])


def load_file(path: str | Path, catalog: IndicatorCatalog | None = None) -> Program:
    """Read, parse and check a strategy file; raise `DslError` listing every error."""
    return check_source(read_source(path), catalog, str(path))


def check_file(path: str | Path, catalog: IndicatorCatalog | None = None) -> list[Diagnostic]:
    """Every problem in a strategy file; an empty list means it is ready to run."""
    try:
        load_file(path, catalog)
    except DslError as exc:
        return list(exc.diagnostics)
    return []
