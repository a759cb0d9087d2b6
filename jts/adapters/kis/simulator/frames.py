"""WebSocket frames exactly as KIS sends them (brokers.md §2 and §5).

Data frames are text: ``<enc>|<tr_id>|<count>|<payload>``; the payload is ``count`` records of
``^``-separated fields concatenated with ``^`` (46 fields per H0STCNT0 tick, 59 per H0STASP0 book,
26 per H0STCNI0/9 notice, or 23 in the older notice layout python-kis parses). Notices are
AES-256-CBC encrypted and base64-encoded; ticks and books are plain. Control messages (subscribe
replies, PINGPONG) are JSON with a ``header`` and, for replies, a ``body``.

Every number is rendered from exact integers (ratios through `Decimal`), never from floats.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from jts.adapters.kis.simulator.codes import KisCode
from jts.adapters.kis.simulator.crypto import NoticeCipher
from jts.adapters.kis.simulator.market import SymbolState, TradePrint
from jts.adapters.kis.simulator.venue import ExecutionNotice
from jts.core.time import KST, ns_to_dt

__all__ = [
    "BOOK_FIELDS",
    "NOTICE_FIELDS",
    "NOTICE_FIELDS_LEGACY",
    "TICK_FIELDS",
    "book_record",
    "control_reply",
    "data_frame",
    "hhmmss_of",
    "notice_record",
    "pingpong",
    "price_sign",
    "rate_text",
    "tick_record",
]

TICK_FIELDS = 46
BOOK_FIELDS = 59
NOTICE_FIELDS = 26
NOTICE_FIELDS_LEGACY = 23
_CENT = Decimal("0.01")


def rate_text(numerator: int, denominator: int, scale: int = 100) -> str:
    """``numerator / denominator * scale`` to two decimals, half up ("0.00" on a zero base)."""
    if denominator == 0:
        return "0.00"
    value = Decimal(numerator * scale) / Decimal(denominator)
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def price_sign(price: int, base: int, upper: int, lower: int) -> str:
    """PRDY_VRSS_SIGN: 1 at the upper limit, 2 up, 3 unchanged, 4 at the lower limit, 5 down."""
    if price >= upper:
        return "1"
    if price <= lower:
        return "4"
    if price > base:
        return "2"
    if price < base:
        return "5"
    return "3"


def _diff_sign(diff: int) -> str:
    """Sign code of "current versus open/high/low": 2 above, 3 equal, 5 below."""
    return "2" if diff > 0 else ("5" if diff < 0 else "3")


def _vwap(cum_value: int, cum_vol: int, last: int) -> str:
    if cum_vol == 0:
        return str(last)
    value = Decimal(cum_value) / Decimal(cum_vol)
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def hhmmss_of(ts_ns: int) -> str:
    return ns_to_dt(ts_ns, KST).strftime("%H%M%S")


def _session_code(hour: str) -> str:
    """NEW_MKOP_CLS_CODE: first digit 1 pre-open, 2 regular, 3 after close, 4 after-hours."""
    if hour < "090000":
        return "10"
    if hour < "153000":
        return "20"
    if hour < "160000":
        return "30"
    return "40"


def tick_record(state: SymbolState, trade: TradePrint) -> list[str]:
    """The 46 fields of one H0STCNT0 record; running totals come from the print's own view."""
    price, base, v = trade.price, state.base, trade.view
    hhmmss = hhmmss_of(trade.ts_ns)
    fields = [
        state.symbol,
        hhmmss,
        str(price),
        price_sign(price, base, state.upper, state.lower),
        str(price - base),
        rate_text(price - base, base),
        _vwap(v.cum_value, v.cum_vol, price),
        str(v.open),
        str(v.high),
        str(v.low),
        str(v.ask[0]),
        str(v.bid[0]),
        str(trade.qty),
        str(v.cum_vol),
        str(v.cum_value),
        str(v.sell_count),
        str(v.buy_count),
        str(v.buy_count - v.sell_count),
        rate_text(v.buy_vol, v.sell_vol) if v.sell_vol else "100.00",
        str(v.sell_vol),
        str(v.buy_vol),
        trade.side,
        rate_text(v.buy_vol, v.buy_vol + v.sell_vol),
        "0.00",
        v.open_hhmmss,
        _diff_sign(price - v.open),
        str(price - v.open),
        v.high_hhmmss,
        _diff_sign(price - v.high),
        str(price - v.high),
        v.low_hhmmss,
        _diff_sign(price - v.low),
        str(price - v.low),
        ns_to_dt(trade.ts_ns, KST).strftime("%Y%m%d"),  # the print's own day (replays: history)
        _session_code(hhmmss),
        "N",
        str(v.ask[1]),
        str(v.bid[1]),
        str(v.total_ask),
        str(v.total_bid),
        "0.00",
        "0",
        "0.00",
        "0",
        "0",
        str(base),
    ]
    assert len(fields) == TICK_FIELDS
    return fields


def book_record(state: SymbolState, hhmmss: str) -> list[str]:
    """The 59 fields of one H0STASP0 record (levels beyond the daily limits are "0")."""
    asks = list(state.book.asks) + [(0, 0)] * (10 - len(state.book.asks))
    bids = list(state.book.bids) + [(0, 0)] * (10 - len(state.book.bids))
    total_ask = sum(qty for _, qty in state.book.asks)
    total_bid = sum(qty for _, qty in state.book.bids)
    fields = [state.symbol, hhmmss, "0"]
    fields += [str(p) for p, _ in asks]
    fields += [str(p) for p, _ in bids]
    fields += [str(q) for _, q in asks]
    fields += [str(q) for _, q in bids]
    fields += [str(total_ask), str(total_bid), "0", "0"]
    # expected (auction) price fields: no auction is simulated, so they mirror the last trade
    fields += [str(state.last), "0", "0", str(state.last - state.base)]
    fields += [price_sign(state.last, state.base, state.upper, state.lower)]
    fields += [rate_text(state.last - state.base, state.base)]
    fields += [str(state.cum_vol), "0", "0", "0", "0", "0"]
    assert len(fields) == BOOK_FIELDS
    return fields


def notice_record(notice: ExecutionNotice, layout: str = "current") -> list[str]:
    """One H0STCNI0/9 record: 26 fields, or python-kis's 23-field layout (``legacy23``)."""
    head = [
        notice.hts_id,
        notice.account_no,
        notice.odno,
        notice.orgn_odno,
        notice.side,
        notice.rctf_cls,
        notice.ord_dvsn,
        notice.condition,
        notice.symbol,
        str(notice.cntg_qty),
        str(notice.cntg_unpr),
        notice.hhmmss,
        "1" if notice.rejected else "0",
        notice.cntg_yn,
        notice.acpt_yn,
        notice.branch,
        str(notice.ord_qty),
        notice.account_name,
    ]
    if layout == "legacy23":
        fields = [*head, notice.name, "10", "", notice.name, str(notice.ord_price)]
        assert len(fields) == NOTICE_FIELDS_LEGACY
        return fields
    exchange = {"KRX": "1", "NXT": "2", "SOR": "3"}.get(notice.excg, "1")
    fields = [
        *head,
        str(notice.cond_price),
        exchange,
        "N",
        "",
        "10",
        "",
        notice.name,
        str(notice.ord_price),
    ]
    assert len(fields) == NOTICE_FIELDS
    return fields


def data_frame(
    tr_id: str,
    records: Sequence[Sequence[str]],
    *,
    cipher: NoticeCipher | None = None,
    extra_fields: int = 0,
) -> str:
    """``0|tr_id|NNN|payload`` (or ``1|…`` with an encrypted payload when ``cipher`` is given).

    ``extra_fields`` appends that many unknown fields to every record: the schema-drift fault.
    """
    if not records:
        raise ValueError("a data frame needs at least one record")
    if not 0 < len(records) < 1000:
        raise ValueError(f"a frame carries 1..999 records, got {len(records)}")
    padded = [[*rec, *(["X"] * extra_fields)] for rec in records] if extra_fields else records
    payload = "^".join("^".join(rec) for rec in padded)
    if cipher is not None:
        return f"1|{tr_id}|{len(records):03d}|{cipher.encrypt(payload)}"
    return f"0|{tr_id}|{len(records):03d}|{payload}"


def control_reply(
    tr_id: str,
    tr_key: str,
    code: KisCode,
    *,
    encrypt: bool,
    cipher: NoticeCipher | None,
) -> str:
    """A subscribe/unsubscribe answer. ``output`` with the session's key and iv is always
    present when a cipher is given: python-kis reads it from every reply with a body."""
    body: dict[str, object] = {"rt_cd": code.rt_cd, "msg_cd": code.msg_cd, "msg1": code.msg1}
    if cipher is not None:
        body["output"] = {"iv": cipher.iv, "key": cipher.key}
    message = {
        "header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "Y" if encrypt else "N"},
        "body": body,
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def pingpong(yyyymmddhhmmss: str) -> str:
    """Header-only JSON: a body would make the official client read ``rt_cd`` and fail."""
    return json.dumps({"header": {"tr_id": "PINGPONG", "datetime": yyyymmddhhmmss}})
