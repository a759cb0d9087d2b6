"""``ORD_DVSN`` (KIS order kind) to and from the domain's order type and time in force.

The domain models IOC/FOK as a time in force on the base type (brokers.md §1.7 has them as
separate codes 11–16), so the mapping is a table keyed by (type, time in force). KRX orders are
day orders: GTC and GTD have no code and are refused before anything is sent.
"""

from __future__ import annotations

from typing import Final

from jts.adapters.kis.errors import KisUnsupportedError
from jts.domain.enums import OrderType, TimeInForce

__all__ = ["ORD_DVSN", "ord_dvsn_for", "order_kind_of"]

_DAY, _IOC, _FOK = TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK

#: (order type, time in force) -> ORD_DVSN [S: brokers.md §1.7, python-kis ORDER_CONDITION_MAP]
ORD_DVSN: Final[dict[tuple[OrderType, TimeInForce], str]] = {
    (OrderType.LIMIT, _DAY): "00",
    (OrderType.MARKET, _DAY): "01",
    (OrderType.CONDITIONAL_LIMIT, _DAY): "02",
    (OrderType.BEST_LIMIT, _DAY): "03",
    (OrderType.BEST_OWN_LIMIT, _DAY): "04",
    (OrderType.PRE_MARKET_CLOSE, _DAY): "05",
    (OrderType.POST_MARKET_CLOSE, _DAY): "06",
    (OrderType.AFTER_HOURS_SINGLE, _DAY): "07",
    (OrderType.LIMIT, _IOC): "11",
    (OrderType.LIMIT, _FOK): "12",
    (OrderType.MARKET, _IOC): "13",
    (OrderType.MARKET, _FOK): "14",
    (OrderType.BEST_LIMIT, _IOC): "15",
    (OrderType.BEST_LIMIT, _FOK): "16",
}
_REVERSE: Final = {code: kind for kind, code in ORD_DVSN.items()}


def ord_dvsn_for(
    order_type: OrderType, time_in_force: TimeInForce, stop_limit_code: str | None = None
) -> str:
    """The code to send; `KisUnsupportedError` names the combination KIS has no code for."""
    if order_type is OrderType.STOP_LIMIT and time_in_force is _DAY and stop_limit_code:
        return stop_limit_code
    code = ORD_DVSN.get((order_type, time_in_force))
    if code is None:
        raise KisUnsupportedError(
            f"KIS has no ORD_DVSN for a {order_type.value} order with time in force "
            f"{time_in_force.value} (KRX orders are day orders; IOC/FOK exist for limit, "
            "market and best-limit only)"
        )
    return code


def order_kind_of(
    ord_dvsn: str, stop_limit_code: str | None = None
) -> tuple[OrderType, TimeInForce]:
    """The domain view of a code read back from KIS (reports); unknown codes are limit orders
    of the day, the most common kind, since a report must still be produced."""
    code = ord_dvsn.strip()
    if stop_limit_code and code == stop_limit_code:
        return OrderType.STOP_LIMIT, _DAY
    return _REVERSE.get(code, (OrderType.LIMIT, _DAY))
