"""A small bundled set of real instruments for tests, examples and the simulator.

The data lives in ``jts/domain/data/reference_instruments.json`` (package data, read through
`importlib.resources` so it works from a wheel or a zip) and is read only when asked for: no
file is touched at import time. Every row goes through the same factories and validation as an
instrument from a broker, so a typo in the file fails loudly instead of becoming a bad order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from importlib import resources
from typing import Final

import msgspec

from jts.core.errors import ParseError
from jts.domain.instruments import Instrument, krx_equity, upbit_spot
from jts.domain.tick_rules import InstrumentKind, Market

__all__ = ["REFERENCE_FILE", "load_reference_instruments", "parse_reference_instruments"]

REFERENCE_FILE: Final = "reference_instruments.json"


class _KrxRow(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    symbol: str
    market: Market
    kind: InstrumentKind
    name: str
    name_ko: str | None = None
    isin: str | None = None
    listing_date: dt.date | None = None


class _UpbitRow(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    market: str
    name: str
    name_ko: str | None = None


class _ReferenceFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    krx: list[_KrxRow]
    upbit: list[_UpbitRow]
    notes: list[str] = []


def parse_reference_instruments(data: bytes, source: str = REFERENCE_FILE) -> list[Instrument]:
    """Instruments from the JSON layout of the bundled file (``source`` names it in errors)."""
    try:
        content = msgspec.json.decode(data, type=_ReferenceFile)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise ParseError(f"reference instrument file {source}: {exc}") from exc
    instruments = [
        krx_equity(
            row.symbol,
            row.name,
            row.market,
            row.kind,
            name_ko=row.name_ko,
            isin=row.isin,
            listing_date=row.listing_date,
        )
        for row in content.krx
    ]
    instruments.extend(
        upbit_spot(row.market, name=row.name, name_ko=row.name_ko) for row in content.upbit
    )
    counts = Counter(instrument.id for instrument in instruments)
    duplicates = sorted(str(iid) for iid, count in counts.items() if count > 1)
    if duplicates:
        raise ParseError(f"reference instrument file {source}: duplicate ids {duplicates}")
    return instruments


def load_reference_instruments() -> list[Instrument]:
    """The bundled instruments, KRX first then Upbit, in file order."""
    data = resources.files("jts.domain").joinpath("data", REFERENCE_FILE).read_bytes()
    return parse_reference_instruments(data)
