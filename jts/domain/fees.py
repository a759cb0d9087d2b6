"""Trading costs as data: KRX sell tax and broker commission, Upbit fees. Pure and exact.

Rates are `Decimal` fractions (0.0015 = 0.15 %); every charge is computed from the exact trade
value with rational arithmetic and rounded once, onto the currency grid, by a named
`Rounding` (default truncation: KRX taxes and fees are cut to the won [M: krx.md §6-7]). The
Decimal context is never involved, so a 16-decimal crypto value times a rate cannot be
rounded silently before the final step.

Tax rates change by decree and apply by **settlement date** (a sell on 2024-12-27 settled on
2025-01-02 and paid the 2025 rate, krx.md §5), so the tax table is a list of periods with
effective dates, not code; the caller (a cost model holding a calendar) supplies the date.
This module knows no calendar.

Sources: [S] seen in the cited source, [M] from memory / unverified (krx.md conventions).
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from jts.core.errors import ConfigError, CurrencyMismatchError, InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.tick_rules import InstrumentKind, Market
from jts.domain.values import BTC, KRW, USDT, Currency, Money, Price, Quantity, Rounding

__all__ = [
    "ETP_KINDS",
    "KIS_ONLINE_ETP_RATE",
    "KIS_ONLINE_STOCK_RATE",
    "KRX_TRANSACTION_TAX",
    "UPBIT_FEE_RATES",
    "FeeConfigError",
    "KrxCommission",
    "KrxSellTax",
    "TaxPeriod",
    "TaxRates",
    "TransactionTaxTable",
    "UpbitFees",
    "apply_rate",
    "check_rate",
    "trade_value",
]


class FeeConfigError(ConfigError):
    """A fee or tax rate, table or schedule is invalid; the message names the value and rule."""


# ---- exact arithmetic ---------------------------------------------------------------------------
def check_rate(rate: object, what: str = "rate") -> Decimal:
    """A rate as a finite `Decimal` in [0, 1); int and decimal text are accepted, floats are not
    (0.1 is not exactly a tenth). A rate of 1 or more is refused as a certain typo (a percent
    figure given as a fraction would be 100 times too large the other way, and is caught by no
    rule; hence the docstrings' habit of writing both forms)."""
    if isinstance(rate, bool | float):
        raise FeeConfigError(f"{what} must be a Decimal, int or decimal text, got {rate!r}")
    if isinstance(rate, int | str):
        try:
            rate = Decimal(rate.strip() if isinstance(rate, str) else rate)
        except ArithmeticError:
            raise FeeConfigError(f"{what} is not a decimal number: {rate!r}") from None
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise FeeConfigError(f"{what} must be a finite Decimal, got {rate!r}")
    if not Decimal(0) <= rate < Decimal(1):
        raise FeeConfigError(f"{what} must be in [0, 1) (0.0015 = 0.15 %), got {rate}")
    return rate


def _as_fraction(value: Decimal | Money) -> Fraction:
    if isinstance(value, Money):
        return Fraction(value.raw, 10**value.currency.precision)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInputError(f"a trade value must be a finite Decimal or Money, got {value!r}")
    return Fraction(value)


def _round(amount: Fraction, rounding: Rounding) -> int:
    whole, remainder = divmod(amount.numerator, amount.denominator)  # floor division
    if remainder == 0 or rounding is Rounding.DOWN:
        return whole
    if rounding is Rounding.UP:
        return whole + 1
    twice = 2 * remainder  # NEAREST, ties away from zero
    if twice > amount.denominator or (twice == amount.denominator and amount > 0):
        return whole + 1
    return whole


def trade_value(price: Price, quantity: Quantity) -> Decimal:
    """``price x quantity`` exactly, at the sum of both precisions (built from text, so the
    Decimal context cannot round it)."""
    return Decimal(f"{price.raw * quantity.raw}E-{price.precision + quantity.precision}")


def apply_rate(
    value: Decimal | Money, rate: Decimal, currency: Currency, rounding: Rounding = Rounding.DOWN
) -> Money:
    """``value x rate`` on ``currency``'s grid, rounded once. Values must be non-negative (a
    cost is charged on what changed hands, never on a signed amount)."""
    if isinstance(value, Money) and value.currency != currency:
        raise CurrencyMismatchError(f"a charge in {currency.code} on a value of {value}")
    exact = _as_fraction(value)
    if exact < 0:
        raise InvalidInputError(f"a trade value cannot be negative, got {value}")
    charge = exact * Fraction(check_rate(rate)) * 10**currency.precision
    return Money.from_raw(_round(charge, rounding), currency)


# ---- KRX securities transaction tax -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TaxRates:
    """The seller's tax on one market: 증권거래세 plus, on KOSPI, 농어촌특별세 (rural special
    tax), kept apart because statements show (and round) them as separate lines."""

    transaction: Decimal
    rural_special: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "transaction", check_rate(self.transaction, "transaction tax"))
        object.__setattr__(
            self, "rural_special", check_rate(self.rural_special, "rural special tax")
        )

    @property
    def total(self) -> Decimal:
        return self.transaction + self.rural_special


@dataclass(frozen=True, slots=True)
class TaxPeriod:
    """Rates by market for sells settling on or after ``effective_from``, until the next period.

    ``source`` names where the figures come from and whether they are [S] or [M].
    """

    effective_from: dt.date
    kospi: TaxRates
    kosdaq: TaxRates
    konex: TaxRates
    source: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.effective_from, dt.datetime) or not isinstance(
            self.effective_from, dt.date
        ):
            raise FeeConfigError(f"effective_from must be a date, got {self.effective_from!r}")
        for rates in (self.kospi, self.kosdaq, self.konex):
            if not isinstance(rates, TaxRates):
                raise FeeConfigError(f"tax rates must be TaxRates, got {rates!r}")

    def for_market(self, market: Market) -> TaxRates:
        if market is Market.KOSPI:
            return self.kospi
        if market is Market.KOSDAQ:
            return self.kosdaq
        if market is Market.KONEX:
            return self.konex
        raise InvalidInputError(f"no transaction tax rates for market {market!r}")


@dataclass(frozen=True, slots=True)
class TransactionTaxTable:
    """Tax periods in date order; the first one applies to every earlier date too."""

    periods: tuple[TaxPeriod, ...]
    _starts: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        periods = tuple(self.periods)
        for period in periods:
            if not isinstance(period, TaxPeriod):
                raise FeeConfigError(f"tax table rows must be TaxPeriod, got {period!r}")
        if not periods:
            raise FeeConfigError("a transaction tax table needs at least one period")
        for earlier, later in itertools.pairwise(periods):
            if not earlier.effective_from < later.effective_from:
                raise FeeConfigError(
                    f"tax periods must have strictly increasing dates: {earlier.effective_from} "
                    f"is followed by {later.effective_from}"
                )
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "_starts", tuple(p.effective_from for p in periods))

    @classmethod
    def flat(cls, rate: Decimal, source: str = "flat override") -> TransactionTaxTable:
        """One rate for every market and date (the backtest's ``--tax`` override)."""
        rates = TaxRates(check_rate(rate, "tax rate"))
        return cls((TaxPeriod(dt.date.min, rates, rates, rates, source),))

    def period_on(self, settlement_date: dt.date) -> TaxPeriod:
        if isinstance(settlement_date, dt.datetime) or not isinstance(settlement_date, dt.date):
            raise InvalidInputError(f"settlement date must be a date, got {settlement_date!r}")
        return self.periods[max(bisect_right(self._starts, settlement_date) - 1, 0)]

    def rates(self, market: Market, settlement_date: dt.date) -> TaxRates:
        return self.period_on(settlement_date).for_market(market)


def _pct(text: str) -> Decimal:
    """Rates in the table are written in percent, as the sources write them."""
    return Decimal(text) / 100


def _kospi(transaction_pct: str) -> TaxRates:
    # KOSPI sells pay the rural special tax of 0.15 % on top [S: krx.md §6]
    return TaxRates(_pct(transaction_pct), _pct("0.15"))


def _only(pct: str) -> TaxRates:
    return TaxRates(_pct(pct))


#: Sell-side tax by settlement date (krx.md §6). KOSDAQ and KONEX pay no rural special tax.
KRX_TRANSACTION_TAX: Final = TransactionTaxTable(
    (
        # [M] before the 2019 cut: 0.15 % + 0.15 % / 0.30 % / 0.10 %, as the task fixes them;
        # applied to every earlier date, although rates changed before (e.g. KONEX) [M].
        TaxPeriod(dt.date.min, _kospi("0.15"), _only("0.30"), _only("0.10"), "[M]"),
        # [S: fntimes.com 2019-04-02; hankookilbo 2019-05-21] the 2019 cut; sells from
        # 2019-05-30 settled from 2019-06-03, so any June settlement date selects it.
        TaxPeriod(dt.date(2019, 6, 1), _kospi("0.10"), _only("0.25"), _only("0.10"), "[S]"),
        # [S: hankyung 2020-07-22 plan; M that it applied unchanged in 2021-2022]
        TaxPeriod(dt.date(2021, 1, 1), _kospi("0.08"), _only("0.23"), _only("0.10"), "[S/M]"),
        # [S: 2026 articles call 2026 a return to the 2023 level]
        TaxPeriod(dt.date(2023, 1, 1), _kospi("0.05"), _only("0.20"), _only("0.10"), "[S]"),
        # [S: moneymindsite.com, m.hygood.co.kr notice 1419]
        TaxPeriod(dt.date(2024, 1, 1), _kospi("0.03"), _only("0.18"), _only("0.10"), "[S]"),
        # [S: same notices; applied from sells of 2024-12-27, settling 2025-01-02]
        TaxPeriod(dt.date(2025, 1, 1), _kospi("0.00"), _only("0.15"), _only("0.10"), "[S]"),
        # [S: donga.com 2025-12-01; magazine.hankyung.com 2025-12-01; livein.co.kr]
        TaxPeriod(dt.date(2026, 1, 1), _kospi("0.05"), _only("0.20"), _only("0.10"), "[S]"),
    )
)

#: ETFs, ETNs and ELWs pay no securities transaction tax on sale [M: krx.md §6, §11].
ETP_KINDS: Final = frozenset({InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW})


@dataclass(frozen=True, slots=True)
class KrxSellTax:
    """How a KRX sell is taxed: the rate table, which kinds are exempt, and the rounding.

    ``round_each_component`` rounds the transaction tax and the rural special tax separately
    and adds them, as brokers' statements show them [M]; with False the combined rate is
    applied once. The two differ by at most one won.
    """

    table: TransactionTaxTable = KRX_TRANSACTION_TAX
    exempt_kinds: frozenset[InstrumentKind] = ETP_KINDS
    rounding: Rounding = Rounding.DOWN
    round_each_component: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.table, TransactionTaxTable):
            raise FeeConfigError(f"table must be a TransactionTaxTable, got {self.table!r}")
        object.__setattr__(self, "exempt_kinds", frozenset(self.exempt_kinds))
        if not isinstance(self.rounding, Rounding):
            raise FeeConfigError(f"rounding must be a Rounding, got {self.rounding!r}")

    def tax(
        self,
        side: OrderSide,
        value: Money,
        market: Market,
        kind: InstrumentKind,
        settlement_date: dt.date,
    ) -> Money:
        """The tax on one sell of ``value`` KRW settling on ``settlement_date``; zero for buys
        and exempt kinds."""
        _require_krw(value, "taxed value")
        if side is OrderSide.BUY or kind in self.exempt_kinds:
            return Money.zero(KRW)
        rates = self.table.rates(market, settlement_date)
        if not self.round_each_component:
            return apply_rate(value, rates.total, KRW, self.rounding)
        return apply_rate(value, rates.transaction, KRW, self.rounding) + apply_rate(
            value, rates.rural_special, KRW, self.rounding
        )


def _require_krw(value: Money, what: str) -> None:
    if not isinstance(value, Money):
        raise InvalidInputError(f"{what} must be Money, got {value!r}")
    if value.currency != KRW:
        raise CurrencyMismatchError(f"{what} must be in KRW, got {value}")


# ---- KRX broker commission ----------------------------------------------------------------------
#: KIS non-face-to-face (online/BanKIS) accounts, both sides, exchange fees included
#: [S: krx.md §7, bullroit.net KIS fee summary]: 0.0140527 % for stocks, 0.0146527 % for
#: ETF/ETN/ELW.
KIS_ONLINE_STOCK_RATE: Final = _pct("0.0140527")
KIS_ONLINE_ETP_RATE: Final = _pct("0.0146527")


@dataclass(frozen=True, slots=True)
class KrxCommission:
    """A broker's commission schedule for one account: a rate for stocks, one for ETPs
    (ETF/ETN/ELW), charged on both sides, rounded (default truncated to the won), with an
    optional minimum per fill (which then exceeds ``value x rate`` for small fills)."""

    stock_rate: Decimal = KIS_ONLINE_STOCK_RATE
    etp_rate: Decimal = KIS_ONLINE_ETP_RATE
    minimum: Money | None = None
    rounding: Rounding = Rounding.DOWN

    def __post_init__(self) -> None:
        object.__setattr__(self, "stock_rate", check_rate(self.stock_rate, "stock_rate"))
        object.__setattr__(self, "etp_rate", check_rate(self.etp_rate, "etp_rate"))
        if self.minimum is not None:
            _require_krw(self.minimum, "minimum commission")
            if self.minimum.raw < 0:
                raise FeeConfigError(f"minimum commission cannot be negative: {self.minimum}")
        if not isinstance(self.rounding, Rounding):
            raise FeeConfigError(f"rounding must be a Rounding, got {self.rounding!r}")

    @classmethod
    def flat(
        cls, rate: Decimal, minimum: Money | None = None, rounding: Rounding = Rounding.DOWN
    ) -> KrxCommission:
        """One rate for every kind (the backtest's ``--commission`` override; 0 charges
        nothing)."""
        checked = check_rate(rate, "commission rate")
        return cls(stock_rate=checked, etp_rate=checked, minimum=minimum, rounding=rounding)

    def rate_for(self, kind: InstrumentKind) -> Decimal:
        return self.etp_rate if kind in ETP_KINDS else self.stock_rate

    def commission(self, value: Money, kind: InstrumentKind) -> Money:
        _require_krw(value, "commissioned value")
        fee = apply_rate(value, self.rate_for(kind), KRW, self.rounding)
        if self.minimum is not None and value.raw > 0 and fee < self.minimum:
            return self.minimum
        return fee


# ---- Upbit ------------------------------------------------------------------------------------
#: Upbit trading fee by quote market, both sides, charged in the quote currency
#: [S: brokers.md §4.5 (CCXT)]: KRW market 0.05 %, BTC and USDT markets 0.25 %.
UPBIT_FEE_RATES: Final[Mapping[str, Decimal]] = MappingProxyType(
    {KRW.code: _pct("0.05"), BTC.code: _pct("0.25"), USDT.code: _pct("0.25")}
)


@dataclass(frozen=True, slots=True)
class UpbitFees:
    """Upbit's fee rates by quote currency code and the rounding onto that currency's
    precision (KRW 0, BTC 8, USDT 6 decimals); truncation by default [M: how Upbit rounds]."""

    rates: Mapping[str, Decimal] = field(default_factory=lambda: UPBIT_FEE_RATES, hash=False)
    rounding: Rounding = Rounding.DOWN

    def __post_init__(self) -> None:
        if not isinstance(self.rates, Mapping):
            raise FeeConfigError(f"rates must map quote currency codes to rates: {self.rates!r}")
        checked = {
            str(code): check_rate(rate, f"Upbit fee rate for {code}")
            for code, rate in self.rates.items()
        }
        object.__setattr__(self, "rates", MappingProxyType(checked))
        if not isinstance(self.rounding, Rounding):
            raise FeeConfigError(f"rounding must be a Rounding, got {self.rounding!r}")

    def rate_for(self, quote: Currency) -> Decimal:
        rate = self.rates.get(quote.code)
        if rate is None:
            raise FeeConfigError(
                f"no Upbit fee rate for the {quote.code} market; known: {', '.join(self.rates)}"
            )
        return rate

    def fee(self, value: Decimal | Money, quote: Currency) -> Money:
        """The fee on an exact trade value (e.g. `trade_value(price, qty)`) in ``quote``."""
        return apply_rate(value, self.rate_for(quote), quote, self.rounding)
