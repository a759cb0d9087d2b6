"""Files in, diagnostics out: never an OSError or a traceback for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from jts.dsl.catalog import Catalog
from jts.dsl.errors import DslError
from jts.dsl.formatter import format_file
from jts.dsl.load import check_file, check_source, load_file


def test_check_file_lists_every_error_with_the_path(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "broken.jts"
    path.write_text("let a = smaa(close)\nenter long when a > b\nsize 1 shares\n")
    diagnostics = check_file(path, catalog)
    assert [(d.file, d.line, d.column) for d in diagnostics] == [
        (str(path), 1, 9),
        (str(path), 2, 21),
    ]
    assert diagnostics[0].format().startswith(f"{path}:1:9: error: unknown indicator 'smaa'")


def test_check_file_is_empty_for_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "good.jts"
    path.write_text("enter long when close > sma(close, 3)\nsize 1 shares\n")
    assert check_file(path) == []
    assert load_file(path).rules[0].line == 1


def test_a_missing_file_is_a_diagnostic(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "nope.jts"
    (diagnostic,) = check_file(path, catalog)
    assert diagnostic.format() == f"{path}: error: cannot read the file: No such file or directory"


def test_a_binary_file_is_a_diagnostic(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "binary.jts"
    path.write_bytes(b"let a = \xff\xfe\n")
    (diagnostic,) = check_file(path, catalog)
    assert "the file is not UTF-8 text (byte 8 cannot be decoded)" in diagnostic.format()


def test_format_file_does_not_touch_the_file(tmp_path: Path) -> None:
    path = tmp_path / "messy.jts"
    path.write_text("let   a=close\n")
    assert format_file(path) == "let a = close\n"
    assert path.read_text() == "let   a=close\n"


def test_check_source_uses_the_indicator_library_by_default() -> None:
    program = check_source("enter long when vwap() > close\nsize 1 shares\n")
    assert program.rules[0].condition.left.name == "vwap"  # type: ignore[union-attr]


def test_syntax_errors_stop_before_type_checking(catalog: Catalog) -> None:
    with pytest.raises(DslError) as caught:
        check_source("let a = unknown_thing\nlet b = \n", catalog)
    assert [d.message for d in caught.value.diagnostics] == ["unexpected end of file"]
