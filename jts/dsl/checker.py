"""Statement checking: a parsed `ast.Script` becomes a `Program`, or every error is reported.

The checker walks the statements in order, so a name is visible from the line after its
definition on (a ``let`` can only use what is above it, which rules out cycles and reads top
to bottom like the strategy it describes). It keeps going after an error, so a file with five
mistakes gets five diagnostics in one run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from jts.core.errors import ParseError
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data.bars import BarAggregation, BarSpecification, PriceType
from jts.domain.values import Currency
from jts.dsl import ast
from jts.dsl.catalog import BAR_FIELDS, IndicatorCatalog
from jts.dsl.constants import param_bounds
from jts.dsl.errors import NO_SPAN, DiagnosticSink, DslError, Span, did_you_mean
from jts.dsl.exprs import ExprChecker, Scope
from jts.dsl.program import (
    Let,
    Parameter,
    Program,
    Rule,
    Scalar,
    SizeEquityPercent,
    SizeRisk,
    SizeShares,
    SizeValue,
    Sizing,
    Stop,
    TimeRules,
)
from jts.dsl.typed import Const, Invalid, Kind, Param

__all__ = ["check_script"]

_BAR_UNITS: Final = {
    "tick": BarAggregation.TICK,
    "second": BarAggregation.SECOND,
    "minute": BarAggregation.MINUTE,
    "hour": BarAggregation.HOUR,
    "day": BarAggregation.DAY,
}
_BAR_UNIT_WORDS: Final = sorted([*_BAR_UNITS, *(f"{u}s" for u in _BAR_UNITS)])
#: Currencies suggested for a misspelled size unit (any registered currency is accepted).
_COMMON_CURRENCIES: Final = ("KRW", "USD", "USDT", "BTC")
_STATEMENT_WORDS: Final = {
    "stop_loss": "stop loss",
    "take_profit": "take profit",
    "trailing_stop": "trailing stop",
    "no_entries_after": "no entries after",
    "no_entries_before": "no entries before",
    "flatten_at": "flatten at",
}
_HUNDRED: Final = Decimal(100)


def check_script(script: ast.Script, text: str, file: str, catalog: IndicatorCatalog) -> Program:
    """Resolve names and types of a parsed script; raise `DslError` with every problem."""
    return _Checker(script, DiagnosticSink(file, text), catalog).run()


class _Checker:
    def __init__(self, script: ast.Script, sink: DiagnosticSink, catalog: IndicatorCatalog):
        self.script = script
        self.sink = sink
        defined: dict[str, int] = {}
        for statement in script.statements:
            if isinstance(statement, ast.ParamDecl | ast.LetDecl):
                defined.setdefault(statement.name, statement.name_span.line)
        self.scope = Scope(defined)
        self.exprs = ExprChecker(catalog, self.scope, sink)
        self.definition_lines: dict[str, int] = {}
        self.first_of: dict[str, int] = {}  # statement kind -> line of its first occurrence
        self.params: list[Parameter] = []
        self.universe: tuple[InstrumentId, ...] = ()
        self.bar_spec: BarSpecification | None = None
        self.bars_line = 0
        self.lets: list[Let] = []
        self.rules: list[Rule] = []
        self.sizing: Sizing | None = None
        self.stops: list[Stop] = []
        self.times: dict[str, ast.TimeRule] = {}

    def run(self) -> Program:
        for statement in self.script.statements:
            self._statement(statement)
        self._whole_program()
        if self.sink.diagnostics:
            raise DslError(self.sink.diagnostics)
        assert self.sizing is not None
        times = {kind: self.exprs.time_of_day(rule.time) for kind, rule in self.times.items()}
        return Program(
            params=tuple(self.params),
            universe=self.universe,
            bar_spec=self.bar_spec,
            lets=tuple(self.lets),
            rules=tuple(self.rules),
            sizing=self.sizing,
            stops=tuple(self.stops),
            time_rules=TimeRules(
                no_entries_before=times.get("no_entries_before"),
                no_entries_after=times.get("no_entries_after"),
                flatten_at=times.get("flatten_at"),
            ),
        )

    # ------------------------------------------------------------------------------ dispatch
    def _statement(self, statement: ast.Statement) -> None:
        match statement:
            case ast.ParamDecl():
                self._param(statement)
            case ast.UniverseDecl():
                if self._once("universe", "universe", statement.span):
                    self._universe(statement)
            case ast.BarsDecl():
                if self._once("bars", "bars", statement.span):
                    self._bars(statement)
            case ast.LetDecl():
                self._let(statement)
            case ast.RuleDecl():
                self._rule(statement)
            case ast.SizeDecl():
                if self._once("size", "size", statement.span):
                    self._size(statement)
            case ast.StopDecl():
                if self._once(statement.kind, _STATEMENT_WORDS[statement.kind], statement.span):
                    self._stop(statement)
            case ast.TimeRule():
                if self._once(statement.kind, _STATEMENT_WORDS[statement.kind], statement.span):
                    self.times[statement.kind] = statement
                    self.exprs.time_of_day(statement.time)

    def _once(self, kind: str, words: str, span: Span) -> bool:
        first = self.first_of.get(kind)
        if first is None:
            self.first_of[kind] = span.line
            return True
        self.sink.error(
            _first_line(span),
            f"a second '{words}' statement; a strategy has at most one",
            (f"the first one is on line {first}",),
        )
        return False

    def _define(self, name: str, span: Span) -> bool:
        if name in BAR_FIELDS:
            self.sink.error(span, f"'{name}' is a bar field and cannot be redefined")
            return False
        line = self.definition_lines.get(name)
        if line is not None:
            self.sink.error(span, f"'{name}' is already defined on line {line}")
            return False
        self.definition_lines[name] = span.line
        return True

    # ---------------------------------------------------------------------------- parameters
    def _param(self, decl: ast.ParamDecl) -> None:
        if not self._define(decl.name, decl.name_span):
            return
        numbers = [n for n in (decl.default, decl.low, decl.high, decl.step) if n is not None]
        integral = all(n.is_integral for n in numbers)
        low, high = decl.low, decl.high
        if low is not None and high is not None:
            if low.value > high.value:
                self.sink.error(
                    _join(low.span, high.span),
                    f"the range of parameter '{decl.name}' is empty: {low.text}..{high.text}",
                    ("write the smaller bound first",),
                )
            elif not low.value <= decl.default.value <= high.value:
                self.sink.error(
                    decl.default.span,
                    f"default {decl.default.text} of parameter '{decl.name}' is outside "
                    f"its range {low.text}..{high.text}",
                )
        if decl.step is not None and decl.step.value <= 0:
            self.sink.error(
                decl.step.span,
                f"step of parameter '{decl.name}' must be positive, got {decl.step.text}",
            )
        parameter = Parameter(
            decl.name,
            integral,
            decl.default.value,
            low.value if low is not None else None,
            high.value if high is not None else None,
            decl.step.value if decl.step is not None else None,
        )
        self.params.append(parameter)
        self.scope.params[decl.name] = parameter

    # --------------------------------------------------------------------- universe and bars
    def _universe(self, decl: ast.UniverseDecl) -> None:
        seen: dict[str, Span] = {}
        ids: list[InstrumentId] = []
        for text, span in zip(decl.instruments, decl.instrument_spans, strict=True):
            if text in seen:
                self.sink.error(span, f"{text} is listed twice in the universe")
                continue
            seen[text] = span
            try:
                ids.append(InstrumentId(text))
            except ParseError as exc:
                self.sink.error(
                    span,
                    f"bad instrument id '{text}'",
                    (str(exc), "write SYMBOL.VENUE with an upper-case venue, e.g. 005930.KRX"),
                )
        self.universe = tuple(ids)

    def _bars(self, decl: ast.BarsDecl) -> None:
        self.bars_line = decl.span.line
        unit = decl.unit.removesuffix("s")
        aggregation = _BAR_UNITS.get(unit)
        if aggregation is None:
            self.sink.error(
                decl.unit_span,
                f"unknown bar unit '{decl.unit}'",
                (
                    *did_you_mean(decl.unit, _BAR_UNIT_WORDS),
                    "use ticks, seconds, minutes, hours or days",
                ),
            )
        step = decl.step
        if not step.is_integral or step.value < 1:
            self.sink.error(
                step.span, f"bar step must be a whole number of at least 1, got {step.text}"
            )
            return
        if aggregation is not None:
            self.bar_spec = BarSpecification(int(step.value), aggregation, PriceType.LAST)

    # ---------------------------------------------------------------------- lets and rules
    def _let(self, decl: ast.LetDecl) -> None:
        value = self.exprs.check(decl.value)
        if value.type.kind is Kind.TIME:
            self.exprs.want_number(value, decl.value.span, "a let must be a number or true/false")
            value = Invalid()
        if self._define(decl.name, decl.name_span):
            self.scope.lets[decl.name] = value
            self.lets.append(Let(decl.name, value, decl.span.line))

    def _rule(self, decl: ast.RuleDecl) -> None:
        condition = self.exprs.check(decl.condition)
        requirement = f"the condition of '{decl.action} {decl.side}' must be true/false"
        if self.exprs.want_bool(condition, decl.condition.span, requirement):
            self.rules.append(Rule(decl.action, decl.side, condition, decl.span.line))

    # ------------------------------------------------------------------------- sizing, stops
    def _scalar(self, amount: ast.Amount, what: str) -> Scalar | None:
        """A literal or a parameter; a ``let`` or field is refused (sizes are fixed per run)."""
        if isinstance(amount, ast.Number):
            return Const(amount.value)
        if amount.id in self.scope.params:
            return Param(amount.id, self.scope.params[amount.id].integral)
        if amount.id in self.scope.lets or amount.id in BAR_FIELDS:
            self.sink.error(
                amount.span,
                f"{what} must be a number or a parameter, but '{amount.id}' is a series",
            )
            return None
        self.exprs.check(amount)  # reports unknown or used-before-defined, with suggestions
        return None

    def _check_amount(
        self,
        scalar: Scalar | None,
        span: Span,
        what: str,
        *,
        whole: bool = False,
        maximum: Decimal | None = None,
        decimals: int | None = None,
    ) -> bool:
        """Every value the amount can take is positive (and whole, <= maximum, ...)."""
        if scalar is None:
            return False
        if isinstance(scalar, Const):
            values, source = [scalar.value], ""
        else:
            parameter = self.scope.params[scalar.name]
            values = sorted(set(param_bounds(parameter)) | {parameter.default})
            source = f"parameter '{scalar.name}' can be "
        for value in values:
            problem = None
            if value <= 0:
                problem = "must be positive"
            elif whole and value != value.to_integral_value():
                problem = "must be a whole number"
            elif maximum is not None and value > maximum:
                problem = f"must be at most {maximum}"
            elif decimals is not None and _decimals(value) > decimals:
                problem = (
                    f"must have at most {decimals} decimals" if decimals else "has no decimals"
                )
            if problem is not None:
                message = (
                    f"{source}{value}, but {what} {problem}"
                    if source
                    else f"{what} {problem}, got {value}"
                )
                self.sink.error(span, message)
                return False
        return True

    def _size(self, decl: ast.SizeDecl) -> None:
        span = decl.amount.span
        if decl.kind == "equity":
            scalar = self._scalar(decl.amount, "a percent of equity")
            if self._check_amount(scalar, span, "a percent of equity", maximum=_HUNDRED):
                assert scalar is not None
                self.sizing = SizeEquityPercent(scalar)
            return
        if decl.kind == "risk":
            scalar = self._scalar(decl.amount, "the risked percent")
            ok = self._check_amount(scalar, span, "the risked percent", maximum=_HUNDRED)
            assert decl.per is not None
            per = self.exprs.check(decl.per)
            requirement = "the risk per share after 'per' must be a number"
            if self.exprs.want_number(per, decl.per.span, requirement) and ok:
                assert scalar is not None
                self.sizing = SizeRisk(scalar, per)
            return
        unit = decl.unit or ""
        if unit == "shares":
            scalar = self._scalar(decl.amount, "a share count")
            if self._check_amount(scalar, span, "a share count", whole=True):
                assert scalar is not None
                self.sizing = SizeShares(scalar)
            return
        try:
            currency = Currency.of(unit) if unit.isupper() else None
        except ParseError:
            currency = None
        if currency is None:
            message = (
                f"unknown currency '{unit}'" if unit.isupper() else f"unknown size unit '{unit}'"
            )
            self.sink.error(
                decl.unit_span,
                message,
                (
                    *did_you_mean(unit, ("shares", *_COMMON_CURRENCIES)),
                    "size in 'shares', in a currency ('5_000_000 KRW'), '10% of equity' "
                    "or 'risk 1% of equity per 2 * atr(14)'",
                ),
            )
            self._scalar(decl.amount, "a size")
            return
        scalar = self._scalar(decl.amount, f"an amount of {unit}")
        what = f"an amount of {unit}"
        if self._check_amount(scalar, span, what, decimals=currency.precision):
            assert scalar is not None
            self.sizing = SizeValue(scalar, currency)

    def _stop(self, decl: ast.StopDecl) -> None:
        words = _STATEMENT_WORDS[decl.kind]
        if decl.percent is not None:
            limit = None if decl.kind == "take_profit" else _HUNDRED
            scalar = self._scalar(decl.percent, f"the {words} percent")
            if self._check_amount(scalar, decl.percent.span, f"the {words} percent", maximum=limit):
                assert scalar is not None
                self.stops.append(Stop(decl.kind, percent=scalar))
            return
        assert decl.distance is not None
        distance = self.exprs.check(decl.distance)
        requirement = f"the {words} distance must be a number (in price)"
        if self.exprs.want_number(distance, decl.distance.span, requirement):
            self.stops.append(Stop(decl.kind, distance=distance))

    # ----------------------------------------------------------------------- whole program
    def _whole_program(self) -> None:
        entries = [
            r for r in self.script.statements if isinstance(r, ast.RuleDecl) and r.action == "enter"
        ]
        if not entries:
            self.sink.error(
                NO_SPAN,
                "this strategy never enters a position",
                ("add a rule like 'enter long when fast_ma crosses above slow_ma'",),
            )
        if "size" not in self.first_of and entries:
            self.sink.error(
                NO_SPAN,
                "this strategy does not say how much to buy or sell",
                ("add a line like 'size 100 shares', 'size 5_000_000 KRW', 'size 10% of equity'",),
            )
        self._time_rules()

    def _time_rules(self) -> None:
        daily = self.bar_spec is not None and self.bar_spec.aggregation is BarAggregation.DAY
        if daily:
            note = (f"the bars are declared on line {self.bars_line}",)
            for rule in self.times.values():
                self.sink.error(
                    _first_line(rule.span),
                    f"'{_STATEMENT_WORDS[rule.kind]}' needs intraday bars, but the bars are daily",
                    note,
                )
            for span in self.exprs.session_ranges:
                self.sink.error(
                    span, "a time window needs intraday bars, but the bars are daily", note
                )
        before = self.times.get("no_entries_before")
        after = self.times.get("no_entries_after")
        flatten = self.times.get("flatten_at")
        if before is not None and after is not None and _minutes(before) >= _minutes(after):
            later = max(before, after, key=lambda r: r.span.line)
            self.sink.error(
                _first_line(later.span),
                f"no entries before {before.time.text} and after {after.time.text} "
                "leaves no time to enter",
            )
        if before is not None and flatten is not None and _minutes(flatten) <= _minutes(before):
            self.sink.error(
                _first_line(flatten.span),
                f"flatten at {flatten.time.text} comes before entries open at {before.time.text}",
            )


def _minutes(rule: ast.TimeRule) -> int:
    return rule.time.hour * 60 + rule.time.minute


def _first_line(span: Span) -> Span:
    """A statement's span cut to its keyword's line (carets under a whole line are noise)."""
    if span.end_line == span.line:
        return span
    return Span(span.line, span.column, span.line, span.column + 1)


def _join(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # amounts are finite
    return max(0, -exponent)
