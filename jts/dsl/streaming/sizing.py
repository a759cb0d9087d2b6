"""How many units an entry buys or sells, computed exactly (docs/dsl.md, "Positions, orders,
sizes and stops", rule 5).

Every form ends in the same rounding: *down* to a whole multiple of the instrument's lot (one
share on KRX), and an entry that comes to nothing (or below the instrument's minimum) is
skipped rather than rounded up, since rounding up would spend more than the trader allowed.
The arithmetic is in `Fraction`, not `Decimal`: a 28-digit Decimal quotient can round up to a
whole number that the exact quotient falls short of, and the floor would then be one lot too
many.

The ``per`` amount of ``size risk`` is a float (the language computes price expressions in
float64, like the vectorised evaluator); it enters as the exact value of that float, so the
result depends on nothing but the float itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jts.domain.instruments import Instrument
from jts.domain.values import Money, Price, Quantity
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import (
    SizeEquityPercent,
    SizeRisk,
    SizeShares,
    SizeValue,
    Sizing,
    resolve_scalar,
)

__all__ = ["EntrySize", "Sizer"]

_HUNDRED = Fraction(100)


@dataclass(frozen=True, slots=True)
class EntrySize:
    """The quantity to enter with, or None and the reason the entry is skipped."""

    quantity: Quantity | None
    note: str


class Sizer:
    """A program's ``size`` statement with its amounts resolved for one run."""

    def __init__(self, sizing: Sizing, params: Mapping[str, Decimal]) -> None:
        self.sizing = sizing
        match sizing:
            case SizeShares():
                self.amount = resolve_scalar(sizing.quantity, params)
            case SizeValue():
                self.amount = resolve_scalar(sizing.amount, params)
            case SizeEquityPercent() | SizeRisk():
                self.amount = resolve_scalar(sizing.percent, params)
        if self.amount <= 0:  # the checker checks literals and parameter ranges; belt and braces
            raise DslRuntimeError(f"the size amount must be positive, got {self.amount}")

    @property
    def needs_equity(self) -> bool:
        return isinstance(self.sizing, SizeEquityPercent | SizeRisk)

    def check(self, instrument: Instrument) -> None:
        """Refuse, before the first bar, an amount in a currency the instrument is not priced
        in: there is no exchange rate to apply, and guessing one would size wrongly."""
        sizing = self.sizing
        if isinstance(sizing, SizeValue) and sizing.currency != instrument.quote_currency:
            raise DslRuntimeError(
                f"'size {self.amount} {sizing.currency}' cannot size {instrument.id}, which is "
                f"priced in {instrument.quote_currency}"
            )

    def size(
        self,
        instrument: Instrument,
        close: Price,
        *,
        equity: Money | None = None,
        per: float = math.nan,
    ) -> EntrySize:
        """The entry quantity at the signal bar's ``close`` (``equity`` for the equity forms,
        ``per``: the signal bar's value of the ``risk ... per`` expression)."""
        sizing = self.sizing
        amount = Fraction(self.amount)
        if isinstance(sizing, SizeShares):
            units = amount
            how = f"{self.amount} shares"
        elif isinstance(sizing, SizeValue):
            units = amount / Fraction(close.as_decimal())
            how = f"{self.amount} {sizing.currency} at {close}"
        else:
            if equity is None:
                raise DslRuntimeError(f"sizing {instrument.id} by equity needs the equity")
            if equity.currency != instrument.quote_currency:
                raise DslRuntimeError(
                    f"equity is in {equity.currency}, but {instrument.id} is priced in "
                    f"{instrument.quote_currency}; size it in shares or in "
                    f"{instrument.quote_currency} instead"
                )
            budget = Fraction(equity.as_decimal()) * amount / _HUNDRED
            if isinstance(sizing, SizeEquityPercent):
                units = budget / Fraction(close.as_decimal())
                how = f"{self.amount}% of equity {equity} at {close}"
            else:
                if not math.isfinite(per) or per <= 0.0:
                    return EntrySize(None, f"risk per unit is {per}, not a positive number")
                units = budget / Fraction(per)
                how = f"risk {self.amount}% of equity {equity} per {per!r}"
        lot = Fraction(instrument.lot_size.as_decimal())
        quantity = math.floor(units / lot) * lot
        if quantity <= 0:
            return EntrySize(None, f"{how} comes to less than one lot ({instrument.lot_size})")
        exact = Decimal(quantity.numerator) / Decimal(quantity.denominator)
        qty = instrument.make_qty(exact)
        if qty < instrument.min_quantity:
            return EntrySize(
                None, f"{how} gives {qty}, below the minimum {instrument.min_quantity}"
            )
        return EntrySize(qty, how)
