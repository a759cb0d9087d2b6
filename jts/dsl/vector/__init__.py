"""The compiled vectorised backtester of the DSL: fills and equity identical to the
event-driven backtest, at millions of bars per second, and parameter sweeps sharing work.

    from jts.dsl.vector import VectorBars, backtest_vectorised

    result = backtest_vectorised(program, VectorBars.of(instrument, ts=..., open=..., ...),
                                 {"fast": 12}, commission=Decimal(0), tax=Decimal(0))
    result.fills, result.equity, result.analysis().stats

Several instruments (``universe a, b``) trade on one account: pass a list of `VectorBars`.

Modules: `bars` (the input), `market` (what the venue and the risk engine know per bar),
`grid` (tick tables), `costs` (exact integer fees), `rows` (instruments merged in time
order), `kernels` (every compiled function), `loop` (the state machine's contract),
`equity` (the curve from the fills), `backtest` (the public entry points), `result`,
`records` (the event engine's orders, fills and signals from a recording run), `sweep`
(many parameter sets, shared work).
"""

from jts.dsl.vector.backtest import (
    Dataset,
    VectorUnsupportedError,
    backtest_vectorised,
    check_supported,
    prepare,
    run_prepared,
)
from jts.dsl.vector.bars import VectorBars
from jts.dsl.vector.loop import VectorOverflowError
from jts.dsl.vector.result import RunLog, VectorFill, VectorResult

__all__ = [
    "Dataset",
    "RunLog",
    "VectorBars",
    "VectorFill",
    "VectorOverflowError",
    "VectorResult",
    "VectorUnsupportedError",
    "backtest_vectorised",
    "check_supported",
    "prepare",
    "run_prepared",
]
