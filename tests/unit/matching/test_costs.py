"""Cost models: KRX commission and sell tax by the fill's T+2 settlement date (real XKRX
calendar), Upbit fees in the quote currency, overrides, zero costs and venue routing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jts.calendar import CryptoCalendar, NotASessionError, XkrxCalendar
from jts.core.errors import ConfigError, InvalidInputError
from jts.core.time import kst_to_ns
from jts.domain.enums import OrderSide
from jts.domain.fees import KrxCommission, TransactionTaxTable
from jts.domain.identifiers import NXT
from jts.domain.instruments import Instrument, InstrumentKind, Market, krx_equity, upbit_spot
from jts.domain.values import BTC, KRW, Money, Price, Quantity
from jts.matching.costs import (
    CompositeCostModel,
    KrxCostModel,
    NoCostModelError,
    UpbitCostModel,
    ZeroCostModel,
)
from jts.ports.costs import CostModel

D = dt.date
BUY, SELL = OrderSide.BUY, OrderSide.SELL
SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
ECOPRO = krx_equity("247540", "EcoPro BM", Market.KOSDAQ)
KODEX = krx_equity("069500", "KODEX 200", Market.KOSPI, InstrumentKind.ETF)
SAMSUNG_NXT = krx_equity("005930", "Samsung Electronics", Market.KOSPI, venue=NXT)
KRW_BTC = upbit_spot("KRW-BTC")
BTC_ETH = upbit_spot("BTC-ETH")
# 127 shares at 9,721 KRW = 1,234,567 KRW
PRICE, QTY = Price(9721), Quantity(127)


def krw(amount: int) -> Money:
    return Money(amount, KRW)


def kst(day: dt.date, hhmmss: str = "100000") -> int:
    return kst_to_ns(day, hhmmss)


@pytest.fixture(scope="module")
def xkrx() -> XkrxCalendar:
    return XkrxCalendar(D(2019, 1, 1), D(2027, 12, 31)).build()


@pytest.fixture(scope="module")
def krx(xkrx: XkrxCalendar) -> KrxCostModel:
    return KrxCostModel(xkrx)


def test_every_model_implements_the_port(krx: KrxCostModel) -> None:
    composite = CompositeCostModel({"KRX": krx})
    for model in (krx, UpbitCostModel(), ZeroCostModel(), composite):
        assert isinstance(model, CostModel)


def test_golden_kospi_sell_settling_in_2025(krx: KrxCostModel) -> None:
    ts = kst(D(2025, 3, 4))
    assert krx.commission(SAMSUNG, SELL, PRICE, QTY, ts) == krw(173)  # 0.0140527 %, truncated
    assert krx.tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(1851)  # 0.15 %, truncated


def test_buys_pay_commission_and_no_tax(krx: KrxCostModel) -> None:
    ts = kst(D(2025, 3, 4))
    assert krx.commission(SAMSUNG, BUY, PRICE, QTY, ts) == krw(173)
    assert krx.tax(SAMSUNG, BUY, PRICE, QTY, ts) == krw(0)


@pytest.mark.parametrize(
    ("trade", "hhmmss", "tax"),
    [
        (D(2024, 12, 26), "100000", 2221),  # settles 2024-12-30: 0.03 % + 0.15 %
        (D(2024, 12, 27), "100000", 1851),  # settles 2025-01-02: the 2025 rate
        (D(2024, 12, 27), "170000", 1851),  # after-hours trade, same trade date
        (D(2025, 12, 26), "100000", 1851),  # settles 2025-12-30, the last 2025 settlement
        (D(2025, 12, 29), "100000", 2468),  # settles 2026-01-02: 0.05 % + 0.15 %
        (D(2025, 12, 30), "100000", 2468),  # settles 2026-01-05
    ],
)
def test_tax_rate_follows_the_t_plus_2_settlement_date(
    krx: KrxCostModel, trade: dt.date, hhmmss: str, tax: int
) -> None:
    assert krx.tax(SAMSUNG, SELL, PRICE, QTY, kst(trade, hhmmss)) == krw(tax)


def test_the_trade_date_is_the_kst_date_of_the_fill(krx: KrxCostModel) -> None:
    # 2024-12-26T15:30Z is 2024-12-27 00:30 KST: KST trade date 12-27, settling 2025-01-02
    ts = kst(D(2024, 12, 27), "003000")
    assert krx.settlement_date(ts) == D(2025, 1, 2)
    assert krx.tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(1851)


def test_kosdaq_and_etf(krx: KrxCostModel, xkrx: XkrxCalendar) -> None:
    ts = kst(D(2024, 6, 12))
    assert krx.tax(ECOPRO, SELL, PRICE, QTY, ts) == krw(2222)  # 0.18 %, no rural tax
    assert krx.commission(KODEX, SELL, PRICE, QTY, ts) == krw(180)  # 0.0146527 %
    assert krx.tax(KODEX, SELL, PRICE, QTY, ts) == krw(0)
    taxed = KrxCostModel(xkrx, etf_tax_exempt=False)
    assert taxed.tax(KODEX, SELL, PRICE, QTY, ts) == krw(2221)


def test_nxt_listed_shares_are_priced_like_krx(krx: KrxCostModel) -> None:
    ts = kst(D(2025, 3, 4))
    assert krx.tax(SAMSUNG_NXT, SELL, PRICE, QTY, ts) == krw(1851)


def test_rate_overrides(xkrx: XkrxCalendar) -> None:
    ts = kst(D(2025, 3, 4))
    assert KrxCostModel(xkrx, commission_rate=Decimal(0)).commission(
        SAMSUNG, SELL, PRICE, QTY, ts
    ) == krw(0)
    flat = KrxCostModel(xkrx, commission_rate=Decimal("0.00015"))
    assert flat.commission(KODEX, BUY, PRICE, QTY, ts) == krw(185)  # one rate for every kind
    assert KrxCostModel(xkrx, tax_enabled=False).tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(0)
    table = TransactionTaxTable.flat(Decimal("0.001"))
    assert KrxCostModel(xkrx, tax_table=table).tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(1234)


def test_cli_overrides(xkrx: XkrxCalendar) -> None:
    ts = kst(D(2025, 3, 4))
    default = KrxCostModel.from_overrides(xkrx)
    assert default.commission(SAMSUNG, SELL, PRICE, QTY, ts) == krw(173)
    assert default.tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(1851)
    free = KrxCostModel.from_overrides(xkrx, commission=Decimal(0), tax=Decimal(0))
    assert free.commission(SAMSUNG, SELL, PRICE, QTY, ts) == krw(0)
    assert free.tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(0)
    assert free.sell_tax is None
    flat = KrxCostModel.from_overrides(xkrx, tax=Decimal("0.002"))
    assert flat.tax(ECOPRO, SELL, PRICE, QTY, ts) == krw(2469)
    assert flat.tax(KODEX, SELL, PRICE, QTY, ts) == krw(0)  # ETPs stay exempt
    with pytest.raises(ConfigError, match="--tax"):
        KrxCostModel.from_overrides(xkrx, tax=Decimal("-0.1"))


def test_full_commission_schedule(xkrx: XkrxCalendar) -> None:
    schedule = KrxCommission(minimum=krw(500))
    model = KrxCostModel(xkrx, commission=schedule)
    assert model.commission_schedule is schedule
    assert model.commission(SAMSUNG, BUY, PRICE, QTY, kst(D(2025, 3, 4))) == krw(500)
    with pytest.raises(ConfigError, match="not both"):
        KrxCostModel(xkrx, commission_rate=Decimal("0.0001"), commission=schedule)


def test_settlement_days_are_configurable(xkrx: XkrxCalendar) -> None:
    same_day = KrxCostModel(xkrx, settlement_days=0)
    assert same_day.tax(SAMSUNG, SELL, PRICE, QTY, kst(D(2024, 12, 27))) == krw(2221)
    with pytest.raises(ConfigError, match="settlement_days"):
        KrxCostModel(xkrx, settlement_days=-1)


def test_a_fill_on_a_holiday_is_refused(krx: KrxCostModel) -> None:
    with pytest.raises(NotASessionError, match="2025-01-28"):
        krx.tax(SAMSUNG, SELL, PRICE, QTY, kst(D(2025, 1, 28)))


def test_bad_input(krx: KrxCostModel) -> None:
    ts = kst(D(2025, 3, 4))
    with pytest.raises(InvalidInputError, match="KRW-BTC"):
        krx.commission(KRW_BTC, BUY, Price("1000"), Quantity("1"), ts)
    with pytest.raises(InvalidInputError, match="OrderSide"):
        krx.tax(SAMSUNG, "SELL", PRICE, QTY, ts)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="TradingCalendar"):
        KrxCostModel(object())  # type: ignore[arg-type]


# ---- Upbit ------------------------------------------------------------------------------------
def test_upbit_fees_in_the_quote_currency() -> None:
    model = UpbitCostModel()
    ts = kst(D(2025, 1, 1), "030000")
    # 143,250,000 x 0.00012345 = 17,684.2125 KRW x 0.05 % = 8.84 -> 8 KRW
    price, qty = KRW_BTC.make_price("143250000"), KRW_BTC.make_qty("0.00012345")
    assert model.commission(KRW_BTC, BUY, price, qty, ts) == krw(8)
    assert model.commission(KRW_BTC, SELL, price, qty, ts) == krw(8)
    assert model.tax(KRW_BTC, SELL, price, qty, ts) == krw(0)
    # 0.03512345 x 1.23456789 BTC x 0.25 % = 0.000108405... -> 0.00010840 BTC
    eth_price, eth_qty = BTC_ETH.make_price("0.03512345"), BTC_ETH.make_qty("1.23456789")
    assert model.commission(BTC_ETH, BUY, eth_price, eth_qty, ts) == Money("0.00010840", BTC)
    assert model.tax(BTC_ETH, BUY, eth_price, eth_qty, ts) == Money.zero(BTC)


def test_upbit_rate_overrides() -> None:
    ts = kst(D(2025, 1, 1))
    price, qty = KRW_BTC.make_price("100000000"), KRW_BTC.make_qty("0.01")
    assert UpbitCostModel(fee_rate=Decimal(0)).commission(KRW_BTC, BUY, price, qty, ts) == krw(0)
    custom = UpbitCostModel({"KRW": Decimal("0.00139")})
    assert custom.commission(KRW_BTC, BUY, price, qty, ts) == krw(1390)
    with pytest.raises(ConfigError, match="BTC"):
        custom.commission(BTC_ETH, BUY, BTC_ETH.make_price("0.03"), BTC_ETH.make_qty("1"), ts)
    with pytest.raises(ConfigError, match="not both"):
        UpbitCostModel({"KRW": Decimal("0.001")}, fee_rate=Decimal("0.001"))


def test_upbit_refuses_securities() -> None:
    with pytest.raises(InvalidInputError, match="crypto"):
        UpbitCostModel().commission(SAMSUNG, BUY, PRICE, QTY, kst(D(2025, 3, 4)))


# ---- zero and composite -----------------------------------------------------------------------
@pytest.mark.parametrize("instrument", [SAMSUNG, BTC_ETH])
def test_zero_costs_in_the_quote_currency(instrument: Instrument) -> None:
    model = ZeroCostModel()
    price, qty = instrument.make_price("1"), instrument.make_qty("1")
    zero = Money.zero(instrument.quote_currency)
    assert model.commission(instrument, SELL, price, qty, 0) == zero
    assert model.tax(instrument, SELL, price, qty, 0) == zero


def test_composite_routes_by_venue(krx: KrxCostModel) -> None:
    composite = CompositeCostModel({"KRX": krx, "UPBIT": UpbitCostModel()})
    ts = kst(D(2025, 3, 4))
    assert composite.tax(SAMSUNG, SELL, PRICE, QTY, ts) == krw(1851)
    price, qty = KRW_BTC.make_price("143250000"), KRW_BTC.make_qty("0.00012345")
    assert composite.commission(KRW_BTC, SELL, price, qty, ts) == krw(8)
    assert composite.model_for(SAMSUNG) is krx
    with pytest.raises(NoCostModelError, match="NXT"):
        composite.commission(SAMSUNG_NXT, SELL, PRICE, QTY, ts)
    fallback = CompositeCostModel({"UPBIT": UpbitCostModel()}, default=ZeroCostModel())
    assert fallback.commission(SAMSUNG, SELL, PRICE, QTY, ts) == krw(0)


def test_composite_refuses_non_models(krx: KrxCostModel) -> None:
    with pytest.raises(ConfigError, match="KRX"):
        CompositeCostModel({"KRX": object()})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="default"):
        CompositeCostModel({"KRX": krx}, default=object())  # type: ignore[arg-type]


def test_the_settlement_date_comes_from_the_calendar() -> None:
    # a KRX model on an always-open calendar: tax by trade date (no T+2 shift possible)
    model = KrxCostModel(CryptoCalendar())
    assert model.tax(SAMSUNG, SELL, PRICE, QTY, kst(D(2024, 12, 27))) == krw(2221)
