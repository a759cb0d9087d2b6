"""TWAP: the parent in equal slices over a time window.

Slice ``i`` of ``n`` runs at ``start + i x (end - start) // n`` (the first at the start, the
last one slice before the end, so its child has a slice's time to fill) and brings the
cumulative total to ``floor(lots x (i + 1) / n)`` lots: slices differ by at most one lot and
the last one completes the parent exactly (10 lots in 3 slices: 3, 3, 4).
"""

from __future__ import annotations

from fractions import Fraction

from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.kernel.execution.algorithms.base import DenialPolicy, EndAction, QtyLike
from jts.kernel.execution.algorithms.scheduled import ScheduledAlgorithm, Slice

__all__ = ["TWAP"]


class TWAP(ScheduledAlgorithm):
    """Time-weighted: ``slices`` equal slices over ``[start_ns, end_ns)``.

    ``start_ns`` None (or in the past) starts now. ``limit_offset_ticks`` None sends market
    children; an int sends limits that many ticks from the last price on the passive side
    (a buy below it, a sell above it; negative crosses the spread).
    """

    name = "TWAP"

    def __init__(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: QtyLike,
        start_ns: int | None,
        end_ns: int,
        *,
        slices: int = 10,
        limit_offset_ticks: int | None = None,
        on_denied: DenialPolicy = DenialPolicy.RETRY,
        at_end: EndAction = EndAction.LEAVE,
        algorithm_id: str | None = None,
        account_id: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> None:
        if isinstance(slices, bool) or not isinstance(slices, int) or slices < 1:
            raise InvalidInputError(f"TWAP slices must be an int >= 1, got {slices!r}")
        super().__init__(
            instrument_id,
            side,
            quantity,
            start_ns,
            end_ns,
            limit_offset_ticks=limit_offset_ticks,
            on_denied=on_denied,
            at_end=at_end,
            algorithm_id=algorithm_id,
            account_id=account_id,
            tags=tags,
        )
        self.slices = slices

    def _own_terms(self) -> dict[str, object]:
        return {**super()._own_terms(), "slices": self.slices}

    def _slices(self, start_ns: int, end_ns: int) -> list[Slice]:
        span = end_ns - start_ns
        return [(start_ns + i * span // self.slices, Fraction(1)) for i in range(self.slices)]
