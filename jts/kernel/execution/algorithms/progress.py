"""How far an execution algorithm has come: a plain snapshot and the bus message made of it.

The snapshot (`AlgorithmProgress`) is what a strategy or a test reads; the message
(`ExecAlgorithmProgress`) carries the same numbers to everyone outside the kernel (API, UI,
alerts). Both are exact: quantities are `Quantity`, the average price is the exact ratio of the
filled notional to the filled quantity (as `Order.avg_px` computes it), never a float.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId, StrategyId, TraderId
from jts.domain.messages import Message
from jts.domain.values import Quantity

__all__ = [
    "AlgorithmProgress",
    "AlgorithmStatus",
    "ExecAlgorithmProgress",
    "progress_topic",
]


class AlgorithmStatus(enum.Enum):
    """Where an algorithm is in its life.

    ``FINISHING`` means no new child goes out on schedule any more: the algorithm waits for the
    cancels it sent (and, for `EndAction.SWEEP`, for its final market child) before it settles
    on one of the terminal statuses. ``FILLED`` wins over the reason it was finishing for: a
    parent that filled completely while its cancels were in flight is reported as filled.
    """

    PENDING = "PENDING"  # built, not started
    RUNNING = "RUNNING"
    FINISHING = "FINISHING"
    FILLED = "FILLED"  # the parent quantity is filled
    ENDED = "ENDED"  # the window is over; any remainder was left (or swept and not filled)
    CANCELED = "CANCELED"  # `cancel()` by its owner
    STOPPED = "STOPPED"  # a denial under `DenialPolicy.STOP`, the kill switch, or a child
    # that someone else canceled

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL: Final = frozenset(
    {
        AlgorithmStatus.FILLED,
        AlgorithmStatus.ENDED,
        AlgorithmStatus.CANCELED,
        AlgorithmStatus.STOPPED,
    }
)


@dataclass(frozen=True, slots=True)
class AlgorithmProgress:
    """One algorithm's numbers at one instant.

    ``working_qty`` is what open children may still fill; ``remaining_qty`` is the parent
    quantity not filled yet (working included); ``skipped_qty`` is what `DenialPolicy.SKIP`
    gave up. ``children_sent`` counts children that passed the risk engine and went to the
    venue; the other child counters count how children ended (a child partly filled and then
    canceled counts as canceled).
    """

    algorithm_id: str
    algorithm: str
    instrument_id: InstrumentId
    side: OrderSide
    status: AlgorithmStatus
    quantity: Quantity
    filled_qty: Quantity
    working_qty: Quantity
    remaining_qty: Quantity
    skipped_qty: Quantity
    filled_notional: Decimal
    avg_px: Decimal | None
    children_sent: int
    children_filled: int
    children_denied: int
    children_rejected: int
    children_canceled: int
    children_expired: int
    reason: str
    ts: int

    def to_message(
        self, trader_id: TraderId, strategy_id: StrategyId, ts_init: int
    ) -> ExecAlgorithmProgress:
        return ExecAlgorithmProgress(
            trader_id=trader_id,
            strategy_id=strategy_id,
            instrument_id=self.instrument_id,
            algorithm_id=self.algorithm_id,
            algorithm=self.algorithm,
            side=self.side,
            status=self.status,
            quantity=self.quantity,
            filled_qty=self.filled_qty,
            working_qty=self.working_qty,
            remaining_qty=self.remaining_qty,
            skipped_qty=self.skipped_qty,
            filled_notional=self.filled_notional,
            avg_px=self.avg_px,
            children_sent=self.children_sent,
            children_filled=self.children_filled,
            children_denied=self.children_denied,
            children_rejected=self.children_rejected,
            children_canceled=self.children_canceled,
            children_expired=self.children_expired,
            reason=self.reason,
            ts_event=self.ts,
            ts_init=ts_init,
        )


class ExecAlgorithmProgress(Message, frozen=True, kw_only=True):
    """An execution algorithm's progress, published whenever its numbers or status change.

    Not part of `jts.domain.codec.MESSAGE_TYPES` yet: register it with
    `register_message_type` where the bus codec is built.
    """

    trader_id: TraderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    algorithm_id: str
    algorithm: str
    side: OrderSide
    status: AlgorithmStatus
    quantity: Quantity
    filled_qty: Quantity
    working_qty: Quantity
    remaining_qty: Quantity
    skipped_qty: Quantity
    filled_notional: Decimal
    avg_px: Decimal | None
    children_sent: int
    children_filled: int
    children_denied: int
    children_rejected: int
    children_canceled: int
    children_expired: int
    reason: str = ""
    ts_event: int
    ts_init: int


def progress_topic(strategy_id: StrategyId) -> str:
    """The bus topic of a strategy's algorithms (belongs in `jts.kernel.topics`)."""
    return f"events.exec_algorithm.{strategy_id}"
