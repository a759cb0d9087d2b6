"""Pre-trade rules: each a pure function of a `RuleContext`, answering `Denial` or None.

Rules read only the context, so each is tested on its own, and the engine decides only which
rules run and in what order (cheap structural checks first, account-wide ones last).

`ACTIVE_WHEN` says, for each rule here, for which limits it can deny anything at all: a rule
whose limit is switched off (``None``) answers None for every order, so the engine leaves it
out of the set it runs for those limits, and does not compute what only such rules read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.instruments import Instrument
from jts.domain.price_limits import PriceLimits
from jts.domain.values import Price
from jts.kernel.risk.limits import RiskLimits


@dataclass(frozen=True, slots=True)
class Denial:
    """Why an order may not go out: the rule's name and a sentence with the numbers."""

    rule: str
    reason: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.reason}"


class RuleContext(NamedTuple):
    """Everything a rule may look at; built once per order by the engine (an immutable named
    tuple: the engine builds one for every order, and a frozen dataclass costs three times as
    much to make)."""

    order: OrderInitialized
    instrument: Instrument
    limits: RiskLimits
    trading_date: dt.date
    last_price: Price | None
    base_price: Price | None  # the day's reference price (previous close) for daily limits
    position_qty: Decimal  # signed, this strategy's position in the instrument
    open_orders: int
    #: signed quantity of this strategy's open orders in the instrument not yet filled
    pending_qty: Decimal
    #: value of every position of the account marked at last prices (signed), incl. this one
    position_values: Sequence[tuple[str, Decimal]]
    free_cash: Decimal | None  # in the quote currency, None when unknown
    orders_last_second: int
    in_trading_hours: bool | None  # None when no calendar is known
    #: the day's price limits around ``base_price``; None without a base or daily limits
    daily_limits: PriceLimits | None = None


Rule = Callable[[RuleContext], Denial | None]


def _reference_price(ctx: RuleContext) -> Decimal | None:
    """The price an order will trade near: its limit, else its trigger, else the last price."""
    order = ctx.order
    for price in (order.price, order.trigger_price, ctx.last_price):
        if price is not None:
            return price.as_decimal()
    return None


def _signed(ctx: RuleContext) -> Decimal:
    qty = ctx.order.quantity.as_decimal()
    return qty if ctx.order.side is OrderSide.BUY else -qty


def restricted_list(ctx: RuleContext) -> Denial | None:
    if ctx.order.instrument_id in ctx.limits.restricted:
        return Denial("restricted", f"{ctx.order.instrument_id} is on the restricted list")
    return None


def quantity_rules(ctx: RuleContext) -> Denial | None:
    try:
        ctx.instrument.check_order_quantity(ctx.order.quantity)
    except InvalidQuantityError as exc:
        return Denial("quantity", str(exc))
    limit = ctx.limits.max_order_qty
    if limit is None:
        return None
    qty = ctx.order.quantity.as_decimal()
    if qty > limit:
        return Denial("max_order_qty", f"quantity {qty} exceeds the limit {limit}")
    return None


def price_validity(ctx: RuleContext) -> Denial | None:
    """KRX tick grid of the order's own band, and the daily price limits."""
    if not ctx.limits.check_ticks and not ctx.limits.check_daily_limits:
        return None
    if ctx.order.price is None and ctx.order.trigger_price is None:
        return None  # a market order has no price to check
    base = ctx.base_price if ctx.limits.check_daily_limits else None
    for name in ("price", "trigger_price"):
        price: Price | None = getattr(ctx.order, name)
        if price is None:
            continue
        try:
            if ctx.limits.check_ticks:
                ctx.instrument.check_order_price(price, ctx.trading_date, base)
            elif base is not None:
                ctx.instrument.daily_limits(base, ctx.trading_date).check(price)
        except InvalidInputError as exc:  # off-tick, outside the limits, no scheme that day
            return Denial("price", f"{name}: {exc}")
    return None


def price_band(ctx: RuleContext) -> Denial | None:
    band = ctx.limits.price_band
    price = ctx.order.price
    if band is None or price is None or ctx.last_price is None:
        return None
    last = ctx.last_price.as_decimal()
    distance = abs(price.as_decimal() - last)
    if distance > last * band:
        return Denial(
            "price_band",
            f"limit {price} is {distance / last:.2%} from the last price {ctx.last_price} "
            f"(band {band:.2%})",
        )
    return None


def order_value(ctx: RuleContext) -> Denial | None:
    limit = ctx.limits.max_order_value
    if limit is None:
        return None
    reference = _reference_price(ctx)
    if reference is None:
        return Denial("max_order_value", "no price known to value a market order")
    value = reference * ctx.order.quantity.as_decimal()
    if value > limit:
        return Denial("max_order_value", f"order value {value:,.0f} exceeds the limit {limit:,}")
    return None


def position_limit(ctx: RuleContext) -> Denial | None:
    order = ctx.order
    qty = order.quantity.as_decimal()
    signed = qty if order.side is OrderSide.BUY else -qty  # `_signed`, inlined
    after = ctx.position_qty + ctx.pending_qty + signed
    if after < 0 and not ctx.limits.allow_short and signed < 0:
        return Denial(
            "no_short",
            f"selling {ctx.order.quantity} would leave {after} "
            f"(position {ctx.position_qty}, open orders {ctx.pending_qty}); shorting is off",
        )
    limit = ctx.limits.max_position_qty
    if limit is not None and abs(after) > limit and abs(after) > abs(ctx.position_qty):
        return Denial("max_position_qty", f"position would reach {after}, beyond the limit {limit}")
    return None


def exposure_limits(ctx: RuleContext) -> Denial | None:
    gross_limit, net_limit = ctx.limits.max_gross_exposure, ctx.limits.max_net_exposure
    if gross_limit is None and net_limit is None:
        return None
    reference = _reference_price(ctx)
    if reference is None:
        return None
    added = _signed(ctx) * reference
    values = dict(ctx.position_values)
    key = str(ctx.order.instrument_id)
    before_gross = sum((abs(v) for v in values.values()), Decimal(0))
    values[key] = values.get(key, Decimal(0)) + added
    gross = sum((abs(v) for v in values.values()), Decimal(0))
    net = abs(sum(values.values(), Decimal(0)))
    if gross_limit is not None and gross > gross_limit and gross > before_gross:
        return Denial("max_gross_exposure", f"gross exposure {gross:,.0f} > {gross_limit:,}")
    if net_limit is not None and net > net_limit and gross > before_gross:
        return Denial("max_net_exposure", f"net exposure {net:,.0f} > {net_limit:,}")
    return None


def open_order_limit(ctx: RuleContext) -> Denial | None:
    limit = ctx.limits.max_open_orders
    if limit is not None and ctx.open_orders >= limit:
        return Denial("max_open_orders", f"{ctx.open_orders} orders open, limit {limit}")
    return None


def order_rate(ctx: RuleContext) -> Denial | None:
    limit = ctx.limits.max_orders_per_second
    if limit is not None and ctx.orders_last_second >= limit:
        return Denial("order_rate", f"{ctx.orders_last_second} orders in the last second")
    return None


def trading_hours(ctx: RuleContext) -> Denial | None:
    if ctx.limits.check_trading_hours and ctx.in_trading_hours is False:
        return Denial("trading_hours", f"{ctx.order.instrument_id} is not in a trading session")
    return None


def buying_power(ctx: RuleContext) -> Denial | None:
    """A buy needs free cash (settled plus unsettled sale proceeds, minus what open orders
    hold) for its value; sells of a held position always pass."""
    order = ctx.order
    if not ctx.limits.check_buying_power or order.side is not OrderSide.BUY:
        return None
    if ctx.free_cash is None:
        return None
    # `_reference_price`, inlined: the limit, else the trigger, else the last price
    price = order.price
    if price is None:
        price = order.trigger_price
        if price is None:
            price = ctx.last_price
            if price is None:
                return Denial("buying_power", "no price known to value a market buy")
    qty = order.quantity.as_decimal()
    needed = price.as_decimal() * qty
    if order.order_type is OrderType.MARKET and ctx.base_price is not None:
        # a market buy can fill up to the upper limit: KRX brokers reserve at the limit price
        limits = ctx.daily_limits
        if limits is None:
            limits = ctx.instrument.daily_limits(ctx.base_price, ctx.trading_date)
        needed = max(needed, limits.upper.as_decimal() * qty)
    if needed > ctx.free_cash:
        return Denial(
            "buying_power",
            f"needs {needed:,.0f} {ctx.instrument.quote_currency}, free cash is "
            f"{ctx.free_cash:,.0f}",
        )
    return None


#: For which limits each rule here can deny an order (rules not listed always run).
ACTIVE_WHEN: dict[Rule, Callable[[RiskLimits], bool]] = {
    restricted_list: lambda limits: bool(limits.restricted),
    trading_hours: lambda limits: limits.check_trading_hours,
    price_validity: lambda limits: limits.check_ticks or limits.check_daily_limits,
    price_band: lambda limits: limits.price_band is not None,
    order_value: lambda limits: limits.max_order_value is not None,
    open_order_limit: lambda limits: limits.max_open_orders is not None,
    order_rate: lambda limits: limits.max_orders_per_second is not None,
    exposure_limits: lambda limits: (
        limits.max_gross_exposure is not None or limits.max_net_exposure is not None
    ),
    buying_power: lambda limits: limits.check_buying_power,
}

#: The order rules run in: structural checks, then price checks, then account-wide limits.
DEFAULT_RULES: tuple[Rule, ...] = (
    restricted_list,
    trading_hours,
    quantity_rules,
    price_validity,
    price_band,
    order_value,
    open_order_limit,
    order_rate,
    position_limit,
    exposure_limits,
    buying_power,
)
