"""The per-bar evaluator of a planned program: one instance per instrument.

`BarEvaluator.step` takes one bar's fields and close time and returns the bar's decisions,
computing exactly what `jts.dsl.signals.evaluate` computes for that bar index, bit for bit:
the plan's steps run as small closures over one list of slot values, each doing the scalar
version of the vectorised operation (same float operations, same order, same NaN rules).
Indicators are the library's streaming objects, whose ``update`` matches their vectorised
form bit for bit; an indicator whose input is unknown is not updated and reads unknown for
that bar, as the vectorised evaluator skips those bars.

The state a restarted live node needs (indicator objects, ring buffers, session extremes, the
bar count) lives in plain containers that `state_blob`/`from_blob` pickle; closures are rebuilt
around restored containers rather than pickled themselves.
"""

from __future__ import annotations

import base64
import math
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import isnan
from typing import Any, Final

from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_SECOND
from jts.dsl.errors import DslRuntimeError
from jts.dsl.streaming.plan import Plan
from jts.dsl.streaming.steps import (
    CLOSE,
    DAY,
    HIGH,
    LOW,
    OPEN,
    SECOND,
    VOLUME,
    ArithStep,
    BuiltinStep,
    CompareStep,
    CrossStep,
    IndicatorStep,
    LagStep,
    LogicStep,
    NegStep,
    NotStep,
    SessionRangeStep,
    Step,
    maximum,
    minimum,
)
from jts.indicators import BaseIndicator

__all__ = ["BarDecision", "BarEvaluator", "Decisions"]

NAN: Final = math.nan
_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR
_STATE_VERSION: Final = 1

#: ``(enter_long, exit_long, enter_short, exit_short, flatten)`` of one bar, final: entries
#: only where the time rules allow them, exits also on flatten bars (docs/dsl.md, "Signals").
Decisions = tuple[bool, bool, bool, bool, bool]


@dataclass(frozen=True, slots=True)
class BarDecision:
    """One bar's outcome, kept when tracing: what `Signals` holds at that bar's index."""

    ts: int
    enter_long: bool
    exit_long: bool
    enter_short: bool
    exit_short: bool
    entry_allowed: bool
    flatten: bool
    series: Mapping[str, float]
    amounts: Mapping[str, float]


class _Ring:
    """The last ``depth`` values of one slot; ``head`` is where this bar's value goes."""

    __slots__ = ("buf", "depth", "head")

    def __init__(self, depth: int) -> None:
        self.buf = [NAN] * depth
        self.depth = depth
        self.head = 0


class _State:
    """Everything that changes from bar to bar, in picklable containers."""

    __slots__ = ("bars", "indicators", "rings", "sessions")

    def __init__(self, plan: Plan) -> None:
        self.bars = 0
        self.indicators: list[BaseIndicator] = [spec.create() for spec in plan.indicators]
        self.rings = [_Ring(spec.depth) for spec in plan.rings]
        #: per session range: [KST day, extreme so far, seen a bar in the window]
        self.sessions: list[list[Any]] = [[None, NAN, False] for _ in range(plan.sessions)]


class BarEvaluator:
    """Evaluates a plan bar by bar for one instrument."""

    def __init__(self, plan: Plan, *, trace: bool = False, _state: _State | None = None) -> None:
        self.plan = plan
        self.trace: list[BarDecision] | None = [] if trace else None
        self._state = _state if _state is not None else _State(plan)
        self.values: list[Any] = list(plan.initial)
        self._run = self._compile()
        rules = plan.rules
        self._enter_long = _fires(self.values, rules["enter", "long"])
        self._exit_long = _fires(self.values, rules["exit", "long"])
        self._enter_short = _fires(self.values, rules["enter", "short"])
        self._exit_short = _fires(self.values, rules["exit", "short"])
        self._amounts = dict(plan.amounts)

    @property
    def bars(self) -> int:
        """Bars evaluated so far (including those before a restart)."""
        return self._state.bars

    # -- per bar ------------------------------------------------------------------------------
    def step(  # noqa: PLR0917 - called once per bar: positional arguments are the cheap call
        self, open_: float, high: float, low: float, close: float, volume: float, ts: int
    ) -> Decisions:
        """Evaluate one bar (``ts``: its close time, ns UTC) and return its decisions."""
        plan = self.plan
        vals = self.values
        vals[OPEN] = open_
        vals[HIGH] = high
        vals[LOW] = low
        vals[CLOSE] = close
        vals[VOLUME] = volume
        if plan.needs_clock:
            local = ts + _KST_OFFSET_NS
            day = local // NANOS_PER_DAY
            vals[DAY] = day
            vals[SECOND] = (local - day * NANOS_PER_DAY) // NANOS_PER_SECOND
        self._run()
        self._state.bars += 1
        enter_long = self._enter_long()
        exit_long = self._exit_long()
        enter_short = self._enter_short()
        exit_short = self._exit_short()
        allowed, flatten = True, False
        if plan.needs_clock:
            second = vals[SECOND]
            if plan.no_entries_before is not None and second < plan.no_entries_before:
                allowed = False
            if plan.no_entries_after is not None and second > plan.no_entries_after:
                allowed = False
            if plan.flatten_at is not None and second >= plan.flatten_at:
                flatten, allowed = True, False
        decisions = (
            enter_long and allowed,
            exit_long or flatten,
            enter_short and allowed,
            exit_short or flatten,
            flatten,
        )
        if self.trace is not None:
            self.trace.append(
                BarDecision(
                    ts=ts,
                    enter_long=decisions[0],
                    exit_long=decisions[1],
                    enter_short=decisions[2],
                    exit_short=decisions[3],
                    entry_allowed=allowed,
                    flatten=flatten,
                    series={name: float(vals[slot]) for name, slot in plan.series},
                    amounts={name: float(vals[slot]) for name, slot in plan.amounts},
                )
            )
        return decisions

    def amount(self, name: str) -> float:
        """This bar's value of a sizing/stop expression (``size_risk_per``, ``stop_loss``, ...);
        NaN when unknown or when the program has no such expression."""
        slot = self._amounts.get(name)
        return NAN if slot is None else float(self.values[slot])

    def fired(self, action: str, side: str) -> tuple[int, ...]:
        """Source lines of the ``action side`` rules whose condition is true on this bar."""
        slots = self.plan.rules[action, side]
        lines = self.plan.rule_lines[action, side]
        return tuple(
            line for slot, line in zip(slots, lines, strict=True) if self.values[slot] == 1.0
        )

    def series(self, name: str) -> float:
        """This bar's value of a ``let`` (``name.output`` for a several-output indicator)."""
        for key, slot in self.plan.series:
            if key == name:
                return float(self.values[slot])
        raise KeyError(name)

    # -- state --------------------------------------------------------------------------------
    def state_blob(self) -> str:
        """The state as ASCII text (base64 of a pickle): indicators pickle, the rest is lists.

        The slot values are derived from this state on the next bar, except the values that
        look-backs read, which the rings hold; so nothing else needs keeping."""
        state = self._state
        payload = {
            "version": _STATE_VERSION,
            "fingerprint": self.plan.fingerprint,
            "bars": state.bars,
            "indicators": state.indicators,
            "rings": [(ring.head, ring.buf) for ring in state.rings],
            "sessions": state.sessions,
        }
        return base64.b64encode(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)).decode()

    @classmethod
    def from_blob(cls, plan: Plan, blob: str, *, trace: bool = False) -> BarEvaluator:
        """An evaluator continuing where the one that wrote ``blob`` stopped.

        Refuses state written for another program, other parameter values or another version
        (`DslRuntimeError`): indicators warmed up on other settings would silently be wrong.
        The blob is unpickled, so it must come from the node's own state store, like any
        other state a restarted node trusts.
        """
        try:
            payload = pickle.loads(base64.b64decode(blob.encode("ascii"), validate=True))  # noqa: S301
        except Exception as exc:  # any corruption of the text: one clear error
            raise DslRuntimeError(f"saved strategy state cannot be read: {exc}") from None
        if not isinstance(payload, dict) or payload.get("version") != _STATE_VERSION:
            raise DslRuntimeError(
                f"saved strategy state has version {_version_of(payload)}, "
                f"this runtime reads version {_STATE_VERSION}"
            )
        if payload.get("fingerprint") != plan.fingerprint:
            raise DslRuntimeError(
                "saved strategy state belongs to a different program or parameter values "
                f"(fingerprint {payload.get('fingerprint')}, expected {plan.fingerprint}); "
                "start without it to warm up again"
            )
        state = _State.__new__(_State)
        state.bars = payload["bars"]
        state.indicators = payload["indicators"]
        state.rings = []
        for (head, buf), spec in zip(payload["rings"], plan.rings, strict=True):
            ring = _Ring(spec.depth)
            ring.head, ring.buf = head, list(buf)
            state.rings.append(ring)
        state.sessions = [list(s) for s in payload["sessions"]]
        return cls(plan, trace=trace, _state=state)

    # -- compilation to closures --------------------------------------------------------------
    def _compile(self) -> Callable[[], None]:
        state = self._state
        runs = [self._closure(step) for step in self.plan.steps]
        vals = self.values
        commits = [
            (ring, spec.source) for ring, spec in zip(state.rings, self.plan.rings, strict=True)
        ]

        def run() -> None:
            for f in runs:
                f()
            for ring, source in commits:
                ring.buf[ring.head] = vals[source]
                ring.head = (ring.head + 1) % ring.depth

        return run

    def _closure(self, step: Step) -> Callable[[], None]:
        vals = self.values
        state = self._state
        match step:
            case IndicatorStep():
                return _indicator(vals, state.indicators[step.index], step)
            case SessionRangeStep():
                return _session_range(vals, state.sessions[step.index], step)
            case LagStep():
                return _lag(vals, state.rings[step.ring], step.lag, step.out)
            case ArithStep():
                return _ARITH[step.op](vals, step.left, step.right, step.out)
            case NegStep():
                operand, out = step.operand, step.out

                def neg() -> None:
                    vals[out] = -vals[operand]

                return neg
            case BuiltinStep():
                return _builtin(vals, step)
            case CompareStep():
                return _COMPARE[step.op](vals, step.left, step.right, step.out)
            case CrossStep():
                return _cross(vals, state, step)
            case LogicStep():
                return _logic(vals, step)
            case NotStep():
                operand, out = step.operand, step.out

                def not_() -> None:
                    vals[out] = 1.0 - vals[operand]

                return not_
        raise AssertionError(f"unhandled step {step!r}")  # pragma: no cover


def _fires(vals: list[Any], slots: tuple[int, ...]) -> Callable[[], bool]:
    """Whether some rule of a group is true (unknown counts as false)."""
    if not slots:
        return lambda: False
    if len(slots) == 1:
        (slot,) = slots
        return lambda: vals[slot] == 1.0
    return lambda: any(vals[slot] == 1.0 for slot in slots)


def _version_of(payload: object) -> object:
    return payload.get("version") if isinstance(payload, dict) else "unknown"


# ------------------------------------------------------------------------------------ closures
# Each returns a no-argument function writing one or more slots of ``vals``. They are written
# out per operator rather than dispatching inside, because they run for every bar.

Closure = Callable[[], None]


def _indicator(vals: list[Any], indicator: BaseIndicator, step: IndicatorStep) -> Closure:
    update = indicator.update
    inputs, checked, outputs = step.inputs, step.checked, step.outputs
    if step.form == "multi":

        def multi() -> None:
            for slot in checked:
                if isnan(vals[slot]):
                    for out in outputs:
                        vals[out] = NAN
                    return
            for out, value in zip(outputs, update(*[vals[i] for i in inputs]), strict=True):
                vals[out] = value

        return multi
    out = outputs[0]
    if step.form == "bool":

        def signal() -> None:
            for slot in checked:
                if isnan(vals[slot]):
                    vals[out] = NAN
                    return
            vals[out] = 1.0 if update(*[vals[i] for i in inputs]) else 0.0

        return signal
    if len(inputs) == 1 and not checked:
        (source,) = inputs

        def single_field() -> None:
            vals[out] = update(vals[source])

        return single_field
    if len(inputs) == 1:
        (source,) = inputs

        def single() -> None:
            value = vals[source]
            vals[out] = NAN if isnan(value) else update(value)

        return single

    def number() -> None:
        for slot in checked:
            if isnan(vals[slot]):
                vals[out] = NAN
                return
        vals[out] = update(*[vals[i] for i in inputs])

    return number


def _session_range(vals: list[Any], session: list[Any], step: SessionRangeStep) -> Closure:
    start, end, out = step.start, step.end, step.out
    high = step.extreme == "high"
    price_slot = HIGH if high else LOW
    empty = -math.inf if high else math.inf

    def session_range() -> None:
        day, second = vals[DAY], vals[SECOND]
        if session[0] != day:
            session[0], session[1], session[2] = day, empty, False
        if start < second <= end:
            price = vals[price_slot]
            extreme = session[1]
            session[1] = (price if price > extreme else extreme) if high else min(extreme, price)
            session[2] = True
        vals[out] = session[1] if second >= end and session[2] else NAN

    return session_range


def _lag(vals: list[Any], ring: _Ring, lag: int, out: int) -> Closure:
    buf, depth = ring.buf, ring.depth

    def lookback() -> None:
        vals[out] = buf[(ring.head - lag) % depth]

    return lookback


def _add(vals: list[Any], a: int, b: int, out: int) -> Closure:
    def add() -> None:
        vals[out] = vals[a] + vals[b]

    return add


def _sub(vals: list[Any], a: int, b: int, out: int) -> Closure:
    def sub() -> None:
        vals[out] = vals[a] - vals[b]

    return sub


def _mul(vals: list[Any], a: int, b: int, out: int) -> Closure:
    def mul() -> None:
        vals[out] = vals[a] * vals[b]

    return mul


def _div(vals: list[Any], a: int, b: int, out: int) -> Closure:
    def div() -> None:
        divisor = vals[b]
        vals[out] = NAN if divisor == 0.0 else vals[a] / divisor

    return div


_ARITH: Final[dict[str, Callable[[list[Any], int, int, int], Closure]]] = {
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _div,
}


def _comparison(test: Callable[[float, float], bool]) -> Callable[..., Closure]:
    def make(vals: list[Any], a: int, b: int, out: int) -> Closure:
        def compare() -> None:
            x, y = vals[a], vals[b]
            if isnan(x) or isnan(y):
                vals[out] = NAN
            else:
                vals[out] = 1.0 if test(x, y) else 0.0

        return compare

    return make


def _lt(vals: list[Any], a: int, b: int, out: int) -> Closure:
    def less() -> None:
        x, y = vals[a], vals[b]
        vals[out] = NAN if isnan(x) or isnan(y) else (1.0 if x < y else 0.0)

    return less


def _gt(vals: list[Any], a: int, b: int, out: int) -> Closure:
    def greater() -> None:
        x, y = vals[a], vals[b]
        vals[out] = NAN if isnan(x) or isnan(y) else (1.0 if x > y else 0.0)

    return greater


_COMPARE: Final[dict[str, Callable[[list[Any], int, int, int], Closure]]] = {
    "<": _lt,
    ">": _gt,
    "<=": _comparison(lambda x, y: x <= y),
    ">=": _comparison(lambda x, y: x >= y),
    "==": _comparison(lambda x, y: x == y),
    "!=": _comparison(lambda x, y: x != y),
}


def _builtin(vals: list[Any], step: BuiltinStep) -> Closure:
    args, out = step.args, step.out
    if step.name == "abs":
        (source,) = args

        def absolute() -> None:
            vals[out] = abs(vals[source])

        return absolute
    combine = minimum if step.name == "min" else maximum
    first, rest = args[0], args[1:]

    def extreme() -> None:
        result = vals[first]
        for slot in rest:
            result = combine(result, vals[slot])
        vals[out] = result

    return extreme


def _cross(vals: list[Any], state: _State, step: CrossStep) -> Closure:
    a, b, out = step.left, step.right, step.out
    ring_a = state.rings[step.left_ring] if step.left_ring is not None else None
    ring_b = state.rings[step.right_ring] if step.right_ring is not None else None
    above = step.direction == "above"

    def cross() -> None:
        now_a, now_b = vals[a], vals[b]
        was_a = now_a if ring_a is None else ring_a.buf[(ring_a.head - 1) % ring_a.depth]
        was_b = now_b if ring_b is None else ring_b.buf[(ring_b.head - 1) % ring_b.depth]
        if isnan(now_a) or isnan(now_b) or isnan(was_a) or isnan(was_b):
            vals[out] = NAN
        elif above:
            vals[out] = 1.0 if now_a > now_b and was_a <= was_b else 0.0
        else:
            vals[out] = 1.0 if now_a < now_b and was_a >= was_b else 0.0

    return cross


def _logic(vals: list[Any], step: LogicStep) -> Closure:
    a, b, out = step.left, step.right, step.out
    decided = 0.0 if step.op == "and" else 1.0
    other = 1.0 - decided

    def logic() -> None:
        x, y = vals[a], vals[b]
        if decided in (x, y):
            vals[out] = decided
        elif isnan(x) or isnan(y):
            vals[out] = NAN
        else:
            vals[out] = other

    return logic
