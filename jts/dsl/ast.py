"""The syntax tree: what the trader wrote, exactly, before any name or type is resolved.

Nodes are frozen dataclasses. Positions (`Span`) and the literal spelling of numbers are kept for
error messages and for the formatter, but are excluded from equality, so two sources that differ
only in layout, comments or ``5_000_000`` versus ``5000000`` parse to equal trees; that is what
"formatting changes nothing" means and what the round-trip tests check.

The checker turns this tree into the typed program (`jts.dsl.program`); compilers consume that,
never this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

from jts.dsl.errors import NO_SPAN, Span

__all__ = [
    "Amount",
    "Argument",
    "BarsDecl",
    "Binary",
    "BoolLiteral",
    "Call",
    "Compare",
    "Cross",
    "Expr",
    "LetDecl",
    "Logic",
    "Lookback",
    "Name",
    "Negate",
    "Not",
    "Number",
    "Output",
    "ParamDecl",
    "RuleDecl",
    "Script",
    "SizeDecl",
    "Statement",
    "StopDecl",
    "TimeLiteral",
    "TimeRule",
    "UniverseDecl",
]

BinaryOp: TypeAlias = Literal["+", "-", "*", "/"]
CompareOp: TypeAlias = Literal["<", "<=", ">", ">=", "==", "!="]
LogicOp: TypeAlias = Literal["and", "or"]
Direction: TypeAlias = Literal["above", "below"]
Action: TypeAlias = Literal["enter", "exit"]
Side: TypeAlias = Literal["long", "short"]
SizeKind: TypeAlias = Literal["units", "equity", "risk"]
StopKind: TypeAlias = Literal["stop_loss", "take_profit", "trailing_stop"]
TimeRuleKind: TypeAlias = Literal["no_entries_after", "no_entries_before", "flatten_at"]


# ---------------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Number:
    """A decimal literal; ``text`` is the spelling (underscores kept) the formatter prints."""

    value: Decimal
    text: str = field(default="", compare=False)
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)

    @property
    def is_integral(self) -> bool:
        return "." not in self.text if self.text else self.value == self.value.to_integral_value()


@dataclass(frozen=True, slots=True)
class TimeLiteral:
    """A wall-clock time of day in Korea (KST), ``09:30``; not yet range-checked."""

    hour: int
    minute: int
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)

    @property
    def text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True, slots=True)
class BoolLiteral:
    value: bool
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A reference to a parameter, a ``let``, or a bar field (``close``)."""

    id: str
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Argument:
    """One call argument; ``keyword`` is None for a positional one."""

    value: Expr
    keyword: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """``sma(close, fast)``: an indicator or a built-in function; ``name_span`` is the name's."""

    function: str
    args: tuple[Argument, ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    name_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Lookback:
    """``target[bars]``: the value ``bars`` bars ago."""

    target: Expr
    bars: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Output:
    """``bbands(close, 20, 2).upper``: one output of a several-output indicator."""

    target: Expr
    name: str
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    name_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Binary:
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    op_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    op_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Cross:
    """``left crosses above right`` / ``crosses below``."""

    direction: Direction
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    op_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Logic:
    op: LogicOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    op_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


Expr: TypeAlias = (
    Number
    | TimeLiteral
    | BoolLiteral
    | Name
    | Call
    | Lookback
    | Output
    | Negate
    | Not
    | Binary
    | Compare
    | Cross
    | Logic
)

#: A sizing or percent amount: a literal or a parameter, so it is exact and known before a run.
Amount: TypeAlias = Number | Name


# ----------------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class ParamDecl:
    """``param fast = 10 in 2..50 step 2``; range and step are optional."""

    name: str
    default: Number
    low: Number | None = None
    high: Number | None = None
    step: Number | None = None
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    name_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class UniverseDecl:
    """``universe 005930.KRX, 000660.KRX``; ids are checked by the checker, not the parser."""

    instruments: tuple[str, ...]
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    instrument_spans: tuple[Span, ...] = field(default=(), compare=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class BarsDecl:
    """``bars 1 minute``; the unit is a plain word, so a typo gets a suggestion, not a parse
    error."""

    step: Number
    unit: str
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    unit_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class LetDecl:
    name: str
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    name_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class RuleDecl:
    """``enter long when ...``, ``exit short when ...``."""

    action: Action
    side: Side
    condition: Expr
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class SizeDecl:
    """Position sizing.

    - ``size 100 shares`` / ``size 5_000_000 KRW``: kind ``units``, ``unit`` the word after;
    - ``size 10% of equity``: kind ``equity``;
    - ``size risk 1% of equity per 2 * atr(14)``: kind ``risk``, ``per`` the risk per share.
    """

    kind: SizeKind
    amount: Amount
    unit: str | None = None
    per: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    unit_span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class StopDecl:
    """``stop loss 2%`` (``percent`` set) or ``trailing stop 3 * atr(14)`` (``distance`` set)."""

    kind: StopKind
    percent: Amount | None = None
    distance: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class TimeRule:
    """``no entries after 14:30``, ``no entries before 09:15``, ``flatten at 15:15``."""

    kind: TimeRuleKind
    time: TimeLiteral
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)


Statement: TypeAlias = (
    ParamDecl | UniverseDecl | BarsDecl | LetDecl | RuleDecl | SizeDecl | StopDecl | TimeRule
)


@dataclass(frozen=True, slots=True)
class Script:
    """A whole source file: its statements in order."""

    statements: tuple[Statement, ...]
