"""The streaming compiler under the name the backtest runner imports (``jts backtest
--strategy FILE.jts`` calls `jts.dsl.strategy.load_strategy`); the implementation lives in
`jts.dsl.streaming`."""

from jts.dsl.streaming import DslStrategy, compile_strategy, load_strategy

__all__ = ["DslStrategy", "compile_strategy", "load_strategy"]
