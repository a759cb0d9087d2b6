"""Fee and tax tables: hand-computed golden numbers, every table boundary, Upbit precision,
validation, and properties (never negative, never above value x rate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import CurrencyMismatchError, InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.fees import (
    ETP_KINDS,
    KIS_ONLINE_ETP_RATE,
    KIS_ONLINE_STOCK_RATE,
    KRX_TRANSACTION_TAX,
    UPBIT_FEE_RATES,
    FeeConfigError,
    KrxCommission,
    KrxSellTax,
    TaxPeriod,
    TaxRates,
    TransactionTaxTable,
    UpbitFees,
    apply_rate,
    check_rate,
    trade_value,
)
from jts.domain.tick_rules import InstrumentKind, Market
from jts.domain.values import BTC, KRW, USD, USDT, Currency, Money, Price, Quantity, Rounding

D = dt.date
SELL, BUY = OrderSide.SELL, OrderSide.BUY
STOCK, ETF, ETN, ELW = (
    InstrumentKind.STOCK,
    InstrumentKind.ETF,
    InstrumentKind.ETN,
    InstrumentKind.ELW,
)
KOSPI, KOSDAQ, KONEX = Market.KOSPI, Market.KOSDAQ, Market.KONEX
VALUE = Money(1_234_567, KRW)
TAX = KrxSellTax()


def krw(amount: int) -> Money:
    return Money(amount, KRW)


# ---- golden numbers, computed by hand on 1,234,567 KRW ----------------------------------------
def test_kis_online_commission_golden() -> None:
    # 1,234,567 x 0.0140527 % = 173.49 -> 173; ETF: x 0.0146527 % = 180.90 -> 180
    assert Decimal("0.000140527") == KIS_ONLINE_STOCK_RATE
    assert Decimal("0.000146527") == KIS_ONLINE_ETP_RATE
    assert KrxCommission().commission(VALUE, STOCK) == krw(173)
    for kind in (ETF, ETN, ELW):
        assert KrxCommission().commission(VALUE, kind) == krw(180)


@pytest.mark.parametrize(
    ("market", "settles", "tax"),
    [
        # 2025: KOSPI 0.00 % + 0.15 % = 1,851.85 -> 1,851
        (KOSPI, D(2025, 1, 2), 1851),
        (KOSDAQ, D(2025, 6, 30), 1851),  # 0.15 %
        # 2024: KOSPI 0.03 % (370.37 -> 370) + 0.15 % (1,851) = 2,221
        (KOSPI, D(2024, 12, 30), 2221),
        (KOSDAQ, D(2024, 12, 30), 2222),  # 0.18 % = 2,222.22
        # 2023 and 2026: 0.05 % (617.28 -> 617) + 0.15 % = 2,468; KOSDAQ 0.20 % = 2,469.13
        (KOSPI, D(2023, 5, 2), 2468),
        (KOSDAQ, D(2023, 5, 2), 2469),
        (KOSPI, D(2026, 1, 5), 2468),
        (KOSDAQ, D(2026, 1, 5), 2469),
        # 2021-2022: 0.08 % (987.65 -> 987) + 1,851 = 2,838; KOSDAQ 0.23 % = 2,839.50
        (KOSPI, D(2022, 6, 1), 2838),
        (KOSDAQ, D(2022, 6, 1), 2839),
        # 2019-06 to 2020: 0.10 % (1,234.57 -> 1,234) + 1,851 = 3,085; KOSDAQ 0.25 % = 3,086.42
        (KOSPI, D(2020, 6, 1), 3085),
        (KOSDAQ, D(2020, 6, 1), 3086),
        # before 2019-06 [M]: 0.15 % + 0.15 % = 3,702; KOSDAQ 0.30 % = 3,703.70
        (KOSPI, D(2018, 1, 2), 3702),
        (KOSDAQ, D(2018, 1, 2), 3703),
        # KONEX 0.10 % throughout: 1,234.567 -> 1,234
        (KONEX, D(2018, 1, 2), 1234),
        (KONEX, D(2025, 1, 2), 1234),
    ],
)
def test_sell_tax_golden(market: Market, settles: dt.date, tax: int) -> None:
    assert TAX.tax(SELL, VALUE, market, STOCK, settles) == krw(tax)


def test_combined_rounding_differs_by_at_most_a_won() -> None:
    combined = KrxSellTax(round_each_component=False)
    assert combined.tax(SELL, VALUE, KOSPI, STOCK, D(2024, 12, 30)) == krw(2222)
    assert combined.tax(SELL, VALUE, KOSPI, STOCK, D(2023, 5, 2)) == krw(2469)


def test_the_2025_cut_applies_by_settlement_date() -> None:
    # a sell on 2024-12-27 settles 2025-01-02 (krx.md §5): the caller passes that date
    assert TAX.tax(SELL, VALUE, KOSPI, STOCK, D(2025, 1, 2)) == krw(1851)
    assert TAX.tax(SELL, VALUE, KOSPI, STOCK, D(2024, 12, 31)) == krw(2221)


def test_buyers_and_etps_pay_no_tax() -> None:
    assert TAX.tax(BUY, VALUE, KOSPI, STOCK, D(2025, 1, 2)) == krw(0)
    for kind in (ETF, ETN, ELW):
        assert TAX.tax(SELL, VALUE, KOSPI, kind, D(2025, 1, 2)) == krw(0)
    assert {ETF, ETN, ELW} == ETP_KINDS


def test_the_etp_exemption_is_configurable() -> None:
    taxed = KrxSellTax(exempt_kinds=frozenset())
    assert taxed.tax(SELL, VALUE, KOSPI, ETF, D(2025, 1, 2)) == krw(1851)


# ---- table boundaries ----------------------------------------------------------------------------
# (first settlement date, KOSPI transaction part, KOSDAQ, KONEX), in percent, from krx.md §6.
EXPECTED_PERIODS = [
    (D(2019, 6, 1), "0.10", "0.25", "0.10"),
    (D(2021, 1, 1), "0.08", "0.23", "0.10"),
    (D(2023, 1, 1), "0.05", "0.20", "0.10"),
    (D(2024, 1, 1), "0.03", "0.18", "0.10"),
    (D(2025, 1, 1), "0.00", "0.15", "0.10"),
    (D(2026, 1, 1), "0.05", "0.20", "0.10"),
]
BEFORE = (D(2019, 5, 31), "0.15", "0.30", "0.10")


def pct(text: str) -> Decimal:
    return Decimal(text) / 100


@pytest.mark.parametrize("index", range(len(EXPECTED_PERIODS)))
def test_each_period_starts_on_its_date(index: int) -> None:
    start, kospi, kosdaq, konex = EXPECTED_PERIODS[index]
    previous = EXPECTED_PERIODS[index - 1] if index else BEFORE
    day_before = start - dt.timedelta(days=1)
    for day, (kospi_pct, kosdaq_pct, konex_pct) in (
        (day_before, previous[1:]),
        (start, (kospi, kosdaq, konex)),
    ):
        assert KRX_TRANSACTION_TAX.rates(KOSPI, day) == TaxRates(pct(kospi_pct), pct("0.15"))
        assert KRX_TRANSACTION_TAX.rates(KOSDAQ, day) == TaxRates(pct(kosdaq_pct))
        assert KRX_TRANSACTION_TAX.rates(KONEX, day) == TaxRates(pct(konex_pct))


def test_the_table_extends_both_ways() -> None:
    assert KRX_TRANSACTION_TAX.rates(KOSPI, D(1990, 1, 1)).total == pct("0.30")
    assert KRX_TRANSACTION_TAX.rates(KOSPI, D(2040, 1, 1)).total == pct("0.20")
    assert all(period.source for period in KRX_TRANSACTION_TAX.periods)


def test_a_flat_table_overrides_every_market_and_date() -> None:
    flat = TransactionTaxTable.flat(Decimal("0.002"))
    for market in (KOSPI, KOSDAQ, KONEX):
        assert flat.rates(market, D(2025, 1, 2)) == TaxRates(Decimal("0.002"))
    assert KrxSellTax(table=flat).tax(SELL, VALUE, KONEX, STOCK, D(2010, 1, 4)) == krw(2469)


# ---- commission schedule --------------------------------------------------------------------
def test_flat_commission_and_zero() -> None:
    assert KrxCommission.flat(Decimal("0.00015")).commission(VALUE, ETF) == krw(185)  # 185.19
    assert KrxCommission.flat(Decimal(0)).commission(VALUE, STOCK) == krw(0)


def test_minimum_commission_applies_to_small_fills_only() -> None:
    schedule = KrxCommission(minimum=krw(100))
    assert schedule.commission(krw(10_000), STOCK) == krw(100)  # 1.41 -> minimum
    assert schedule.commission(krw(100_000_000), STOCK) == krw(14_052)
    assert schedule.commission(krw(0), STOCK) == krw(0)


@pytest.mark.parametrize(
    ("rounding", "expected"), [(Rounding.DOWN, 173), (Rounding.UP, 174), (Rounding.NEAREST, 173)]
)
def test_commission_rounding_is_configurable(rounding: Rounding, expected: int) -> None:
    assert KrxCommission(rounding=rounding).commission(VALUE, STOCK) == krw(expected)


def test_nearest_rounds_half_away_from_zero() -> None:
    # 1,000 x 0.0005 = 0.5 exactly
    assert apply_rate(krw(1000), Decimal("0.0005"), KRW, Rounding.NEAREST) == krw(1)
    assert apply_rate(krw(999), Decimal("0.0005"), KRW, Rounding.NEAREST) == krw(0)


# ---- Upbit ------------------------------------------------------------------------------------
def test_upbit_default_rates() -> None:
    assert dict(UPBIT_FEE_RATES) == {
        "KRW": Decimal("0.0005"),
        "BTC": Decimal("0.0025"),
        "USDT": Decimal("0.0025"),
    }


@pytest.mark.parametrize(
    ("price", "qty", "quote", "rounding", "fee"),
    [
        # 143,250,000 x 0.00012345 = 17,684.2125 KRW; x 0.05 % = 8.84210625
        ("143250000", "0.00012345", KRW, Rounding.DOWN, "8"),
        ("143250000", "0.00012345", KRW, Rounding.UP, "9"),
        ("143250000", "0.00012345", KRW, Rounding.NEAREST, "9"),
        # 0.03512345 x 1.23456789 = 0.0433622835560205 BTC; x 0.25 % = 0.000108405708890...
        ("0.03512345", "1.23456789", BTC, Rounding.DOWN, "0.00010840"),
        ("0.03512345", "1.23456789", BTC, Rounding.NEAREST, "0.00010841"),
        # 65,432.1 x 0.0001234 = 8.07432114 USDT; x 0.25 % = 0.02018580285 -> 6 decimals
        ("65432.1", "0.0001234", USDT, Rounding.DOWN, "0.020185"),
        ("65432.1", "0.0001234", USDT, Rounding.UP, "0.020186"),
    ],
)
def test_upbit_fee_in_the_quote_currency_at_its_precision(
    price: str, qty: str, quote: Currency, rounding: Rounding, fee: str
) -> None:
    value = trade_value(Price(price), Quantity(qty))
    assert UpbitFees(rounding=rounding).fee(value, quote) == Money(fee, quote)


def test_trade_value_is_exact_beyond_the_decimal_context() -> None:
    value = trade_value(Price("123456789012.12345678"), Quantity("98765432109.87654321"))
    exact = Fraction(12345678901212345678, 10**8) * Fraction(9876543210987654321, 10**8)
    assert Fraction(value) == exact  # 39 significant digits, more than Decimal's default 28


def test_upbit_custom_rates_and_unknown_markets() -> None:
    fees = UpbitFees({"KRW": Decimal("0.00139")})
    assert fees.fee(Money(1_000_000, KRW), KRW) == krw(1390)
    with pytest.raises(FeeConfigError, match="USDT"):
        fees.fee(Money("1", USDT), USDT)


# ---- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", [0.0015, True, Decimal("-0.001"), Decimal(1), Decimal("NaN"), "abc", None, "1.5"]
)
def test_bad_rates_are_refused(bad: object) -> None:
    with pytest.raises(FeeConfigError):
        check_rate(bad)


def test_rates_accept_text_and_ints() -> None:
    assert check_rate("0.0015") == Decimal("0.0015")
    assert check_rate(0) == Decimal(0)


def test_bad_tables_are_refused() -> None:
    zero = TaxRates(Decimal(0))
    row = TaxPeriod(D(2020, 1, 1), zero, zero, zero)
    with pytest.raises(FeeConfigError, match="at least one"):
        TransactionTaxTable(())
    with pytest.raises(FeeConfigError, match="strictly increasing"):
        TransactionTaxTable((row, row))
    with pytest.raises(FeeConfigError, match="TaxPeriod"):
        TransactionTaxTable(("2020-01-01",))  # type: ignore[arg-type]
    with pytest.raises(FeeConfigError, match="date"):
        TaxPeriod(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), zero, zero, zero)
    with pytest.raises(FeeConfigError, match="rural special"):
        TaxRates(Decimal(0), Decimal("-0.1"))
    with pytest.raises(InvalidInputError, match="settlement date"):
        KRX_TRANSACTION_TAX.rates(KOSPI, "2025-01-02")  # type: ignore[arg-type]


def test_bad_values_are_refused() -> None:
    with pytest.raises(CurrencyMismatchError):
        KrxCommission().commission(Money(100, USD), STOCK)
    with pytest.raises(CurrencyMismatchError):
        TAX.tax(SELL, Money(100, USD), KOSPI, STOCK, D(2025, 1, 2))
    with pytest.raises(InvalidInputError, match="negative"):
        KrxCommission().commission(krw(-100), STOCK)
    with pytest.raises(CurrencyMismatchError):
        apply_rate(Money(1, USD), Decimal("0.1"), KRW)
    with pytest.raises(InvalidInputError, match="finite"):
        apply_rate(Decimal("Infinity"), Decimal("0.1"), KRW)
    with pytest.raises(FeeConfigError, match="minimum"):
        KrxCommission(minimum=krw(-1))
    with pytest.raises(CurrencyMismatchError):
        KrxCommission(minimum=Money(1, USD))


# ---- properties -------------------------------------------------------------------------------
rates = st.decimals(min_value=0, max_value=Decimal("0.01"), places=9, allow_nan=False)
krw_values = st.integers(0, 10**14).map(krw)


def exact(money: Money) -> Fraction:
    return Fraction(money.raw, 10**money.currency.precision)


@settings(max_examples=300, deadline=None)
@given(value=krw_values, rate=rates)
def test_commission_is_never_negative_nor_above_value_times_rate(
    value: Money, rate: Decimal
) -> None:
    fee = KrxCommission.flat(rate).commission(value, STOCK)
    bound = exact(value) * Fraction(rate)
    assert 0 <= exact(fee) <= bound
    assert bound - exact(fee) < 1  # truncated, never more than a won short


@settings(max_examples=300, deadline=None)
@given(
    value=krw_values,
    market=st.sampled_from(list(Market)),
    settles=st.dates(D(2015, 1, 1), D(2030, 12, 31)),
)
def test_tax_is_never_negative_nor_above_value_times_rate(
    value: Money, market: Market, settles: dt.date
) -> None:
    tax = TAX.tax(SELL, value, market, STOCK, settles)
    bound = exact(value) * Fraction(KRX_TRANSACTION_TAX.rates(market, settles).total)
    assert 0 <= exact(tax) <= bound
    assert bound - exact(tax) < 2  # at most a won short per component


@settings(max_examples=300, deadline=None)
@given(
    price=st.integers(1, 10**17),
    qty=st.integers(1, 10**13),
    quote=st.sampled_from([KRW, BTC, USDT]),
)
def test_upbit_fee_is_never_negative_nor_above_value_times_rate(
    price: int, qty: int, quote: Currency
) -> None:
    value = trade_value(Price.from_raw(price, 8), Quantity.from_raw(qty, 8))
    fee = UpbitFees().fee(value, quote)
    bound = Fraction(value) * Fraction(UPBIT_FEE_RATES[quote.code])
    unit = Fraction(1, 10**quote.precision)
    assert fee.currency == quote
    assert 0 <= exact(fee) <= bound
    assert bound - exact(fee) < unit
