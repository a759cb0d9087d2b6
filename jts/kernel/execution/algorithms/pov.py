"""Percent of volume: trade ``rate`` of what the market trades, as it trades it.

The algorithm subscribes through the kernel to the instrument's trade ticks (default) or to a
bar type, and adds up the volume printed since its start: ticks that reach it at or after the
start (by the kernel's clock, not by the tick's own stamp: venues stamp coarsely, KIS in whole
seconds, so a print made just after the start often carries a time just before it), bars
closing after it (a bar straddling the start counts whole). After each update its target
is ``rate x volume`` rounded down to lots, capped at the parent, and it sends one child for
what is owed against that target (see `ExecAlgorithm`), but only once that is at least
``min_child_qty``, so a busy tape does not become a stream of one-share orders; the final
piece of the parent goes out whatever its size. The volume counted is the market's, our own
fills included, as they appear in the tape.

Children are market orders, or limits ``limit_offset_ticks`` from the last price on the passive
side; a resting limit more than ``reprice_tolerance_ticks`` away from the price the algorithm
would quote now is canceled and its quantity re-sent at that price, as in `ScheduledAlgorithm`.
Under ``RETRY`` a denied quantity is tried again at the next update.

**Throttle.** A busy tape prints many times a second, and every child, cancel and re-send is
a request against the account's order budget (KIS: 20 requests/s per app key real, 2 paper,
shared with everything else the node asks). So the algorithm decides at most once per
``min_update_interval_ns`` (default 1 s): a print inside the interval after an update that
acted is counted at once, and the decision waits for the interval's end, when it covers every
print since (one alert, not one per print). An update acts only when what is owed reaches
``min_child_qty`` (default: the instrument's minimum order) or a resting child is more than
``reprice_tolerance_ticks`` (default 1: a child sits through the one-tick bid-ask bounce) from
the quote; the re-send of a re-priced child's quantity completes the update that canceled it.
Per interval that is at most one new child and one re-pricing round (the cancels of the children
that drifted and one child for what they freed), whatever the tape does.

**Participation.** The volume is never throttled, only the decisions, so nothing is lost: at
each update, filled + working + skipped is exactly ``rate x volume`` in whole lots (capped at
the parent), less what owed is still below ``min_child_qty``; between updates it lags by at
most ``rate x`` the volume printed since the last update, and is never ahead. With the
throttle off (``min_update_interval_ns=0``, ``reprice_tolerance_ticks=0``) it acts on every
print, as it did before the throttle existed.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.core.time import NANOS_PER_SECOND, kst_date
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, BarType, TradeTick
from jts.domain.values import Price
from jts.kernel.execution.algorithms.base import (
    DenialPolicy,
    EndAction,
    ExecAlgorithm,
    QtyLike,
)
from jts.kernel.execution.algorithms.terms import as_qty

__all__ = ["DEFAULT_MIN_UPDATE_INTERVAL_NS", "DEFAULT_REPRICE_TOLERANCE_TICKS", "POV"]

#: At most one decision a second: one child and one re-pricing round, a small share of KIS's
#: 20 requests/s (real); on KIS paper (2/s) raise it for more than one algorithm at a time.
DEFAULT_MIN_UPDATE_INTERVAL_NS = NANOS_PER_SECOND
#: A child one tick from the quote (the bid-ask bounce) keeps its place in the queue.
DEFAULT_REPRICE_TOLERANCE_TICKS = 1


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
        min_update_interval_ns: int = DEFAULT_MIN_UPDATE_INTERVAL_NS,
        reprice_tolerance_ticks: int = DEFAULT_REPRICE_TOLERANCE_TICKS,
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
        for name, value in (
            ("min_update_interval_ns", min_update_interval_ns),
            ("reprice_tolerance_ticks", reprice_tolerance_ticks),
        ):
            if type(value) is not int or value < 0:
                raise InvalidInputError(f"{name} must be a non-negative int, got {value!r}")
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
        self.min_update_interval_ns = min_update_interval_ns
        self.reprice_tolerance_ticks = reprice_tolerance_ticks
        self._volume = Fraction(0)
        self._quiet_until = 0  # no decision before this instant (ns): the throttle
        self._update_due = False  # an alert at ``_quiet_until`` will decide

    @property
    def volume(self) -> Fraction:
        """The market volume counted since the start."""
        return self._volume

    def _own_terms(self) -> dict[str, object]:
        return {
            "rate": self.rate,
            "start_ns": self._start_ns,
            "bar_type": self.bar_type,
            "min_child_qty": self._min_child_given,
            "limit_offset_ticks": self.limit_offset_ticks,
            "min_update_interval_ns": self.min_update_interval_ns,
            "reprice_tolerance_ticks": self.reprice_tolerance_ticks,
        }

    def _resumed(self) -> None:
        """The market volume before the restart is gone with the process: count the volume
        that puts the target where the children already are, so it goes on at its rate."""
        done = Fraction(self._filled + self._working(), 10**self._quantity.precision)
        self._volume = done / self.rate

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
        if self._rt.now() >= self._window_start:  # why not ts_event: see the module docstring
            self._count_volume(tick.size.raw, tick.size.precision)

    def _on_bar(self, bar: Bar) -> None:
        if bar.ts_event > self._window_start:
            self._count_volume(bar.volume.raw, bar.volume.precision)

    def _count_volume(self, raw: int, precision: int) -> None:
        if not raw:
            return
        self._volume += Fraction(raw, 10**precision)
        self._update()

    def _target(self) -> int:
        """``rate x volume`` in raw units, whole lots, at most the parent."""
        units = self.rate * self._volume * 10**self._quantity.precision
        return min(self._floor_lot(int(units)), self._quantity.raw)

    def _update(self) -> None:
        """Decide now, or once the interval since the last decision that acted is over."""
        now = self._rt.now()
        if now < self._quiet_until:
            if not self._update_due:
                self._update_due = True
                self._alert("update", self._quiet_until, self._deferred_update)
            return
        if self._step():
            self._quiet_until = now + self.min_update_interval_ns

    def _deferred_update(self) -> None:
        self._update_due = False
        self._update()

    def _quote(self) -> tuple[bool, Price | None]:
        """(whether a child can be priced now, its limit or None for a market child)."""
        offset = self.limit_offset_ticks
        if offset is None:
            return True, None
        price = self._limit_price(offset)
        return price is not None, price  # no last price yet: wait for the next update

    def _step(self) -> bool:
        """Re-price what drifted, then send what is owed; whether any request went out."""
        ready, price = self._quote()
        if not ready:
            return False
        canceled = 0
        if price is not None:
            canceled = self._reprice(price, self.reprice_tolerance_ticks)
        return self._top_up(price) or canceled > 0

    def _top_up(self, price: Price | None) -> bool:
        target = self._target()
        final = target == self._quantity.raw
        quantity = self._child_qty(target, None if final else self._min_child)
        if quantity:
            self._send(quantity, price)
        return bool(quantity)

    def _on_repriced(self) -> None:
        """The canceled children's quantity goes out again at once: it finishes the update
        that canceled them, so the throttle does not hold it back."""
        ready, price = self._quote()
        if ready:
            self._top_up(price)
