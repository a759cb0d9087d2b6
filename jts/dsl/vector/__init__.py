"""The compiled vectorised backtester of the DSL: fills and equity identical to the
event-driven backtest, at millions of bars per second, and parameter sweeps sharing work.

    from jts.dsl.vector import VectorBars, backtest_vectorised

    result = backtest_vectorised(program, VectorBars.of(instrument, ts=..., open=..., ...),
                                 {"fast": 12}, commission=Decimal(0), tax=Decimal(0))
    result.fills, result.equity, result.analysis().stats

Modules: `market` (what the venue and the risk engine know per bar), `costs` (exact integer
fees), `loop` (the compiled state machine), `backtest` (the public entry point).
"""

from jts.dsl.vector.backtest import (
    VectorBars,
    VectorFill,
    VectorOverflowError,
    VectorResult,
    VectorUnsupportedError,
    backtest_vectorised,
    check_supported,
)

__all__ = [
    "VectorBars",
    "VectorFill",
    "VectorOverflowError",
    "VectorResult",
    "VectorUnsupportedError",
    "backtest_vectorised",
    "check_supported",
]
