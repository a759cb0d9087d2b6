"""Pure parsing of WebSocket records into domain objects: ticks, books and execution notices.

This is the hot path of a live feed (hundreds of ticks a second across 40+ symbols), so it is
written for speed: the payload is split once with ``str.split("^")`` and records are read by
index from that list; instrument ids and KST timestamps are cached (one instrument id per
symbol, one epoch value per date and second); integers go straight to ``Price.from_raw`` and only
text with a decimal point takes the slower exact parse. Nothing here does I/O or keeps state
beyond those caches, so the same input always gives the same output.

Trade ids are deterministic, ``<BSOP_DATE>-<ACML_VOL>`` (the day and the cumulative volume after
the trade), so a tick replayed after a reconnect carries the id it had the first time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import msgspec

from jts.adapters.kis.errors import KisFrameError
from jts.adapters.kis.frames import BOOK_FIELDS, NOTICE_FIELDS, TICK_FIELDS, record_layout
from jts.core.errors import JtsError
from jts.core.time import KST, NANOS_PER_DAY, NANOS_PER_HOUR, dt_to_ns
from jts.domain.enums import OrderSide
from jts.domain.identifiers import KRX, InstrumentId, TradeId, Venue
from jts.domain.market_data import (
    AggressorSide,
    BookLevel,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from jts.domain.values import Price, Quantity

__all__ = [
    "KisNotice",
    "ParseResult",
    "StreamParser",
    "TickRecord",
    "normalize_odno",
    "parse_price",
    "parse_quantity",
    "tick_records",
]

_AGGRESSOR: Final = {"1": AggressorSide.BUYER, "5": AggressorSide.SELLER}
_SIDES: Final = {"01": OrderSide.SELL, "02": OrderSide.BUY}
_CACHE_LIMIT: Final = 200_000
_new_str: Final = str.__new__
# field positions (brokers.md §2)
_T_SYMBOL, _T_HOUR, _T_PRICE, _T_QTY, _T_ACML_VOL, _T_SIDE, _T_DATE = 0, 1, 2, 12, 13, 21, 33
_B_SYMBOL, _B_HOUR, _B_HOUR_CLS = 0, 1, 2
_B_ASK_PX, _B_BID_PX, _B_ASK_QTY, _B_BID_QTY = 3, 13, 23, 33


def parse_price(text: str) -> Price:
    """KIS price text (``"70100"``, ``"70050.0000"``) to an exact `Price`."""
    try:
        return Price.from_raw(int(text), 0)
    except ValueError:
        return Price(text)


def parse_quantity(text: str) -> Quantity:
    try:
        return Quantity.from_raw(int(text), 0)
    except ValueError:
        return Quantity(text)


class KisNotice(msgspec.Struct, frozen=True, kw_only=True):
    """One H0STCNI0/H0STCNI9 record with typed fields.

    ``cntg_yn`` "2" is a fill, "1" an acknowledgement of an order, modify, cancel or rejection
    [S]. ``rctf_cls`` is 0 new, 1 modify, 2 cancel; ``acpt_yn`` 1 accepted, 2 confirmed, 3 an
    IOC/FOK remainder cancelled by the exchange. On acknowledgements ``qty`` is the order (or
    request) quantity, as python-kis reads it; on fills it is the filled quantity.
    """

    account_no: str
    odno: str
    orig_odno: str
    side: OrderSide
    rctf_cls: str
    ord_dvsn: str
    symbol: str
    qty: int
    price: Price | None
    hhmmss: str
    rejected: bool
    cntg_yn: str
    acpt_yn: str
    order_qty: int
    order_price: Price | None
    exchange: str

    @property
    def is_fill(self) -> bool:
        return self.cntg_yn == "2"


class TickRecord(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """The fields of one H0STCNT0 record that make a trade tick, still as text: the cheapest
    typed form of a record (a struct built from list slots, no per-field conversion)."""

    symbol: str
    hhmmss: str
    price: str
    qty: str
    acml_vol: str
    side: str
    date: str


def tick_records(payload: str, count: int) -> tuple[list[TickRecord], int]:
    """A tick frame's records as `TickRecord` structs, and the number of extra fields per
    record (schema drift); fewer fields than known is a `KisFrameError`."""
    fields = payload.split("^")
    layout = record_layout("H0STCNT0", len(fields), count, TICK_FIELDS)
    f = fields
    return [
        TickRecord(f[b], f[b + 1], f[b + 2], f[b + 12], f[b + 13], f[b + 21], f[b + 33])
        for b in range(0, len(fields), layout.stride)
    ], layout.extra


class ParseResult(msgspec.Struct, kw_only=True):
    """What one frame produced: the objects, per-record errors, and drift (extra fields)."""

    items: list[object]
    errors: list[KisFrameError]
    extra_fields: int = 0


def normalize_odno(text: str) -> str:
    """Order numbers are zero-padded to 10 digits in some replies and not in others."""
    value = text.strip()
    return value.zfill(10) if value.isdigit() else value


class StreamParser:
    """Records to domain objects for one venue; keeps only id and timestamp caches."""

    def __init__(self, venue: Venue = KRX) -> None:
        self._venue = venue
        self._ids: dict[str, InstrumentId] = {}
        self._times: dict[str, int] = {}
        self._prices: dict[str, Price] = {}
        self._sizes: dict[str, Quantity] = {}

    def instrument_id(self, symbol: str) -> InstrumentId:
        found = self._ids.get(symbol)
        if found is None:
            found = self._ids[symbol] = InstrumentId(f"{symbol}.{self._venue}")
        return found

    def _kst_ns(self, yyyymmdd: str, hhmmss: str) -> int:
        key = yyyymmdd + hhmmss
        found = self._times.get(key)
        if found is not None:
            return found
        if len(yyyymmdd) != 8 or len(hhmmss) != 6 or not key.isdigit():
            raise KisFrameError(f"bad KIS date/time {yyyymmdd!r} {hhmmss!r}")
        try:
            moment = dt.datetime(
                int(yyyymmdd[:4]),
                int(yyyymmdd[4:6]),
                int(yyyymmdd[6:]),
                int(hhmmss[:2]),
                int(hhmmss[2:4]),
                int(hhmmss[4:]),
                tzinfo=KST,
            )
        except ValueError as exc:
            raise KisFrameError(f"bad KIS date/time {yyyymmdd!r} {hhmmss!r}: {exc}") from exc
        if len(self._times) > _CACHE_LIMIT:
            self._times.clear()
        value = self._times[key] = dt_to_ns(moment)
        return value

    # ---- H0STCNT0 -----------------------------------------------------------------------------
    def trade_ticks(self, payload: str, count: int, ts_init: int) -> ParseResult:
        """Every record of a tick frame; a bad record is an error, the others still parse."""
        fields = payload.split("^")
        layout = record_layout("H0STCNT0", len(fields), count, TICK_FIELDS)
        stride = layout.stride
        ticks: list[object] = []
        errors: list[KisFrameError] = []
        ids, times, prices, sizes = self._ids, self._times, self._prices, self._sizes
        aggressor = _AGGRESSOR
        none = AggressorSide.NO_AGGRESSOR
        for base in range(0, len(fields), stride):
            try:
                symbol = fields[base]
                date = fields[base + _T_DATE]
                hhmmss = fields[base + _T_HOUR]
                ts = times.get(date + hhmmss)
                if ts is None:
                    ts = self._kst_ns(date, hhmmss)
                price_text = fields[base + _T_PRICE]
                price = prices.get(price_text)
                if price is None:
                    price = self._price(price_text)
                size_text = fields[base + _T_QTY]
                size = sizes.get(size_text)
                if size is None:
                    size = self._size(size_text)
                volume = fields[base + _T_ACML_VOL]
                if not (volume.isdigit() and volume.isascii()):
                    raise KisFrameError(f"ACML_VOL must be digits, got {volume!r}")
                ticks.append(
                    TradeTick(
                        instrument_id=ids.get(symbol) or self.instrument_id(symbol),
                        price=price,
                        size=size,
                        aggressor_side=aggressor.get(fields[base + _T_SIDE], none),
                        # date and volume are checked ASCII digits: the id matches TradeId's
                        # pattern, so its regex need not run again on this hot path
                        trade_id=_new_str(TradeId, f"{date}-{volume}"),
                        ts_event=ts,
                        ts_init=ts_init,
                    )
                )
            except (JtsError, ValueError) as exc:
                errors.append(_record_error("H0STCNT0", base // stride, fields, base, exc))
        return ParseResult(items=ticks, errors=errors, extra_fields=layout.extra)

    def _price(self, text: str) -> Price:
        if len(self._prices) > _CACHE_LIMIT:
            self._prices.clear()
        value = self._prices[text] = parse_price(text)
        return value

    def _size(self, text: str) -> Quantity:
        if len(self._sizes) > _CACHE_LIMIT:
            self._sizes.clear()
        value = self._sizes[text] = parse_quantity(text)
        return value

    # ---- H0STASP0 -----------------------------------------------------------------------------
    def books(self, payload: str, count: int, ts_init: int) -> ParseResult:
        """Order book snapshots; the frame has no date, so the KST date of ``ts_init`` is used
        (moved back a day when that puts the book more than an hour in the future: a frame
        stamped 23:59:59 that arrives after midnight)."""
        fields = payload.split("^")
        layout = record_layout("H0STASP0", len(fields), count, BOOK_FIELDS)
        stride = layout.stride
        books: list[object] = []
        errors: list[KisFrameError] = []
        today = _kst_yyyymmdd(ts_init)
        for base in range(0, len(fields), stride):
            try:
                ts = self._kst_ns(today, fields[base + _B_HOUR])
                if ts > ts_init + NANOS_PER_HOUR:
                    ts -= NANOS_PER_DAY
                books.append(
                    OrderBookSnapshot(
                        instrument_id=self.instrument_id(fields[base + _B_SYMBOL]),
                        bids=_levels(fields, base + _B_BID_PX, base + _B_BID_QTY),
                        asks=_levels(fields, base + _B_ASK_PX, base + _B_ASK_QTY),
                        sequence=0,
                        ts_event=ts,
                        ts_init=ts_init,
                    )
                )
            except (JtsError, ValueError) as exc:
                errors.append(_record_error("H0STASP0", base // stride, fields, base, exc))
        return ParseResult(items=books, errors=errors, extra_fields=layout.extra)

    @staticmethod
    def quote_from_book(book: OrderBookSnapshot, in_auction: bool = False) -> QuoteTick | None:
        """The best bid and ask as a quote; None when a side is empty (at a daily limit)."""
        if not book.bids or not book.asks:
            return None
        bid, ask = book.bids[0], book.asks[0]
        return QuoteTick(
            instrument_id=book.instrument_id,
            bid_price=bid.price,
            ask_price=ask.price,
            bid_size=bid.size,
            ask_size=ask.size,
            ts_event=book.ts_event,
            ts_init=book.ts_init,
            allow_crossed=in_auction,
        )

    # ---- H0STCNI0 / H0STCNI9 ------------------------------------------------------------------
    def notices(self, tr_id: str, payload: str, count: int) -> ParseResult:
        fields = payload.split("^")
        layout = record_layout(tr_id, len(fields), count, NOTICE_FIELDS)
        stride = layout.stride
        notices: list[object] = []
        errors: list[KisFrameError] = []
        for base in range(0, len(fields), stride):
            try:
                notices.append(_notice(fields[base : base + stride]))
            except (JtsError, ValueError) as exc:
                errors.append(_record_error(tr_id, base // stride, fields, base, exc))
        return ParseResult(items=notices, errors=errors, extra_fields=layout.extra)


def _kst_yyyymmdd(ts_ns: int) -> str:
    seconds = (ts_ns + 9 * NANOS_PER_HOUR) // 1_000_000_000
    day = dt.date(1970, 1, 1) + dt.timedelta(days=seconds // 86_400)
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _levels(fields: Sequence[str], price_at: int, qty_at: int) -> tuple[BookLevel, ...]:
    """Up to ten levels; a level with price or size 0 is empty (beyond the daily limit)."""
    levels = []
    for i in range(10):
        price_text, qty_text = fields[price_at + i], fields[qty_at + i]
        if price_text in ("0", "") or qty_text in ("0", ""):
            continue
        levels.append(BookLevel(parse_price(price_text), parse_quantity(qty_text)))
    return tuple(levels)


def _optional_price(text: str) -> Price | None:
    text = text.strip()
    if not text or text.strip("0.") == "":
        return None
    return parse_price(text)


def _notice(f: Sequence[str]) -> KisNotice:
    side = _SIDES.get(f[4].strip())
    if side is None:
        raise KisFrameError(f"notice SELN_BYOV_CLS must be 01 or 02, got {f[4]!r}")
    cntg_yn = f[13].strip()
    if cntg_yn not in ("1", "2"):
        raise KisFrameError(f"notice CNTG_YN must be 1 or 2, got {f[13]!r}")
    return KisNotice(
        account_no=f[1].strip(),
        odno=normalize_odno(f[2]),
        orig_odno=normalize_odno(f[3]),
        side=side,
        rctf_cls=f[5].strip() or "0",
        ord_dvsn=f[6].strip(),
        symbol=f[8].strip(),
        qty=int(f[9]),
        price=_optional_price(f[10]),
        hhmmss=f[11].strip(),
        rejected=f[12].strip() == "1",
        cntg_yn=cntg_yn,
        acpt_yn=f[14].strip(),
        order_qty=int(f[16] or "0"),
        order_price=_optional_price(f[25]),
        exchange=f[19].strip(),
    )


def _record_error(
    tr_id: str, index: int, fields: Sequence[str], base: int, exc: Exception
) -> KisFrameError:
    head = "^".join(fields[base : base + 3])
    return KisFrameError(f"{tr_id} record {index} ({head}...) is invalid: {exc}")
