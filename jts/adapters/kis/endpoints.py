"""The KIS REST operations: path, method, tr_id per environment and generation, paging keys.

One table, so a renamed tr_id or path is a one-line change and every caller sends what the
table says (brokers.md §1.6). Paper tr_ids are derived by the documented rule: a trading tr_id
starting ``T``, ``J`` or ``C`` gets ``V`` as its first letter (``TTTC8434R`` -> ``VTTC8434R``);
quote tr_ids (``FHK…``) are the same in both environments [S: OTA-auth].
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from jts.adapters.kis.config import KisEnv, TrIdSet
from jts.adapters.kis.errors import KisUnsupportedError

__all__ = [
    "APPROVAL_PATH",
    "ENDPOINTS",
    "HASHKEY_PATH",
    "REVOKE_PATH",
    "TOKEN_PATH",
    "Endpoint",
    "Operation",
    "endpoint",
    "paper_tr_id",
]

_TRADING: Final = "/uapi/domestic-stock/v1/trading"
_QUOTES: Final = "/uapi/domestic-stock/v1/quotations"


class Operation(enum.Enum):
    ORDER_BUY = "order_buy"
    ORDER_SELL = "order_sell"
    MODIFY_CANCEL = "modify_cancel"
    PSBL_RVSECNCL = "psbl_rvsecncl"
    BALANCE = "balance"
    DAILY_CCLD = "daily_ccld"
    DAILY_CCLD_OLD = "daily_ccld_old"
    PSBL_ORDER = "psbl_order"
    PRICE = "price"
    DAILY_CHART = "daily_chart"
    TIME_CHART = "time_chart"
    TIME_CHART_DAILY = "time_chart_daily"
    HOLIDAY = "holiday"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation. ``tr_id_current``/``tr_id_legacy`` are the real-env ids; ``paper`` says
    whether a paper version exists; ``is_order`` marks requests that change the broker's books
    (never blindly re-sent); ``ctx_keys`` name the paging keys (``FK100``/``NK100``)."""

    op: Operation
    method: str
    path: str
    tr_id_current: str
    tr_id_legacy: str
    paper: bool = True
    is_order: bool = False
    ctx_keys: tuple[str, str] = ("CTX_AREA_FK100", "CTX_AREA_NK100")

    def tr_id(self, env: KisEnv, tr_set: TrIdSet) -> str:
        real = self.tr_id_current if tr_set is TrIdSet.CURRENT else self.tr_id_legacy
        if env is KisEnv.REAL:
            return real
        if not self.paper:
            raise KisUnsupportedError(
                f"{self.op.value} ({self.path}) has no paper-trading version at KIS"
            )
        return paper_tr_id(real)


def paper_tr_id(real: str) -> str:
    """``TTTC8434R`` -> ``VTTC8434R``; quote ids (``FHK…``) are shared by both environments."""
    if real[:1] in ("T", "J", "C"):
        return "V" + real[1:]
    return real


ENDPOINTS: Final[dict[Operation, Endpoint]] = {
    e.op: e
    for e in (
        Endpoint(
            Operation.ORDER_SELL,
            "POST",
            f"{_TRADING}/order-cash",
            "TTTC0011U",
            "TTTC0801U",
            is_order=True,
        ),
        Endpoint(
            Operation.ORDER_BUY,
            "POST",
            f"{_TRADING}/order-cash",
            "TTTC0012U",
            "TTTC0802U",
            is_order=True,
        ),
        Endpoint(
            Operation.MODIFY_CANCEL,
            "POST",
            f"{_TRADING}/order-rvsecncl",
            "TTTC0013U",
            "TTTC0803U",
            is_order=True,
        ),
        Endpoint(
            Operation.PSBL_RVSECNCL,
            "GET",
            f"{_TRADING}/inquire-psbl-rvsecncl",
            "TTTC0084R",
            "TTTC8036R",
            paper=False,
        ),
        Endpoint(Operation.BALANCE, "GET", f"{_TRADING}/inquire-balance", "TTTC8434R", "TTTC8434R"),
        Endpoint(
            Operation.DAILY_CCLD, "GET", f"{_TRADING}/inquire-daily-ccld", "TTTC0081R", "TTTC8001R"
        ),
        Endpoint(
            Operation.DAILY_CCLD_OLD,
            "GET",
            f"{_TRADING}/inquire-daily-ccld",
            "CTSC9215R",
            "CTSC9115R",
        ),
        Endpoint(
            Operation.PSBL_ORDER, "GET", f"{_TRADING}/inquire-psbl-order", "TTTC8908R", "TTTC8908R"
        ),
        Endpoint(
            Operation.PRICE, "GET", f"{_QUOTES}/inquire-price", "FHKST01010100", "FHKST01010100"
        ),
        Endpoint(
            Operation.DAILY_CHART,
            "GET",
            f"{_QUOTES}/inquire-daily-itemchartprice",
            "FHKST03010100",
            "FHKST03010100",
        ),
        Endpoint(
            Operation.TIME_CHART,
            "GET",
            f"{_QUOTES}/inquire-time-itemchartprice",
            "FHKST03010200",
            "FHKST03010200",
        ),
        #: past days' minute bars: real only [M]
        Endpoint(
            Operation.TIME_CHART_DAILY,
            "GET",
            f"{_QUOTES}/inquire-time-dailychartprice",
            "FHKST03010230",
            "FHKST03010230",
            paper=False,
        ),
        Endpoint(
            Operation.HOLIDAY,
            "GET",
            f"{_QUOTES}/chk-holiday",
            "CTCA0903R",
            "CTCA0903R",
            paper=False,
        ),
    )
}

#: The oauth and hashkey paths (not tr_id operations).
TOKEN_PATH: Final = "/oauth2/tokenP"  # noqa: S105 - a path, not a secret
REVOKE_PATH: Final = "/oauth2/revokeP"
APPROVAL_PATH: Final = "/oauth2/Approval"
HASHKEY_PATH: Final = "/uapi/hashkey"


def endpoint(op: Operation) -> Endpoint:
    return ENDPOINTS[op]
