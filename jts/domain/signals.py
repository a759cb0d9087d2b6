"""Signals: a strategy's opinion, published for alerts and other consumers.

A signal trades nothing by itself; a strategy in signal-only mode emits signals instead of
orders, and every signal of a run is recorded with its results.
"""

from __future__ import annotations

import enum
import math

from jts.core.errors import InvalidInputError
from jts.domain.identifiers import InstrumentId, StrategyId
from jts.domain.messages import Message


class SignalDirection(enum.Enum):
    LONG = "LONG"
    SHORT = "SHORT"
    FLAT = "FLAT"


class Signal(Message, frozen=True, kw_only=True):
    """``strength`` is in [0, 1] (conviction); ``reason`` says why, for people."""

    strategy_id: StrategyId
    instrument_id: InstrumentId
    direction: SignalDirection
    strength: float = 1.0
    reason: str = ""
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        if not (isinstance(self.strength, int | float) and math.isfinite(self.strength)):
            raise InvalidInputError(f"signal strength must be a finite number: {self.strength!r}")
        if not 0.0 <= self.strength <= 1.0:
            raise InvalidInputError(f"signal strength must be in [0, 1], got {self.strength}")
        if self.ts_event < 0 or self.ts_init < 0:
            raise InvalidInputError("signal timestamps must be non-negative nanoseconds")
