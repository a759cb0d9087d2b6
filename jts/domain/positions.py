"""Netting positions: one signed quantity per (instrument, strategy), moved by fills.

Average cost method (이동평균법, what Korean brokers show as the purchase average): buying more
raises the cost basis by the fill's value; reducing realises ``(exit - average) x qty`` and
takes the reduced share of the cost basis out. A fill that goes through zero closes the position
at the fill price and opens the remainder on the other side at the same price.

Exactness: the cost basis and the realised PnL are exact ratios of the quote currency, so no
rounding ever accumulates; they are rounded once, half away from zero, when shown as `Money`
(`realized_pnl`, `unrealized_pnl`). The exact value stays available as a `Fraction`
(`realized_pnl_exact`). Average prices are `Decimal` under the rule of
`jts.domain.orders.ratio_to_decimal`.

The ratios are kept as plain integer pairs (numerator, positive denominator) rather than
`Fraction` objects: a fill costs a few integer operations instead of a dozen `Fraction`
constructions, which a backtest does for every fill. Adding to a position and closing it whole
keep the denominator a power of ten; only a partial reduction brings in another factor, and
`_ratio_sum` reduces by the gcd whenever denominators differ, so the integers stay small.

``realized_pnl`` is cumulative over the life of the netting slot (it does not reset when the
position goes flat and reopens) and gross of commissions and taxes, which are kept per currency.
"""

from __future__ import annotations

from collections.abc import Container
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from math import gcd
from typing import Final

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
from jts.domain.orders import AVG_PX_DIGITS
from jts.domain.values import MAX_PRECISION, Currency, Money, Price, Quantity


class PositionMismatchError(InvalidInputError):
    """A fill was applied to a position of another instrument, strategy or currency."""


def fraction_to_money(value: Fraction, currency: Currency) -> Money:
    """Round an exact amount to the currency's grid, ties away from zero (KRW: to the won)."""
    return _ratio_to_money(value.numerator, value.denominator, currency)


def _ratio_to_money(numerator: int, denominator: int, currency: Currency) -> Money:
    """``numerator / denominator`` (denominator > 0) rounded as `fraction_to_money` does."""
    scaled = numerator * _POW10[currency.precision]
    magnitude, remainder = divmod(-scaled if scaled < 0 else scaled, denominator)
    if 2 * remainder >= denominator:
        magnitude += 1
    return Money.from_raw(-magnitude if scaled < 0 else magnitude, currency)


def _ratio_sum(n1: int, d1: int, n2: int, d2: int) -> tuple[int, int]:
    """``n1/d1 + n2/d2`` as a pair; reduced by the gcd when the denominators differ."""
    if d1 == d2:
        return n1 + n2, d1
    numerator, denominator = n1 * d2 + n2 * d1, d1 * d2
    common = gcd(numerator, denominator)
    return numerator // common, denominator // common


def _ratio_decimal(numerator: int, denominator: int) -> Decimal:
    """`ratio_to_decimal` of ``numerator / denominator`` without building a `Fraction`: the
    quotient is correctly rounded, so it depends only on the value, not on the pair."""
    return _AVG_CONTEXT.divide(Decimal(numerator), Decimal(denominator))


_POW10: Final[tuple[int, ...]] = tuple(10**i for i in range(2 * MAX_PRECISION + 1))
#: the rule of `jts.domain.orders.ratio_to_decimal`
_AVG_CONTEXT: Final = Context(prec=AVG_PX_DIGITS, rounding=ROUND_HALF_EVEN)


class Position:
    """A netting position of one strategy in one instrument, priced in ``currency``."""

    __slots__ = (
        "_account_id",
        "_close_qty",
        "_close_value_d",
        "_close_value_n",
        "_commissions",
        "_cost_d",
        "_cost_n",
        "_currency",
        "_entry",
        "_instrument_id",
        "_last_fill",
        "_opening_order_id",
        "_peak",
        "_position_id",
        "_qty",
        "_qty_prec",
        "_realized_d",
        "_realized_n",
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
        self._position_id = position_id or netting_position_id(
            instrument_id, strategy_id, account_id
        )
        self._qty = 0  # signed raw quantity at _qty_prec
        self._qty_prec = 0
        self._peak = 0  # largest |qty| of the current round trip, raw at _qty_prec
        # exact ratios as (numerator, denominator > 0): see the module docstring
        self._cost_n, self._cost_d = 0, 1  # cost basis of the open quantity (positive)
        self._realized_n, self._realized_d = 0, 1
        # sum of px x qty closed in the current round trip, and the quantity (raw at _qty_prec)
        self._close_value_n, self._close_value_d = 0, 1
        self._close_qty = 0
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
        return _qty_decimal(self._qty, self._qty_prec)

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
        return self._average_open()

    @property
    def avg_px_close(self) -> Decimal | None:
        """Average price of the reductions in the current (or just closed) round trip."""
        if self._close_qty == 0:
            return None
        return _ratio_decimal(
            self._close_value_n * _POW10[self._qty_prec], self._close_value_d * self._close_qty
        )

    @property
    def realized_pnl_exact(self) -> Fraction:
        return Fraction(self._realized_n, self._realized_d)

    @property
    def realized_pnl(self) -> Money:
        return _ratio_to_money(self._realized_n, self._realized_d, self._currency)

    @property
    def net_realized_pnl(self) -> Money:
        """Realised PnL less the commissions and taxes paid in the quote currency (fees in
        other currencies are in `commissions`/`taxes` and not converted)."""
        paid = 0
        for totals in (self._commissions, self._taxes):
            fee = totals.get(self._currency)
            if fee is not None:
                paid += fee.raw
        n, d = _ratio_sum(
            self._realized_n, self._realized_d, -paid, _POW10[self._currency.precision]
        )
        return _ratio_to_money(n, d, self._currency)

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
        return _ratio_to_money(*self._unrealized_exact(last), self._currency)

    def total_pnl(self, last: Price) -> Money:
        """Realised plus unrealised, summed exactly and rounded once."""
        n, d = _ratio_sum(self._realized_n, self._realized_d, *self._unrealized_exact(last))
        return _ratio_to_money(n, d, self._currency)

    def notional_value(self, last: Price) -> Money:
        """Market value of the open quantity at ``last`` (positive for long and short)."""
        return _ratio_to_money(
            last.raw * abs(self._qty), _POW10[last.precision + self._qty_prec], self._currency
        )

    def __repr__(self) -> str:
        return f"Position({self._position_id}, {self.side.value} {self.quantity})"

    # ---- fills ------------------------------------------------------------------------------
    def apply(
        self,
        fill: OrderFilled,
        ts_init: int | None = None,
        *,
        kinds: Container[type[PositionEvent]] | None = None,
    ) -> tuple[PositionEvent, ...]:
        """Apply one fill and return the events it caused: opened, changed, closed, or closed
        then opened for a flip. ``ts_init`` of the events defaults to the fill's.

        ``kinds`` limits the events built to those types (None: all). The position changes
        the same either way; an event is a snapshot nobody may want (a backtest without
        listeners for openings need not build one per fill)."""
        currency = fill.currency
        if (
            fill.instrument_id != self._instrument_id
            or fill.strategy_id != self._strategy_id
            or (currency is not self._currency and currency != self._currency)
            or fill.trade_id in self._trade_ids
        ):
            self._refuse(fill)
        stamp = fill.ts_init if ts_init is None else ts_init
        last_qty, last_px = fill.last_qty, fill.last_px
        prec = self._qty_prec
        if last_qty.precision > prec:  # a finer fill: rescale what we hold, exactly
            scale = _POW10[last_qty.precision - prec]
            self._qty, self._peak = self._qty * scale, self._peak * scale
            self._close_qty *= scale
            self._qty_prec = prec = last_qty.precision
            raw_qty = last_qty.raw
        elif last_qty.precision == prec:
            raw_qty = last_qty.raw
        else:
            raw_qty = last_qty.raw * _POW10[prec - last_qty.precision]
        sign = fill.order_side.sign
        delta = raw_qty * sign
        # a price times a raw quantity at _qty_prec is a value at 10**-(price prec + prec)
        px_raw, value_d = last_px.raw, _POW10[last_px.precision + prec]
        self._trade_ids.add(fill.trade_id)
        commission, tax = fill.commission, fill.tax
        if commission.raw:
            self._commissions = _add(self._commissions, commission)
        if tax.raw:
            self._taxes = _add(self._taxes, tax)
        self._last_fill = fill
        held = self._qty
        if held == 0:
            self._open(fill, delta, px_raw, value_d)
            if kinds is None or PositionOpened in kinds:
                return (self._event(PositionOpened, stamp),)
            return ()
        if (held > 0) == (delta > 0):
            self._cost_n, self._cost_d = _ratio_sum(
                self._cost_n, self._cost_d, px_raw * raw_qty, value_d
            )
            self._qty = held = held + delta
            size = held if held > 0 else -held
            self._peak = max(self._peak, size)
            if kinds is None or PositionChanged in kinds:
                return (self._event(PositionChanged, stamp),)
            return ()
        size = held if held > 0 else -held
        closing = raw_qty if raw_qty < size else size
        direction = 1 if held > 0 else -1
        cost_n, cost_d = self._cost_n, self._cost_d
        # the average open price is cost / size; the closed part of the cost is
        # cost x closing / size, exactly the cost itself when the whole position closes
        if closing == size:
            closed_cost_n, closed_cost_d = cost_n, cost_d
            self._cost_n, self._cost_d = 0, 1
        else:
            closed_cost_n, closed_cost_d = _reduced(cost_n * closing, cost_d * size)
            self._cost_n, self._cost_d = _reduced(cost_n * (size - closing), cost_d * size)
        proceeds = px_raw * closing
        gain_n, gain_d = _ratio_sum(proceeds, value_d, -closed_cost_n, closed_cost_d)
        self._realized_n, self._realized_d = _ratio_sum(
            self._realized_n, self._realized_d, direction * gain_n, gain_d
        )
        self._close_value_n, self._close_value_d = _ratio_sum(
            self._close_value_n, self._close_value_d, proceeds, value_d
        )
        self._close_qty += closing
        self._qty = held - closing * direction
        if self._qty != 0:
            if kinds is None or PositionChanged in kinds:
                return (self._event(PositionChanged, stamp),)
            return ()
        self._ts_closed = fill.ts_event
        events: tuple[PositionEvent, ...] = ()
        if kinds is None or PositionClosed in kinds:
            average = _ratio_decimal(cost_n * _POW10[prec], cost_d * size)
            events = (self._closed_event(average, stamp),)
        remainder = raw_qty - closing
        if not remainder:
            return events
        self._open(fill, remainder * sign, px_raw, value_d)
        if kinds is None or PositionOpened in kinds:
            events += (self._event(PositionOpened, stamp),)
        return events

    def _refuse(self, fill: OrderFilled) -> None:
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
        raise DuplicateFillError(f"{where} was already applied")

    def _open(self, fill: OrderFilled, delta: int, px_raw: int, value_d: int) -> None:
        self._qty = delta
        size = delta if delta > 0 else -delta
        self._peak = size
        self._cost_n, self._cost_d = _reduced(px_raw * size, value_d)
        self._close_value_n, self._close_value_d = 0, 1
        self._close_qty = 0
        self._entry = fill.order_side
        self._opening_order_id = fill.client_order_id
        self._ts_opened = fill.ts_event
        self._ts_closed = None

    def _average_open(self) -> Decimal:
        size = self._qty if self._qty > 0 else -self._qty
        return _ratio_decimal(self._cost_n * _POW10[self._qty_prec], self._cost_d * size)

    def _unrealized_exact(self, last: Price) -> tuple[int, int]:
        if self._qty == 0:
            return 0, 1
        market = (last.raw * self._qty, _POW10[last.precision + self._qty_prec])
        cost = self._cost_n if self._qty > 0 else -self._cost_n
        return _ratio_sum(*market, -cost, self._cost_d)

    # Events are built with their fields spelled out (no dict of every field, no property
    # calls): a backtest builds one per fill it keeps.
    def _event(self, kind: type[PositionOpened | PositionChanged], stamp: int) -> PositionEvent:
        fill = self._last_fill
        entry, opening, ts_opened = self._entry, self._opening_order_id, self._ts_opened
        assert fill is not None
        assert entry is not None
        assert opening is not None
        assert ts_opened is not None
        qty, prec = self._qty, self._qty_prec
        size = qty if qty > 0 else -qty
        last_px = fill.last_px
        # a change also carries the unrealised PnL at the fill's price; an opening has none
        extra: dict[str, Money] = (
            {}
            if kind is PositionOpened
            else {
                "unrealized_pnl": _ratio_to_money(*self._unrealized_exact(last_px), self._currency)
            }
        )
        return kind(
            trader_id=self._trader_id,
            strategy_id=self._strategy_id,
            instrument_id=self._instrument_id,
            position_id=self._position_id,
            account_id=self._account_id,
            opening_order_id=opening,
            entry=entry,
            side=PositionSide.LONG if qty > 0 else PositionSide.SHORT,
            signed_qty=_qty_decimal(qty, prec),
            quantity=Quantity.from_raw(size, prec),
            peak_qty=Quantity.from_raw(self._peak, prec),
            avg_px_open=self._average_open(),
            avg_px_close=self.avg_px_close,
            realized_pnl=_ratio_to_money(self._realized_n, self._realized_d, self._currency),
            last_trade_id=fill.trade_id,
            last_px=last_px,
            last_qty=fill.last_qty,
            ts_opened=ts_opened,
            ts_event=fill.ts_event,
            ts_init=stamp,
            **extra,
        )

    def _closed_event(self, average: Decimal, stamp: int) -> PositionClosed:
        fill = self._last_fill
        entry, opening = self._entry, self._opening_order_id
        ts_opened, ts_closed = self._ts_opened, self._ts_closed
        assert fill is not None
        assert entry is not None
        assert opening is not None
        assert ts_opened is not None
        assert ts_closed is not None
        prec = self._qty_prec
        return PositionClosed(
            trader_id=self._trader_id,
            strategy_id=self._strategy_id,
            instrument_id=self._instrument_id,
            position_id=self._position_id,
            account_id=self._account_id,
            opening_order_id=opening,
            entry=entry,
            side=PositionSide.FLAT,
            signed_qty=_qty_decimal(self._qty, prec),
            quantity=Quantity.zero(prec),
            peak_qty=Quantity.from_raw(self._peak, prec),
            avg_px_open=average,
            avg_px_close=self.avg_px_close,
            realized_pnl=_ratio_to_money(self._realized_n, self._realized_d, self._currency),
            last_trade_id=fill.trade_id,
            last_px=fill.last_px,
            last_qty=fill.last_qty,
            ts_opened=ts_opened,
            ts_event=fill.ts_event,
            ts_init=stamp,
            ts_closed=ts_closed,
            duration_ns=ts_closed - ts_opened,
        )


def _qty_decimal(raw: int, precision: int) -> Decimal:
    """A signed raw quantity as `Position.signed_qty` gives it."""
    if precision == 0:
        return Decimal(raw)  # exact, and the same exponent as the text form
    return Decimal(f"{raw}E-{precision}")


def _reduced(numerator: int, denominator: int) -> tuple[int, int]:
    common = gcd(numerator, denominator)
    return (numerator // common, denominator // common) if common > 1 else (numerator, denominator)


def _add(totals: dict[Currency, Money], amount: Money) -> dict[Currency, Money]:
    result = dict(totals)
    previous = result.get(amount.currency)
    result[amount.currency] = amount if previous is None else previous + amount
    return result
