"""The bundled reference instruments: content, validity, and the parser's bad-input paths."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from jts.core.errors import InvalidInputError, ParseError
from jts.domain.instruments import (
    AssetClass,
    Instrument,
    InstrumentKind,
    InvalidInstrumentError,
    Market,
    is_valid_isin,
)
from jts.domain.reference import load_reference_instruments, parse_reference_instruments
from jts.domain.tick_rules import KRX_EQUITY_2023, KRX_ETP, UPBIT_KRW_2025
from jts.domain.values import KRW, Money


@pytest.fixture(scope="module")
def by_id() -> dict[str, Instrument]:
    return {str(i.id): i for i in load_reference_instruments()}


def test_the_file_holds_the_expected_names(by_id: dict[str, Instrument]) -> None:
    krx = {
        "005930",
        "005935",
        "000660",
        "373220",
        "005380",
        "035420",
        "035720",
        "068270",
        "105560",
        "005490",
        "069500",
        "122630",
        "247540",
        "196170",
        "028300",
    }
    assert set(by_id) == {f"{code}.KRX" for code in krx} | {
        "KRW-BTC.UPBIT",
        "KRW-ETH.UPBIT",
        "KRW-XRP.UPBIT",
    }
    assert len(load_reference_instruments()) == len(by_id)  # no duplicates


def test_samsung_rows(by_id: dict[str, Instrument]) -> None:
    common, preferred = by_id["005930.KRX"], by_id["005935.KRX"]
    assert (common.name, common.name_ko, common.isin) == (
        "Samsung Electronics",
        "삼성전자",
        "KR7005930003",
    )
    assert common.listing_date == dt.date(1975, 6, 11)
    # a preferred share's ISIN does not embed its short code
    assert (preferred.name_ko, preferred.isin) == ("삼성전자우", "KR7005931001")


def test_kinds_and_markets(by_id: dict[str, Instrument]) -> None:
    etfs = {k for k, i in by_id.items() if i.kind is InstrumentKind.ETF}
    assert etfs == {"069500.KRX", "122630.KRX"}
    kosdaq = {k for k, i in by_id.items() if i.market is Market.KOSDAQ}
    assert kosdaq == {"247540.KRX", "196170.KRX", "028300.KRX"}
    for instrument in by_id.values():
        if instrument.venue == "KRX":
            assert instrument.asset_class is AssetClass.EQUITY
            assert instrument.isin is not None
            assert is_valid_isin(instrument.isin)
            assert instrument.isin.startswith("KR7")
            assert instrument.name_ko


def test_krx_rows_use_the_right_tick_tables(by_id: dict[str, Instrument]) -> None:
    day = dt.date(2024, 6, 3)
    for instrument in by_id.values():
        if instrument.venue != "KRX":
            continue
        expected = KRX_ETP if instrument.kind is InstrumentKind.ETF else KRX_EQUITY_2023
        assert instrument.tick_scheme(day) is expected


def test_upbit_rows(by_id: dict[str, Instrument]) -> None:
    btc = by_id["KRW-BTC.UPBIT"]
    assert (btc.name, btc.name_ko) == ("Bitcoin", "비트코인")
    assert by_id["KRW-ETH.UPBIT"].name == "Ethereum"
    assert by_id["KRW-XRP.UPBIT"].name_ko == "엑스알피(리플)"
    for code in ("KRW-BTC", "KRW-ETH", "KRW-XRP"):
        instrument = by_id[f"{code}.UPBIT"]
        assert instrument.asset_class is AssetClass.CRYPTO
        assert instrument.min_notional == Money(5_000, KRW)
        assert instrument.tick_scheme(dt.date(2025, 8, 1)) is UPBIT_KRW_2025


def test_each_load_reads_afresh() -> None:
    first, second = load_reference_instruments(), load_reference_instruments()
    assert first == second
    assert first is not second


# ---- the parser's bad-input paths ------------------------------------------------------------


def _doc(**overrides: Any) -> bytes:
    doc: dict[str, Any] = {
        "krx": [{"symbol": "005930", "market": "KOSPI", "kind": "STOCK", "name": "Samsung"}],
        "upbit": [{"market": "KRW-BTC", "name": "Bitcoin"}],
    }
    doc.update(overrides)
    return json.dumps(doc).encode()


def test_parse_minimal_document() -> None:
    instruments = parse_reference_instruments(_doc())
    assert [str(i.id) for i in instruments] == ["005930.KRX", "KRW-BTC.UPBIT"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "malformed"),
        (_doc(krx=[{"symbol": "005930", "market": "NYSE", "kind": "STOCK", "name": "x"}]), "NYSE"),
        (
            _doc(
                krx=[{"symbol": "005930", "market": "KOSPI", "kind": "STOCK", "name": "x", "px": 1}]
            ),
            "unknown field",
        ),
        (_doc(upbit=[{"name": "Bitcoin"}]), "missing required field `market`"),
        (
            _doc(
                krx=[
                    {
                        "symbol": "005930",
                        "market": "KOSPI",
                        "kind": "STOCK",
                        "name": "x",
                        "listing_date": "1975-13-01",
                    }
                ]
            ),
            "date",
        ),
    ],
)
def test_parse_errors_name_the_file(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=rf"reference instrument file test\.json: .*{message}"):
        parse_reference_instruments(data, "test.json")


def test_rows_are_validated_like_any_instrument() -> None:
    bad_isin = _doc(
        krx=[
            {
                "symbol": "005930",
                "market": "KOSPI",
                "kind": "STOCK",
                "name": "x",
                "isin": "KR7005930004",
            }
        ]
    )
    with pytest.raises(InvalidInstrumentError, match="ISO 6166 check digit"):
        parse_reference_instruments(bad_isin)
    with pytest.raises(InvalidInputError, match="QUOTE-BASE"):
        parse_reference_instruments(_doc(upbit=[{"market": "BTC", "name": "x"}]))


def test_duplicate_ids_are_refused() -> None:
    row = {"symbol": "005930", "market": "KOSPI", "kind": "STOCK", "name": "x"}
    with pytest.raises(ParseError, match=r"duplicate ids \['005930\.KRX'\]"):
        parse_reference_instruments(_doc(krx=[row, row]))
