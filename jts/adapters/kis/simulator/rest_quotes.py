"""Quotations: current price, period OHLCV, today's minute bars, and the holiday check.

``inquire-price`` carries every field brokers.md §5 lists as required by existing clients
(python-kis reads ``bstp_kor_isnm`` and ``rprs_mrkt_kor_name`` too). Period bars come at most
100 per call, newest first; minute bars 30 per call up to ``FID_INPUT_HOUR_1``, today only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby, pairwise

from jts.adapters.kis.simulator.codes import Codes, KisRequestError, invalid_input
from jts.adapters.kis.simulator.envelope import envelope
from jts.adapters.kis.simulator.frames import price_sign, rate_text
from jts.adapters.kis.simulator.gateway import ApiCall, ApiResult
from jts.adapters.kis.simulator.market import DailyBar, SymbolState
from jts.adapters.kis.simulator.trids import Op

__all__ = [
    "DAILY_CHART_OPS",
    "HOLIDAY_OPS",
    "PRICE_OPS",
    "TIME_CHART_OPS",
    "chk_holiday",
    "inquire_daily_itemchartprice",
    "inquire_price",
    "inquire_time_itemchartprice",
]

PRICE_OPS = frozenset({Op.PRICE})
DAILY_CHART_OPS = frozenset({Op.DAILY_CHART})
TIME_CHART_OPS = frozenset({Op.TIME_CHART})
HOLIDAY_OPS = frozenset({Op.HOLIDAY})
_MARKET_CODES = frozenset({"J", "NX", "UN"})
_DAILY_ROWS = 100
_MINUTE_ROWS = 30


def _symbol_state(call: ApiCall) -> SymbolState:
    market_code = call.param("FID_COND_MRKT_DIV_CODE", "J").upper()
    if market_code not in _MARKET_CODES:
        raise invalid_input("FID_COND_MRKT_DIV_CODE")
    symbol = call.required("FID_INPUT_ISCD")
    if not call.ctx.market.has(symbol):
        raise KisRequestError(Codes.UNKNOWN_SYMBOL)
    return call.ctx.market.state(symbol)


def _price_fields(state: SymbolState) -> dict[str, str]:
    price, base = state.last, state.base
    opened = state.traded
    return {
        "stck_prpr": str(price),
        "prdy_vrss": str(price - base),
        "prdy_vrss_sign": price_sign(price, base, state.upper, state.lower),
        "prdy_ctrt": rate_text(price - base, base),
        "stck_oprc": str(state.open if opened else 0),
        "stck_hgpr": str(state.high if opened else 0),
        "stck_lwpr": str(state.low if opened else 0),
        "acml_vol": str(state.cum_vol),
        "acml_tr_pbmn": str(state.cum_value),
    }


def inquire_price(call: ApiCall) -> ApiResult:
    state = _symbol_state(call)
    market = call.ctx.market
    instrument = state.instrument
    tick = market.tick_size(state.symbol, state.last)
    base = state.base
    output = {
        "iscd_stat_cls_code": "55",
        "marg_rate": "20.00",
        "rprs_mrkt_kor_name": instrument.market.value if instrument.market else "KOSPI",
        "bstp_kor_isnm": "시뮬레이션",
        "temp_stop_yn": "N",
        "oprc_rang_cont_yn": "N",
        "clpr_rang_cont_yn": "N",
        "crdt_able_yn": "Y",
        "grmn_rate_cls_code": "40",
        "elw_pblc_yn": "N",
        **_price_fields(state),
        "prdy_vrss_vol_rate": "0.00",
        "stck_mxpr": str(state.upper),
        "stck_llam": str(state.lower),
        "stck_sdpr": str(base),
        "wghn_avrg_stck_prc": str(state.cum_value // state.cum_vol if state.cum_vol else base),
        "hts_frgn_ehrt": "0.00",
        "frgn_ntby_qty": "0",
        "pgtr_ntby_qty": "0",
        "dmrs_val": "0",
        "dmsp_val": "0",
        "cpfn": "0",
        "rstc_wdth_prc": str(state.upper - base),
        "stck_fcam": "100",
        "stck_sspr": "0",
        "aspr_unit": str(tick),
        "hts_deal_qty_unit_val": "1",
        "lstn_stcn": "100000000",
        # market value in 억 won: 100,000,000 listed shares x price / 10^8 = the price
        "hts_avls": str(state.last),
        "per": "0.00",
        "pbr": "0.00",
        "stac_month": "12",
        "vol_tnrt": "0.00",
        "eps": "0.00",
        "bps": "0.00",
        "w52_hgpr": str(max(state.high, base)),
        "w52_lwpr": str(min(state.low or base, base)),
        "whol_loan_rmnd_rate": "0.00",
        "ssts_yn": "Y",
        "stck_shrn_iscd": state.symbol,
        "fcam_cnnm": "100",
        "cpfn_cnnm": "0 억",
        "frgn_hldn_qty": "0",
        "vi_cls_code": "N",
        "ovtm_vi_cls_code": "N",
        "last_ssts_cntg_qty": "0",
        "invt_caful_yn": "N",
        "mrkt_warn_cls_code": "00",
        "short_over_yn": "N",
        "sltr_yn": "N",
        "mang_issu_cls_code": "N",
    }
    return ApiResult(envelope(Codes.INQUIRY_OK, output=output))


def _summary(state: SymbolState) -> dict[str, str]:
    return {
        **_price_fields(state),
        "stck_prdy_clpr": str(state.base),
        "hts_kor_isnm": state.name,
        "stck_shrn_iscd": state.symbol,
        "stck_mxpr": str(state.upper),
        "stck_llam": str(state.lower),
        "prdy_vol": "0",
    }


def _date_param(call: ApiCall, name: str) -> dt.date:
    text = call.required(name)
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise invalid_input(name) from None


def _period_key(day: dt.date, period: str) -> tuple[int, ...]:
    if period == "W":
        iso = day.isocalendar()
        return (iso.year, iso.week)
    if period == "M":
        return (day.year, day.month)
    if period == "Y":
        return (day.year,)
    return (day.toordinal(),)


def _aggregate(bars: Sequence[DailyBar], period: str) -> list[DailyBar]:
    """Daily bars into W/M/Y bars dated at their last session (D passes through)."""
    if period == "D":
        return list(bars)
    out = []
    for _, group in groupby(bars, key=lambda b: _period_key(b.date, period)):
        chunk = list(group)
        out.append(
            DailyBar(
                date=chunk[-1].date,
                open=chunk[0].open,
                high=max(b.high for b in chunk),
                low=min(b.low for b in chunk),
                close=chunk[-1].close,
                volume=sum(b.volume for b in chunk),
                value=sum(b.value for b in chunk),
            )
        )
    return out


def inquire_daily_itemchartprice(call: ApiCall) -> ApiResult:
    state = _symbol_state(call)
    start = _date_param(call, "FID_INPUT_DATE_1")
    end = _date_param(call, "FID_INPUT_DATE_2")
    period = call.param("FID_PERIOD_DIV_CODE", "D").upper() or "D"
    if period not in ("D", "W", "M", "Y"):
        raise invalid_input("FID_PERIOD_DIV_CODE")
    if call.param("FID_ORG_ADJ_PRC", "0") not in ("0", "1"):
        raise invalid_input("FID_ORG_ADJ_PRC")
    history = call.ctx.market.daily_history(state.symbol)
    bars = _aggregate([b for b in history if start <= b.date <= end], period)
    previous = {b.date: prev.close for prev, b in pairwise(bars)}
    rows = []
    for bar in reversed(bars[-_DAILY_ROWS:]):
        prior = previous.get(bar.date, bar.open)
        rows.append(
            {
                "stck_bsop_date": bar.date.strftime("%Y%m%d"),
                "stck_clpr": str(bar.close),
                "stck_oprc": str(bar.open),
                "stck_hgpr": str(bar.high),
                "stck_lwpr": str(bar.low),
                "acml_vol": str(bar.volume),
                "acml_tr_pbmn": str(bar.value),
                "flng_cls_code": "00",
                "prtt_rate": "0.00",
                "mod_yn": "N",
                "prdy_vrss_sign": price_sign(bar.close, prior, 10**12, 0),
                "prdy_vrss": str(bar.close - prior),
                "revl_issu_reas": "",
            }
        )
    body = envelope(Codes.INQUIRY_OK, output1=_summary(state), output2=rows)
    return ApiResult(body)


def inquire_time_itemchartprice(call: ApiCall) -> ApiResult:
    state = _symbol_state(call)
    hour = call.param("FID_INPUT_HOUR_1", "999999") or "999999"
    if not (len(hour) == 6 and hour.isdigit()):
        raise invalid_input("FID_INPUT_HOUR_1")
    bars = [b for b in call.ctx.market.minute_bars(state.symbol) if b.hhmm + "00" <= hour]
    running = 0
    cumulative: dict[str, int] = {}
    for bar in bars:
        running += bar.value
        cumulative[bar.hhmm] = running
    day = state.trading_date.strftime("%Y%m%d")
    rows = [
        {
            "stck_bsop_date": day,
            "stck_cntg_hour": bar.hhmm + "00",
            "stck_prpr": str(bar.close),
            "stck_oprc": str(bar.open),
            "stck_hgpr": str(bar.high),
            "stck_lwpr": str(bar.low),
            "cntg_vol": str(bar.volume),
            "acml_tr_pbmn": str(cumulative[bar.hhmm]),
        }
        for bar in reversed(bars[-_MINUTE_ROWS:])
    ]
    return ApiResult(envelope(Codes.INQUIRY_OK, output1=_summary(state), output2=rows))


def chk_holiday(call: ApiCall) -> ApiResult:
    """Twenty days from ``BASS_DT``: business day, trading day, open, settlement flags."""
    base = _date_param(call, "BASS_DT")
    hours = call.ctx.hours
    rows = []
    for offset in range(20):
        day = base + dt.timedelta(days=offset)
        open_ = hours.is_trading_day(day)
        flag = "Y" if open_ else "N"
        rows.append(
            {
                "bass_dt": day.strftime("%Y%m%d"),
                "wday_dvsn_cd": f"{(day.isoweekday() % 7) + 1:02d}",  # 01 Sunday .. 07 Saturday
                "bzdy_yn": flag,
                "tr_day_yn": flag,
                "opnd_yn": flag,
                "sttl_day_yn": flag,
            }
        )
    blank = " " * 100
    body = envelope(Codes.INQUIRY_OK, ctx_area_nk=blank, ctx_area_fk=blank, output=rows)
    return ApiResult(body)
