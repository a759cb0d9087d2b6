"""Replaying recorded bars as the simulator's tape (``jts sim kis --replay FILE``).

The simulator cannot read the backtest's bar files itself (the layers keep ``jts.adapters`` and
``jts.backtest`` apart), so whoever starts it reads them (the CLI uses `jts.backtest.data`) and
hands over `ReplayBar`s per symbol. Here they are checked against the configuration and queued:

- each replayed symbol's base price (기준가) becomes its first bar's open, so the daily price
  limits (±30%) are centred on the replayed day rather than on the configured listing;
- a bar of ``bar_seconds`` prints its open, extremes and close spread over the bar's interval
  (at most 6.5 hours, one KRX session, for daily bars), at the bar's own exchange time, which
  the H0STCNT0 frames carry (``STCK_CNTG_HOUR`` and ``BSOP_DATE``);
- the pace is the simulator's ``tick_interval_s``: one print per symbol per step;
- once queued, the symbol prints nothing but the replay (no random walk before or after), and
  fills of simulated orders do not print on it (history knew no such orders).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Final

from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.config import SimulatorConfig
from jts.adapters.kis.simulator.market import ReplayBar, SyntheticMarket
from jts.core.errors import ConfigError
from jts.core.time import NANOS_PER_SECOND

__all__ = [
    "MAX_PRINT_SPAN_S",
    "ReplayBars",
    "print_span_ns",
    "queue_replay",
    "with_replay_bases",
]

ReplayBars = Mapping[str, Sequence[ReplayBar]]
#: a daily bar's prints spread over one regular KRX session (09:00-15:30), not 24 hours
MAX_PRINT_SPAN_S: Final = 6 * 3_600 + 30 * 60


def print_span_ns(bar_seconds: int) -> int:
    """How long a bar's prints take: its length, at most one session (``ReplayBar.ts_ns`` of a
    bar stamped at its close is the close minus this)."""
    return min(bar_seconds, MAX_PRINT_SPAN_S) * NANOS_PER_SECOND


def with_replay_bases(config: SimulatorConfig, replay: ReplayBars) -> SimulatorConfig:
    """The config with each replayed symbol's base price set to its first bar's open."""
    configured = {sym.symbol: sym for sym in config.symbols}
    unknown = sorted(set(replay) - set(configured))
    if unknown:
        raise ConfigError(f"replayed symbols {unknown} are not configured simulator symbols")
    empty = sorted(symbol for symbol, bars in replay.items() if not bars)
    if empty:
        raise ConfigError(f"no bars to replay for {empty}")
    symbols = tuple(
        dataclasses.replace(sym, base_price=replay[sym.symbol][0].open)
        if sym.symbol in replay
        else sym
        for sym in config.symbols
    )
    return dataclasses.replace(config, symbols=symbols)


def queue_replay(market: SyntheticMarket, replay: ReplayBars, bar_seconds: int) -> int:
    """Queue every symbol's bars (all checked first); returns the number of prints queued."""
    if type(bar_seconds) is not int or bar_seconds <= 0:
        raise ConfigError(f"replay_bar_seconds must be a positive int, got {bar_seconds!r}")
    span_ns = print_span_ns(bar_seconds)
    queued = 0
    for symbol, bars in replay.items():
        previous = None
        for bar in bars:
            if previous is not None and bar.ts_ns <= previous:
                raise ConfigError(f"replay bars of {symbol} are not in time order at {bar.ts_ns}")
            previous = bar.ts_ns
        try:
            queued += market.load_replay(symbol, bars, span_ns)
        except KisRequestError as exc:
            raise ConfigError(f"cannot replay {symbol}: {exc.code.msg1}") from None
    return queued
