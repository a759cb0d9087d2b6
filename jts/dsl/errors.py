"""Diagnostics: what the DSL tells a trader about a mistake, and the exception that carries them.

A typo in a strategy file must never surface as a Python traceback. Every problem the parser or
the checker finds becomes a `Diagnostic` (file, line, column, a caret under the spot, what was
expected, a "did you mean" hint), and all of them travel together in a `DslError`, so one run of
``jts dsl check`` lists every mistake instead of making the trader fix them one at a time.

Errors raised while *running* a checked program (a parameter override outside its range, bar
arrays of different lengths) are plain `DslRuntimeError`s: they are about the caller's data, not
about a place in the source.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jts.core.errors import InvalidInputError

__all__ = [
    "Diagnostic",
    "DiagnosticSink",
    "DslError",
    "DslRuntimeError",
    "Span",
    "did_you_mean",
    "format_diagnostics",
]


@dataclass(frozen=True, slots=True)
class Span:
    """Where a piece of source is: 1-based line and column, end exclusive (as Lark reports it).

    ``line == 0`` means "the whole file" (a statement that is missing has no place to point at).
    """

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def whole_file(cls) -> Span:
        return cls(0, 0, 0, 0)

    @property
    def is_whole_file(self) -> bool:
        return self.line == 0


NO_SPAN = Span.whole_file()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in one file, with everything needed to show it to a person.

    ``notes`` are extra lines: what the parser expected, a suggestion for a misspelled name.
    ``source_line`` is the text of the offending line (without its newline), kept here so a
    diagnostic can be printed long after the source is gone.
    """

    file: str
    span: Span
    message: str
    source_line: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def format(self) -> str:
        """The compiler-style text: ``file:line:col: error: ...``, the line, a caret, the notes.

        The caret line copies the tabs of the source prefix so it lines up in any terminal.
        """
        if self.span.is_whole_file:
            head = f"{self.file}: error: {self.message}"
            return "\n".join([head, *(f"  = {note}" for note in self.notes)])
        head = f"{self.file}:{self.span.line}:{self.span.column}: error: {self.message}"
        gutter = " " * len(str(self.span.line))
        start = max(self.span.column - 1, 0)
        if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
            width = self.span.end_column - self.span.column
        else:  # a span running onto later lines is underlined to the end of its first line
            width = max(len(self.source_line) - start, 1)
        prefix = "".join(ch if ch == "\t" else " " for ch in self.source_line[:start])
        prefix = prefix.ljust(start)
        lines = [
            head,
            f" {self.span.line} | {self.source_line}".rstrip(),
            f" {gutter} | {prefix}{'^' * width}",
        ]
        lines.extend(f" {gutter} = {note}" for note in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def format_diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    """All diagnostics, blank-line separated, followed by a count a person can trust."""
    items = list(diagnostics)
    if not items:
        return ""
    count = f"{len(items)} error" if len(items) == 1 else f"{len(items)} errors"
    return "\n\n".join(d.format() for d in items) + f"\n\n{count}"


class DslError(InvalidInputError):
    """A strategy source has errors; ``diagnostics`` lists all of them, in source order."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        if not diagnostics:
            raise ValueError("DslError needs at least one diagnostic")
        ordered = sorted(diagnostics, key=lambda d: (d.span.line, d.span.column))
        self.diagnostics: tuple[Diagnostic, ...] = tuple(ordered)
        super().__init__(format_diagnostics(self.diagnostics))

    def format(self) -> str:
        return format_diagnostics(self.diagnostics)


class DslRuntimeError(InvalidInputError):
    """A checked program was run with inputs it cannot take (bad parameter values, bad arrays)."""


def did_you_mean(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A one-note tuple suggesting the closest candidate, or nothing when none is close.

    difflib's ratio is case-sensitive, so names are compared lower-cased: ``SMA`` suggests
    ``sma``. The cut-off (0.6) keeps suggestions to names a person could plausibly have meant.
    """
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if not matches:
        return ()
    return (f"did you mean '{lowered[matches[0]]}'?",)


class DiagnosticSink:
    """Collects the diagnostics of one file; knows the text so each one can quote its line."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self._lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []

    def error(self, span: Span, message: str, notes: Iterable[str] = ()) -> None:
        line = self._lines[span.line - 1] if 0 < span.line <= len(self._lines) else ""
        self.diagnostics.append(Diagnostic(self.file, span, message, line, tuple(notes)))
