"""KRX commission and sell tax as integer rates, for the compiled fill loop.

`jts.domain.fees` charges ``floor(value x rate)`` on the won grid with exact fractions; a rate
is a `Decimal`, so it is exactly ``num / den`` with ``den`` a power of ten. The compiled loop
cannot hold Fractions, so each rate travels as that integer pair and `charge` computes the
same floor without overflowing int64: ``value = q x den + r`` gives
``floor(value x num / den) = q x num + floor(r x num / den)``, where ``r x num < den x num``
(checked to fit when the rate is built).

The tax rate depends on the *settlement date* of each sell (T+2 sessions after the fill's KST
date, krx.md section 5), so `tax_rates_by_day` resolves it once per trading day of the data,
with the same `KrxCostModel` the event-driven venue uses; the loop only indexes the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from jts.core.errors import ConfigError
from jts.core.time import kst_to_ns
from jts.domain.instruments import Instrument
from jts.dsl.vector.kernels import charge
from jts.matching.costs import KrxCostModel
from jts.ports.calendar import TradingCalendar

__all__ = ["IntRate", "VectorCosts", "charge", "tax_rates_by_day"]

_INT64_MAX = (1 << 63) - 1


class RateOverflowError(ConfigError):
    """A rate whose integer form cannot be applied in int64 without overflow."""


@dataclass(frozen=True, slots=True)
class IntRate:
    """A rate ``num / den`` (den > 0) whose charges `charge` computes exactly in int64."""

    num: int
    den: int

    @classmethod
    def of(cls, rate: Decimal, what: str = "rate") -> IntRate:
        num, den = rate.as_integer_ratio()
        if num < 0 or den <= 0:
            raise RateOverflowError(f"{what} must be a non-negative rate, got {rate}")
        if num * den > _INT64_MAX or num > _INT64_MAX:
            raise RateOverflowError(
                f"{what} {rate} = {num}/{den} is too fine for exact int64 charges "
                f"(num x den must stay below 2**63)"
            )
        return cls(num, den)


ZERO_RATE = IntRate(0, 1)


@dataclass(frozen=True, slots=True)
class VectorCosts:
    """One instrument's commission rate and its sell-tax model (None: no tax)."""

    commission: IntRate
    model: KrxCostModel | None

    @classmethod
    def build(
        cls,
        instrument: Instrument,
        calendar: TradingCalendar,
        commission: Decimal | None,
        tax: Decimal | None,
    ) -> VectorCosts:
        """The rates the event-driven runner's `default_costs` would charge (KRX venues)."""
        if commission == 0 and tax == 0:
            return cls(ZERO_RATE, None)
        model = KrxCostModel.from_overrides(calendar, commission=commission, tax=tax)
        schedule = model.commission_schedule
        if schedule.minimum is not None:  # pragma: no cover - overrides never set a minimum
            raise ConfigError("a minimum commission is not supported by the vectorised backtest")
        rate = schedule.rate_for(instrument.kind)
        return cls(IntRate.of(rate, "commission rate"), model if model.sell_tax else None)


def tax_rates_by_day(
    costs: VectorCosts,
    instrument: Instrument,
    days: Sequence[dt.date],
    sessions: Sequence[bool] | None = None,
) -> npt.NDArray[np.int64]:
    """Per day of the data: the sell tax rates of a fill on that day, as rows
    ``(transaction num, den, rural special num, den)``; zeros where no tax applies, and on
    days that are not sessions (``sessions[d]`` False), where nothing fills."""
    table = np.zeros((len(days), 4), dtype=np.int64)
    table[:, 1] = 1
    table[:, 3] = 1
    model = costs.model
    sell_tax = None if model is None else model.sell_tax
    if model is None or sell_tax is None or instrument.kind in sell_tax.exempt_kinds:
        return table
    if instrument.market is None:
        raise ConfigError(f"{instrument.id}: the KRX sell tax needs the instrument's market")
    if not sell_tax.round_each_component:  # pragma: no cover - the default rounds each
        raise ConfigError("a combined-rate sell tax is not supported by the vectorised backtest")
    for index, day in enumerate(days):
        if sessions is not None and not sessions[index]:
            continue
        settles = model.settlement_date(kst_to_ns(day))
        rates = sell_tax.table.rates(instrument.market, settles)
        trans = IntRate.of(rates.transaction, "transaction tax")
        rural = IntRate.of(rates.rural_special, "rural special tax")
        table[index] = (trans.num, trans.den, rural.num, rural.den)
    return table
