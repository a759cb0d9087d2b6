"""`Instrument` <-> a row of ``instruments``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import AssetClass, Instrument, InstrumentKind, Market
from jts.domain.values import Currency, Money
from jts.storage.mappers.exact import currency_of, fixed_to_db, money_to_db, quantity_from_db


def instrument_to_row(instrument: Instrument) -> dict[str, Any]:
    return {
        "instrument_id": str(instrument.id),
        "symbol": str(instrument.symbol),
        "venue": str(instrument.venue),
        "name": instrument.name,
        "name_ko": instrument.name_ko,
        "asset_class": instrument.asset_class.value,
        "kind": instrument.kind.value,
        "market": None if instrument.market is None else instrument.market.value,
        "quote_currency": instrument.quote_currency.code,
        "base_currency": None
        if instrument.base_currency is None
        else instrument.base_currency.code,
        "price_precision": instrument.price_precision,
        "size_precision": instrument.size_precision,
        "lot_size": fixed_to_db(instrument.lot_size),
        "min_quantity": fixed_to_db(instrument.min_quantity),
        "min_notional": None
        if instrument.min_notional is None
        else money_to_db(instrument.min_notional),
        "isin": instrument.isin,
        "listing_date": instrument.listing_date,
        "delisting_date": instrument.delisting_date,
    }


def instrument_from_row(row: Mapping[Any, Any]) -> Instrument:
    """Rebuild (and so re-validate) the instrument a row describes."""
    quote = currency_of(row["quote_currency"])
    base_code = row["base_currency"]
    # A crypto base currency is created on first sight, as `upbit_spot` does: no amount in it is
    # stored in this row, so its precision cannot be misread here.
    base = None if base_code is None else Currency.of(base_code, create=True)
    min_notional = row["min_notional"]
    return Instrument(
        id=InstrumentId(row["instrument_id"]),
        name=row["name"],
        name_ko=row["name_ko"],
        asset_class=AssetClass(row["asset_class"]),
        kind=InstrumentKind(row["kind"]),
        market=None if row["market"] is None else Market(row["market"]),
        quote_currency=quote,
        base_currency=base,
        price_precision=row["price_precision"],
        size_precision=row["size_precision"],
        lot_size=quantity_from_db(row["lot_size"]),
        min_quantity=quantity_from_db(row["min_quantity"]),
        min_notional=None if min_notional is None else Money(min_notional, quote),
        isin=row["isin"],
        listing_date=row["listing_date"],
        delisting_date=row["delisting_date"],
    )
