"""Lark's parse errors in a trader's words.

Lark reports what it expected as terminal names (``NAME``, ``LPAR``, ``__ANON_0``); nobody
writing a strategy should see those. This module names each terminal in plain words and folds
the common sets into one phrase ("an expression", "an operator", "a new statement"), so the
note under a caret reads like ``expected an operator or a new statement``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Final

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

__all__ = ["describe_unexpected"]

#: Terminals with a pattern rather than a fixed spelling.
_WORDS: Final = {
    "NAME": "a name",
    "NUMBER": "a number",
    "TIME": "a time of day like 15:15",
    "INSTRUMENT": "an instrument id like 005930.KRX",
    "BAR_UNIT": "a unit like minutes",
    "SIZE_UNIT": "'shares' or a currency like KRW",
    "COMPARE": "a comparison (<, <=, >, >=, ==, !=)",
    "$END": "the end of the file",
}

#: Fixed spellings of the punctuation and keywords whose Lark names are not the spelling.
_SPELLING: Final = {
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "COMMA": ",",
    "DOT": ".",
    "EQUAL": "=",
    "PERCENT": "%",
    "MINUS": "-",
    "PLUS": "+",
    "STAR": "*",
    "SLASH": "/",
    "__ANON_0": "..",
}

#: Terminals spelled like a name; any of them may be what a stray word was lexed as.
_WORD_TOKENS: Final = frozenset({"NAME", "BAR_UNIT", "SIZE_UNIT"})
_EXPRESSION_START: Final = frozenset({"NAME", "NUMBER", "LPAR", "MINUS"})
#: Also start an expression where they fit; folded into "an expression" when that phrase is used.
_EXPRESSION_EXTRA: Final = frozenset({"NOT", "TRUE", "FALSE", "TIME"})
_STATEMENT_START: Final = frozenset(
    {"PARAM", "UNIVERSE", "BARS", "LET", "ENTER", "EXIT", "SIZE", "STOP", "TAKE", "TRAILING"}
    | {"NO", "FLATTEN"}
)
_OPERATORS: Final = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "COMPARE", "CROSSES", "AND", "OR"})
#: Tokens that may follow any operand; folded into "an operator" when that phrase is used.
_POSTFIX: Final = frozenset({"LSQB", "DOT", "LPAR"})


def _spell(terminal: str) -> str:
    if terminal in _WORDS:
        return _WORDS[terminal]
    if terminal in _SPELLING:
        return f"'{_SPELLING[terminal]}'"
    return f"'{terminal.lower()}'"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def expected_phrase(expected: Collection[str]) -> str:
    """``{"NAME", "NUMBER", ...}`` -> ``"an expression"``; order is stable for golden tests."""
    left = set(expected)
    phrases: list[str] = []
    if left >= _EXPRESSION_START:
        phrases.append("an expression")
        left -= _EXPRESSION_START | _EXPRESSION_EXTRA
    if left >= _OPERATORS:
        phrases.append("an operator")
        left -= _OPERATORS | _POSTFIX
    statement = left >= _STATEMENT_START
    left -= _STATEMENT_START
    if statement:
        left.discard("$END")
    phrases.extend(_spell(t) for t in sorted(left, key=_sort_key))
    if statement:
        phrases.append("a new statement")
    return _join(phrases)


def _sort_key(terminal: str) -> tuple[int, str]:
    # names and numbers first, then punctuation and keywords alphabetically, end of file last
    order = {"NAME": 0, "NUMBER": 1, "TIME": 2, "INSTRUMENT": 3, "SIZE_UNIT": 4, "$END": 9}
    return order.get(terminal, 5), _spell(terminal)


def _describe_token(kind: str, value: str) -> str:
    if kind == "$END":
        return "end of file"
    if kind in _WORD_TOKENS:
        return f"name '{value}'"
    if kind == "NUMBER":
        return f"number {value}"
    if kind == "TIME":
        return f"time {value}"
    if kind == "INSTRUMENT":
        return f"instrument id {value}"
    return f"'{value}'"


def _is_keyword(kind: str, value: str) -> bool:
    return kind.isupper() and kind == value.upper() and value.isidentifier()


def _opens_line(exc: UnexpectedInput, text: str) -> bool:
    """True when the error is at the first word of its line: there, a keyword most likely
    starts the next statement and the one before it is unfinished, not a misused name."""
    lines = text.splitlines()
    line, column = exc.line, exc.column
    if not isinstance(line, int) or not isinstance(column, int) or not 0 < line <= len(lines):
        return False
    return lines[line - 1][: column - 1].strip() == ""


def describe_unexpected(exc: UnexpectedInput, text: str) -> tuple[str, tuple[str, ...]]:
    """The message and notes for a Lark error: what was found, and what would have fitted."""
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        kind, value = token.type, str(token)
        expected: Iterable[str] = exc.accepts or exc.expected
        message = f"unexpected {_describe_token(kind, value)}"
    elif isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream
        char = text[position] if position is not None and 0 <= position < len(text) else "?"
        kind, value = "", char
        expected = exc.allowed or ()
        message = f"unexpected character '{char}'"
        if char.isalpha() and not char.isascii():
            lead = f"'{char}' (U+{ord(char):04X}) is not an ASCII letter"
            return message, (f"{lead}; names use a-z, A-Z, 0-9 and _",)
    elif isinstance(exc, UnexpectedEOF):
        kind, value = "$END", ""
        expected = exc.expected
        message = "unexpected end of file"
    else:  # pragma: no cover - Lark has no other UnexpectedInput subclasses
        return str(exc), ()
    expected_set = {str(t) for t in expected}
    notes: list[str] = []
    if kind and _is_keyword(kind, value) and "NAME" in expected_set and not _opens_line(exc, text):
        notes.append(f"'{value}' is a reserved word and cannot be used as a name")
    if expected_set:
        notes.append(f"expected {expected_phrase(expected_set)}")
    return message, tuple(notes)
