"""``order-cash`` (buy/sell) and ``order-rvsecncl`` (modify/cancel) of domestic stocks.

Body fields as brokers.md §1.6; ``EXCG_ID_DVSN_CD``, ``SLL_TYPE`` and ``CNDT_PRIC`` may be absent
(python-kis omits them; the venue defaults to KRX). The reply carries the order's identity in
upper-case keys: ``KRX_FWDG_ORD_ORGNO``, ``ODNO``, ``ORD_TMD``.
"""

from __future__ import annotations

from jts.adapters.kis.simulator.codes import Codes, KisRequestError, invalid_input
from jts.adapters.kis.simulator.envelope import envelope
from jts.adapters.kis.simulator.gateway import ApiCall, ApiResult
from jts.adapters.kis.simulator.state import OrderRecord
from jts.adapters.kis.simulator.trids import Op
from jts.adapters.kis.simulator.venue import OrderRequest

__all__ = ["ORDER_OPS", "RVSECNCL_OPS", "order_cash", "order_rvsecncl"]

ORDER_OPS = frozenset({Op.ORDER_BUY, Op.ORDER_SELL})
RVSECNCL_OPS = frozenset({Op.MODIFY_CANCEL})
_EXCHANGES = frozenset({"KRX", "NXT", "SOR"})


def _exchange(call: ApiCall) -> str:
    excg = call.param("EXCG_ID_DVSN_CD", "KRX") or "KRX"
    if excg not in _EXCHANGES:
        raise invalid_input("EXCG_ID_DVSN_CD")
    return excg


def _order_output(order: OrderRecord) -> ApiResult:
    output = {"KRX_FWDG_ORD_ORGNO": order.orgno, "ODNO": order.odno, "ORD_TMD": order.ord_tmd}
    return ApiResult(envelope(Codes.ORDER_OK, output=output))


def order_cash(call: ApiCall) -> ApiResult:
    account = call.account()
    symbol = call.required("PDNO")
    if not call.ctx.market.has(symbol):
        raise KisRequestError(Codes.UNKNOWN_SYMBOL)
    request = OrderRequest(
        account=account,
        side="02" if call.op is Op.ORDER_BUY else "01",
        symbol=symbol,
        ord_dvsn=call.required("ORD_DVSN"),
        qty=call.int_param("ORD_QTY"),
        price=call.int_param("ORD_UNPR", 0),
        cond_price=call.int_param("CNDT_PRIC", 0),
        excg=_exchange(call),
    )
    return _order_output(call.ctx.venue.place(request))


def order_rvsecncl(call: ApiCall) -> ApiResult:
    account = call.account()
    qty_all = call.param("QTY_ALL_ORD_YN", "N").upper()
    if qty_all not in ("Y", "N"):
        raise invalid_input("QTY_ALL_ORD_YN")
    _exchange(call)
    order = call.ctx.venue.modify_or_cancel(
        account,
        orgn_odno=call.required("ORGN_ODNO"),
        orgno=call.param("KRX_FWDG_ORD_ORGNO"),
        rvse_cncl=call.required("RVSE_CNCL_DVSN_CD"),
        ord_dvsn=call.param("ORD_DVSN", "00") or "00",
        qty=call.int_param("ORD_QTY", 0),
        price=call.int_param("ORD_UNPR", 0),
        qty_all=qty_all == "Y",
    )
    return _order_output(order)
