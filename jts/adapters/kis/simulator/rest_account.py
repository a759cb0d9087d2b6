"""Account inquiries: balance, daily orders/fills, cancellable orders, buyable amount.

Field names follow the official samples' column lists (brokers.md §1.6 and §5); every number is
a string. Balance pages hold 50 rows (real) / 20 (paper), daily-order pages 100 / 15; both page
with ``tr_cont`` and ``ctx_area_fk100`` / ``ctx_area_nk100`` (see `paging`). The balance's
``output2`` is a one-element list, as clients expect.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from jts.adapters.kis.simulator.codes import Codes, KisRequestError, invalid_input
from jts.adapters.kis.simulator.envelope import envelope
from jts.adapters.kis.simulator.frames import rate_text
from jts.adapters.kis.simulator.gateway import ApiCall, ApiResult
from jts.adapters.kis.simulator.paging import paginate
from jts.adapters.kis.simulator.state import AccountRecord, HoldingRecord, OrderRecord
from jts.adapters.kis.simulator.trids import Op

__all__ = [
    "BALANCE_OPS",
    "DAILY_CCLD_OPS",
    "PSBL_ORDER_OPS",
    "PSBL_RVSECNCL_OPS",
    "inquire_balance",
    "inquire_daily_ccld",
    "inquire_psbl_order",
    "inquire_psbl_rvsecncl",
]

BALANCE_OPS = frozenset({Op.BALANCE})
DAILY_CCLD_OPS = frozenset({Op.DAILY_CCLD})
PSBL_RVSECNCL_OPS = frozenset({Op.PSBL_RVSECNCL})
PSBL_ORDER_OPS = frozenset({Op.PSBL_ORDER})
_ORD_DVSN_NAMES = {
    "00": "지정가",
    "01": "시장가",
    "02": "조건부지정가",
    "03": "최유리지정가",
    "04": "최우선지정가",
    "05": "장전시간외",
    "06": "장후시간외",
    "07": "시간외단일가",
    "11": "IOC지정가",
    "12": "FOK지정가",
    "13": "IOC시장가",
    "14": "FOK시장가",
    "15": "IOC최유리",
    "16": "FOK최유리",
}
_SIDE_NAMES = {"01": "매도", "02": "매수"}
_FOUR = Decimal("0.0001")


def _avg(total: int, qty: int) -> str:
    """An exact average to four decimals (KIS prints ``pchs_avg_pric`` as ``70050.0000``)."""
    if qty == 0:
        return "0.0000"
    return str((Decimal(total) / Decimal(qty)).quantize(_FOUR, rounding=ROUND_HALF_UP))


def _check_choice(call: ApiCall, name: str, allowed: tuple[str, ...]) -> str:
    value = call.param(name, allowed[0]) or allowed[0]
    if value not in allowed:
        raise invalid_input(name)
    return value


# ---- balance ----------------------------------------------------------------------------------


def _holding_row(call: ApiCall, holding: HoldingRecord) -> dict[str, str]:
    market = call.ctx.market
    state = market.state(holding.symbol)
    price = state.last
    value = price * holding.qty
    pnl = value - holding.cost
    return {
        "pdno": holding.symbol,
        "prdt_name": state.name,
        "trad_dvsn_name": "현금",
        "bfdy_buy_qty": str(holding.prev_buy_qty),
        "bfdy_sll_qty": str(holding.prev_sell_qty),
        "thdt_buyqty": str(holding.today_buy_qty),
        "thdt_sll_qty": str(holding.today_sell_qty),
        "hldg_qty": str(holding.qty),
        "ord_psbl_qty": str(holding.sellable),
        "pchs_avg_pric": _avg(holding.cost, holding.qty),
        "pchs_amt": str(holding.cost),
        "prpr": str(price),
        "evlu_amt": str(value),
        "evlu_pfls_amt": str(pnl),
        "evlu_pfls_rt": rate_text(pnl, holding.cost),
        "evlu_erng_rt": rate_text(pnl, holding.cost),
        "loan_dt": "",
        "loan_amt": "0",
        "stln_slng_chgs": "0",
        "expd_dt": "",
        "fltt_rt": rate_text(price - state.base, state.base),
        "bfdy_cprs_icdc": str(price - state.base),
        "item_mgna_rt_name": "",
        "grta_rt_name": "",
        "sbst_pric": "0",
        "stck_loan_unpr": "0",
    }


def _summary(call: ApiCall, account: AccountRecord) -> dict[str, str]:
    market = call.ctx.market
    held = [h for h in account.holdings.values() if h.qty > 0]
    securities = sum(market.state(h.symbol).last * h.qty for h in held)
    cost = sum(h.cost for h in held)
    cash = account.cash
    return {
        "dnca_tot_amt": str(cash),
        "nxdy_excc_amt": str(cash),
        "prvs_rcdl_excc_amt": str(cash),
        "cma_evlu_amt": "0",
        "bfdy_buy_amt": "0",
        "thdt_buy_amt": str(account.today_buy_amount),
        "nxdy_auto_rdpt_amt": "0",
        "bfdy_sll_amt": "0",
        "thdt_sll_amt": str(account.today_sell_amount),
        "d2_auto_rdpt_amt": "0",
        "bfdy_tlex_amt": "0",
        "thdt_tlex_amt": str(account.today_fees),
        "tot_loan_amt": "0",
        "scts_evlu_amt": str(securities),
        "tot_evlu_amt": str(cash + securities),
        "nass_amt": str(cash + securities),
        "fncg_gld_auto_rdpt_yn": "N",
        "pchs_amt_smtl_amt": str(cost),
        "evlu_amt_smtl_amt": str(securities),
        "evlu_pfls_smtl_amt": str(securities - cost),
        "tot_stln_slng_chgs": "0",
        "bfdy_tot_asst_evlu_amt": str(cash + securities),
        "asst_icdc_amt": "0",
        "asst_icdc_erng_rt": "0.00000000",
    }


def inquire_balance(call: ApiCall) -> ApiResult:
    account = call.account()
    inqr = _check_choice(call, "INQR_DVSN", ("01", "02"))
    if inqr == "02" and call.ctx.config.reject_inqr_dvsn_02:
        raise invalid_input("INQR_DVSN")  # KIS restricted 02 on 2026-02-10 [S]
    _check_choice(call, "AFHR_FLPR_YN", ("N", "Y", "X"))
    _check_choice(call, "UNPR_DVSN", ("01",))
    _check_choice(call, "PRCS_DVSN", ("00", "01"))
    call.ctx.venue.roll_day()
    holdings = sorted(
        (h for h in account.holdings.values() if h.qty > 0 or h.today_sell_qty > 0),
        key=lambda h: h.symbol,
    )
    page = paginate(
        holdings,
        key=lambda h: h.symbol,
        size=call.ctx.config.balance_rows,
        request_tr_cont=call.tr_cont,
        request_nk=call.param("CTX_AREA_NK100"),
        fk=f"{account.cano}^{account.product}^N^N^{inqr}^01^00^",
    )
    body = envelope(
        Codes.INQUIRY_OK,
        ctx_area_fk100=page.fk,
        ctx_area_nk100=page.nk,
        output1=[_holding_row(call, h) for h in page.rows],
        output2=[_summary(call, account)],
    )
    return ApiResult(body, page.tr_cont)


# ---- daily orders and fills -------------------------------------------------------------------


def _ccld_row(order: OrderRecord) -> dict[str, str]:
    cancel = order.kind == "cancel"
    return {
        "ord_dt": order.ord_dt,
        "ord_gno_brno": order.orgno,
        "odno": order.odno,
        "orgn_odno": order.orgn_odno,
        "ord_dvsn_name": _ORD_DVSN_NAMES.get(order.ord_dvsn, ""),
        "sll_buy_dvsn_cd": order.side,
        "sll_buy_dvsn_cd_name": ("취소" if cancel else "") + _SIDE_NAMES.get(order.side, ""),
        "pdno": order.symbol,
        "prdt_name": order.name,
        "ord_qty": str(order.qty),
        "ord_unpr": str(order.price),
        "ord_tmd": order.ord_tmd,
        "tot_ccld_qty": str(order.filled_qty),
        "avg_prvs": _avg(order.filled_amount, order.filled_qty).split(".")[0],
        "cncl_yn": "Y" if cancel else "N",
        "tot_ccld_amt": str(order.filled_amount),
        "loan_dt": "",
        "ordr_empno": "",
        "ord_dvsn_cd": order.ord_dvsn,
        "cncl_cfrm_qty": str(order.qty if cancel else order.moved_qty),
        "rmn_qty": str(order.remaining),
        "rjct_qty": str(order.rejected_qty),
        "ccld_cndt_name": "없음",
        "inqr_ip_addr": "",
        "cpbc_ordp_ord_rcit_dvsn_cd": "",
        "cpbc_ordp_infm_mthd_dvsn_cd": "",
        "infm_tmd": "",
        "ctac_tlno": "",
        "prdt_type_cd": "300",
        "excg_dvsn_cd": "02" if order.excg == "KRX" else "01",
        "cpbc_ordp_mtrl_dvsn_cd": "",
        "ord_orgno": order.orgno,
        "rsvn_ord_end_dt": "",
        "excg_id_dvsn_cd": order.excg,
        "stpm_cndt_pric": "0",
        "stpm_efct_occr_dtmd": "",
    }


def _ccld_filter(call: ApiCall, account: AccountRecord) -> list[OrderRecord]:
    start = call.required("INQR_STRT_DT")
    end = call.required("INQR_END_DT")
    if not (len(start) == 8 and start.isdigit()):
        raise invalid_input("INQR_STRT_DT")
    if not (len(end) == 8 and end.isdigit()):
        raise invalid_input("INQR_END_DT")
    side = _check_choice(call, "SLL_BUY_DVSN_CD", ("00", "01", "02"))
    ccld = _check_choice(call, "CCLD_DVSN", ("00", "01", "02"))
    order_by = _check_choice(call, "INQR_DVSN", ("00", "01"))
    symbol = call.param("PDNO")
    odno = call.param("ODNO")
    rows = []
    for order in call.ctx.state.orders.values():
        if order.account != account.key or not start <= order.ord_dt <= end:
            continue
        if side not in ("00", order.side):
            continue
        if symbol and order.symbol != symbol:
            continue
        if odno and order.odno != odno.zfill(10):
            continue
        if ccld == "01" and order.filled_qty == 0:
            continue
        if ccld == "02" and order.remaining == 0:
            continue
        rows.append(order)
    rows.sort(key=lambda o: o.odno, reverse=order_by == "00")
    return rows


def inquire_daily_ccld(call: ApiCall) -> ApiResult:
    account = call.account()
    call.ctx.venue.roll_day()
    rows = _ccld_filter(call, account)
    page = paginate(
        rows,
        key=lambda o: o.odno,
        size=call.ctx.config.daily_ccld_rows,
        request_tr_cont=call.tr_cont,
        request_nk=call.param("CTX_AREA_NK100"),
        fk=f"{account.cano}^{account.product}^{call.param('INQR_STRT_DT')}^",
    )
    totals_qty = sum(o.qty for o in rows if o.kind != "cancel")
    filled_qty = sum(o.filled_qty for o in rows)
    filled_amt = sum(o.filled_amount for o in rows)
    fees = sum(
        f.commission + f.tax for f in call.ctx.state.fills if f.odno in {o.odno for o in rows}
    )
    output2 = {
        "tot_ord_qty": str(totals_qty),
        "tot_ccld_qty": str(filled_qty),
        "tot_ccld_amt": str(filled_amt),
        "prsm_tlex_smtl": str(fees),
        "pchs_avg_pric": _avg(filled_amt, filled_qty),
    }
    body = envelope(
        Codes.INQUIRY_OK,
        ctx_area_fk100=page.fk,
        ctx_area_nk100=page.nk,
        output1=[_ccld_row(o) for o in page.rows],
        output2=output2,
    )
    return ApiResult(body, page.tr_cont)


# ---- cancellable orders -----------------------------------------------------------------------


def inquire_psbl_rvsecncl(call: ApiCall) -> ApiResult:
    account = call.account()
    call.ctx.venue.roll_day()
    by_code = _check_choice(call, "INQR_DVSN_1", ("0", "1")) == "1"
    side = _check_choice(call, "INQR_DVSN_2", ("0", "1", "2"))
    wanted_side = {"1": "01", "2": "02"}.get(side)
    rows = [
        o
        for o in call.ctx.state.orders.values()
        if o.account == account.key
        and o.remaining > 0
        and (wanted_side is None or o.side == wanted_side)
    ]
    rows.sort(key=(lambda o: (o.symbol, o.odno)) if by_code else (lambda o: o.odno))
    page = paginate(
        rows,
        key=lambda o: o.odno,
        size=50,
        request_tr_cont=call.tr_cont,
        request_nk=call.param("CTX_AREA_NK100"),
        fk=f"{account.cano}^{account.product}^",
    )
    output: list[dict[str, Any]] = [
        {
            "ord_gno_brno": o.orgno,
            "odno": o.odno,
            "orgn_odno": o.orgn_odno,
            "ord_dvsn_name": _ORD_DVSN_NAMES.get(o.ord_dvsn, ""),
            "pdno": o.symbol,
            "prdt_name": o.name,
            "rvse_cncl_dvsn_name": "정정" if o.kind == "modify" else "",
            "ord_qty": str(o.qty),
            "ord_unpr": str(o.price),
            "ord_tmd": o.ord_tmd,
            "tot_ccld_qty": str(o.filled_qty),
            "tot_ccld_amt": str(o.filled_amount),
            "psbl_qty": str(o.remaining),
            "sll_buy_dvsn_cd": o.side,
            "ord_dvsn_cd": o.ord_dvsn,
            "mgco_aptm_odno": "",
            "excg_dvsn_cd": "02" if o.excg == "KRX" else "01",
            "excg_id_dvsn_cd": o.excg,
        }
        for o in page.rows
    ]
    body = envelope(Codes.INQUIRY_OK, ctx_area_fk100=page.fk, ctx_area_nk100=page.nk, output=output)
    return ApiResult(body, page.tr_cont)


# ---- buyable amount ---------------------------------------------------------------------------


def inquire_psbl_order(call: ApiCall) -> ApiResult:
    account = call.account()
    symbol = call.param("PDNO")
    ord_dvsn = call.param("ORD_DVSN", "00") or "00"
    price = call.int_param("ORD_UNPR", 0)
    market = call.ctx.market
    if symbol:
        if not market.has(symbol):
            raise KisRequestError(Codes.UNKNOWN_SYMBOL)
        if price == 0 or ord_dvsn == "01":
            price = market.state(symbol).upper if ord_dvsn == "01" else market.best_ask(symbol)
    cash = account.orderable_cash
    rate = call.ctx.config.commission_rate
    max_qty = 0
    if price > 0:
        per_share = Decimal(price) * (1 + rate)
        max_qty = int((Decimal(max(cash, 0)) / per_share).to_integral_value(rounding=ROUND_FLOOR))
    amount = str(price * max_qty)
    output = {
        "ord_psbl_cash": str(cash),
        "ord_psbl_sbst": "0",
        "ruse_psbl_amt": "0",
        "fund_rpch_chgs": "0",
        "psbl_qty_calc_unpr": str(price),
        "nrcvb_buy_amt": amount,
        "nrcvb_buy_qty": str(max_qty),
        "max_buy_amt": amount,
        "max_buy_qty": str(max_qty),
        "cma_evlu_amt": "0",
        "ovrs_re_use_amt_wcrc": "0",
        "ord_psbl_frcr_amt_wcrc": "0",
    }
    return ApiResult(envelope(Codes.INQUIRY_OK, output=output))
