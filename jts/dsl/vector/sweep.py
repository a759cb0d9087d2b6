"""Parameter sweeps over one data set, sharing every piece of work combinations have in
common: the bar arrays, the per-day market tables and merged rows (`prepare`), and each
distinct indicator computation (``sma(close, 10)`` is computed once for all the combinations
that use it while it stays in the memo). A combination then costs its own signal arithmetic
and one compiled loop.

Sharing indicators needs no change to the evaluator: the program is rebuilt once with every
indicator's ``compute`` wrapped in a memo keyed by the indicator, the identity of its input
arrays and its settings. An entry keeps its input arrays alive, so an identity is never reused
by another array while the entry lives. The memo holds at most ``memo_bytes`` of results,
dropping the least recently used; `Sweep.map` orders the combinations so that neighbours
share indicators (blocks of the first parameter's values against all values of the others),
which keeps the hit rate high with a small memo: a 1,000-combination SMA grid over a million
bars needs a few dozen distinct averages, not a gigabyte of them.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from jts.domain.market_data import BarSpecification
from jts.domain.values import Money
from jts.dsl.catalog import IndicatorSignature
from jts.dsl.program import Program
from jts.dsl.signals import evaluate
from jts.dsl.vector.backtest import Dataset, FillModeText, prepare, run_prepared
from jts.dsl.vector.bars import VectorBars
from jts.dsl.vector.result import VectorResult
from jts.kernel.risk.limits import RiskLimits
from jts.ports.calendar import TradingCalendar

__all__ = ["Sweep", "locality_order"]


class _Memo:
    """Indicator results by (name, input identities, settings), least recently used first;
    each entry keeps its inputs alive (see the module docstring)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.results: OrderedDict[tuple[Any, ...], tuple[Any, tuple[Any, ...], int]] = OrderedDict()
        self.held = 0
        self.hits = 0
        self.misses = 0

    def wrap(self, signature: IndicatorSignature) -> IndicatorSignature:
        compute = signature.compute

        def memoised(*inputs: Any, **params: Any) -> Any:
            key = (signature.name, tuple(id(a) for a in inputs), tuple(sorted(params.items())))
            found = self.results.get(key)
            if found is not None:
                self.hits += 1
                self.results.move_to_end(key)
                return found[0]
            self.misses += 1
            result = compute(*inputs, **params)
            size = sum(int(getattr(v, "nbytes", 0)) for v in _values(result))
            self.results[key] = (result, inputs, size)
            self.held += size
            while self.held > self.budget and len(self.results) > 1:
                _, (_, _, dropped) = self.results.popitem(last=False)
                self.held -= dropped
            return result

        return dataclasses.replace(signature, compute=memoised)


def _values(result: Any) -> list[Any]:
    return list(result.values()) if isinstance(result, Mapping) else [result]


def _rebuild(node: Any, memo: _Memo, seen: dict[int, Any]) -> Any:
    """A copy of ``node`` (dataclasses and tuples, recursively) with memoised signatures."""
    key = id(node)
    if key in seen:
        return seen[key]
    if isinstance(node, IndicatorSignature):
        result: Any = memo.wrap(node)
    elif isinstance(node, tuple):
        result = tuple(_rebuild(item, memo, seen) for item in node)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {
            f.name: _rebuild(getattr(node, f.name), memo, seen)
            for f in dataclasses.fields(node)
            if f.init
        }
        result = dataclasses.replace(node, **changes)
    else:
        result = node
    seen[key] = result
    return result


class Sweep:
    """Many runs of one program over the same bars; `run` takes one combination and gives
    exactly what `backtest_vectorised` gives for it."""

    def __init__(
        self,
        program: Program,
        bars: VectorBars | Sequence[VectorBars],
        *,
        cash: Money | int = 100_000_000,
        fill: FillModeText = "next-open",
        commission: Decimal | None = None,
        tax: Decimal | None = None,
        calendar: TradingCalendar | None = None,
        risk_limits: RiskLimits | None = None,
        bar_spec: BarSpecification | None = None,
        memo_bytes: int = 256 << 20,
    ) -> None:
        self.memo = _Memo(memo_bytes)
        self.program: Program = _rebuild(program, self.memo, {})
        self.dataset: Dataset = prepare(
            self.program,
            bars,
            commission=commission,
            tax=tax,
            calendar=calendar,
            risk_limits=risk_limits,
            bar_spec=bar_spec,
        )
        self._cash = cash
        self._fill: FillModeText = fill
        self._allow_short = risk_limits is not None and risk_limits.allow_short

    def run(self, params: Mapping[str, object], *, record: bool = False) -> VectorResult:
        """One combination (``record``: with its orders and decisions logged, see
        `run_prepared`)."""
        values = self.program.bind(params)
        signals = [evaluate(self.program, arrays, values) for arrays in self.dataset.arrays]
        return run_prepared(
            self.program,
            self.dataset,
            values,
            cash=self._cash,
            fill=self._fill,
            allow_short=self._allow_short,
            signals=signals,
            record=record,
        )

    def map(
        self, combos: Sequence[Mapping[str, object]], fn: Callable[[VectorResult], Any]
    ) -> list[Any]:
        """``fn`` of each combination's result, in the order given, without keeping the
        results; the runs happen in `locality_order` so that indicators are shared."""
        out: list[Any] = [None] * len(combos)
        for index in locality_order(combos):
            out[index] = fn(self.run(combos[index]))
        return out


def locality_order(combos: Sequence[Mapping[str, object]], block: int = 8) -> list[int]:
    """Indices of ``combos`` in an order where neighbours share parameter values: blocks of
    ``block`` values of the first varying parameter, and inside a block every value of the
    others (the block's indicators stay in the memo while the others' cycle through it). A
    combination that leaves a parameter out (its default) sorts before those that set it."""
    names: list[str] = []
    for combo in combos:
        names.extend(name for name in combo if name not in names)
    ranks: dict[str, dict[Decimal, int]] = {}
    for name in names:
        values = sorted({Decimal(str(c[name])) for c in combos if name in c})
        if len(values) > 1:
            ranks[name] = {value: index for index, value in enumerate(values)}
    if not ranks:
        return list(range(len(combos)))
    varying = list(ranks)

    def key(index: int) -> tuple[int, ...]:
        combo = combos[index]
        r = [ranks[n][Decimal(str(combo[n]))] if n in combo else -1 for n in varying]
        return (r[0] // block, *r[1:], r[0])

    return sorted(range(len(combos)), key=key)
