"""The streaming compiler: a checked DSL program as a kernel `Strategy` (live, paper and
event-driven backtests), deciding bar by bar exactly what `jts.dsl.signals.evaluate` decides
over whole arrays.

    from jts.dsl.streaming import load_strategy

    strategy = load_strategy("examples/strategies/sma_cross.jts", {"fast": 12}, trace=True)
    kernel.add_strategy(strategy)
    ...
    strategy.trace()[-1].enter_long        # the decisions of the last bar

Modules: `plan` (the program flattened into per-bar steps), `runtime` (one evaluator per
instrument), `sizing` and `stops` (exact entry sizes and stop levels), `strategy` (acting on
the decisions), `compiler` (parameters model, universe, bar type).
"""

from jts.dsl.streaming.compiler import (
    compile_strategy,
    load_strategy,
    params_model,
    strategy_class,
)
from jts.dsl.streaming.plan import Plan, build_plan
from jts.dsl.streaming.runtime import BarDecision, BarEvaluator
from jts.dsl.streaming.sizing import EntrySize, Sizer
from jts.dsl.streaming.stops import PositionStops, StopRules
from jts.dsl.streaming.strategy import ENTRY_TAG, EXIT_TAG, DslStrategy

__all__ = [
    "ENTRY_TAG",
    "EXIT_TAG",
    "BarDecision",
    "BarEvaluator",
    "DslStrategy",
    "EntrySize",
    "Plan",
    "PositionStops",
    "Sizer",
    "StopRules",
    "build_plan",
    "compile_strategy",
    "load_strategy",
    "params_model",
    "strategy_class",
]
