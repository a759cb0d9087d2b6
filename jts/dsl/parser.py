"""Source text to syntax tree (`jts.dsl.ast`), with every syntax error as a `Diagnostic`.

Lark parses with LALR(1) and the contextual lexer, so a keyword is only a keyword where the
grammar allows one and errors point at the exact token. The Lark tree is turned into our own
frozen nodes straight away: nothing outside this module ever sees a Lark object.

After a syntax error the parser blanks out the broken statement and parses again, so one run
reports the syntax errors of every statement, not only the first (see `_recover_region`).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from importlib import resources
from typing import Any, Final, cast

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.tree import Meta, Tree

from jts.dsl import ast
from jts.dsl.errors import NO_SPAN, Diagnostic, DslError, Span
from jts.dsl.syntax_errors import describe_unexpected

__all__ = ["RESERVED_WORDS", "STATEMENT_KEYWORDS", "parse_script", "source_line"]

#: Words that begin a statement; they also tell error recovery where a statement starts.
STATEMENT_KEYWORDS: Final = frozenset(
    {"param", "universe", "bars", "let", "enter", "exit", "size", "stop", "take", "trailing"}
    | {"no", "flatten"}
)
_STATEMENT_START: Final = re.compile(r"[ \t\f]*(" + "|".join(sorted(STATEMENT_KEYWORDS)) + r")\b")
#: Words that are never names, whatever the parser state. The contextual lexer alone would read
#: ``let`` as a name where a name fits (``let a =`` then a new ``let`` line), which gives a
#: confusing error one token too late; reserving them makes the error point at the keyword.
RESERVED_WORDS: Final = STATEMENT_KEYWORDS | {"and", "or", "not", "true", "false", "crosses"}
#: Enough for any real file; a pathological one stops here rather than looping for long.
MAX_SYNTAX_ERRORS: Final = 25
#: Deeper expressions are refused: every later stage walks the tree recursively, and a
#: generated 3,000-term sum must get a diagnostic, not a RecursionError.
MAX_NESTING: Final = 100


@functools.cache
def _lark() -> Lark:
    """The compiled grammar, built on first use (not at import) and shared: it is immutable."""
    grammar = resources.files("jts.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"NAME": _reserve},
    )


def _reserve(token: Token) -> Token:
    if token.value in RESERVED_WORDS:
        token.type = token.value.upper()
    return token


def source_line(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text`` without its newline, or "" past the end."""
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def parse_script(text: str, file: str = "<string>") -> ast.Script:
    """Parse a whole source file; raise `DslError` listing every syntax error found."""
    diagnostics: list[Diagnostic] = []
    working = text
    while True:
        try:
            tree = _lark().parse(working)
        except UnexpectedInput as exc:
            diagnostics.append(_diagnostic(exc, text, file))
            blanked = _blank(working, _recover_region(exc, working))
            if blanked == working or len(diagnostics) >= MAX_SYNTAX_ERRORS:
                break
            working = blanked
            continue
        if diagnostics:
            break
        deep = _too_deep(tree)
        if deep is not None:
            span = _mspan(deep)
            message = f"this expression is nested more than {MAX_NESTING} levels deep"
            notes = ("split it into several 'let' lines",)
            raise DslError([Diagnostic(file, span, message, source_line(text, span.line), notes)])
        return cast(ast.Script, _ToAst().transform(tree))
    raise DslError(diagnostics)


# --------------------------------------------------------------------------- error handling


def _diagnostic(exc: UnexpectedInput, text: str, file: str) -> Diagnostic:
    line, column = exc.line, exc.column
    width = 1
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            line, column = _end_position(text)
        else:
            width = max(len(str(token)), 1)
    message, notes = describe_unexpected(exc, text)
    if line < 1:  # Lark has no position for an error in an empty file
        line, column = _end_position(text)
    span = Span(line, column, line, column + width)
    return Diagnostic(file, span, message, source_line(text, line), notes)


def _end_position(text: str) -> tuple[int, int]:
    """Where "unexpected end of file" points: just after the last non-blank character."""
    stripped = text.rstrip()
    if not stripped:
        return 1, 1
    lines = stripped.splitlines()
    # a trailing comment is not code: point after the code on the last line that has some
    for index in range(len(lines) - 1, -1, -1):
        code = lines[index].split("#", 1)[0].rstrip()
        if code:
            return index + 1, len(code) + 1
    return len(lines), len(lines[-1]) + 1


def _too_deep(tree: Tree[Token]) -> Meta | None:
    """The position of the first statement nested deeper than `MAX_NESTING` (iteratively)."""
    for statement in tree.children:
        if not isinstance(statement, Tree):
            continue
        stack: list[tuple[Tree[Token], int]] = [(statement, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_NESTING:
                return statement.meta
            stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


def _statement_starts(lines: list[str]) -> list[int]:
    return [i + 1 for i, line in enumerate(lines) if _STATEMENT_START.match(line)]


def _recover_region(exc: UnexpectedInput, text: str) -> tuple[int, int]:
    """The lines (first, last+1) of the statement the error belongs to, to blank out.

    When the unexpected token is itself the keyword starting a line, the statement before it
    was cut short (``let a =`` then a new line), so that earlier statement is the broken one.
    """
    lines = text.splitlines()
    starts = _statement_starts(lines)
    line = max(exc.line, 1)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        line = len(lines)
    at_start = (
        isinstance(exc, UnexpectedToken)
        and line in starts
        and lines[line - 1][: exc.column - 1].strip() == ""
    )
    if at_start:
        before = [s for s in starts if s < line]
        if before:
            return before[-1], line
    first = max([s for s in starts if s <= line], default=1)
    last = min([s for s in starts if s > line], default=len(lines) + 1)
    return first, last


def _blank(text: str, region: tuple[int, int]) -> str:
    """Replace every character of lines [first, last) with a space, keeping all positions."""
    first, last = region
    lines = text.split("\n")
    for index in range(first - 1, min(last - 1, len(lines))):
        lines[index] = re.sub(r"\S", " ", lines[index])
    return "\n".join(lines)


# ------------------------------------------------------------------------------- tree to AST


def _tspan(token: Token) -> Span:
    return Span(token.line or 0, token.column or 0, token.end_line or 0, token.end_column or 0)


def _mspan(meta: Meta) -> Span:
    if meta.empty:
        return NO_SPAN
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _number(token: Token, negative: Token | None = None) -> ast.Number:
    text = str(token)
    value = Decimal(text.replace("_", ""))
    span = _tspan(token)
    if negative is not None:
        value, text = -value, f"-{text}"
        span = Span(negative.line or 0, negative.column or 0, span.end_line, span.end_column)
    return ast.Number(value, text, span=span)


def _time(token: Token) -> ast.TimeLiteral:
    hour, minute = str(token).split(":")
    return ast.TimeLiteral(int(hour), int(minute), span=_tspan(token))


@v_args(meta=True)
class _ToAst(Transformer[Token, Any]):
    """Lark tree to `jts.dsl.ast` nodes; one method per grammar rule or alias."""

    # statements ------------------------------------------------------------------------------
    def start(self, meta: Meta, children: list[ast.Statement]) -> ast.Script:
        return ast.Script(tuple(children))

    def signed_number(self, meta: Meta, children: list[Token | None]) -> ast.Number:
        sign, number = children
        assert number is not None
        return _number(number, sign)

    def param_step(self, meta: Meta, children: list[Token]) -> ast.Number:
        return _number(children[0])

    def param_range(
        self, meta: Meta, children: list[ast.Number | None]
    ) -> tuple[ast.Number | None, ...]:
        return tuple(children)

    def param_decl(self, meta: Meta, children: list[Any]) -> ast.ParamDecl:
        name, default, bounds = children
        low, high, step = bounds if bounds is not None else (None, None, None)
        return ast.ParamDecl(
            str(name), default, low, high, step, span=_mspan(meta), name_span=_tspan(name)
        )

    def universe_decl(self, meta: Meta, children: list[Token]) -> ast.UniverseDecl:
        return ast.UniverseDecl(
            tuple(str(t) for t in children),
            span=_mspan(meta),
            instrument_spans=tuple(_tspan(t) for t in children),
        )

    def bars_decl(self, meta: Meta, children: list[Token]) -> ast.BarsDecl:
        step, unit = children
        return ast.BarsDecl(_number(step), str(unit), span=_mspan(meta), unit_span=_tspan(unit))

    def let_decl(self, meta: Meta, children: list[Any]) -> ast.LetDecl:
        name, value = children
        return ast.LetDecl(str(name), value, span=_mspan(meta), name_span=_tspan(name))

    def rule_decl(self, meta: Meta, children: list[Any]) -> ast.RuleDecl:
        action, side, condition = children
        return ast.RuleDecl(str(action), str(side), condition, span=_mspan(meta))  # type: ignore[arg-type]

    def amount(self, meta: Meta, children: list[Token]) -> ast.Amount:
        token = children[0]
        if token.type == "NUMBER":
            return _number(token)
        return ast.Name(str(token), span=_tspan(token))

    def size_units(self, meta: Meta, children: list[Any]) -> ast.SizeDecl:
        amount, unit = children
        return ast.SizeDecl(
            "units", amount, unit=str(unit), span=_mspan(meta), unit_span=_tspan(unit)
        )

    def size_equity(self, meta: Meta, children: list[Any]) -> ast.SizeDecl:
        return ast.SizeDecl("equity", children[0], span=_mspan(meta))

    def size_risk(self, meta: Meta, children: list[Any]) -> ast.SizeDecl:
        amount, per = children
        return ast.SizeDecl("risk", amount, per=per, span=_mspan(meta))

    def stop_percent(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        return ("percent", children[0])

    def stop_distance(self, meta: Meta, children: list[Any]) -> tuple[str, Any]:
        return ("distance", children[0])

    def _stop(self, kind: ast.StopKind, meta: Meta, children: list[Any]) -> ast.StopDecl:
        form, value = children[0]
        if form == "percent":
            return ast.StopDecl(kind, percent=value, span=_mspan(meta))
        return ast.StopDecl(kind, distance=value, span=_mspan(meta))

    def stop_loss(self, meta: Meta, children: list[Any]) -> ast.StopDecl:
        return self._stop("stop_loss", meta, children)

    def take_profit(self, meta: Meta, children: list[Any]) -> ast.StopDecl:
        return self._stop("take_profit", meta, children)

    def trailing_stop(self, meta: Meta, children: list[Any]) -> ast.StopDecl:
        return self._stop("trailing_stop", meta, children)

    def no_entries_after(self, meta: Meta, children: list[Token]) -> ast.TimeRule:
        return ast.TimeRule("no_entries_after", _time(children[0]), span=_mspan(meta))

    def no_entries_before(self, meta: Meta, children: list[Token]) -> ast.TimeRule:
        return ast.TimeRule("no_entries_before", _time(children[0]), span=_mspan(meta))

    def flatten_at(self, meta: Meta, children: list[Token]) -> ast.TimeRule:
        return ast.TimeRule("flatten_at", _time(children[0]), span=_mspan(meta))

    # expressions -----------------------------------------------------------------------------
    def logic(self, meta: Meta, children: list[Any]) -> ast.Logic:
        left, op, right = children
        return ast.Logic(str(op), left, right, span=_mspan(meta), op_span=_tspan(op))  # type: ignore[arg-type]

    def not_(self, meta: Meta, children: list[Any]) -> ast.Not:
        return ast.Not(children[1], span=_mspan(meta))

    def compare(self, meta: Meta, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op), left, right, span=_mspan(meta), op_span=_tspan(op))  # type: ignore[arg-type]

    def crosses(self, meta: Meta, children: list[Any]) -> ast.Cross:
        left, crosses, direction, right = children
        op_span = Span(crosses.line, crosses.column, direction.end_line, direction.end_column)
        return ast.Cross(str(direction), left, right, span=_mspan(meta), op_span=op_span)  # type: ignore[arg-type]

    def binary(self, meta: Meta, children: list[Any]) -> ast.Binary:
        left, op, right = children
        return ast.Binary(str(op), left, right, span=_mspan(meta), op_span=_tspan(op))  # type: ignore[arg-type]

    def negate(self, meta: Meta, children: list[Any]) -> ast.Negate:
        return ast.Negate(children[1], span=_mspan(meta))

    def lookback(self, meta: Meta, children: list[Any]) -> ast.Lookback:
        target, bars = children
        return ast.Lookback(target, bars, span=_mspan(meta))

    def output(self, meta: Meta, children: list[Any]) -> ast.Output:
        target, name = children
        return ast.Output(target, str(name), span=_mspan(meta), name_span=_tspan(name))

    def number(self, meta: Meta, children: list[Token]) -> ast.Number:
        return _number(children[0])

    def time(self, meta: Meta, children: list[Token]) -> ast.TimeLiteral:
        return _time(children[0])

    def true(self, meta: Meta, children: list[Token]) -> ast.BoolLiteral:
        return ast.BoolLiteral(True, span=_mspan(meta))

    def false(self, meta: Meta, children: list[Token]) -> ast.BoolLiteral:
        return ast.BoolLiteral(False, span=_mspan(meta))

    def name(self, meta: Meta, children: list[Token]) -> ast.Name:
        return ast.Name(str(children[0]), span=_mspan(meta))

    def call(self, meta: Meta, children: list[Any]) -> ast.Call:
        name, arguments = children
        return ast.Call(
            str(name), tuple(arguments or ()), span=_mspan(meta), name_span=_tspan(name)
        )

    def arguments(self, meta: Meta, children: list[ast.Argument]) -> tuple[ast.Argument, ...]:
        return tuple(children)

    def positional(self, meta: Meta, children: list[Any]) -> ast.Argument:
        return ast.Argument(children[0], span=_mspan(meta))

    def keyword(self, meta: Meta, children: list[Any]) -> ast.Argument:
        name, value = children
        return ast.Argument(value, str(name), span=_mspan(meta))
