"""Parameter sweeps over one data set, sharing every piece of work combinations have in
common: the bar arrays, the venue's per-bar facts (`prepare_market`) and each distinct
indicator computation (``sma(close, 10)`` is computed once for the whole sweep, however many
combinations use it). A combination then costs its own signal arithmetic and one compiled loop.

Sharing indicators needs no change to the evaluator: the program is rebuilt once with every
indicator's ``compute`` wrapped in a memo keyed by the indicator, the identity of its input
arrays and its settings. The memo keeps the input arrays alive, so an identity is never
reused by another array while the sweep lives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from jts.calendar import XkrxCalendar
from jts.domain.values import Money
from jts.dsl.catalog import IndicatorSignature
from jts.dsl.program import Program
from jts.dsl.signals import BarArrays, evaluate
from jts.dsl.vector.backtest import (
    FillModeText,
    VectorBars,
    VectorResult,
    _interval,
    backtest_vectorised,
    check_supported,
)
from jts.dsl.vector.costs import VectorCosts, tax_rates_by_day
from jts.dsl.vector.market import Market, prepare_market
from jts.ports.calendar import TradingCalendar

__all__ = ["Sweep"]


class _Memo:
    """Indicator results by (name, input identities, settings), inputs kept alive."""

    def __init__(self) -> None:
        self.results: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}
        self.hits = 0

    def wrap(self, signature: IndicatorSignature) -> IndicatorSignature:
        compute = signature.compute

        def memoised(*inputs: Any, **params: Any) -> Any:
            key = (signature.name, tuple(id(a) for a in inputs), tuple(sorted(params.items())))
            found = self.results.get(key)
            if found is None:
                found = (compute(*inputs, **params), inputs)
                self.results[key] = found
            else:
                self.hits += 1
            return found[0]

        return dataclasses.replace(signature, compute=memoised)


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
    """Many runs of one program over one instrument's bars; `run` takes one combination and
    gives exactly what `backtest_vectorised` gives for it."""

    def __init__(
        self,
        program: Program,
        bars: VectorBars,
        *,
        cash: Money | int = 100_000_000,
        fill: FillModeText = "next-open",
        commission: Decimal | None = None,
        tax: Decimal | None = None,
        calendar: TradingCalendar | None = None,
    ) -> None:
        check_supported(program, bars.instrument)
        self.memo = _Memo()
        self.program: Program = _rebuild(program, self.memo, {})
        self.bars = bars
        self.calendar = calendar or XkrxCalendar()
        self.arrays: BarArrays = bars.signal_arrays()
        self.market: Market = prepare_market(
            bars.instrument, bars.ts, bars.close, _interval(program), self.calendar
        )
        costs = VectorCosts.build(bars.instrument, self.calendar, commission, tax)
        self.tax_table = tax_rates_by_day(costs, bars.instrument, self.market.days)
        self._options: dict[str, Any] = {
            "cash": cash, "fill": fill, "commission": commission, "tax": tax,
        }  # fmt: skip

    def run(self, params: Mapping[str, object]) -> VectorResult:
        signals = evaluate(self.program, self.arrays, params)
        return backtest_vectorised(
            self.program,
            self.bars,
            params,
            calendar=self.calendar,
            signals=signals,
            market=self.market,
            tax_table=self.tax_table,
            **self._options,
        )

    def map(
        self, combos: list[Mapping[str, object]], fn: Callable[[VectorResult], Any]
    ) -> list[Any]:
        """``fn`` of each combination's result, without keeping the results."""
        return [fn(self.run(combo)) for combo in combos]
