"""VWAP: the parent in slices proportional to the volume the market usually trades then.

One slice per bucket of the `VolumeCurve` that overlaps the window, weighted by the bucket's
historical share of the day's volume (a partly covered bucket by the covered part), turned into
cumulative lot targets exactly as TWAP's (`ScheduledAlgorithm`): the slices sum to the parent,
and buckets whose share rounds to less than a lot send nothing.
"""

from __future__ import annotations

from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.kernel.execution.algorithms.base import DenialPolicy, EndAction, QtyLike
from jts.kernel.execution.algorithms.scheduled import ScheduledAlgorithm, Slice
from jts.kernel.execution.algorithms.volume_curve import VolumeCurve

__all__ = ["VWAP"]


class VWAP(ScheduledAlgorithm):
    """Volume-weighted over ``[start_ns, end_ns)`` (one KST day) along ``curve``.

    ``curve`` None uses `VolumeCurve.flat` (the KRX session in 5-minute buckets). Children
    are priced as TWAP's (``limit_offset_ticks``).
    """

    name = "VWAP"

    def __init__(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: QtyLike,
        start_ns: int | None,
        end_ns: int,
        *,
        curve: VolumeCurve | None = None,
        limit_offset_ticks: int | None = None,
        on_denied: DenialPolicy = DenialPolicy.RETRY,
        at_end: EndAction = EndAction.LEAVE,
        algorithm_id: str | None = None,
        account_id: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> None:
        if curve is not None and not isinstance(curve, VolumeCurve):
            raise InvalidInputError(f"curve must be a VolumeCurve, got {type(curve).__name__}")
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
        self.curve = curve if curve is not None else VolumeCurve.flat()

    def _own_terms(self) -> dict[str, object]:
        return {**super()._own_terms(), "curve": self.curve}

    def _slices(self, start_ns: int, end_ns: int) -> list[Slice]:
        return self.curve.slices(start_ns, end_ns)
