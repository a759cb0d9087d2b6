"""Cost models (`jts.ports.costs.CostModel`) for the simulated venues.

Each model combines the pure tables of `jts.domain.fees` with what only a running system knows:
the KRX model asks its trading calendar for the settlement date of a fill (T+2 sessions after
the fill's KST trade date), because the sell tax rate is chosen by that date (a sell on
2024-12-27 settled 2025-01-02 and paid the 2025 rate, krx.md §5). `CompositeCostModel` picks a
model by the instrument's venue, so one simulated account can hold KRX stocks and Upbit coins.

The backtest CLI's rate overrides map onto `KrxCostModel.from_overrides` and
`UpbitCostModel(fee_rate=...)`: a given rate replaces the table, and ``0`` disables the charge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from jts.core.errors import ConfigError, InvalidInputError
from jts.core.time import kst_date
from jts.domain.enums import OrderSide
from jts.domain.fees import (
    ETP_KINDS,
    KRX_TRANSACTION_TAX,
    UPBIT_FEE_RATES,
    KrxCommission,
    KrxSellTax,
    TransactionTaxTable,
    UpbitFees,
    check_rate,
    trade_value,
)
from jts.domain.identifiers import Venue
from jts.domain.instruments import AssetClass, Instrument
from jts.domain.values import KRW, Currency, Money, Price, Quantity, Rounding
from jts.ports.calendar import TradingCalendar
from jts.ports.costs import CostModel

__all__ = [
    "CompositeCostModel",
    "KrxCostModel",
    "NoCostModelError",
    "UpbitCostModel",
    "ZeroCostModel",
]


class NoCostModelError(ConfigError):
    """No cost model is configured for an instrument's venue."""


def _check_side(side: object) -> OrderSide:
    if not isinstance(side, OrderSide):
        raise InvalidInputError(f"side must be an OrderSide, got {side!r}")
    return side


class KrxCostModel:
    """Commission both ways plus the seller's securities transaction tax, for KRX securities.

    ``commission_rate`` replaces the default KIS online schedule (0.0140527 % stocks,
    0.0146527 % ETPs) by one rate for every kind; ``commission`` gives a full schedule instead
    (per-kind rates, a minimum, a rounding). ``tax_table`` replaces the krx.md §6 table;
    ``tax_enabled=False`` charges no tax; ``etf_tax_exempt`` exempts ETFs, ETNs and ELWs [M].
    """

    def __init__(
        self,
        calendar: TradingCalendar,
        commission_rate: Decimal | None = None,
        tax_table: TransactionTaxTable | None = None,
        tax_enabled: bool = True,
        etf_tax_exempt: bool = True,
        *,
        commission: KrxCommission | None = None,
        settlement_days: int = 2,
        rounding: Rounding = Rounding.DOWN,
    ) -> None:
        if not isinstance(calendar, TradingCalendar):
            raise InvalidInputError(f"calendar must be a TradingCalendar, got {calendar!r}")
        if commission is not None and commission_rate is not None:
            raise ConfigError("give commission_rate or a commission schedule, not both")
        if type(settlement_days) is not int or settlement_days < 0:
            raise ConfigError(f"settlement_days must be an int >= 0, got {settlement_days!r}")
        if commission is None:
            commission = (
                KrxCommission(rounding=rounding)
                if commission_rate is None
                else KrxCommission.flat(commission_rate, rounding=rounding)
            )
        elif not isinstance(commission, KrxCommission):
            raise ConfigError(f"commission must be a KrxCommission, got {commission!r}")
        self._calendar = calendar
        self._commission = commission
        self._tax = (
            KrxSellTax(
                table=KRX_TRANSACTION_TAX if tax_table is None else tax_table,
                exempt_kinds=ETP_KINDS if etf_tax_exempt else frozenset(),
                rounding=rounding,
            )
            if tax_enabled
            else None
        )
        self._settlement_days = settlement_days

    @classmethod
    def from_overrides(
        cls,
        calendar: TradingCalendar,
        commission: Decimal | None = None,
        tax: Decimal | None = None,
    ) -> KrxCostModel:
        """The backtest CLI's ``--commission`` / ``--tax``: None keeps the default, ``0``
        disables, any other rate applies to every kind / market / date (ETPs stay exempt)."""
        if tax is not None and check_rate(tax, "--tax") == 0:
            return cls(calendar, commission_rate=commission, tax_enabled=False)
        table = None if tax is None else TransactionTaxTable.flat(tax, "--tax override")
        return cls(calendar, commission_rate=commission, tax_table=table)

    @property
    def commission_schedule(self) -> KrxCommission:
        return self._commission

    @property
    def sell_tax(self) -> KrxSellTax | None:
        """The tax policy, None when tax is disabled."""
        return self._tax

    def _value(self, instrument: Instrument, price: Price, quantity: Quantity) -> Money:
        if not isinstance(instrument, Instrument):
            raise InvalidInputError(f"expected an Instrument, got {instrument!r}")
        if instrument.market is None or instrument.quote_currency != KRW:
            raise InvalidInputError(
                f"{instrument.id}: the KRX cost model prices KRW securities listed on a KRX "
                "market, not this instrument"
            )
        return instrument.notional(price, quantity)

    def commission(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        _check_side(side)
        return self._commission.commission(
            self._value(instrument, price, quantity), instrument.kind
        )

    def tax(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        value = self._value(instrument, price, quantity)
        if _check_side(side) is OrderSide.BUY or self._tax is None:
            return Money.zero(KRW)
        if instrument.kind in self._tax.exempt_kinds:
            return Money.zero(KRW)
        if type(ts_ns) is not int:
            raise InvalidInputError(f"fill timestamp must be int nanoseconds, got {ts_ns!r}")
        settles = self.settlement_date(ts_ns)
        assert instrument.market is not None  # checked by _value
        return self._tax.tax(side, value, instrument.market, instrument.kind, settles)

    def settlement_date(self, ts_ns: int) -> dt.date:
        """The settlement date of a fill at ``ts_ns``: T+n sessions after its KST date."""
        return self._calendar.settlement_date(kst_date(ts_ns), self._settlement_days)


class UpbitCostModel:
    """Upbit's trading fee on both sides, in the quote currency at its precision; no tax.

    ``fee_rates`` maps quote currency codes to rates (default KRW 0.05 %, BTC/USDT 0.25 %);
    ``fee_rate`` sets one rate for every quote market (the CLI's ``--commission``; 0 is free).
    """

    def __init__(
        self,
        fee_rates: Mapping[str, Decimal] | None = None,
        *,
        fee_rate: Decimal | None = None,
        rounding: Rounding = Rounding.DOWN,
    ) -> None:
        if fee_rates is not None and fee_rate is not None:
            raise ConfigError("give fee_rates or one fee_rate, not both")
        if fee_rate is not None:
            rate = check_rate(fee_rate, "Upbit fee rate")
            self._fees = UpbitFees({code: rate for code in UPBIT_FEE_RATES}, rounding)
        elif fee_rates is not None:
            self._fees = UpbitFees(MappingProxyType(dict(fee_rates)), rounding)
        else:
            self._fees = UpbitFees(rounding=rounding)

    @property
    def fees(self) -> UpbitFees:
        return self._fees

    @staticmethod
    def _check(instrument: Instrument) -> Instrument:
        if not isinstance(instrument, Instrument):
            raise InvalidInputError(f"expected an Instrument, got {instrument!r}")
        if instrument.asset_class is not AssetClass.CRYPTO:
            raise InvalidInputError(
                f"{instrument.id}: the Upbit cost model prices crypto pairs, not "
                f"{instrument.asset_class.value} instruments"
            )
        return instrument

    def commission(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        _check_side(side)
        quote = self._check(instrument).quote_currency
        return self._fees.fee(trade_value(price, quantity), quote)

    def tax(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        _check_side(side)
        return Money.zero(self._check(instrument).quote_currency)


class ZeroCostModel:
    """No commission and no tax (the benchmark's zero-cost case; studies of gross returns).

    Answers one shared zero per currency (`Money` is immutable): asked twice per fill."""

    def __init__(self) -> None:
        self._zeros: dict[Currency, Money] = {}
        self._last: Money = Money.zero(KRW)  # the zero asked for last, found by identity

    def _zero(self, instrument: Instrument, side: OrderSide) -> Money:
        if type(side) is not OrderSide:
            _check_side(side)
        currency = instrument.quote_currency
        zero = self._last
        if zero.currency is currency:
            return zero
        found = self._zeros.get(currency)
        if found is None:
            found = self._zeros[currency] = Money.zero(currency)
        self._last = found
        return found

    def commission(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        return self._zero(instrument, side)

    def tax(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        return self._zero(instrument, side)


class CompositeCostModel:
    """Delegates to the model of the instrument's venue (``{"KRX": ..., "UPBIT": ...}``),
    falling back to ``default``; without one, an unknown venue is a configuration error
    rather than a free trade."""

    def __init__(self, by_venue: Mapping[str, CostModel], default: CostModel | None = None) -> None:
        models: dict[Venue, CostModel] = {}
        for venue, model in by_venue.items():
            if not isinstance(model, CostModel):
                raise ConfigError(f"cost model for venue {venue} is not a CostModel: {model!r}")
            models[Venue(venue)] = model
        if default is not None and not isinstance(default, CostModel):
            raise ConfigError(f"default cost model is not a CostModel: {default!r}")
        self._models = MappingProxyType(models)
        self._default = default

    def model_for(self, instrument: Instrument) -> CostModel:
        model = self._models.get(instrument.venue, self._default)
        if model is None:
            raise NoCostModelError(
                f"no cost model for venue {instrument.venue} (instrument {instrument.id}); "
                f"configured: {', '.join(sorted(self._models)) or 'none'}"
            )
        return model

    def commission(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        return self.model_for(instrument).commission(instrument, side, price, quantity, ts_ns)

    def tax(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        return self.model_for(instrument).tax(instrument, side, price, quantity, ts_ns)
