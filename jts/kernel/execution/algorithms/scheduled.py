"""Algorithms that follow a schedule fixed at the start: TWAP and VWAP.

A schedule is a list of slices, each a time and a weight. At the start the weights become
cumulative targets in whole lots, ``floor(lots x cumulative weight / total weight)``, so
consecutive targets differ by the slice's share rounded to lots, the last target is the parent
exactly, and a slice whose share rounds to nothing sends nothing (no child below a lot).

At each slice time the algorithm sends one child for what is owed against that slice's target
(see `ExecAlgorithm`): a market order, or a limit ``limit_offset_ticks`` from the last price on
the passive side. Resting limit children whose price is no longer the one the algorithm would
quote are canceled at the slice, and their unfilled quantity is sent again at the new price, as
one child, as soon as the venue has answered those cancels (so resting children do not multiply
from slice to slice); children still at the right price keep their place in the queue. With no
last price known yet, limit children wait for the next slice.
"""

from __future__ import annotations

from abc import abstractmethod
from fractions import Fraction

from jts.core.errors import InvalidInputError
from jts.core.time import kst_date
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.values import Price
from jts.kernel.execution.algorithms.base import (
    DenialPolicy,
    EndAction,
    ExecAlgorithm,
    QtyLike,
)

__all__ = ["ScheduledAlgorithm", "Slice"]

#: (time in ns, weight >= 0)
Slice = tuple[int, Fraction]


class ScheduledAlgorithm(ExecAlgorithm):
    """Base of TWAP and VWAP: slices from `_slices`, children as in the module docstring."""

    def __init__(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: QtyLike,
        start_ns: int | None,
        end_ns: int,
        *,
        limit_offset_ticks: int | None = None,
        on_denied: DenialPolicy = DenialPolicy.RETRY,
        at_end: EndAction = EndAction.LEAVE,
        algorithm_id: str | None = None,
        account_id: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> None:
        if end_ns is None:
            raise InvalidInputError(f"{self.name} needs the end of its window (end_ns)")
        if limit_offset_ticks is not None and (
            isinstance(limit_offset_ticks, bool) or not isinstance(limit_offset_ticks, int)
        ):
            raise InvalidInputError(
                f"limit_offset_ticks must be an int or None (market), got {limit_offset_ticks!r}"
            )
        super().__init__(
            instrument_id,
            side,
            quantity,
            start_ns=start_ns,
            end_ns=end_ns,
            on_denied=on_denied,
            at_end=at_end,
            algorithm_id=algorithm_id,
            account_id=account_id,
            tags=tags,
        )
        self.limit_offset_ticks = limit_offset_ticks
        self._times: list[int] = []
        self._targets: list[int] = []
        self._index = -1  # the latest slice that ran

    def _own_terms(self) -> dict[str, object]:
        return {"start_ns": self._start_ns, "limit_offset_ticks": self.limit_offset_ticks}

    @abstractmethod
    def _slices(self, start_ns: int, end_ns: int) -> list[Slice]:
        """The schedule over ``[start_ns, end_ns)``: times ascending, weights summing above 0."""

    # ---- the schedule -------------------------------------------------------------------------
    @property
    def slice_times(self) -> list[int]:
        """When each slice runs (after the start)."""
        return list(self._times)

    @property
    def slice_targets(self) -> list[int]:
        """Cumulative quantity (raw units) the parent should have sent by each slice."""
        return list(self._targets)

    def slice_quantities(self) -> list[int]:
        """Each slice's own share of the parent (raw units); they sum to the parent."""
        previous = [0, *self._targets[:-1]]
        return [target - before for target, before in zip(self._targets, previous, strict=True)]

    def _plan(self, slices: list[Slice]) -> None:
        total = sum((weight for _, weight in slices), Fraction(0))
        if not slices or total <= 0:
            raise InvalidInputError(f"{self.name} {self.id}: the schedule has no weight")
        lots = self._quantity.raw // self._lot
        cumulative = Fraction(0)
        times: list[int] = []
        targets: list[int] = []
        for when, weight in slices:
            if weight < 0:
                raise InvalidInputError(f"{self.name} {self.id}: negative slice weight {weight}")
            cumulative += weight
            target = lots * cumulative // total * self._lot
            if target == (targets[-1] if targets else 0):
                continue  # nothing new to send at this slice
            times.append(when)
            targets.append(target)
        self._times, self._targets = times, targets

    def _prepare(self, instrument: Instrument, now_ns: int) -> None:
        assert self._end_ns is not None  # checked in __init__
        if self.limit_offset_ticks is not None:
            instrument.tick_scheme(kst_date(now_ns))  # no tick table that day: refuse now
        self._plan(self._slices(self._window_start, self._end_ns))

    def _begin(self) -> None:
        self._arm_end()
        self._next_slice()

    def _next_slice(self) -> None:
        """Run every slice that is due (the latest target covers the earlier ones), then set
        an alert for the next one."""
        now = self._rt.now()
        due = self._index
        while due + 1 < len(self._times) and self._times[due + 1] <= now:
            due += 1
        if due > self._index:
            self._index = due
            price = self._price()
            if price is not None:
                self._reprice(price)
            self._top_up()
        if self._index + 1 < len(self._times):
            self._alert("slice", self._times[self._index + 1], self._next_slice)

    def _price(self) -> Price | None:
        offset = self.limit_offset_ticks
        return None if offset is None else self._limit_price(offset)

    def _top_up(self) -> None:
        """Send one child for what is owed against the current slice's target."""
        if self._index < 0:
            return
        quantity = self._child_qty(self._targets[self._index])
        if not quantity:
            return
        if self.limit_offset_ticks is None:
            self._send(quantity, None)
            return
        price = self._price()
        if price is not None:
            self._send(quantity, price)

    def _on_repriced(self) -> None:
        self._top_up()
