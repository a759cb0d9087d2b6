"""Wire DTOs: the KIS replies exactly as they arrive, as msgspec structs of strings.

These are not domain objects: every number is still text (KIS sends all numbers as strings)
and field names are KIS's. `jts.adapters.kis.parse` turns them into exact domain types. Fields
the adapter relies on are required, so a reply missing one fails to decode with msgspec's
message naming the field; the rest default to empty text, and unknown fields are ignored, so
KIS adding a field never breaks a client.

Inquiry outputs are lower case; order outputs upper case (``ODNO``) [S: brokers.md §1.4].
"""

from __future__ import annotations

import msgspec

__all__ = [
    "ApprovalReply",
    "BalanceReply",
    "BalanceRow",
    "BalanceSummary",
    "ChartSummary",
    "DailyCcldReply",
    "DailyCcldRow",
    "DailyCcldSummary",
    "DailyChartReply",
    "DailyChartRow",
    "Envelope",
    "HashkeyReply",
    "MinuteChartReply",
    "MinuteChartRow",
    "OAuthError",
    "OrderOutput",
    "OrderReply",
    "PagedEnvelope",
    "PriceOutput",
    "PriceReply",
    "PsblOrderOutput",
    "PsblOrderReply",
    "PsblRvsecnclReply",
    "PsblRvsecnclRow",
    "TokenReply",
    "WsBody",
    "WsCipher",
    "WsControl",
    "WsHeader",
]


class _Wire(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the DTOs: immutable, keyword-only, unknown fields ignored."""


# ---- oauth ----------------------------------------------------------------------------------


class TokenReply(_Wire, frozen=True, kw_only=True):
    """``/oauth2/tokenP``: ``access_token_token_expired`` is ``YYYY-MM-DD HH:MM:SS`` KST."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = 0
    access_token_token_expired: str = ""


class OAuthError(_Wire, frozen=True, kw_only=True):
    """The oauth endpoints answer errors without the rt_cd envelope [S: OTA issue #33]."""

    error_code: str = ""
    error_description: str = ""


class ApprovalReply(_Wire, frozen=True, kw_only=True):
    approval_key: str


class HashkeyReply(_Wire, frozen=True, kw_only=True, rename={"hash": "HASH"}):
    hash: str


# ---- envelope -------------------------------------------------------------------------------


class Envelope(_Wire, frozen=True, kw_only=True):
    """``rt_cd`` "0" is success; ``msg_cd``/``msg1`` say what happened either way."""

    rt_cd: str = ""
    msg_cd: str = ""
    msg1: str = ""


class PagedEnvelope(Envelope, frozen=True, kw_only=True):
    """Paged inquiries carry the continuation keys in the body (the flag is a header)."""

    ctx_area_fk100: str = ""
    ctx_area_nk100: str = ""


# ---- orders ---------------------------------------------------------------------------------


class OrderOutput(_Wire, frozen=True, kw_only=True, rename="upper"):
    """``KRX_FWDG_ORD_ORGNO`` (branch), ``ODNO`` (order number), ``ORD_TMD`` (HHMMSS)."""

    krx_fwdg_ord_orgno: str = ""
    odno: str
    ord_tmd: str = ""


class OrderReply(Envelope, frozen=True, kw_only=True):
    output: OrderOutput | None = None


# ---- account inquiries ----------------------------------------------------------------------


class BalanceRow(_Wire, frozen=True, kw_only=True):
    pdno: str
    prdt_name: str = ""
    hldg_qty: str
    ord_psbl_qty: str = ""
    pchs_avg_pric: str = ""
    pchs_amt: str = ""
    prpr: str = ""
    evlu_amt: str = ""
    evlu_pfls_amt: str = ""
    evlu_pfls_rt: str = ""
    thdt_buyqty: str = ""
    thdt_sll_qty: str = ""


class BalanceSummary(_Wire, frozen=True, kw_only=True):
    """``dnca_tot_amt`` cash on deposit; ``nxdy_excc_amt`` D+1; ``prvs_rcdl_excc_amt`` D+2."""

    dnca_tot_amt: str
    nxdy_excc_amt: str = ""
    prvs_rcdl_excc_amt: str = ""
    thdt_tlex_amt: str = ""
    scts_evlu_amt: str = ""
    tot_evlu_amt: str = ""
    nass_amt: str = ""
    pchs_amt_smtl_amt: str = ""
    evlu_pfls_smtl_amt: str = ""


class BalanceReply(PagedEnvelope, frozen=True, kw_only=True):
    output1: list[BalanceRow] = []
    output2: list[BalanceSummary] = []


class DailyCcldRow(_Wire, frozen=True, kw_only=True):
    """One order (or modify/cancel request) of the day; fills are aggregated per order."""

    ord_dt: str
    odno: str
    orgn_odno: str = ""
    sll_buy_dvsn_cd: str
    pdno: str
    prdt_name: str = ""
    ord_qty: str
    ord_unpr: str = ""
    ord_tmd: str = ""
    tot_ccld_qty: str
    avg_prvs: str = ""
    tot_ccld_amt: str = ""
    rmn_qty: str = ""
    rjct_qty: str = ""
    cncl_yn: str = ""
    ord_dvsn_cd: str = ""
    ord_gno_brno: str = ""
    excg_id_dvsn_cd: str = ""


class DailyCcldSummary(_Wire, frozen=True, kw_only=True):
    tot_ord_qty: str = ""
    tot_ccld_qty: str = ""
    tot_ccld_amt: str = ""
    prsm_tlex_smtl: str = ""
    pchs_avg_pric: str = ""


class DailyCcldReply(PagedEnvelope, frozen=True, kw_only=True):
    output1: list[DailyCcldRow] = []
    output2: DailyCcldSummary | None = None


class PsblRvsecnclRow(_Wire, frozen=True, kw_only=True):
    odno: str
    orgn_odno: str = ""
    pdno: str
    ord_qty: str
    ord_unpr: str = ""
    ord_tmd: str = ""
    tot_ccld_qty: str = ""
    tot_ccld_amt: str = ""
    psbl_qty: str
    sll_buy_dvsn_cd: str
    ord_dvsn_cd: str = ""
    ord_gno_brno: str = ""


class PsblRvsecnclReply(PagedEnvelope, frozen=True, kw_only=True):
    output: list[PsblRvsecnclRow] = []


class PsblOrderOutput(_Wire, frozen=True, kw_only=True):
    ord_psbl_cash: str
    nrcvb_buy_amt: str = ""
    nrcvb_buy_qty: str = ""
    max_buy_amt: str = ""
    max_buy_qty: str = ""
    psbl_qty_calc_unpr: str = ""


class PsblOrderReply(Envelope, frozen=True, kw_only=True):
    output: PsblOrderOutput | None = None


# ---- quotations -----------------------------------------------------------------------------


class PriceOutput(_Wire, frozen=True, kw_only=True):
    stck_prpr: str
    prdy_vrss: str = ""
    prdy_vrss_sign: str = ""
    prdy_ctrt: str = ""
    stck_oprc: str = ""
    stck_hgpr: str = ""
    stck_lwpr: str = ""
    stck_mxpr: str = ""
    stck_llam: str = ""
    stck_sdpr: str = ""
    acml_vol: str = ""
    acml_tr_pbmn: str = ""
    aspr_unit: str = ""
    vi_cls_code: str = ""
    temp_stop_yn: str = ""
    stck_shrn_iscd: str = ""


class PriceReply(Envelope, frozen=True, kw_only=True):
    output: PriceOutput | None = None


class ChartSummary(_Wire, frozen=True, kw_only=True):
    stck_shrn_iscd: str = ""
    stck_prpr: str = ""


class DailyChartRow(_Wire, frozen=True, kw_only=True):
    stck_bsop_date: str
    stck_oprc: str
    stck_hgpr: str
    stck_lwpr: str
    stck_clpr: str
    acml_vol: str
    acml_tr_pbmn: str = ""
    mod_yn: str = ""


class DailyChartReply(Envelope, frozen=True, kw_only=True):
    output1: ChartSummary | None = None
    output2: list[DailyChartRow] = []


class MinuteChartRow(_Wire, frozen=True, kw_only=True):
    """``stck_cntg_hour`` is the minute's start as HHMMSS; ``stck_prpr`` its close."""

    stck_bsop_date: str
    stck_cntg_hour: str
    stck_prpr: str
    stck_oprc: str
    stck_hgpr: str
    stck_lwpr: str
    cntg_vol: str
    acml_tr_pbmn: str = ""


class MinuteChartReply(Envelope, frozen=True, kw_only=True):
    output1: ChartSummary | None = None
    output2: list[MinuteChartRow] = []


# ---- websocket control messages -------------------------------------------------------------


class WsHeader(_Wire, frozen=True, kw_only=True):
    tr_id: str = ""
    tr_key: str = ""
    encrypt: str = ""
    datetime: str = ""


class WsCipher(_Wire, frozen=True, kw_only=True):
    """AES-256 key (32 chars) and iv (16 chars), used as their UTF-8 bytes [S]."""

    iv: str = ""
    key: str = ""


class WsBody(_Wire, frozen=True, kw_only=True):
    rt_cd: str = ""
    msg_cd: str = ""
    msg1: str = ""
    output: WsCipher | None = None


class WsControl(_Wire, frozen=True, kw_only=True):
    """A subscribe/unsubscribe reply, or a header-only PINGPONG."""

    header: WsHeader
    body: WsBody | None = None
