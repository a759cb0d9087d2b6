"""Diagnostic text: carets under tabs, whole-file errors, ordering, suggestions."""

from __future__ import annotations

import pytest

from jts.core.errors import InvalidInputError
from jts.dsl.errors import Diagnostic, DslError, Span, did_you_mean, format_diagnostics


def test_caret_copies_tabs_so_it_lines_up() -> None:
    diagnostic = Diagnostic("f.jts", Span(3, 10, 3, 13), "boom", "\tlet a = foo")
    assert diagnostic.format() == (
        "f.jts:3:10: error: boom\n 3 | \tlet a = foo\n   | \t        ^^^"
    )


def test_a_span_over_several_lines_is_underlined_to_the_end_of_its_first() -> None:
    diagnostic = Diagnostic("f.jts", Span(12, 5, 14, 2), "long", "let a = b +", ("note",))
    assert diagnostic.format() == (
        "f.jts:12:5: error: long\n 12 | let a = b +\n    |     ^^^^^^^\n    = note"
    )


def test_an_empty_span_still_gets_one_caret() -> None:
    diagnostic = Diagnostic("f.jts", Span(1, 4, 1, 4), "here", "abc")
    assert diagnostic.format().endswith("   |    ^")


def test_whole_file_diagnostics_have_no_excerpt() -> None:
    diagnostic = Diagnostic("f.jts", Span.whole_file(), "missing", notes=("add it",))
    assert diagnostic.format() == "f.jts: error: missing\n  = add it"


def test_dsl_error_sorts_and_counts() -> None:
    late = Diagnostic("f.jts", Span(5, 1, 5, 2), "late", "x")
    early = Diagnostic("f.jts", Span(2, 3, 2, 4), "early", "y")
    error = DslError([late, early])
    assert error.diagnostics == (early, late)
    assert str(error).endswith("\n\n2 errors")
    assert str(error) == format_diagnostics([early, late])
    assert isinstance(error, InvalidInputError)
    assert format_diagnostics([]) == ""


def test_dsl_error_needs_a_diagnostic() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DslError([])


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        ("fast_m", ["fast_ma", "slow_ma"], ("did you mean 'fast_ma'?",)),
        ("SMA", ["sma", "ema"], ("did you mean 'sma'?",)),
        ("zzz", ["sma", "ema"], ()),
        ("x", [], ()),
    ],
)
def test_did_you_mean(word: str, candidates: list[str], expected: tuple[str, ...]) -> None:
    assert did_you_mean(word, candidates) == expected
