"""Instruments: construction rules, value builders, order checks, encodability."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from jts.core.errors import (
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    ParseError,
    PrecisionError,
)
from jts.domain.identifiers import Identifier, InstrumentId
from jts.domain.instruments import (
    UPBIT_MIN_ORDER,
    AssetClass,
    BelowMinNotionalError,
    Instrument,
    InstrumentKind,
    InvalidInstrumentError,
    Market,
    is_valid_isin,
    isin_check_digit,
    krx_equity,
    upbit_spot,
)
from jts.domain.tick_rules import (
    KOSDAQ_BEFORE_2023,
    KOSPI_BEFORE_2023,
    KRX_EQUITY_2023,
    KRX_ETP,
    UPBIT_KRW_2024,
    UPBIT_KRW_2025,
    NoTickSchemeError,
)
from jts.domain.values import BTC, KRW, USD, Currency, Money, Price, Quantity, Rounding

DAY = dt.date(2024, 6, 3)


@pytest.fixture
def samsung() -> Instrument:
    return krx_equity(
        "005930", "Samsung Electronics", Market.KOSPI, name_ko="삼성전자", isin="KR7005930003"
    )


@pytest.fixture
def btc() -> Instrument:
    return upbit_spot("KRW-BTC", name_ko="비트코인")


def _fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": InstrumentId("005930.KRX"),
        "name": "Samsung Electronics",
        "asset_class": AssetClass.EQUITY,
        "kind": InstrumentKind.STOCK,
        "quote_currency": KRW,
        "price_precision": 0,
        "size_precision": 0,
        "lot_size": Quantity(1),
        "min_quantity": Quantity(1),
        "market": Market.KOSPI,
    }
    fields.update(overrides)
    return fields


# ---- ISIN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("US037833100", 5),  # Apple, the usual ISO 6166 example
        ("KR700593000", 3),  # Samsung Electronics
        ("KR700593100", 1),  # Samsung Electronics preferred
        ("KR712263000", 7),  # KODEX Leverage
        ("DE000BAY001", 7),  # Bayer: letters inside the body
    ],
)
def test_isin_check_digit(body: str, digit: int) -> None:
    assert isin_check_digit(body) == digit
    assert is_valid_isin(f"{body}{digit}")
    assert not is_valid_isin(f"{body}{(digit + 1) % 10}")


@pytest.mark.parametrize(
    "text", ["kr7005930003", "KR700593000", "KR70059300033", "KR700593000X", "1R7005930003", ""]
)
def test_malformed_isins_are_invalid(text: str) -> None:
    assert not is_valid_isin(text)


def test_isin_body_must_be_11_characters() -> None:
    with pytest.raises(InvalidInputError, match="11 ASCII letters/digits"):
        isin_check_digit("KR70059300")


# ---- construction ------------------------------------------------------------------------------


def test_krx_equity_factory(samsung: Instrument) -> None:
    assert samsung.id == "005930.KRX"
    assert samsung.venue == "KRX"
    assert samsung.symbol == "005930"
    assert samsung.asset_class is AssetClass.EQUITY
    assert samsung.kind is InstrumentKind.STOCK
    assert samsung.market is Market.KOSPI
    assert samsung.quote_currency is KRW
    assert samsung.base_currency is None
    assert (samsung.price_precision, samsung.size_precision) == (0, 0)
    assert samsung.lot_size == 1
    assert samsung.min_quantity == 1
    assert samsung.min_notional is None
    assert samsung.name_ko == "삼성전자"
    assert samsung.isin == "KR7005930003"


def test_letter_codes_since_2024_are_accepted() -> None:
    assert krx_equity("0001A0", "New listing", Market.KOSDAQ).symbol == "0001A0"


@pytest.mark.parametrize("code", ["5930", "0059300", "00593a", "005 30", "005-30"])
def test_malformed_krx_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInputError, match=r"6 characters|malformed symbol"):
        krx_equity(code, "x", Market.KOSPI)


def test_malformed_krx_code_message() -> None:
    with pytest.raises(InvalidInstrumentError) as exc:
        krx_equity("00593a", "x", Market.KOSPI)
    assert str(exc.value) == (
        "instrument 00593a.KRX: KRX short code must be 6 characters [0-9A-Z] (e.g. 005930), "
        "got '00593a'"
    )


def test_upbit_spot_factory(btc: Instrument) -> None:
    assert btc.id == "KRW-BTC.UPBIT"
    assert btc.asset_class is AssetClass.CRYPTO
    assert btc.kind is InstrumentKind.SPOT
    assert btc.market is None
    assert btc.quote_currency is KRW
    assert btc.base_currency is BTC
    assert btc.name == "Bitcoin"
    assert btc.min_notional == Money(5_000, KRW)
    assert btc.lot_size == Quantity("0.00000001")
    assert btc.min_quantity == Quantity("0.00000001")
    assert (btc.price_precision, btc.size_precision) == (8, 8)


def test_upbit_minimums_per_quote_market_and_override() -> None:
    assert upbit_spot("BTC-ETH").min_notional == Money("0.00005", BTC)
    assert upbit_spot("USDT-BTC").min_notional == UPBIT_MIN_ORDER["USDT"]
    assert upbit_spot("KRW-ETH", min_notional=Money(10_000, KRW)).min_notional == Money(10_000, KRW)
    new_coin = upbit_spot("KRW-ZZTESTCOIN")
    assert new_coin.base_currency == Currency.of("ZZTESTCOIN")


@pytest.mark.parametrize("code", ["BTCKRW", "krw-btc", "KRW-", "-BTC", "KRW_BTC", "KRW-BTC-X"])
def test_malformed_upbit_markets_are_refused(code: str) -> None:
    with pytest.raises(InvalidInstrumentError, match=r"QUOTE-BASE \(e\.g\. KRW-BTC\)"):
        upbit_spot(code)


def test_upbit_min_notional_in_another_currency_is_refused() -> None:
    with pytest.raises(InvalidInstrumentError, match="not in the quote currency KRW"):
        upbit_spot("KRW-BTC", min_notional=Money("1", USD))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": InstrumentKind.SPOT}, "kind SPOT is not an EQUITY kind"),
        ({"market": None}, "needs its market"),
        ({"quote_currency": USD}, "KRX lists KRW-quoted securities only"),
        ({"name": "  "}, "name must be a non-empty string"),
        ({"price_precision": 19}, "price_precision must be an int in 0..18"),
        ({"size_precision": -1}, "size_precision must be an int in 0..18"),
        ({"lot_size": Quantity(0)}, "lot_size must be a positive Quantity"),
        ({"lot_size": Quantity("0.5")}, "lot_size 0.5 has more decimals than size_precision 0"),
        ({"lot_size": Quantity(10), "min_quantity": Quantity(15)}, "not a multiple of the lot 10"),
        ({"min_notional": Money(-1, KRW)}, "min_notional must be non-negative Money"),
        ({"min_notional": Money(1, USD)}, "not in the quote currency KRW"),
        ({"isin": "KR7005930004"}, "fails the ISO 6166 check digit"),
        ({"isin": "KR70059300"}, "is malformed"),
        ({"name_ko": ""}, "name_ko must be a non-empty string"),
        ({"listing_date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "listing_date must be a date"),
        (
            {"listing_date": dt.date(2020, 1, 2), "delisting_date": dt.date(2020, 1, 1)},
            "delisting date 2020-01-01 is before listing date 2020-01-02",
        ),
        ({"id": "005930.KRX"}, "must be an InstrumentId"),
        ({"asset_class": "EQUITY"}, "bad asset class"),
    ],
)
def test_inconsistent_definitions_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInstrumentError, match=message):
        Instrument(**_fields(**overrides))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"market": Market.KOSDAQ}, "crypto has no KRX market"),
        ({"base_currency": None}, "needs its base currency"),
        ({"base_currency": Currency.of("ETH")}, "does not match quote KRW and base ETH"),
        ({"asset_class": AssetClass.EQUITY, "kind": InstrumentKind.STOCK}, "needs its market"),
        (
            {
                "asset_class": AssetClass.EQUITY,
                "kind": InstrumentKind.STOCK,
                "market": Market.KOSPI,
            },
            "Upbit lists crypto pairs only",
        ),
    ],
)
def test_inconsistent_crypto_definitions_are_refused(
    overrides: dict[str, Any], message: str
) -> None:
    fields = _fields(
        id=InstrumentId("KRW-BTC.UPBIT"),
        asset_class=AssetClass.CRYPTO,
        kind=InstrumentKind.SPOT,
        market=None,
        base_currency=BTC,
    )
    fields.update(overrides)
    with pytest.raises(InvalidInstrumentError, match=message):
        Instrument(**fields)


def test_other_venues_are_not_format_checked() -> None:
    sim = Instrument(**_fields(id=InstrumentId("TEST1.SIM")))
    assert sim.venue == "SIM"
    with pytest.raises(NoTickSchemeError, match="unknown venue"):
        sim.tick_scheme(DAY)


def test_instruments_are_immutable_values(samsung: Instrument) -> None:
    with pytest.raises(AttributeError):
        samsung.name = "x"  # type: ignore[misc]
    twin = krx_equity(
        "005930", "Samsung Electronics", Market.KOSPI, name_ko="삼성전자", isin="KR7005930003"
    )
    assert twin == samsung
    assert hash(twin) == hash(samsung)
    assert twin != krx_equity("005930", "Samsung Electronics", Market.KOSPI)


def test_listing_window() -> None:
    lges = krx_equity(
        "373220",
        "LG Energy Solution",
        Market.KOSPI,
        listing_date=dt.date(2022, 1, 27),
        delisting_date=dt.date(2030, 1, 2),
    )
    assert not lges.is_listed_on(dt.date(2022, 1, 26))
    assert lges.is_listed_on(dt.date(2022, 1, 27))
    assert lges.is_listed_on(dt.date(2030, 1, 1))
    assert not lges.is_listed_on(dt.date(2030, 1, 2))


# ---- value builders ----------------------------------------------------------------------------


def test_make_price_and_qty(samsung: Instrument, btc: Instrument) -> None:
    assert samsung.make_price("70000") == Price(70_000)
    assert samsung.make_price(70_000).precision == 0
    assert samsung.make_price(Decimal("70000.000")) == 70_000
    assert samsung.make_qty("10") == Quantity(10)
    assert btc.make_price("150000000").precision == 8
    assert btc.make_qty("0.00000001") == Quantity("0.00000001")


def test_too_many_decimals_raise_precision_error(samsung: Instrument, btc: Instrument) -> None:
    with pytest.raises(PrecisionError) as exc:
        samsung.make_price("70000.5")
    assert str(exc.value) == "005930.KRX: price 70000.5 has more than the 0 decimals allowed"
    with pytest.raises(PrecisionError, match=r"quantity 1\.5 has more than the 0 decimals"):
        samsung.make_qty("1.5")
    with pytest.raises(PrecisionError, match=r"KRW-BTC\.UPBIT: quantity 0\.000000001"):
        btc.make_qty("0.000000001")
    with pytest.raises(PrecisionError, match="more than the 8 decimals"):
        btc.make_price(Decimal("0.000000011"))


def test_builders_refuse_floats_and_junk(samsung: Instrument) -> None:
    with pytest.raises(TypeError, match="floats are not accepted"):
        samsung.make_price(70000.0)  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="not a decimal number"):
        samsung.make_price("7O000")
    with pytest.raises(InvalidQuantityError, match="cannot be negative"):
        samsung.make_qty("-1")


# ---- order checks ------------------------------------------------------------------------------


def test_tick_scheme_by_date(samsung: Instrument, btc: Instrument) -> None:
    assert samsung.tick_scheme(dt.date(2023, 1, 24)) is KOSPI_BEFORE_2023
    assert samsung.tick_scheme(dt.date(2023, 1, 25)) is KRX_EQUITY_2023
    kosdaq = krx_equity("247540", "EcoPro BM", Market.KOSDAQ)
    assert kosdaq.tick_scheme(dt.date(2022, 12, 1)) is KOSDAQ_BEFORE_2023
    etf = krx_equity("069500", "KODEX 200", Market.KOSPI, InstrumentKind.ETF)
    assert etf.tick_scheme(DAY) is KRX_ETP
    assert btc.tick_scheme(dt.date(2025, 7, 30)) is UPBIT_KRW_2024
    assert btc.tick_scheme(dt.date(2025, 7, 31)) is UPBIT_KRW_2025


def test_check_order_price_on_the_grid(samsung: Instrument) -> None:
    samsung.check_order_price(Price(70_100), DAY)
    with pytest.raises(InvalidPriceError) as exc:
        samsung.check_order_price(Price(70_050), DAY)
    assert str(exc.value) == (
        "005930.KRX: price 70,050 is off the 100 KRW tick for 50,000-200,000 (krx-equity-2023)"
    )
    # 150,100 was off the old KOSPI 500 KRW tick, valid after the 2023 reform
    with pytest.raises(InvalidPriceError, match="off the 500 KRW tick"):
        samsung.check_order_price(Price(150_100), dt.date(2022, 12, 1))
    samsung.check_order_price(Price(150_100), dt.date(2023, 1, 25))


@pytest.mark.parametrize("bad", ["0", "-100"])
def test_check_order_price_refuses_non_positive(samsung: Instrument, bad: str) -> None:
    with pytest.raises(
        InvalidPriceError, match=rf"005930\.KRX: order price must be positive, got {bad}"
    ):
        samsung.check_order_price(Price(bad), DAY)


def test_check_order_price_refuses_extra_decimals(samsung: Instrument) -> None:
    with pytest.raises(InvalidPriceError, match=r"price 70100\.5 has more than the 0 decimals"):
        samsung.check_order_price(Price("70100.5"), DAY)
    samsung.check_order_price(Price("70100.00"), DAY)  # same value, trailing zeros are fine


def test_check_order_price_against_daily_limits(samsung: Instrument) -> None:
    base = Price(70_000)
    samsung.check_order_price(Price(91_000), DAY, base_price=base)
    samsung.check_order_price(Price(49_000), DAY, base_price=base)
    with pytest.raises(InvalidPriceError) as exc:
        samsung.check_order_price(Price(91_100), DAY, base_price=base)
    assert str(exc.value) == (
        "005930.KRX: price 91,100 is above the upper limit 91,000 (base 70,000, +30 %)"
    )
    with pytest.raises(InvalidPriceError, match="below the lower limit 49,000"):
        samsung.check_order_price(Price(48_950), DAY, base_price=base)
    limits = samsung.daily_limits(base, DAY)
    assert (limits.lower, limits.upper) == (Price(49_000), Price(91_000))


def test_daily_limits_only_where_modelled(btc: Instrument) -> None:
    with pytest.raises(InvalidInputError, match="UPBIT has no daily price limits"):
        btc.check_order_price(Price(100_000_000), DAY, base_price=Price(100_000_000))
    elw = krx_equity("580001", "Some ELW", Market.KOSPI, InstrumentKind.ELW)
    elw.check_order_price(Price(105), DAY)
    with pytest.raises(InvalidInputError, match="ELWs follow the underlying"):
        elw.check_order_price(Price(105), DAY, base_price=Price(100))


def test_upbit_order_prices(btc: Instrument) -> None:
    btc.check_order_price(Price("150000000"), DAY)
    with pytest.raises(InvalidPriceError, match="off the 1,000 KRW tick"):
        btc.check_order_price(Price("150000500"), DAY)


def test_check_order_quantity(samsung: Instrument, btc: Instrument) -> None:
    samsung.check_order_quantity(Quantity(1))
    samsung.check_order_quantity(Quantity(1_000))
    with pytest.raises(InvalidQuantityError, match=r"005930\.KRX: order quantity must be positive"):
        samsung.check_order_quantity(Quantity(0))
    with pytest.raises(InvalidQuantityError, match=r"quantity 1\.5 is not a multiple of the lot 1"):
        samsung.check_order_quantity(Quantity("1.5"))
    btc.check_order_quantity(Quantity("0.00012345"))
    with pytest.raises(InvalidQuantityError, match=r"not a multiple of the lot 0\.00000001"):
        btc.check_order_quantity(Quantity("0.000000015"))
    tens = Instrument(**_fields(lot_size=Quantity(10), min_quantity=Quantity(20)))
    with pytest.raises(InvalidQuantityError, match="quantity 10 is below the minimum 20"):
        tens.check_order_quantity(Quantity(10))
    with pytest.raises(InvalidQuantityError, match="not a multiple of the lot 10"):
        tens.check_order_quantity(Quantity(25))
    tens.check_order_quantity(Quantity(30))
    # another precision than the lot's takes the general checks, with the same answers
    tens.check_order_quantity(Quantity("30.0"))
    with pytest.raises(InvalidQuantityError, match="not a multiple of the lot 10"):
        tens.check_order_quantity(Quantity("25.0"))


def test_notional(samsung: Instrument, btc: Instrument) -> None:
    assert samsung.notional(Price(70_000), Quantity(10)) == Money(700_000, KRW)
    price, qty = Price(99_990_000), Quantity("0.00005")
    with pytest.raises(PrecisionError, match="not a whole amount of KRW; name a rounding"):
        btc.notional(price, qty)
    assert btc.notional(price, qty, Rounding.DOWN) == Money(4_999, KRW)
    assert btc.notional(price, qty, Rounding.NEAREST) == Money(5_000, KRW)
    assert btc.notional(Price(100_000_000), Quantity("0.0001")) == Money(10_000, KRW)


def test_min_notional(samsung: Instrument, btc: Instrument) -> None:
    with pytest.raises(BelowMinNotionalError) as exc:
        btc.check_min_notional(Price(99_990_000), Quantity("0.00005"))
    assert str(exc.value) == (
        "KRW-BTC.UPBIT: order value 4,999.5 KRW (price 99,990,000 x quantity 0.00005) "
        "is below the minimum 5,000 KRW"
    )
    assert isinstance(exc.value, InvalidQuantityError)
    btc.check_min_notional(Price(100_000_000), Quantity("0.00005"))  # exactly 5,000
    samsung.check_min_notional(Price(1), Quantity(1))  # no minimum on KRX
    btc_market = upbit_spot("BTC-ETH")
    with pytest.raises(BelowMinNotionalError, match=r"below the minimum 0\.00005 BTC"):
        btc_market.check_min_notional(Price("0.05"), Quantity("0.0009"))
    btc_market.check_min_notional(Price("0.05"), Quantity("0.001"))


# ---- encoding ----------------------------------------------------------------------------------


def _enc(obj: object) -> object:
    if isinstance(obj, Currency):
        return obj.code
    if isinstance(obj, Price | Quantity | Money | Identifier):
        return str(obj)
    raise NotImplementedError(type(obj))


def _dec(kind: type, obj: Any) -> object:
    if kind is Currency:
        return Currency.of(obj)
    if kind is Money:
        return Money.from_str(obj)
    if kind in (Price, Quantity, InstrumentId):
        return kind(obj)
    raise NotImplementedError(kind)


def test_round_trips_through_a_string_codec(samsung: Instrument, btc: Instrument) -> None:
    """The fields are the domain types a codec maps to strings; decoding validates again."""
    for instrument in (samsung, btc):
        data = msgspec.json.encode(instrument, enc_hook=_enc)
        back = msgspec.json.decode(data, type=Instrument, dec_hook=_dec)
        assert back == instrument
        assert type(back.id) is InstrumentId
    data = msgspec.json.encode(btc, enc_hook=_enc).replace(b"KRW-BTC.", b"KRW-ETH.")
    with pytest.raises(msgspec.ValidationError, match="does not match quote KRW and base BTC"):
        msgspec.json.decode(data, type=Instrument, dec_hook=_dec)
