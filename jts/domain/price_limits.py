"""Daily price limits (가격제한폭) and the after-hours single-price band, computed exactly.

KRX refuses orders outside ``base x (1 - rate)`` .. ``base x (1 + rate)``, where the base price
(기준가) is normally the previous close and the rate is 30 % since 2015-06-15 (15 % before). The
limits themselves must be valid prices, so the exact product is brought onto the tick grid of
the day: by default the upper limit rounds down and the lower limit rounds up, so both stay
inside the band. That rounding rule is [M] (krx.md §2: the exact KRX rule is unverified, and it
may round the width rather than the price); both the rate and the roundings are parameters so a
simulator can be matched to the limits KIS reports (``stck_mxpr`` / ``stck_llam``).

Everything is integer arithmetic: ``base x (1 + rate)`` is formed as a `Price` with the extra
decimals the rate needs, then rounded on the grid by the `TickScheme`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from jts.core.errors import InvalidInputError, InvalidPriceError
from jts.domain.tick_rules import TickScheme, format_number
from jts.domain.values import Price, Rounding

__all__ = [
    "AFTER_HOURS_BAND_RATE",
    "KRX_LIMIT_RATE",
    "KRX_LIMIT_RATE_BEFORE_2015",
    "KRX_LIMIT_RATE_FROM",
    "PriceLimits",
    "after_hours_limits",
    "daily_price_limits",
    "krx_daily_limits",
    "krx_limit_rate",
]

#: ±30 % of the base price since this day (it was ±15 % before) [S: krx.md §2].
KRX_LIMIT_RATE_FROM: Final = dt.date(2015, 6, 15)
KRX_LIMIT_RATE: Final = Decimal("0.30")
KRX_LIMIT_RATE_BEFORE_2015: Final = Decimal("0.15")
#: After-hours single-price trading: ±10 % of the day's close, inside the daily limits.
AFTER_HOURS_BAND_RATE: Final = Decimal("0.10")


def krx_limit_rate(on_date: dt.date) -> Decimal:
    """The KRX daily limit rate in force on a KST date.

    Only the 2015 change is modelled; earlier changes (before 1998) are not [M].
    """
    if isinstance(on_date, dt.datetime) or not isinstance(on_date, dt.date):
        raise InvalidInputError(f"expected a calendar date, got {on_date!r}")
    return KRX_LIMIT_RATE if on_date >= KRX_LIMIT_RATE_FROM else KRX_LIMIT_RATE_BEFORE_2015


@functools.lru_cache(maxsize=64)
def _percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


@dataclass(frozen=True, slots=True)
class PriceLimits:
    """An inclusive price band; the reasons say where each bound came from, for messages."""

    lower: Price
    upper: Price
    lower_reason: str = ""
    upper_reason: str = ""

    def __post_init__(self) -> None:
        if self.lower.raw <= 0:
            raise InvalidPriceError(f"lower limit {format_number(self.lower)} must be positive")
        if self.lower > self.upper:
            raise InvalidPriceError(
                f"lower limit {format_number(self.lower)} is above the upper limit "
                f"{format_number(self.upper)}"
            )

    def contains(self, price: Price) -> bool:
        return self.lower <= price <= self.upper

    def check(self, price: Price) -> None:
        """Raise `InvalidPriceError` when ``price`` lies outside the band, naming the bound."""
        if price > self.upper:
            reason = f" ({self.upper_reason})" if self.upper_reason else ""
            raise InvalidPriceError(
                f"price {format_number(price)} is above the upper limit "
                f"{format_number(self.upper)}{reason}"
            )
        if price < self.lower:
            reason = f" ({self.lower_reason})" if self.lower_reason else ""
            raise InvalidPriceError(
                f"price {format_number(price)} is below the lower limit "
                f"{format_number(self.lower)}{reason}"
            )

    def clip(self, price: Price) -> Price:
        """The nearest price inside the band (a market order never fills beyond the limits)."""
        if price > self.upper:
            return self.upper
        if price < self.lower:
            return self.lower
        return price


def _check_rate(rate: Decimal, what: str) -> None:
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 < rate < 1:
        raise InvalidInputError(f"{what} rate must be a Decimal between 0 and 1, got {rate!r}")


def _scaled(reference: Price, factor: Decimal) -> Price:
    """``reference x factor`` exactly, as a Price carrying the decimals the product needs."""
    mult = _multiplier(factor)
    return Price.from_raw(reference.raw * mult.raw, reference.precision + mult.precision)


@functools.lru_cache(maxsize=64)
def _multiplier(factor: Decimal) -> Price:
    """A band factor (``1 ± rate``) as an exact `Price`: a handful of rates exist, and a
    backtest computes the limits of every trading day."""
    return Price(factor)


def _band(
    reference: Price,
    rate: Decimal,
    scheme: TickScheme,
    *,
    upper_rounding: Rounding,
    lower_rounding: Rounding,
    label: str,
) -> tuple[Price, Price, str, str]:
    if reference.raw <= 0:
        raise InvalidPriceError(f"{label} price {format_number(reference)} must be positive")
    upper = scheme.round(_scaled(reference, 1 + rate), upper_rounding)
    lower = scheme.round(_scaled(reference, 1 - rate), lower_rounding)
    where = f"{label} {format_number(reference)}"
    pct = _percent(rate)
    return lower, upper, f"{where}, -{pct} %", f"{where}, +{pct} %"


def daily_price_limits(
    base: Price,
    scheme: TickScheme,
    rate: Decimal = KRX_LIMIT_RATE,
    *,
    upper_rounding: Rounding = Rounding.DOWN,
    lower_rounding: Rounding = Rounding.UP,
) -> PriceLimits:
    """The daily limits around ``base`` on ``scheme``'s grid (see the module docstring)."""
    _check_rate(rate, "daily limit")
    lower, upper, lower_reason, upper_reason = _band(
        base,
        rate,
        scheme,
        upper_rounding=upper_rounding,
        lower_rounding=lower_rounding,
        label="base",
    )
    return PriceLimits(lower, upper, lower_reason, upper_reason)


@functools.lru_cache(maxsize=4096)
def krx_daily_limits(base: Price, on_date: dt.date, scheme: TickScheme) -> PriceLimits:
    """KRX daily limits for a trading day: the rate of that day, default roundings.

    Memoized (every argument and the result are immutable): the risk engine and the
    simulators ask for the same day's limits on every order.
    """
    return daily_price_limits(base, scheme, krx_limit_rate(on_date))


def after_hours_limits(
    close: Price,
    daily: PriceLimits,
    scheme: TickScheme,
    rate: Decimal = AFTER_HOURS_BAND_RATE,
    *,
    upper_rounding: Rounding = Rounding.DOWN,
    lower_rounding: Rounding = Rounding.UP,
) -> PriceLimits:
    """The after-hours single-price band (16:00-18:00): ±``rate`` of today's close, clipped by
    today's daily limits ``daily`` (a close at the limit cannot trade beyond it after hours)."""
    _check_rate(rate, "after-hours band")
    lower, upper, lower_reason, upper_reason = _band(
        close,
        rate,
        scheme,
        upper_rounding=upper_rounding,
        lower_rounding=lower_rounding,
        label="close",
    )
    if upper >= daily.upper:
        upper, upper_reason = daily.upper, f"daily limit; {daily.upper_reason}"
    if lower <= daily.lower:
        lower, lower_reason = daily.lower, f"daily limit; {daily.lower_reason}"
    return PriceLimits(lower, upper, lower_reason, upper_reason)
