"""A checked program flattened into per-bar steps over numbered value slots.

The vectorised evaluator (`jts.dsl.signals`) computes each node of the expression tree over
whole arrays; the streaming runtime must produce the same numbers one bar at a time, in O(1)
per bar. Planning does the tree work once, before the first bar:

- every distinct series node gets a *slot* (structurally equal nodes share one, as they share
  one array in the vectorised evaluator, so ``sma(close, 10)`` written twice is one indicator);
- constants (literals, parameters and arithmetic on them) are folded into fixed slot values,
  with the same float operations the vectorised evaluator applies to them;
- steps are listed in dependency order (post-order), so one pass per bar computes everything;
- every look-back target gets one ring buffer as deep as its deepest look-back, and each side
  of a ``crosses`` reads its previous value from a depth-1 ring: no history is kept beyond
  what some expression reads.

A plan is immutable and holds no per-instrument state; `jts.dsl.streaming.runtime` builds one
evaluator per instrument from it. Indicator settings are resolved here, so a bad sweep value
(``macd`` with fast >= slow) fails when the strategy is compiled, not on the first bar.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from jts.core.errors import InvalidInputError
from jts.dsl.constants import fold
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import Program, SizeRisk
from jts.dsl.streaming.steps import (
    DAY,
    FIELD_SLOTS,
    FIXED_SLOTS,
    NAN,
    ArithStep,
    BuiltinStep,
    CompareStep,
    CrossStep,
    IndicatorSpec,
    IndicatorStep,
    LagStep,
    LogicStep,
    NegStep,
    NotStep,
    RingSpec,
    SessionRangeStep,
    Step,
    arith,
    compare,
    logic,
    maximum,
    minimum,
)
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
from jts.indicators import BaseIndicator, IndicatorRegistry, MultiIndicator, SignalIndicator

__all__ = ["Plan", "build_plan"]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the runtime needs, for one program and one set of parameter values.

    ``initial`` is the slot vector before the first bar (constants filled in, NaN elsewhere);
    ``series`` names the slot of every ``let`` (``name.output`` for each output of a let that
    holds an indicator with several outputs), ``rules`` the condition slots per (action,
    side) and ``rule_lines`` their source lines, ``amounts`` the slots of the price
    expressions that sizing and stops read.
    """

    params: Mapping[str, Decimal]
    initial: tuple[float, ...]
    steps: tuple[Step, ...]
    rings: tuple[RingSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    sessions: int
    series: tuple[tuple[str, int], ...]
    rules: Mapping[tuple[str, str], tuple[int, ...]]
    rule_lines: Mapping[tuple[str, str], tuple[int, ...]]
    amounts: tuple[tuple[str, int], ...]
    no_entries_before: int | None
    no_entries_after: int | None
    flatten_at: int | None
    needs_clock: bool
    fingerprint: str = field(compare=False)


def build_plan(
    program: Program,
    params: Mapping[str, Decimal],
    registry: IndicatorRegistry | None = None,
) -> Plan:
    """Flatten ``program`` with ``params`` (all of them, e.g. from `Program.bind`)."""
    return _Planner(program, params, registry).plan()


def _seconds(time: dt.time) -> int:
    return time.hour * 3600 + time.minute * 60 + time.second


def _show(values: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


class _Planner:
    """One planning pass: walks the lets, rules and amounts, assigning slots on first sight."""

    def __init__(
        self,
        program: Program,
        params: Mapping[str, Decimal],
        registry: IndicatorRegistry | None,
    ) -> None:
        self.program = program
        self.params = params
        self.registry = registry
        self.initial: list[float] = [NAN] * FIXED_SLOTS
        self.const_slots: set[int] = set()
        self.slots: dict[TExpr, int] = {}
        self.steps: list[Step] = []
        self.indicators: list[IndicatorSpec] = []
        self.indicator_outputs: dict[Indicator, tuple[int, ...]] = {}
        self.let_slots: dict[str, int] = {}
        self.ring_of: dict[int, int] = {}
        self.ring_specs: list[RingSpec] = []
        self.sessions = 0
        self.needs_clock = program.time_rules.any

    # -- the program --------------------------------------------------------------------------
    def plan(self) -> Plan:
        program = self.program
        series: list[tuple[str, int]] = []
        for let in program.lets:
            if let.value.type.kind is Kind.BUNDLE:
                assert isinstance(let.value, Indicator)
                outputs = self.indicator(let.value)
                for name, slot in zip(let.value.signature.outputs, outputs, strict=True):
                    series.append((f"{let.name}.{name}", slot))
                continue
            slot = self.slot(let.value)
            self.let_slots[let.name] = slot
            series.append((let.name, slot))
        rules = {
            (action, side): tuple(self.slot(r.condition) for r in program.rules_for(action, side))
            for action in ("enter", "exit")
            for side in ("long", "short")
        }
        rule_lines = {
            (action, side): tuple(r.line for r in program.rules_for(action, side))
            for action in ("enter", "exit")
            for side in ("long", "short")
        }
        amounts: list[tuple[str, int]] = []
        if isinstance(program.sizing, SizeRisk):
            amounts.append(("size_risk_per", self.slot(program.sizing.per)))
        for stop in program.stops:
            if stop.distance is not None:
                amounts.append((stop.kind, self.slot(stop.distance)))
        time_rules = program.time_rules
        steps = tuple(self.steps)
        rings = tuple(self.ring_specs)
        indicators = tuple(self.indicators)
        return Plan(
            params=dict(self.params),
            initial=tuple(self.initial),
            steps=steps,
            rings=rings,
            indicators=indicators,
            sessions=self.sessions,
            series=tuple(series),
            rules=rules,
            rule_lines=rule_lines,
            amounts=tuple(amounts),
            no_entries_before=_maybe_seconds(time_rules.no_entries_before),
            no_entries_after=_maybe_seconds(time_rules.no_entries_after),
            flatten_at=_maybe_seconds(time_rules.flatten_at),
            needs_clock=self.needs_clock,
            fingerprint=_fingerprint(steps, rings, indicators, self.initial),
        )

    # -- slots --------------------------------------------------------------------------------
    def new_slot(self, value: float = NAN) -> int:
        self.initial.append(value)
        return len(self.initial) - 1

    def constant(self, value: float) -> int:
        slot = self.new_slot(value)
        self.const_slots.add(slot)
        return slot

    def is_const(self, slot: int) -> bool:
        return slot in self.const_slots

    def ring(self, source: int, depth: int) -> int:
        """The ring of ``source``, deepened to ``depth`` if needed."""
        index = self.ring_of.get(source)
        if index is None:
            self.ring_of[source] = len(self.ring_specs)
            self.ring_specs.append(RingSpec(source, depth))
            return len(self.ring_specs) - 1
        if self.ring_specs[index].depth < depth:
            self.ring_specs[index] = RingSpec(source, depth)
        return index

    def slot(self, node: TExpr) -> int:
        found = self.slots.get(node)
        if found is None:
            found = self._plan(node)
            self.slots[node] = found
        return found

    def _plan(self, node: TExpr) -> int:
        match node:
            case Const() | Param():
                return self.constant(float(self.exact(node)))
            case BoolConst():
                return self.constant(1.0 if node.value else 0.0)
            case Field():
                return FIELD_SLOTS[node.name]
            case SessionDay():
                self.needs_clock = True
                return DAY
            case LetRef():
                return self.let_slots[node.name]
            case Indicator():
                outputs = self.indicator(node)
                index = node.signature.outputs.index(node.output or node.signature.outputs[0])
                return outputs[index]
            case SessionRange():
                self.needs_clock = True
                self.sessions += 1
                out = self.new_slot()
                self.steps.append(
                    SessionRangeStep(
                        self.sessions - 1,
                        node.extreme,
                        _seconds(node.start),
                        _seconds(node.end),
                        out,
                    )
                )
                return out
            case Lookback():
                return self.lookback(node)
            case Neg():
                operand = self.slot(node.operand)
                if self.is_const(operand):
                    return self.constant(-self.initial[operand])
                return self.emit(lambda out: NegStep(operand, out))
            case Arith():
                left, right = self.slot(node.left), self.slot(node.right)
                if self.is_const(left) and self.is_const(right):
                    return self.constant(arith(node.op, self.initial[left], self.initial[right]))
                op = node.op
                return self.emit(lambda out: ArithStep(op, left, right, out))
            case Builtin():
                return self.builtin(node)
            case Compare():
                left, right = self.slot(node.left), self.slot(node.right)
                if self.is_const(left) and self.is_const(right):
                    value = compare(node.op, self.initial[left], self.initial[right])
                    return self.constant(value)
                cmp = node.op
                return self.emit(lambda out: CompareStep(cmp, left, right, out))
            case Cross():
                return self.cross(node)
            case Logic():
                left, right = self.slot(node.left), self.slot(node.right)
                if self.is_const(left) and self.is_const(right):
                    value = logic(node.op, self.initial[left], self.initial[right])
                    return self.constant(value)
                connective = node.op
                return self.emit(lambda out: LogicStep(connective, left, right, out))
            case Not():
                operand = self.slot(node.operand)
                if self.is_const(operand):
                    return self.constant(1.0 - self.initial[operand])
                return self.emit(lambda out: NotStep(operand, out))
            case TimeConst() | Choice() | Invalid():
                raise AssertionError(f"{node!r} is not a value")  # the checker prevents it
        raise AssertionError(f"unhandled node {node!r}")  # pragma: no cover

    def emit(self, make: Any) -> int:
        out = self.new_slot()
        self.steps.append(make(out))
        return out

    def exact(self, node: TExpr) -> Decimal:
        value = fold(node, self.params)
        if value is None:  # only constants reach here, so: a division by zero
            raise DslRuntimeError(
                f"a constant divides by zero with parameters {_show(self.params)}"
            )
        return value

    # -- nodes with state ---------------------------------------------------------------------
    def lookback(self, node: Lookback) -> int:
        bars = int(self.exact(node.bars))
        if bars < 0:
            raise DslRuntimeError(f"look-back must be 0 or more bars, got {bars}")
        target = self.slot(node.target)
        if bars == 0:
            return target
        ring = self.ring(target, bars)
        return self.emit(lambda out: LagStep(ring, bars, out))

    def cross(self, node: Cross) -> int:
        left, right = self.slot(node.left), self.slot(node.right)
        left_ring = None if self.is_const(left) else self.ring(left, 1)
        right_ring = None if self.is_const(right) else self.ring(right, 1)
        direction = node.direction
        return self.emit(lambda out: CrossStep(direction, left, right, left_ring, right_ring, out))

    def builtin(self, node: Builtin) -> int:
        args = tuple(self.slot(a) for a in node.args)
        if all(self.is_const(a) for a in args):
            values = [self.initial[a] for a in args]
            if node.name == "abs":
                return self.constant(abs(values[0]))
            combine = minimum if node.name == "min" else maximum
            result = values[0]
            for value in values[1:]:
                result = combine(result, value)
            return self.constant(result)
        name = node.name
        return self.emit(lambda out: BuiltinStep(name, args, out))

    def indicator(self, node: Indicator) -> tuple[int, ...]:
        key = Indicator(node.name, node.sources, node.params, None, node.signature)
        found = self.indicator_outputs.get(key)
        if found is not None:
            return found
        inputs: list[int] = []
        checked: list[int] = []
        for source in node.sources:
            slot = self.slot(source)
            if slot == DAY:
                self.needs_clock = True
            # bar fields are finite and the day is an int; anything else may be unknown
            elif not isinstance(source, Field):
                checked.append(slot)
            inputs.append(slot)
        settings = {name: self.setting(node, name, value) for name, value in node.params}
        cls = self.indicator_class(node)
        try:
            cls(**settings)
        except InvalidInputError as exc:
            raise DslRuntimeError(f"{node.name}({_show(settings)}): {exc}") from exc
        outputs = tuple(self.new_slot() for _ in node.signature.outputs)
        form: Literal["number", "bool", "multi"]
        if issubclass(cls, MultiIndicator):
            form = "multi"
        elif issubclass(cls, SignalIndicator):
            form = "bool"
        else:
            form = "number"
        self.indicators.append(IndicatorSpec(cls, tuple(settings.items())))
        self.steps.append(
            IndicatorStep(
                len(self.indicators) - 1,
                tuple(inputs),
                tuple(dict.fromkeys(checked)),
                outputs,
                form,
            )
        )
        self.indicator_outputs[key] = outputs
        return outputs

    def indicator_class(self, node: Indicator) -> type[BaseIndicator]:
        """The class whose vectorised form the catalog computes with (its ``compute`` is that
        class's bound ``compute_outputs``), so both compilers run the same definition."""
        owner = getattr(node.signature.compute, "__self__", None)
        if isinstance(owner, type) and issubclass(owner, BaseIndicator):
            return owner
        if self.registry is not None and node.name in self.registry:
            return self.registry.get(node.name)
        raise DslRuntimeError(
            f"indicator {node.name!r} has no streaming form: its catalog entry is not a "
            "jts.indicators class; pass the registry that holds it"
        )

    def setting(self, node: Indicator, name: str, value: TExpr) -> int | float | str:
        """A setting's run value, checked as the vectorised evaluator checks it."""
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


def _maybe_seconds(time: dt.time | None) -> int | None:
    return None if time is None else _seconds(time)


def _fingerprint(
    steps: tuple[Step, ...],
    rings: tuple[RingSpec, ...],
    indicators: tuple[IndicatorSpec, ...],
    initial: list[float],
) -> str:
    """What saved state must match to be loaded: the step layout, ring depths, indicator
    classes and settings, and the constants (so a changed parameter refuses an old state)."""
    parts = [
        repr(steps),
        repr(rings),
        repr([(f"{i.cls.__module__}.{i.cls.__qualname__}", i.settings) for i in indicators]),
        repr([v.hex() for v in initial]),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
