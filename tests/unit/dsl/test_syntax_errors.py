"""Syntax errors: exact text with the caret, words instead of token names, several per file."""

from __future__ import annotations

import re

import pytest

from jts.dsl.errors import DslError
from jts.dsl.parser import parse_script


def syntax_error(source: str) -> str:
    with pytest.raises(DslError) as caught:
        parse_script(source, "s.jts")
    return caught.value.format()


def test_two_names_in_a_row() -> None:
    assert syntax_error("let a = close open\n") == (
        "s.jts:1:15: error: unexpected name 'open'\n"
        " 1 | let a = close open\n"
        "   |               ^^^^\n"
        "   = expected an operator or a new statement\n"
        "\n"
        "1 error"
    )


def test_missing_expression_points_at_the_next_statement_keyword() -> None:
    assert syntax_error("let a = 1 +\nlet b = 2\n") == (
        "s.jts:2:1: error: unexpected 'let'\n"
        " 2 | let b = 2\n"
        "   | ^^^\n"
        "   = expected an expression\n"
        "\n"
        "1 error"
    )


def test_end_of_file_points_after_the_last_code_not_at_a_comment() -> None:
    assert syntax_error("enter long when close >  # unfinished\n\n") == (
        "s.jts:1:24: error: unexpected end of file\n"
        " 1 | enter long when close >  # unfinished\n"
        "   |                        ^\n"
        "   = expected an expression\n"
        "\n"
        "1 error"
    )


def test_missing_closing_bracket() -> None:
    assert syntax_error("let a = close[1\n") == (
        "s.jts:1:16: error: unexpected end of file\n"
        " 1 | let a = close[1\n"
        "   |                ^\n"
        "   = expected ']'\n"
        "\n"
        "1 error"
    )


def test_misspelled_side() -> None:
    assert syntax_error("enter lon when x\n") == (
        "s.jts:1:7: error: unexpected name 'lon'\n"
        " 1 | enter lon when x\n"
        "   |       ^^^\n"
        "   = expected 'long' or 'short'\n"
        "\n"
        "1 error"
    )


def test_universe_needs_instrument_ids() -> None:
    assert syntax_error("universe 005930\n") == (
        "s.jts:1:10: error: unexpected number 005930\n"
        " 1 | universe 005930\n"
        "   |          ^^^^^^\n"
        "   = expected an instrument id like 005930.KRX\n"
        "\n"
        "1 error"
    )


def test_time_rule_needs_a_time() -> None:
    assert syntax_error("flatten at 1515\n") == (
        "s.jts:1:12: error: unexpected number 1515\n"
        " 1 | flatten at 1515\n"
        "   |            ^^^^\n"
        "   = expected a time of day like 15:15\n"
        "\n"
        "1 error"
    )


def test_unexpected_character() -> None:
    assert syntax_error("enter long when close > 3 $ 4\n") == (
        "s.jts:1:27: error: unexpected character '$'\n"
        " 1 | enter long when close > 3 $ 4\n"
        "   |                           ^\n"
        "   = expected an operator, ')', ',', ']' or a new statement\n"
        "\n"
        "1 error"
    )


def test_non_ascii_look_alike_letter_is_named() -> None:
    text = syntax_error("enter long when fast_m\u0430 > 1\n")
    assert "unexpected character '\u0430'" in text
    assert "'\u0430' (U+0430) is not an ASCII letter; names use a-z, A-Z, 0-9 and _" in text


def test_reserved_word_as_name() -> None:
    assert syntax_error("param stop = 3\n") == (
        "s.jts:1:7: error: unexpected 'stop'\n"
        " 1 | param stop = 3\n"
        "   |       ^^^^\n"
        "   = 'stop' is a reserved word and cannot be used as a name\n"
        "   = expected a name\n"
        "\n"
        "1 error"
    )


def test_a_line_that_is_not_a_statement() -> None:
    assert syntax_error("hello\n") == (
        "s.jts:1:1: error: unexpected name 'hello'\n"
        " 1 | hello\n"
        "   | ^^^^^\n"
        "   = expected a new statement\n"
        "\n"
        "1 error"
    )


def test_every_broken_statement_is_reported() -> None:
    source = (
        "param fast = 10 in 2...50\n"
        "let a = (close + 1\n"
        "let b = 2\n"
        "enter long when a >\n"
        "exit long when b crosses close\n"
        "size 100\n"
    )
    text = syntax_error(source)
    locations = re.findall(r"^s\.jts:(\d+):(\d+): error: (.*)$", text, flags=re.MULTILINE)
    assert locations == [
        ("1", "23", "unexpected '.'"),
        ("3", "1", "unexpected 'let'"),
        ("5", "1", "unexpected 'exit'"),
        ("5", "26", "unexpected name 'close'"),
        ("6", "9", "unexpected end of file"),
    ]
    assert text.endswith("5 errors")
    for token_name in ("__ANON", "LPAR", "NAME"):
        assert token_name not in text


def test_expected_words_never_leak_token_names() -> None:
    for source in ["let = 1", "param x = 1 in", "size risk 1%", "bars", "let a = sma(,)", "x"]:
        text = syntax_error(source)
        assert not re.search(r"\b[A-Z_]{3,}\b", text.replace("ASCII", "")), text


def test_absurdly_deep_expressions_get_a_diagnostic_not_a_recursion_error() -> None:
    text = syntax_error("let a = " + " + ".join(["close"] * 3000) + "\n")
    assert "s.jts:1:1: error: this expression is nested more than 100 levels deep" in text
    assert "split it into several 'let' lines" in text


def test_deep_but_reasonable_nesting_is_fine() -> None:
    script = parse_script("let a = " + "(" * 60 + "close" + ")" * 60 + " + 1\n")
    assert len(script.statements) == 1
