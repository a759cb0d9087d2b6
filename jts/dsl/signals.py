"""The vectorised evaluator: a checked `Program` over whole bar arrays, in numpy.

It computes every ``let`` series and the entry/exit signal arrays that the streaming strategy
would produce bar by bar, by the semantics in docs/dsl.md ("Semantics"):

- number series are float64 with NaN for "unknown" (warm-up, look-back before the first bar,
  division by zero); arithmetic is IEEE float64 in the order written;
- conditions are three-valued, held as float64 1.0 (true), 0.0 (false) and NaN (unknown), with
  Kleene ``and``/``or``/``not``; a comparison with an unknown side is unknown; a rule fires only
  where its condition is true;
- ``x[n]`` is the value ``n`` bars ago (unknown for the first ``n`` bars);
- ``a crosses above b`` is ``a > b`` now and ``a <= b`` one bar ago, unknown when any of the
  four values is unknown (and on the first bar); ``crosses below`` mirrors it;
- an indicator only consumes bars where all its explicit inputs are known; on the other bars
  its value is unknown (so an indicator of an indicator starts when its source does);
- time rules and ``high_between``/``low_between`` use each bar's close time in KST.

No Python loop runs per bar; every node is a handful of whole-array numpy operations. Equal
sub-expressions (``sma(close, 10)`` written twice) are computed once per run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_SECOND
from jts.dsl.constants import fold
from jts.dsl.errors import DslRuntimeError
from jts.dsl.kernels import cross_kernel
from jts.dsl.program import Program, Rule, SizeRisk
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

__all__ = ["BarArrays", "Signals", "evaluate"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]
#: A series while evaluating: a full array, or a Python float for a constant (broadcast later).
Value: TypeAlias = FloatArray | float

#: KST is UTC+9 all year (no daylight saving), so a fixed offset is exact.
_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR


@dataclass(frozen=True, slots=True)
class BarArrays:
    """One instrument's bars as arrays of equal length, oldest first.

    ``ts`` holds each bar's close time (``ts_event``, int nanoseconds UTC, non-decreasing); it is
    needed only by time rules, ``high_between``/``low_between`` and session-based indicators.
    """

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    ts: IntArray | None = None

    @classmethod
    def of(
        cls,
        *,
        open: Any,
        high: Any,
        low: Any,
        close: Any,
        volume: Any,
        ts: Any = None,
    ) -> BarArrays:
        """Validate and convert: 1-D, equal lengths, finite prices, sorted timestamps."""
        fields = {"open": open, "high": high, "low": low, "close": close, "volume": volume}
        arrays: dict[str, FloatArray] = {}
        length: int | None = None
        for name, raw in fields.items():
            array = np.ascontiguousarray(raw, dtype=np.float64)
            if array.ndim != 1:
                raise DslRuntimeError(f"bar field {name!r} must be 1-D, got shape {array.shape}")
            if length is not None and array.shape[0] != length:
                raise DslRuntimeError(
                    f"bar field {name!r} has {array.shape[0]} values, 'open' has {length}"
                )
            length = array.shape[0]
            if not np.isfinite(array).all():
                bad = int(np.argmin(np.isfinite(array)))
                raise DslRuntimeError(f"bar field {name!r} is not finite at index {bad}")
            arrays[name] = array
        stamps: IntArray | None = None
        if ts is not None:
            stamps = np.ascontiguousarray(ts)
            if stamps.dtype.kind not in "iu":
                raise DslRuntimeError(f"ts must hold integer nanoseconds, got dtype {stamps.dtype}")
            stamps = stamps.astype(np.int64)
            if stamps.shape != (length,):
                raise DslRuntimeError(f"ts has shape {stamps.shape}, the bars have {length}")
            if length and (np.diff(stamps) < 0).any():
                bad = int(np.argmax(np.diff(stamps) < 0)) + 1
                raise DslRuntimeError(f"ts must not decrease; it does at index {bad}")
        return cls(ts=stamps, **arrays)

    def __len__(self) -> int:
        return int(self.close.shape[0])


@dataclass(frozen=True, slots=True)
class Signals:
    """The result of one run over one instrument's bars.

    ``enter_*``/``exit_*`` are final: the rule conditions (true only where definitely true)
    with the time rules applied (entries only where ``entry_allowed``; exits also where
    ``flatten``). ``series`` holds every ``let`` (conditions as 1.0/0.0/NaN; each output of a
    several-output let as ``name.output``). ``amounts`` holds the per-bar values of the price
    expressions that sizing and stops read at the entry bar: ``size_risk_per``, ``stop_loss``,
    ``take_profit``, ``trailing_stop`` (only those written as expressions, not as percents).
    ``rules`` holds where each of ``program.rules`` is true, in that order (the rules of one
    action and side are or-ed above): the source lines the streaming strategy's signals name.
    """

    params: Mapping[str, Decimal]
    series: Mapping[str, FloatArray]
    enter_long: BoolArray
    exit_long: BoolArray
    enter_short: BoolArray
    exit_short: BoolArray
    entry_allowed: BoolArray
    flatten: BoolArray
    amounts: Mapping[str, FloatArray]
    rules: tuple[BoolArray, ...] = ()


def evaluate(
    program: Program, bars: BarArrays, params: Mapping[str, object] | None = None
) -> Signals:
    """Run ``program`` over ``bars`` with ``params`` overriding the defaults."""
    values = program.bind(params)
    return _Run(program, bars, values).signals()


# ------------------------------------------------------------------------------- the run


def _kst_clock(ts: IntArray) -> tuple[IntArray, IntArray]:
    """Each timestamp's KST day number and second of that day."""
    local = ts + _KST_OFFSET_NS
    day = local // NANOS_PER_DAY
    second = (local - day * NANOS_PER_DAY) // NANOS_PER_SECOND
    return day, second


def _seconds(time: dt.time) -> int:
    return time.hour * 3600 + time.minute * 60 + time.second


class _Run:
    def __init__(self, program: Program, bars: BarArrays, params: Mapping[str, Decimal]) -> None:
        self.program = program
        self.bars = bars
        self.params = params
        self.n = len(bars)
        self.cache: dict[TExpr, Value] = {}
        self.indicator_cache: dict[Indicator, Mapping[str, FloatArray]] = {}
        self.lets: dict[str, Value] = {}
        self.rule_fired: dict[Rule, BoolArray] = {}
        self._clock: tuple[IntArray, IntArray] | None = None

    # -- helpers ------------------------------------------------------------------------------
    def full(self, value: Value) -> FloatArray:
        if isinstance(value, float):
            return np.full(self.n, value)
        return value

    def clock(self, why: str) -> tuple[IntArray, IntArray]:
        if self._clock is None:
            if self.bars.ts is None:
                raise DslRuntimeError(f"{why} needs the bar timestamps: pass ts to BarArrays.of")
            self._clock = _kst_clock(self.bars.ts)
        return self._clock

    # -- the program --------------------------------------------------------------------------
    def signals(self) -> Signals:
        series: dict[str, FloatArray] = {}
        for let in self.program.lets:
            if let.value.type.kind is Kind.BUNDLE:
                assert isinstance(let.value, Indicator)
                outputs = self.indicator(let.value)
                for name, array in outputs.items():
                    series[f"{let.name}.{name}"] = array
                continue
            value = self.value(let.value)
            self.lets[let.name] = value
            series[let.name] = self.full(value)
        fired = {
            (action, side): self.rules(action, side)
            for action in ("enter", "exit")
            for side in ("long", "short")
        }
        allowed, flatten = self.time_rules()
        timed = self.program.time_rules.any  # without time rules both masks change nothing
        rules = tuple(self.rule_fired[rule] for rule in self.program.rules)
        return Signals(
            params=dict(self.params),
            series=series,
            enter_long=fired["enter", "long"] & allowed if timed else fired["enter", "long"],
            exit_long=fired["exit", "long"] | flatten if timed else fired["exit", "long"],
            enter_short=fired["enter", "short"] & allowed if timed else fired["enter", "short"],
            exit_short=fired["exit", "short"] | flatten if timed else fired["exit", "short"],
            entry_allowed=allowed,
            flatten=flatten,
            amounts=self.amounts(),
            rules=rules,
        )

    def rules(self, action: str, side: str) -> BoolArray:
        fired: BoolArray | None = None
        for rule in self.program.rules:
            if rule.action == action and rule.side == side:
                now = self.full(self.value(rule.condition)) == 1.0
                self.rule_fired[rule] = now
                fired = now if fired is None else fired | now
        return np.zeros(self.n, dtype=np.bool_) if fired is None else fired

    def time_rules(self) -> tuple[BoolArray, BoolArray]:
        rules = self.program.time_rules
        allowed = np.ones(self.n, dtype=np.bool_)
        flatten = np.zeros(self.n, dtype=np.bool_)
        if not rules.any:
            return allowed, flatten
        _, second = self.clock("a time rule")
        if rules.no_entries_before is not None:
            allowed &= second >= _seconds(rules.no_entries_before)
        if rules.no_entries_after is not None:
            allowed &= second <= _seconds(rules.no_entries_after)
        if rules.flatten_at is not None:
            flatten = second >= _seconds(rules.flatten_at)
            allowed &= ~flatten
        return allowed, flatten

    def amounts(self) -> dict[str, FloatArray]:
        found: dict[str, FloatArray] = {}
        if isinstance(self.program.sizing, SizeRisk):
            found["size_risk_per"] = self.full(self.value(self.program.sizing.per))
        for stop in self.program.stops:
            if stop.distance is not None:
                found[stop.kind] = self.full(self.value(stop.distance))
        return found

    # -- expressions --------------------------------------------------------------------------
    def value(self, node: TExpr) -> Value:
        cached = self.cache.get(node)
        if cached is None:
            cached = self._compute(node)
            self.cache[node] = cached
        return cached

    def _compute(self, node: TExpr) -> Value:
        match node:
            case Const() | Param():
                return float(self.exact(node))
            case BoolConst():
                return 1.0 if node.value else 0.0
            case Field():
                array: FloatArray = getattr(self.bars, node.name)
                return array
            case LetRef():
                return self.lets[node.name]
            case Indicator():
                outputs = self.indicator(node)
                return outputs[node.output or node.signature.outputs[0]]
            case SessionRange():
                return self.session_range(node)
            case Builtin():
                return self.builtin(node)
            case Lookback():
                return self.lookback(node)
            case Neg():
                return -self.value(node.operand)
            case Arith():
                return self.arith(node)
            case Compare():
                return self.compare(node)
            case Cross():
                return self.cross(node)
            case Logic():
                return self.logic(node)
            case Not():
                return 1.0 - self.value(node.operand)
            case TimeConst() | Choice() | SessionDay() | Invalid():
                raise AssertionError(f"{node!r} is not a series")  # the checker prevents it
        raise AssertionError(f"unhandled node {node!r}")  # pragma: no cover

    def exact(self, node: TExpr) -> Decimal:
        """A constant's exact value (indicator settings and look-backs are computed so)."""
        value = fold(node, self.params)
        if value is None:  # the checker lets only constants here, so: a division by zero
            raise DslRuntimeError(
                f"a constant divides by zero with parameters {_show(self.params)}"
            )
        return value

    def arith(self, node: Arith) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if node.op == "+":
                return np.add(left, right)
            if node.op == "-":
                return np.subtract(left, right)
            if node.op == "*":
                return np.multiply(left, right)
            quotient = np.divide(left, right)
            return _scalar_or_array(np.where(np.asarray(right) == 0.0, np.nan, quotient))

    def compare(self, node: Compare) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        with np.errstate(invalid="ignore"):
            result = _COMPARE[node.op](left, right)
        unknown = np.isnan(left) | np.isnan(right)
        return _scalar_or_array(np.where(unknown, np.nan, result.astype(np.float64)))

    def cross(self, node: Cross) -> FloatArray:
        left, right = self.full(self.value(node.left)), self.full(self.value(node.right))
        result: FloatArray = np.empty(left.shape[0])
        cross_kernel(left, right, node.direction == "above", result)
        return result

    def logic(self, node: Logic) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        unknown = np.isnan(left) | np.isnan(right)
        if node.op == "and":
            decided, outcome = (np.asarray(left) == 0.0) | (np.asarray(right) == 0.0), 0.0
        else:
            decided, outcome = (np.asarray(left) == 1.0) | (np.asarray(right) == 1.0), 1.0
        # a decided side wins over an unknown one (Kleene): false and ? = false, true or ? = true
        other = 1.0 - outcome
        return _scalar_or_array(np.where(decided, outcome, np.where(unknown, np.nan, other)))

    def builtin(self, node: Builtin) -> Value:
        args = [self.value(a) for a in node.args]
        if node.name == "abs":
            return np.abs(args[0])
        combine = np.minimum if node.name == "min" else np.maximum
        result = args[0]
        for arg in args[1:]:
            result = combine(result, arg)
        return result

    def lookback(self, node: Lookback) -> FloatArray:
        bars = int(self.exact(node.bars))
        if bars < 0:
            raise DslRuntimeError(f"look-back must be 0 or more bars, got {bars}")
        source = self.full(self.value(node.target))
        if bars == 0:
            return source
        shifted = np.full(self.n, np.nan)
        if bars < self.n:
            shifted[bars:] = source[: self.n - bars]
        return shifted

    def session_range(self, node: SessionRange) -> FloatArray:
        day, second = self.clock(f"{node.extreme}_between")
        start, end = _seconds(node.start), _seconds(node.end)
        inside = (second > start) & (second <= end)
        prices = self.bars.high if node.extreme == "high" else self.bars.low
        result = np.full(self.n, np.nan)
        if self.n == 0:
            return result
        # days are contiguous runs because ts does not decrease
        starts = np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1])))
        fill = -np.inf if node.extreme == "high" else np.inf
        masked = np.where(inside, prices, fill)
        reduce = np.maximum.reduceat if node.extreme == "high" else np.minimum.reduceat
        per_day = reduce(masked, starts)
        seen = np.add.reduceat(inside.astype(np.int64), starts) > 0
        index = np.cumsum(np.concatenate(([False], day[1:] != day[:-1])))
        known = (second >= end) & seen[index]
        result[known] = per_day[index][known]
        return result

    # -- indicators ---------------------------------------------------------------------------
    def indicator(self, node: Indicator) -> Mapping[str, FloatArray]:
        key = Indicator(node.name, node.sources, node.params, None, node.signature)
        cached = self.indicator_cache.get(key)
        if cached is None:
            cached = self._run_indicator(key)
            self.indicator_cache[key] = cached
        return cached

    def _run_indicator(self, node: Indicator) -> dict[str, FloatArray]:
        signature = node.signature
        inputs: list[npt.NDArray[Any]] = []
        valid = np.ones(self.n, dtype=np.bool_)
        for source in node.sources:
            if isinstance(source, SessionDay):
                inputs.append(self.clock(f"'{node.name}'")[0])
                continue
            array = self.full(self.value(source))
            if not isinstance(source, Field):  # bar fields are finite (BarArrays checks)
                valid &= ~np.isnan(array)
            inputs.append(array)
        params = {name: self.param_value(node, name, value) for name, value in node.params}
        index = None if valid.all() else np.flatnonzero(valid)
        if index is not None:
            inputs = [array[index] for array in inputs]
        try:
            raw = signature.compute(*inputs, **params)
        except InvalidInputError as exc:
            raise DslRuntimeError(f"{node.name}({_show(params)}): {exc}") from exc
        outputs: dict[str, FloatArray] = {}
        for output in signature.outputs:
            values = np.asarray(raw[output], dtype=np.float64)
            if index is not None:
                spread = np.full(self.n, np.nan)
                spread[index] = values
                values = spread
            outputs[output] = values
        return outputs

    def param_value(self, node: Indicator, name: str, value: TExpr) -> int | float | str:
        spec = node.signature.param(name)
        assert spec is not None
        if isinstance(value, Choice):
            return value.value
        exact = self.exact(value)
        if spec.integral and exact != exact.to_integral_value():
            raise DslRuntimeError(
                f"'{name}' of '{node.name}' must be a whole number, got {exact} "
                f"with parameters {_show(self.params)}"
            )
        if not spec.admits(exact):
            raise DslRuntimeError(
                f"'{name}' of '{node.name}' must be {spec.rule()}, got {exact} "
                f"with parameters {_show(self.params)}"
            )
        return int(exact) if spec.integral else float(exact)


_COMPARE: Final = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def _scalar_or_array(result: npt.NDArray[np.float64]) -> Value:
    """Constant operands give a 0-d result; keep constants as floats so they stay cheap."""
    if result.ndim == 0:
        return float(result)
    return result


def _show(values: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
