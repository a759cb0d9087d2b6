"""Name resolution and type checking of expressions: `ast.Expr` in, `typed.TExpr` out.

Each problem becomes a diagnostic at the offending spot and the bad sub-expression becomes
`Invalid`, which every rule accepts silently; so one typo yields one error, not a cascade, and
the checker goes on to find the other, independent mistakes in the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Literal, cast

from jts.core.errors import InvalidInputError
from jts.dsl import ast
from jts.dsl.catalog import (
    BAR_FIELDS,
    BUILTINS,
    IndicatorCatalog,
    IndicatorParam,
    IndicatorSignature,
)
from jts.dsl.constants import fold, param_bounds, params_in
from jts.dsl.errors import DiagnosticSink, Span, did_you_mean
from jts.dsl.program import Parameter
from jts.dsl.typed import (
    Arith,
    BoolConst,
    Builtin,
    Choice,
    Compare,
    Const,
    Cross,
    Field,
    Indicator,
    Invalid,
    Kind,
    LetRef,
    Logic,
    Lookback,
    Neg,
    Not,
    Param,
    SessionDay,
    SessionRange,
    TExpr,
    TimeConst,
)

__all__ = ["ExprChecker", "Scope"]

_TIME_NOTE = (
    "times of day belong in time rules ('no entries after 14:30') and in high_between/low_between"
)


@dataclasses.dataclass
class Scope:
    """The names visible at the current statement, plus where every name is defined at all
    (so a forward reference is reported as "used before it is defined", not as unknown)."""

    defined_anywhere: dict[str, int]
    params: dict[str, Parameter] = dataclasses.field(default_factory=dict)
    lets: dict[str, TExpr] = dataclasses.field(default_factory=dict)

    def visible(self) -> list[str]:
        return [*self.params, *self.lets, *BAR_FIELDS]


def _not_whole(value: TExpr) -> str:
    """Why a constant is not known to be whole, for "must be a whole number, ..."."""
    if isinstance(value, Const):
        return f"got {value.value}"
    if isinstance(value, Param):
        return f"but parameter '{value.name}' is a decimal"
    return "but this may not be one ('/' can give a fraction)"


class ExprChecker:
    """Checks expressions in a scope; collects diagnostics in ``sink``."""

    def __init__(self, catalog: IndicatorCatalog, scope: Scope, sink: DiagnosticSink) -> None:
        self.catalog = catalog
        self.scope = scope
        self.sink = sink
        #: where high_between/low_between are used (they need intraday bars)
        self.session_ranges: list[Span] = []

    # ------------------------------------------------------------------------------- helpers
    def want(self, node: TExpr, span: Span, kind: Kind, requirement: str) -> bool:
        """True when ``node`` is of ``kind``; else report "<requirement>, but this is ..."."""
        actual = node.type.kind
        if actual is Kind.ERROR:
            return False
        if actual is kind:
            return True
        notes: tuple[str, ...] = ()
        what = node.type.describe()
        if actual is Kind.BUNDLE:
            assert isinstance(node, Indicator)
            outputs = node.signature.outputs
            what = f"'{node.name}', which has several outputs ({', '.join(outputs)})"
            notes = (f"pick one output, e.g. '.{outputs[0]}'",)
        elif actual is Kind.TIME:
            notes = (_TIME_NOTE,)
        self.sink.error(span, f"{requirement}, but this is {what}", notes)
        return False

    def want_number(self, node: TExpr, span: Span, requirement: str) -> bool:
        return self.want(node, span, Kind.NUMBER, requirement)

    def want_bool(self, node: TExpr, span: Span, requirement: str) -> bool:
        return self.want(node, span, Kind.BOOL, requirement)

    # -------------------------------------------------------------------------------- check
    def check(self, expr: ast.Expr) -> TExpr:
        match expr:
            case ast.Number():
                return Const(expr.value)
            case ast.BoolLiteral():
                return BoolConst(expr.value)
            case ast.TimeLiteral():
                time = self.time_of_day(expr)
                return TimeConst(time) if time is not None else Invalid()
            case ast.Name():
                return self._name(expr)
            case ast.Call():
                return self._call(expr)
            case ast.Lookback():
                return self._lookback(expr)
            case ast.Output():
                return self._output(expr)
            case ast.Negate():
                operand = self.check(expr.operand)
                if not self.want_number(operand, expr.operand.span, "'-' needs a number"):
                    return Invalid()
                if isinstance(operand, Const):
                    return Const(-operand.value)
                return Neg(operand)
            case ast.Not():
                operand = self.check(expr.operand)
                if not self.want_bool(operand, expr.operand.span, "'not' needs true/false"):
                    return Invalid()
                return Not(operand)
            case ast.Binary():
                return self._binary(expr)
            case ast.Compare():
                left, right = self._operands(expr, f"'{expr.op}' compares numbers", Kind.NUMBER)
                if left is None or right is None:
                    return Invalid()
                return Compare(expr.op, left, right)
            case ast.Cross():
                return self._cross(expr)
            case ast.Logic():
                left, right = self._operands(expr, f"'{expr.op}' needs true/false", Kind.BOOL)
                if left is None or right is None:
                    return Invalid()
                return Logic(expr.op, left, right)
        raise AssertionError(f"unhandled expression {expr!r}")  # pragma: no cover

    def time_of_day(self, literal: ast.TimeLiteral) -> dt.time | None:
        if literal.hour > 23 or literal.minute > 59:
            self.sink.error(
                literal.span,
                f"{literal.hour}:{literal.minute:02d} is not a time of day",
                ("write hours 00-23 and minutes 00-59, e.g. 15:15",),
            )
            return None
        return dt.time(literal.hour, literal.minute)

    def _operands(
        self, expr: ast.Binary | ast.Compare | ast.Cross | ast.Logic, requirement: str, kind: Kind
    ) -> tuple[TExpr | None, TExpr | None]:
        left, right = self.check(expr.left), self.check(expr.right)
        ok_left = self.want(left, expr.left.span, kind, requirement)
        ok_right = self.want(right, expr.right.span, kind, requirement)
        return (left if ok_left else None), (right if ok_right else None)

    def _binary(self, expr: ast.Binary) -> TExpr:
        left, right = self._operands(expr, f"'{expr.op}' needs numbers", Kind.NUMBER)
        if left is None or right is None:
            return Invalid()
        return Arith(expr.op, left, right)

    def _cross(self, expr: ast.Cross) -> TExpr:
        words = f"crosses {expr.direction}"
        left, right = self._operands(expr, f"'{words}' compares numbers", Kind.NUMBER)
        if left is None or right is None:
            return Invalid()
        if not (left.type.series or right.type.series):
            self.sink.error(
                expr.op_span,
                f"'{words}' needs a series on at least one side; both sides are constants",
                ("a constant never crosses another constant",),
            )
            return Invalid()
        return Cross(expr.direction, left, right)

    # --------------------------------------------------------------------------------- names
    def _name(self, expr: ast.Name) -> TExpr:
        name = expr.id
        if name in self.scope.params:
            return Param(name, self.scope.params[name].integral)
        if name in self.scope.lets:
            value = self.scope.lets[name]
            if value.type.kind is Kind.ERROR:
                return Invalid()
            if value.type.kind is Kind.BUNDLE:
                return value  # an alias of the indicator call, so `.upper` can pick an output
            if not value.type.series:
                # a constant let (`let k = 3`, `let n = fast * 2`) stands for its expression, so
                # places that need a value known before the run (periods, look-backs) can fold it
                return value
            return LetRef(name, value.type)
        if name in BAR_FIELDS:
            return Field(cast(Literal["open", "high", "low", "close", "volume"], name))
        line = self.scope.defined_anywhere.get(name)
        if line is not None:
            self.sink.error(
                expr.span,
                f"'{name}' is used before it is defined",
                (f"it is defined on line {line}; move that line above this one",),
            )
            return Invalid()
        notes = list(did_you_mean(name, self.scope.visible()))
        signature = self.catalog.lookup(name)
        if signature is not None:
            notes.append(f"'{name}' is an indicator: call it, like {signature.describe()}")
        elif name in BUILTINS:
            notes.append(f"'{name}' is a function: call it, like {BUILTINS[name]}")
        self.sink.error(expr.span, f"unknown name '{name}'", notes)
        return Invalid()

    # --------------------------------------------------------------------------------- calls
    def _call(self, expr: ast.Call) -> TExpr:
        if expr.function in BUILTINS:
            return self._builtin(expr)
        signature = self.catalog.lookup(expr.function)
        if signature is not None:
            return self._indicator(expr, signature)
        name = expr.function
        if name in self.scope.params or name in self.scope.lets or name in BAR_FIELDS:
            self.sink.error(
                expr.name_span,
                f"'{name}' is a value, not an indicator or function",
                (f"write {name}[1] for its value one bar ago",),
            )
        else:
            candidates = [*self.catalog.names(), *BUILTINS]
            self.sink.error(
                expr.name_span, f"unknown indicator '{name}'", did_you_mean(name, candidates)
            )
        self._check_all(a.value for a in expr.args)
        return Invalid()

    def _check_all(self, exprs: Iterable[ast.Expr]) -> None:
        for sub in exprs:
            self.check(sub)

    def _builtin(self, expr: ast.Call) -> TExpr:
        name = expr.function
        keywords = [a for a in expr.args if a.keyword is not None]
        if keywords:
            self.sink.error(
                keywords[0].span, f"'{name}' takes no keyword arguments; call it {BUILTINS[name]}"
            )
            self._check_all(a.value for a in expr.args)
            return Invalid()
        if name in ("high_between", "low_between"):
            return self._session_range(expr)
        count = len(expr.args)
        if (name == "abs" and count != 1) or (name != "abs" and count < 2):
            wanted = "1 argument" if name == "abs" else "at least 2 arguments"
            self.sink.error(expr.span, f"'{name}' takes {wanted}, got {count}: {BUILTINS[name]}")
            self._check_all(a.value for a in expr.args)
            return Invalid()
        args = [self.check(a.value) for a in expr.args]
        ok = [
            self.want_number(t, a.span, f"'{name}' needs numbers")
            for t, a in zip(args, expr.args, strict=True)
        ]
        if not all(ok):
            return Invalid()
        return Builtin(cast(Literal["abs", "min", "max"], name), tuple(args))

    def _session_range(self, expr: ast.Call) -> TExpr:
        name = expr.function
        if len(expr.args) != 2:
            self.sink.error(
                expr.span,
                f"'{name}' takes 2 arguments, got {len(expr.args)}: {BUILTINS[name]}",
                (f"for example {name}(09:00, 09:30)",),
            )
            return Invalid()
        times: list[dt.time] = []
        for argument in expr.args:
            value = self.check(argument.value)
            if self.want(value, argument.span, Kind.TIME, f"'{name}' needs times of day"):
                assert isinstance(value, TimeConst)
                times.append(value.value)
        if len(times) != 2:
            return Invalid()
        start, end = times
        if start >= end:
            self.sink.error(
                expr.span,
                f"'{name}' needs its start before its end, got {start:%H:%M} and {end:%H:%M}",
            )
            return Invalid()
        self.session_ranges.append(expr.name_span)
        extreme: Literal["high", "low"] = "high" if name == "high_between" else "low"
        return SessionRange(extreme, start, end)

    def _indicator(self, expr: ast.Call, signature: IndicatorSignature) -> TExpr:
        bound, ok = self._bind_arguments(expr, signature)
        slot_of = dict(zip(signature.explicit_inputs, signature.input_slots, strict=True))
        sources: list[TExpr] = []
        for input_name in signature.inputs:
            slot = slot_of.get(input_name)
            if slot is None:
                sources.append(
                    SessionDay()
                    if input_name == "session"
                    else Field(cast(Literal["open", "high", "low", "close", "volume"], input_name))
                )
                continue
            source = self._input(expr, signature, slot, bound.get(slot), first=not sources)
            ok = ok and source is not None
            sources.append(source if source is not None else Invalid())
        params: list[tuple[str, TExpr]] = []
        for spec in signature.params:
            argument = bound.get(spec.name)
            if argument is None:
                if spec.default is None:
                    self.sink.error(
                        expr.span,
                        f"'{signature.name}' is missing argument '{spec.name}': "
                        f"{signature.describe()}",
                    )
                    ok = False
                    continue
                default = spec.default
                params.append(
                    (spec.name, Choice(default) if isinstance(default, str) else Const(default))
                )
                continue
            value = self._param_value(signature, spec, argument.value)
            ok = ok and value is not None
            params.append((spec.name, value if value is not None else Invalid()))
        if not ok or not self._settings_agree(expr, signature, params):
            return Invalid()
        return Indicator(signature.name, tuple(sources), tuple(params), None, signature)

    def _settings_agree(
        self, expr: ast.Call, signature: IndicatorSignature, params: list[tuple[str, TExpr]]
    ) -> bool:
        """Cross-setting rules (``fast`` below ``slow``), checked for literals and for the
        parameters' defaults; other sweep values are checked when a run knows them."""
        if signature.validate is None:
            return True
        defaults = {name: p.default for name, p in self.scope.params.items()}
        values: dict[str, object] = {}
        for (name, value), spec in zip(params, signature.params, strict=True):
            if isinstance(value, Choice):
                values[name] = value.value
                continue
            exact = fold(value, defaults)
            if exact is None:
                return True
            values[name] = int(exact) if spec.integral else float(exact)
        try:
            signature.validate(**values)
        except InvalidInputError as exc:
            used = sorted({n.name for _, v in params for n in params_in(v)})
            notes = (
                ("with parameter defaults " + ", ".join(f"{n} = {defaults[n]}" for n in used),)
                if used
                else ()
            )
            self.sink.error(expr.span, str(exc), notes)
            return False
        return True

    def _input(
        self,
        expr: ast.Call,
        signature: IndicatorSignature,
        slot: str,
        argument: ast.Argument | None,
        *,
        first: bool,
    ) -> TExpr | None:
        """One explicit input: a number series (a later one may be a constant, broadcast)."""
        what = "source" if slot == "source" else f"input '{slot}'"
        if argument is None:
            self.sink.error(
                expr.span,
                f"'{signature.name}' is missing its {what}: {signature.describe()}",
                (f"for example {signature.name}(close, ...)",) if slot == "source" else (),
            )
            return None
        value = self.check(argument.value)
        requirement = f"the {what} of '{signature.name}' must be a number series"
        if not self.want_number(value, argument.span, requirement):
            return None
        if first and not value.type.series:
            self.sink.error(
                argument.span,
                f"{requirement}, but this is a constant",
                (f"for example {signature.name}(close, ...)",) if slot == "source" else (),
            )
            return None
        return value

    def _bind_arguments(
        self, expr: ast.Call, signature: IndicatorSignature
    ) -> tuple[dict[str, ast.Argument], bool]:
        """Positional then keyword arguments to slot names; reports every misuse it sees."""
        slots = [*signature.input_slots, *(p.name for p in signature.params)]
        bound: dict[str, ast.Argument] = {}
        ok = True
        position = 0
        seen_keyword = False
        for index, argument in enumerate(expr.args):
            if argument.keyword is None:
                if seen_keyword:
                    self.sink.error(
                        argument.span, "a positional argument cannot follow a keyword argument"
                    )
                    ok = False
                    self.check(argument.value)
                elif position >= len(slots):
                    count = sum(a.keyword is None for a in expr.args)
                    self.sink.error(
                        argument.span,
                        f"too many arguments: {signature.describe()} takes at most "
                        f"{len(slots)}, got {count}",
                    )
                    self._check_all(a.value for a in expr.args[index:] if a.keyword is None)
                    return bound, False
                else:
                    bound[slots[position]] = argument
                    position += 1
                continue
            seen_keyword = True
            keyword = argument.keyword
            if keyword not in slots:
                self.sink.error(
                    argument.span,
                    f"{signature.describe()} has no argument '{keyword}'",
                    did_you_mean(keyword, slots),
                )
                ok = False
                self.check(argument.value)
            elif keyword in bound:
                self.sink.error(argument.span, f"argument '{keyword}' is given twice")
                ok = False
            else:
                bound[keyword] = argument
        return bound, ok

    def _param_value(
        self, signature: IndicatorSignature, spec: IndicatorParam, node: ast.Expr
    ) -> TExpr | None:
        subject = f"'{spec.name}' of '{signature.name}'"
        if spec.kind == "choice":
            if isinstance(node, ast.Name) and node.id in spec.choices:
                return Choice(node.id)
            notes = did_you_mean(node.id, spec.choices) if isinstance(node, ast.Name) else ()
            self.sink.error(node.span, f"{subject} must be {spec.rule()}", notes)
            return None
        value = self.check(node)
        if not self.want_number(value, node.span, f"{subject} must be a number"):
            return None
        if value.type.series:
            self.sink.error(
                node.span,
                f"{subject} must be a constant (a number or a parameter), not a series",
                ("indicator settings are fixed for a run; sweep them with a param",),
            )
            return None
        if spec.integral and not value.type.integral:
            self.sink.error(node.span, f"{subject} must be a whole number, {_not_whole(value)}")
            return None
        literal = fold(value)
        if literal is not None and not spec.admits(literal):
            self.sink.error(node.span, f"{subject} must be {spec.rule()}, got {literal}")
            return None
        if isinstance(value, Param):
            for bound in param_bounds(self.scope.params[value.name]):
                if not spec.admits(bound):
                    self.sink.error(
                        node.span,
                        f"parameter '{value.name}' can be {bound}, "
                        f"but {subject} must be {spec.rule()}",
                        (f"narrow the range of '{value.name}'",),
                    )
                    return None
        # arithmetic on parameters is range-checked when a run knows the values
        return value

    # ------------------------------------------------------------------------ look-back, output
    def _lookback(self, expr: ast.Lookback) -> TExpr:
        target = self.check(expr.target)
        bars = self.check(expr.bars)
        ok = target.type.kind is not Kind.ERROR
        if target.type.kind is Kind.BUNDLE:
            ok = self.want_number(target, expr.target.span, "look-back needs one series")
        elif ok and not target.type.series:
            what = f"'{expr.target.id}'" if isinstance(expr.target, ast.Name) else "this"
            self.sink.error(
                expr.target.span,
                f"look-back needs a series, but {what} is a constant",
                ("a constant has the same value on every bar",),
            )
            ok = False
        return Lookback(target, bars) if self._lookback_bars(bars, expr.bars) and ok else Invalid()

    def _lookback_bars(self, bars: TExpr, node: ast.Expr) -> bool:
        requirement = "look-back must be a whole number of bars"
        if not self.want_number(bars, node.span, requirement):
            return False
        if bars.type.series:
            self.sink.error(
                node.span,
                "look-back must be a fixed number of bars (a number or a parameter), not a series",
            )
            return False
        if not bars.type.integral:
            self.sink.error(node.span, f"{requirement}, {_not_whole(bars)}")
            return False
        literal = fold(bars)
        low = literal
        if isinstance(bars, Param):
            low = param_bounds(self.scope.params[bars.name])[0]
        if low is not None and low < 0:
            where = f"parameter '{bars.name}' can be {low}" if isinstance(bars, Param) else ""
            message = (
                f"{where}, but a look-back must be 0 or more bars"
                if where
                else f"look-back must be 0 or more bars, got {low}"
            )
            self.sink.error(node.span, message, ("a strategy cannot look into the future",))
            return False
        return True

    def _output(self, expr: ast.Output) -> TExpr:
        target = self.check(expr.target)
        if target.type.kind is Kind.ERROR:
            return Invalid()
        if isinstance(target, Indicator) and target.type.kind is Kind.BUNDLE:
            outputs = target.signature.outputs
            if expr.name in outputs:
                return dataclasses.replace(target, output=expr.name)
            self.sink.error(
                expr.name_span,
                f"'{target.name}' has no output '{expr.name}'; "
                f"its outputs are {', '.join(outputs)}",
                did_you_mean(expr.name, outputs),
            )
            return Invalid()
        self.sink.error(
            expr.name_span,
            f"'.{expr.name}' picks an output of an indicator with several outputs, "
            f"but this is {target.type.describe()}",
        )
        return Invalid()
