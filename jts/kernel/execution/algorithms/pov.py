"""Percent of volume: trade ``rate`` of what the market trades, as it trades it.

The algorithm subscribes through the kernel to the instrument's trade ticks (default) or to a
bar type, and adds up the volume printed since its start: ticks stamped at or after the start,
bars closing after it (a bar straddling the start counts whole). After each update its target
is ``rate x volume`` rounded down to lots, capped at the parent, and it sends one child for
what is owed against that target (see `ExecAlgorithm`), but only once that is at least
``min_child_qty``, so a busy tape does not become a stream of one-share orders; the final
piece of the parent goes out whatever its size. The volume counted is the market's, our own
fills included, as they appear in the tape.

Children are market orders, or limits ``limit_offset_ticks`` from the last price on the passive
side; resting limits that are no longer at that price are re-priced at each update as in
`ScheduledAlgorithm`. Under ``RETRY`` a denied quantity is tried again at the next update.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.core.time import kst_date
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, BarType, TradeTick
from jts.domain.orders import Order
from jts.kernel.execution.algorithms.base import (
    ChildOrder,
    DenialPolicy,
    EndAction,
    ExecAlgorithm,
    QtyLike,
)
from jts.kernel.execution.algorithms.terms import as_qty

__all__ = ["POV"]


def _rate(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidInputError(
            f"POV rate must be a Decimal, str or int in (0, 1], got {type(value).__name__} "
            f"{value!r}"
        )
    try:
        rate = Decimal(value)
    except ArithmeticError:
        raise InvalidInputError(f"POV rate is not a number: {value!r}") from None
    if not rate.is_finite() or not 0 < rate <= 1:
        raise InvalidInputError(f"POV rate must be in (0, 1], got {value!r}")
    return Fraction(rate)


class POV(ExecAlgorithm):
    """``rate`` (e.g. ``"0.1"`` for 10 %) of the volume in ``[start_ns, end_ns)``."""

    name = "POV"

    def __init__(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: QtyLike,
        rate: Decimal | str | int,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        bar_type: BarType | str | None = None,
        min_child_qty: QtyLike | None = None,
        limit_offset_ticks: int | None = None,
        on_denied: DenialPolicy = DenialPolicy.RETRY,
        at_end: EndAction = EndAction.LEAVE,
        algorithm_id: str | None = None,
        account_id: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> None:
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
        self.rate = _rate(rate)
        self.bar_type = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
        if self.bar_type is not None and self.bar_type.instrument_id != self.instrument_id:
            raise InvalidInputError(
                f"POV bars {self.bar_type} are not of the instrument {self.instrument_id}"
            )
        self._min_child_given = (
            None if min_child_qty is None else as_qty(min_child_qty, "min_child_qty")
        )
        self._min_child = 0
        self.limit_offset_ticks = limit_offset_ticks
        self._volume = Fraction(0)

    @property
    def volume(self) -> Fraction:
        """The market volume counted since the start."""
        return self._volume

    def _prepare(self, instrument: Instrument, now_ns: int) -> None:
        if self.limit_offset_ticks is not None:
            instrument.tick_scheme(kst_date(now_ns))  # no tick table that day: refuse now
        minimum = self._min
        if self._min_child_given is not None:
            given = instrument.make_qty(self._min_child_given)
            try:
                instrument.check_order_quantity(given)
            except InvalidQuantityError as exc:
                raise InvalidQuantityError(f"POV min_child_qty: {exc}") from None
            minimum = given.raw_at(instrument.size_precision)
        self._min_child = minimum

    def _begin(self) -> None:
        if self.bar_type is None:
            self._rt.subscribe_trade_ticks(self.instrument_id, self._handle_trade_tick)
        else:
            self._rt.subscribe_bars(self.bar_type, self._handle_bar)
        self._arm_end()

    def _on_trade_tick(self, tick: TradeTick) -> None:
        if tick.ts_event >= self._window_start:
            self._count_volume(tick.size.raw, tick.size.precision)

    def _on_bar(self, bar: Bar) -> None:
        if bar.ts_event > self._window_start:
            self._count_volume(bar.volume.raw, bar.volume.precision)

    def _count_volume(self, raw: int, precision: int) -> None:
        if not raw:
            return
        self._volume += Fraction(raw, 10**precision)
        self._step()

    def _target(self) -> int:
        """``rate x volume`` in raw units, whole lots, at most the parent."""
        units = self.rate * self._volume * 10**self._quantity.precision
        return min(self._floor_lot(int(units)), self._quantity.raw)

    def _step(self) -> None:
        offset = self.limit_offset_ticks
        price = None if offset is None else self._limit_price(offset)
        if offset is not None and price is None:
            return  # no last price yet: wait for the next update
        if price is not None:
            self._reprice(price)
        target = self._target()
        final = target == self._quantity.raw
        quantity = self._child_qty(target, None if final else self._min_child)
        if quantity:
            self._send(quantity, price)

    def _on_child_closed(self, child: ChildOrder, order: Order) -> None:
        if child.reprice:
            self._step()
