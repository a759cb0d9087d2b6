"""Canonical formatting: one statement per line, one space around operators, comments kept.

The formatter prints the syntax tree, not the text, so the result is the same whatever the
original layout; printing adds parentheses only where precedence needs them, which keeps the
tree identical (``parse(format_source(x)) == parse(x)``) and makes formatting idempotent.

Comments are the only thing the tree does not hold. Since ``#`` appears in no token, every
``#`` starts a comment; each one is re-attached to its statement: a comment on the statement's
last line stays at the end of that line, any other comment goes on its own line above the
statement it precedes (or inside of, for a statement written over several lines). Blank lines
between statements are kept, several collapsed into one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from jts.dsl import ast
from jts.dsl.parser import parse_script

__all__ = ["format_expr", "format_file", "format_source", "format_statement"]

# Binding strength, loosest first; atoms and calls bind tightest.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _POSTFIX, _ATOM = range(1, 10)
_BINARY_LEVEL: Final = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}
_TRAILING_GAP: Final = "  "


@dataclass(frozen=True, slots=True)
class _Comment:
    line: int
    text: str
    own_line: bool


def _level(expr: ast.Expr) -> int:
    match expr:
        case ast.Logic():
            return _OR if expr.op == "or" else _AND
        case ast.Not():
            return _NOT
        case ast.Compare() | ast.Cross():
            return _COMPARE
        case ast.Binary():
            return _BINARY_LEVEL[expr.op]
        case ast.Negate():
            return _UNARY
        case ast.Lookback() | ast.Output():
            return _POSTFIX
    return _ATOM


def _wrap(expr: ast.Expr, minimum: int) -> str:
    text = format_expr(expr)
    return text if _level(expr) >= minimum else f"({text})"


def format_expr(expr: ast.Expr) -> str:
    """An expression in canonical form, with the fewest parentheses that keep its tree."""
    match expr:
        case ast.Number():
            return expr.text or str(expr.value)
        case ast.TimeLiteral():
            return expr.text
        case ast.BoolLiteral():
            return "true" if expr.value else "false"
        case ast.Name():
            return expr.id
        case ast.Call():
            args = ", ".join(
                format_expr(a.value) if a.keyword is None else f"{a.keyword}={format_expr(a.value)}"
                for a in expr.args
            )
            return f"{expr.function}({args})"
        case ast.Lookback():
            return f"{_wrap(expr.target, _POSTFIX)}[{format_expr(expr.bars)}]"
        case ast.Output():
            return f"{_wrap(expr.target, _POSTFIX)}.{expr.name}"
        case ast.Negate():
            # "-(-x)" rather than "--x": the same tree, and readable
            operand = expr.operand
            if isinstance(operand, ast.Negate):
                return f"-({format_expr(operand)})"
            return f"-{_wrap(operand, _UNARY)}"
        case ast.Not():
            return f"not {_wrap(expr.operand, _NOT)}"
        case ast.Binary():
            level = _BINARY_LEVEL[expr.op]
            return f"{_wrap(expr.left, level)} {expr.op} {_wrap(expr.right, level + 1)}"
        case ast.Compare():
            return f"{_wrap(expr.left, _SUM)} {expr.op} {_wrap(expr.right, _SUM)}"
        case ast.Cross():
            left, right = _wrap(expr.left, _SUM), _wrap(expr.right, _SUM)
            return f"{left} crosses {expr.direction} {right}"
        case ast.Logic():
            level = _OR if expr.op == "or" else _AND
            return f"{_wrap(expr.left, level)} {expr.op} {_wrap(expr.right, level + 1)}"
    raise AssertionError(f"unhandled expression {expr!r}")  # pragma: no cover


def _amount(amount: ast.Amount) -> str:
    return format_expr(amount)


def format_statement(statement: ast.Statement) -> str:
    """One statement on one line, in canonical form."""
    match statement:
        case ast.ParamDecl():
            text = f"param {statement.name} = {statement.default.text}"
            if statement.low is not None and statement.high is not None:
                text += f" in {statement.low.text}..{statement.high.text}"
                if statement.step is not None:
                    text += f" step {statement.step.text}"
            return text
        case ast.UniverseDecl():
            return "universe " + ", ".join(statement.instruments)
        case ast.BarsDecl():
            return f"bars {statement.step.text} {statement.unit}"
        case ast.LetDecl():
            return f"let {statement.name} = {format_expr(statement.value)}"
        case ast.RuleDecl():
            condition = format_expr(statement.condition)
            return f"{statement.action} {statement.side} when {condition}"
        case ast.SizeDecl():
            if statement.kind == "units":
                return f"size {_amount(statement.amount)} {statement.unit}"
            if statement.kind == "equity":
                return f"size {_amount(statement.amount)}% of equity"
            assert statement.per is not None
            per = format_expr(statement.per)
            return f"size risk {_amount(statement.amount)}% of equity per {per}"
        case ast.StopDecl():
            words = {
                "stop_loss": "stop loss",
                "take_profit": "take profit",
                "trailing_stop": "trailing stop",
            }[statement.kind]
            if statement.percent is not None:
                return f"{words} {_amount(statement.percent)}%"
            assert statement.distance is not None
            return f"{words} {format_expr(statement.distance)}"
        case ast.TimeRule():
            words = {
                "no_entries_after": "no entries after",
                "no_entries_before": "no entries before",
                "flatten_at": "flatten at",
            }[statement.kind]
            return f"{words} {statement.time.text}"
    raise AssertionError(f"unhandled statement {statement!r}")  # pragma: no cover


def _comments(text: str) -> list[_Comment]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        hash_at = line.find("#")
        if hash_at >= 0:
            found.append(_Comment(number, line[hash_at:].rstrip(), not line[:hash_at].strip()))
    return found


def format_source(text: str, file: str = "<string>") -> str:
    """The canonical form of a source text; raises `DslError` when it does not parse."""
    script = parse_script(text, file)
    comments = _comments(text)
    out: list[str] = []
    last_line = 0  # the last source line already emitted (statement end or comment)

    def emit(first_line: int, rendered: str, end_line: int) -> None:
        nonlocal last_line
        if out and first_line > last_line + 1:
            out.append("")
        out.append(rendered)
        last_line = max(last_line, end_line)

    pending = iter(comments)
    comment = next(pending, None)
    for statement in script.statements:
        start, end = statement.span.line, statement.span.end_line
        trailing = None
        while comment is not None and comment.line <= end:
            if comment.line == end and not comment.own_line:
                trailing = comment
            else:
                # a comment inside the statement moves above it, as if on its first line
                emit(min(comment.line, start), comment.text, min(comment.line, start))
            comment = next(pending, None)
        rendered = format_statement(statement)
        if trailing is not None:
            rendered += _TRAILING_GAP + trailing.text
        emit(start, rendered, end)
    while comment is not None:
        emit(comment.line, comment.text, comment.line)
        comment = next(pending, None)
    return "\n".join(out) + "\n" if out else ""


def format_file(path: str | Path) -> str:
    """The canonical form of a file's text (the file itself is not changed)."""
    source = Path(path)
    return format_source(source.read_text(encoding="utf-8"), str(source))
