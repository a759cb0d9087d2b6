"""Which ``tr_id`` values the simulator accepts, per environment and per endpoint.

Both the current and the legacy sets are accepted (python-kis still sends ``VTTC0802U`` and
``VTTC8001R``). On the paper host every trading tr_id starts with ``V`` (brokers.md §1.3); quote
tr_ids (``FHK…``) are shared. A real-env trading tr_id sent to the paper host gets the
credentials error the real gateway gives; any other unknown tr_id is "no such service".
"""

from __future__ import annotations

import enum
from typing import Final

from jts.adapters.kis.simulator.codes import Codes, KisCode

__all__ = ["Op", "classify_tr_id"]


class Op(enum.Enum):
    """An operation of the API, independent of which tr_id spelled it."""

    ORDER_SELL = "order_sell"
    ORDER_BUY = "order_buy"
    MODIFY_CANCEL = "modify_cancel"
    PSBL_RVSECNCL = "psbl_rvsecncl"
    BALANCE = "balance"
    DAILY_CCLD = "daily_ccld"
    PSBL_ORDER = "psbl_order"
    PRICE = "price"
    DAILY_CHART = "daily_chart"
    TIME_CHART = "time_chart"
    HOLIDAY = "holiday"
    SEARCH_INFO = "search_info"


#: Real-env tr_ids [S: brokers.md §1.6]; legacy ids in the second group of each row.
_REAL: Final[dict[str, Op]] = {
    "TTTC0011U": Op.ORDER_SELL,
    "TTTC0801U": Op.ORDER_SELL,
    "TTTC0012U": Op.ORDER_BUY,
    "TTTC0802U": Op.ORDER_BUY,
    "TTTC0013U": Op.MODIFY_CANCEL,
    "TTTC0803U": Op.MODIFY_CANCEL,
    "TTTC0084R": Op.PSBL_RVSECNCL,
    "TTTC8036R": Op.PSBL_RVSECNCL,
    "TTTC8434R": Op.BALANCE,
    "TTTC0081R": Op.DAILY_CCLD,
    "CTSC9215R": Op.DAILY_CCLD,
    "TTTC8001R": Op.DAILY_CCLD,
    "CTSC9115R": Op.DAILY_CCLD,
    "TTTC8908R": Op.PSBL_ORDER,
    "CTCA0903R": Op.HOLIDAY,
}
#: Quote tr_ids, identical in both environments.
_SHARED: Final[dict[str, Op]] = {
    "FHKST01010100": Op.PRICE,
    "FHKST03010100": Op.DAILY_CHART,
    "FHKST03010200": Op.TIME_CHART,
    "CTPF1604R": Op.SEARCH_INFO,  # product master; python-kis calls it on the real host only
}
#: Real-only services: no paper version was seen (psbl-rvsecncl [S]; chk-holiday answers
#: OPSQ0002 on the paper host [S: a public client's test notes]).
_REAL_ONLY: Final = frozenset({Op.PSBL_RVSECNCL, Op.HOLIDAY})


def _paper_table() -> dict[str, Op]:
    table: dict[str, Op] = {}
    for tr_id, op in _REAL.items():
        if op in _REAL_ONLY:
            continue
        table["V" + tr_id[1:]] = op
    return table


_PAPER: Final = _paper_table()


def classify_tr_id(tr_id: str, env: str, allowed: frozenset[Op]) -> Op | KisCode:
    """The operation a tr_id names on this endpoint, or the error code the gateway returns."""
    table = _PAPER if env == "paper" else _REAL
    op = _SHARED.get(tr_id) or table.get(tr_id)
    if op is not None and op in allowed:
        return op
    if env == "paper" and tr_id in _REAL and _REAL[tr_id] in allowed:
        return Codes.CREDENTIALS_TYPE
    return Codes.NO_SERVICE.with_text(f"없는 서비스 코드 입니다 ({tr_id or 'no tr_id'})")
