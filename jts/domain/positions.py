"""Netting positions: one signed quantity per (instrument, strategy), moved by fills.

Average cost method (이동평균법, what Korean brokers show as the purchase average): buying more
raises the cost basis by the fill's value; reducing realises ``(exit - average) x qty`` and
takes the reduced share of the cost basis out. A fill that goes through zero closes the position
at the fill price and opens the remainder on the other side at the same price.

Exactness: the cost basis and the realised PnL are kept as `Fraction` of the quote currency, so
no rounding ever accumulates; they are rounded once, half away from zero, when shown as `Money`
(`realized_pnl`, `unrealized_pnl`). The exact fraction stays available (`realized_pnl_exact`).
Average prices are `Decimal` under the rule of `jts.domain.orders.ratio_to_decimal`.

``realized_pnl`` is cumulative over the life of the netting slot (it does not reset when the
position goes flat and reopens) and gross of commissions and taxes, which are kept per currency.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from jts.core.errors import CurrencyMismatchError, DuplicateFillError, InvalidInputError
from jts.domain.enums import OrderSide, PositionSide
from jts.domain.events_order import OrderFilled
from jts.domain.events_position import (
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    netting_position_id,
)
from jts.domain.orders import ratio_to_decimal
from jts.domain.values import Currency, Money, Price, Quantity


class PositionMismatchError(InvalidInputError):
    """A fill was applied to a position of another instrument, strategy or currency."""


def fraction_to_money(value: Fraction, currency: Currency) -> Money:
    """Round an exact amount to the currency's grid, ties away from zero (KRW: to the won)."""
    scaled = value * 10**currency.precision
    magnitude, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        magnitude += 1
    return Money.from_raw(-magnitude if scaled < 0 else magnitude, currency)


def _exact(value: Price | Quantity) -> Fraction:
    return Fraction(value.raw, 10**value.precision)


class Position:
    """A netting position of one strategy in one instrument, priced in ``currency``."""

    __slots__ = (
        "_account_id",
        "_close_qty",
        "_close_value",
        "_commissions",
        "_cost",
        "_currency",
        "_entry",
        "_instrument_id",
        "_last_fill",
        "_opening_order_id",
        "_peak",
        "_position_id",
        "_qty",
        "_qty_prec",
        "_realized",
        "_strategy_id",
        "_taxes",
        "_trade_ids",
        "_trader_id",
        "_ts_closed",
        "_ts_opened",
    )

    def __init__(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        trader_id: TraderId,
        currency: Currency,
        *,
        account_id: AccountId | None = None,
        position_id: PositionId | None = None,
    ) -> None:
        self._instrument_id = instrument_id
        self._strategy_id = strategy_id
        self._trader_id = trader_id
        self._currency = currency
        self._account_id = account_id
        self._position_id = position_id or netting_position_id(instrument_id, strategy_id)
        self._qty = 0  # signed raw quantity at _qty_prec
        self._qty_prec = 0
        self._peak = 0  # largest |qty| of the current round trip, raw at _qty_prec
        self._cost = Fraction(0)  # cost basis of the open quantity (positive)
        self._realized = Fraction(0)
        self._close_value = Fraction(0)  # sum of px x qty closed in the current round trip
        self._close_qty = Fraction(0)
        self._commissions: dict[Currency, Money] = {}
        self._taxes: dict[Currency, Money] = {}
        self._trade_ids: set[TradeId] = set()
        self._entry: OrderSide | None = None
        self._opening_order_id: ClientOrderId | None = None
        self._ts_opened: int | None = None
        self._ts_closed: int | None = None
        self._last_fill: OrderFilled | None = None

    # ---- read side --------------------------------------------------------------------------
    @property
    def position_id(self) -> PositionId:
        return self._position_id

    @property
    def account_id(self) -> AccountId | None:
        return self._account_id

    @property
    def instrument_id(self) -> InstrumentId:
        return self._instrument_id

    @property
    def strategy_id(self) -> StrategyId:
        return self._strategy_id

    @property
    def currency(self) -> Currency:
        return self._currency

    @property
    def signed_qty(self) -> Decimal:
        return Decimal(f"{self._qty}E-{self._qty_prec}")

    @property
    def quantity(self) -> Quantity:
        return Quantity.from_raw(abs(self._qty), self._qty_prec)

    @property
    def peak_qty(self) -> Quantity:
        return Quantity.from_raw(self._peak, self._qty_prec)

    @property
    def side(self) -> PositionSide:
        if self._qty == 0:
            return PositionSide.FLAT
        return PositionSide.LONG if self._qty > 0 else PositionSide.SHORT

    @property
    def is_open(self) -> bool:
        return self._qty != 0

    @property
    def is_closed(self) -> bool:
        """Flat after having been open (a position never filled is neither open nor closed)."""
        return self._qty == 0 and self._last_fill is not None

    @property
    def entry(self) -> OrderSide | None:
        return self._entry

    @property
    def opening_order_id(self) -> ClientOrderId | None:
        return self._opening_order_id

    @property
    def ts_opened(self) -> int | None:
        return self._ts_opened

    @property
    def ts_closed(self) -> int | None:
        return self._ts_closed

    @property
    def avg_px_open(self) -> Decimal | None:
        """Average open price of the open quantity; None when flat."""
        if self._qty == 0:
            return None
        return ratio_to_decimal(self._cost / self._abs_qty())

    @property
    def avg_px_close(self) -> Decimal | None:
        """Average price of the reductions in the current (or just closed) round trip."""
        if self._close_qty == 0:
            return None
        return ratio_to_decimal(self._close_value / self._close_qty)

    @property
    def realized_pnl_exact(self) -> Fraction:
        return self._realized

    @property
    def realized_pnl(self) -> Money:
        return fraction_to_money(self._realized, self._currency)

    @property
    def net_realized_pnl(self) -> Money:
        """Realised PnL less the commissions and taxes paid in the quote currency (fees in
        other currencies are in `commissions`/`taxes` and not converted)."""
        fees = Fraction(0)
        for totals in (self._commissions, self._taxes):
            paid = totals.get(self._currency)
            if paid is not None:
                fees += Fraction(paid.raw, 10**self._currency.precision)
        return fraction_to_money(self._realized - fees, self._currency)

    @property
    def commissions(self) -> dict[Currency, Money]:
        return dict(self._commissions)

    @property
    def taxes(self) -> dict[Currency, Money]:
        return dict(self._taxes)

    @property
    def trade_ids(self) -> frozenset[TradeId]:
        return frozenset(self._trade_ids)

    def unrealized_pnl(self, last: Price) -> Money:
        """``(last - average open) x signed quantity``, rounded once to the currency."""
        return fraction_to_money(self._unrealized_exact(last), self._currency)

    def total_pnl(self, last: Price) -> Money:
        """Realised plus unrealised, summed exactly and rounded once."""
        return fraction_to_money(self._realized + self._unrealized_exact(last), self._currency)

    def notional_value(self, last: Price) -> Money:
        """Market value of the open quantity at ``last`` (positive for long and short)."""
        return fraction_to_money(_exact(last) * self._abs_qty(), self._currency)

    def __repr__(self) -> str:
        return f"Position({self._position_id}, {self.side.value} {self.quantity})"

    # ---- fills ------------------------------------------------------------------------------
    def apply(self, fill: OrderFilled, ts_init: int | None = None) -> tuple[PositionEvent, ...]:
        """Apply one fill and return the events it caused: opened, changed, closed, or closed
        then opened for a flip. ``ts_init`` of the events defaults to the fill's."""
        self._check(fill)
        stamp = fill.ts_init if ts_init is None else ts_init
        prec = max(self._qty_prec, fill.last_qty.precision)
        if prec != self._qty_prec:  # a finer fill: rescale what we hold, exactly
            scale = 10 ** (prec - self._qty_prec)
            self._qty, self._peak, self._qty_prec = self._qty * scale, self._peak * scale, prec
        delta = fill.last_qty.raw_at(prec) * fill.order_side.sign
        px = _exact(fill.last_px)
        events: list[PositionEvent] = []
        self._trade_ids.add(fill.trade_id)
        self._commissions = _add(self._commissions, fill.commission)
        self._taxes = _add(self._taxes, fill.tax)
        self._last_fill = fill
        if self._qty == 0:
            self._open(fill, delta, px)
            events.append(self._event(PositionOpened, stamp))
        elif (self._qty > 0) == (delta > 0):
            self._cost += px * _raw_qty(abs(delta), prec)
            self._qty += delta
            self._peak = max(self._peak, abs(self._qty))
            events.append(self._event(PositionChanged, stamp))
        else:
            closing = min(abs(delta), abs(self._qty))
            closed_qty = _raw_qty(closing, prec)
            average = self._cost / self._abs_qty()
            direction = 1 if self._qty > 0 else -1
            self._realized += (px - average) * closed_qty * direction
            self._cost -= average * closed_qty
            self._close_value += px * closed_qty
            self._close_qty += closed_qty
            self._qty -= closing * direction
            if self._qty != 0:
                events.append(self._event(PositionChanged, stamp))
            else:
                self._ts_closed = fill.ts_event
                events.append(self._closed_event(average, stamp))
                remainder = abs(delta) - closing
                if remainder:
                    self._open(fill, remainder * fill.order_side.sign, px)
                    events.append(self._event(PositionOpened, stamp))
        return tuple(events)

    def _check(self, fill: OrderFilled) -> None:
        where = f"position {self._position_id}: fill {fill.trade_id}"
        if fill.instrument_id != self._instrument_id or fill.strategy_id != self._strategy_id:
            raise PositionMismatchError(
                f"{where} is for {fill.instrument_id}/{fill.strategy_id}, the position is for "
                f"{self._instrument_id}/{self._strategy_id}"
            )
        if fill.currency != self._currency:
            raise CurrencyMismatchError(
                f"{where} is priced in {fill.currency}, the position in {self._currency}"
            )
        if fill.trade_id in self._trade_ids:
            raise DuplicateFillError(f"{where} was already applied")

    def _open(self, fill: OrderFilled, delta: int, px: Fraction) -> None:
        self._qty = delta
        self._peak = abs(delta)
        self._cost = px * self._abs_qty()
        self._close_value = Fraction(0)
        self._close_qty = Fraction(0)
        self._entry = fill.order_side
        self._opening_order_id = fill.client_order_id
        self._ts_opened = fill.ts_event
        self._ts_closed = None

    def _abs_qty(self) -> Fraction:
        return _raw_qty(abs(self._qty), self._qty_prec)

    def _unrealized_exact(self, last: Price) -> Fraction:
        if self._qty == 0:
            return Fraction(0)
        signed = _raw_qty(self._qty, self._qty_prec)
        return _exact(last) * signed - self._cost * (1 if self._qty > 0 else -1)

    def _common(self, stamp: int) -> dict[str, Any]:
        fill = self._last_fill
        assert fill is not None
        assert self._entry is not None
        assert self._opening_order_id is not None
        assert self._ts_opened is not None
        return {
            "trader_id": self._trader_id,
            "strategy_id": self._strategy_id,
            "instrument_id": self._instrument_id,
            "position_id": self._position_id,
            "account_id": self._account_id,
            "opening_order_id": self._opening_order_id,
            "entry": self._entry,
            "side": self.side,
            "signed_qty": self.signed_qty,
            "quantity": self.quantity,
            "peak_qty": self.peak_qty,
            "avg_px_close": self.avg_px_close,
            "realized_pnl": self.realized_pnl,
            "last_trade_id": fill.trade_id,
            "last_px": fill.last_px,
            "last_qty": fill.last_qty,
            "ts_opened": self._ts_opened,
            "ts_event": fill.ts_event,
            "ts_init": stamp,
        }

    def _event(self, kind: type[PositionOpened | PositionChanged], stamp: int) -> PositionEvent:
        fields = self._common(stamp)
        avg = self.avg_px_open
        assert avg is not None
        if kind is PositionChanged:
            assert self._last_fill is not None
            fields["unrealized_pnl"] = self.unrealized_pnl(self._last_fill.last_px)
        return kind(avg_px_open=avg, **fields)

    def _closed_event(self, average: Fraction, stamp: int) -> PositionClosed:
        fields = self._common(stamp)
        assert self._ts_closed is not None
        assert self._ts_opened is not None
        return PositionClosed(
            avg_px_open=ratio_to_decimal(average),
            ts_closed=self._ts_closed,
            duration_ns=self._ts_closed - self._ts_opened,
            **fields,
        )


def _raw_qty(raw: int, precision: int) -> Fraction:
    return Fraction(raw, 10**precision)


def _add(totals: dict[Currency, Money], amount: Money) -> dict[Currency, Money]:
    result = dict(totals)
    if amount.raw:
        previous = result.get(amount.currency)
        result[amount.currency] = amount if previous is None else previous + amount
    return result
