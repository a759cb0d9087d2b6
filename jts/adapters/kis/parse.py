"""Pure functions from KIS REST wire DTOs (`schemas`) to domain objects.

Numbers arrive as text and become exact types here (`Price`, `Quantity`, `Money` in KRW,
`Decimal` for averages); dates and times are KST and become int nanoseconds UTC. A field that
cannot be read raises `KisProtocolError` naming the field and the text, so a broken reply is
reported as exactly that rather than as a confusing domain error further on.

The WebSocket records are parsed in `parse_stream` (a hot path with its own caches).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Final

import msgspec

from jts.adapters.kis.errors import KisProtocolError
from jts.adapters.kis.order_kinds import order_kind_of
from jts.adapters.kis.parse_stream import normalize_odno
from jts.adapters.kis.schemas import (
    BalanceRow,
    BalanceSummary,
    DailyCcldRow,
    DailyChartRow,
    MinuteChartRow,
    PriceOutput,
    PsblOrderOutput,
    PsblRvsecnclRow,
)
from jts.core.errors import JtsError
from jts.core.time import KST, NANOS_PER_MINUTE, dt_to_ns
from jts.domain.enums import AccountType, OrderSide, OrderStatus, PositionSide
from jts.domain.events_account import AccountBalance, AccountState
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, TradeId, VenueOrderId
from jts.domain.market_data import Bar, BarType
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import KRW, Money, Price, Quantity

__all__ = [
    "BuyingPower",
    "CancellableOrder",
    "KisPriceSnapshot",
    "account_state",
    "buying_power",
    "cancellable_from_daily",
    "cancellable_order",
    "daily_bar",
    "decimal_field",
    "fill_report",
    "fill_trade_id",
    "int_field",
    "kst_ns",
    "minute_bar",
    "order_status_report",
    "position_report",
    "price_snapshot",
    "side_of",
]

_SIDES: Final = {"01": OrderSide.SELL, "02": OrderSide.BUY}


# ---- fields -------------------------------------------------------------------------------------


def int_field(text: str, name: str, *, default: int | None = None) -> int:
    """An integer field; blank text takes ``default`` when one is given."""
    value = text.strip()
    if not value and default is not None:
        return default
    try:
        # KIS sometimes prints integral amounts with a fraction: "70050.0000"
        whole, _, frac = value.partition(".")
        if frac.strip("0"):
            raise ValueError(value)
        return int(whole)
    except ValueError:
        raise KisProtocolError(f"KIS field {name} must be an integer, got {text!r}") from None


def decimal_field(text: str, name: str) -> Decimal | None:
    """A decimal field; blank or zero is None (KIS prints 0 for "no average yet")."""
    value = text.strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise KisProtocolError(f"KIS field {name} must be a number, got {text!r}") from None
    if not number.is_finite():
        raise KisProtocolError(f"KIS field {name} must be finite, got {text!r}")
    return number if number else None


def _price(text: str, name: str) -> Price:
    try:
        return Price(text.strip())
    except (JtsError, ValueError) as exc:
        raise KisProtocolError(f"KIS field {name} must be a price, got {text!r}") from exc


def _positive_price(text: str, name: str) -> Price | None:
    value = text.strip()
    if not value:
        return None
    price = _price(value, name)
    return price if price.raw > 0 else None


def _qty(text: str, name: str, default: int | None = None) -> Quantity:
    value = int_field(text, name, default=default)
    if value < 0:
        raise KisProtocolError(f"KIS field {name} must not be negative, got {text!r}")
    return Quantity.from_raw(value, 0)


def _krw(text: str, name: str) -> Money:
    return Money.from_raw(int_field(text, name, default=0), KRW)


def side_of(code: str) -> OrderSide:
    side = _SIDES.get(code.strip())
    if side is None:
        raise KisProtocolError(f"KIS side code (SLL_BUY_DVSN_CD) must be 01 or 02, got {code!r}")
    return side


def kst_ns(yyyymmdd: str, hhmmss: str = "000000") -> int:
    """A KST date and time as KIS prints them to nanoseconds UTC."""
    date_text, time_text = yyyymmdd.strip(), (hhmmss.strip() or "000000")
    if len(date_text) != 8 or not date_text.isdigit() or len(time_text) != 6:
        raise KisProtocolError(
            f"KIS date/time must be YYYYMMDD HHMMSS, got {yyyymmdd!r} {hhmmss!r}"
        )
    try:
        moment = dt.datetime(
            int(date_text[:4]),
            int(date_text[4:6]),
            int(date_text[6:]),
            int(time_text[:2]),
            int(time_text[2:4]),
            int(time_text[4:]),
            tzinfo=KST,
        )
    except ValueError as exc:
        raise KisProtocolError(f"bad KIS date/time {yyyymmdd!r} {hhmmss!r}: {exc}") from exc
    return dt_to_ns(moment)


# ---- account ------------------------------------------------------------------------------------


def position_report(
    row: BalanceRow, *, instrument_id: InstrumentId, account_id: AccountId, report_id: str, ts: int
) -> PositionReport:
    """One balance row; KRX cash accounts only hold long positions."""
    qty = _qty(row.hldg_qty, "hldg_qty")
    return PositionReport(
        account_id=account_id,
        instrument_id=instrument_id,
        report_id=report_id,
        ts_init=ts,
        position_side=PositionSide.LONG if qty.raw else PositionSide.FLAT,
        quantity=qty,
        avg_px_open=decimal_field(row.pchs_avg_pric, "pchs_avg_pric") if qty.raw else None,
        ts_last=ts,
    )


def account_state(summary: BalanceSummary, *, account_id: AccountId, ts: int) -> AccountState:
    """Cash as KIS reports it: ``dnca_tot_amt`` is on deposit now (settled); the D+2 amount
    (``prvs_rcdl_excc_amt``) is what it will be once today's trades settle, so the difference
    is unsettled. KIS does not report what open orders hold, so ``locked`` is zero."""
    settled = _krw(summary.dnca_tot_amt, "dnca_tot_amt")
    d2_text = summary.prvs_rcdl_excc_amt.strip()
    total = _krw(d2_text, "prvs_rcdl_excc_amt") if d2_text else settled
    balance = AccountBalance.of(settled, unsettled=total - settled)
    return AccountState(
        account_id=account_id,
        account_type=AccountType.CASH,
        balances=(balance,),
        reported=True,
        ts_event=ts,
        ts_init=ts,
    )


def is_request_row(row: DailyCcldRow) -> bool:
    """A cancel request listed as its own order (``cncl_yn`` Y, pointing at an original)."""
    return row.cncl_yn.strip().upper() == "Y" and bool(row.orgn_odno.strip())


def fill_trade_id(ord_dt: str, odno: str, cumulative_qty: int) -> TradeId:
    """``<ORD_DT>-<ODNO>-<cumulative filled qty>``: the same id whether a fill is learned from a
    notice or recovered from the daily-fills inquiry, so the OMS drops the second as a
    duplicate. Order numbers restart every day, hence the date."""
    return TradeId(f"{ord_dt}-{normalize_odno(odno)}-{cumulative_qty}")


def _status(qty: int, filled: int, remaining: int, rejected: int) -> OrderStatus:
    if filled >= qty:
        return OrderStatus.FILLED
    if remaining > 0:
        return OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.ACCEPTED
    if rejected > 0 and filled == 0:
        return OrderStatus.REJECTED
    return OrderStatus.CANCELED


def order_status_report(
    row: DailyCcldRow,
    *,
    instrument_id: InstrumentId,
    account_id: AccountId,
    report_id: str,
    ts: int,
    client_order_id: ClientOrderId | None = None,
    stop_limit_code: str | None = None,
) -> OrderStatusReport | None:
    """A daily-orders row as the venue's view of one order; None for cancel-request rows
    (they are not orders) and rows without quantity."""
    if is_request_row(row):
        return None
    qty = int_field(row.ord_qty, "ord_qty")
    if qty <= 0:
        return None
    filled = int_field(row.tot_ccld_qty, "tot_ccld_qty", default=0)
    remaining = int_field(row.rmn_qty, "rmn_qty", default=max(qty - filled, 0))
    rejected = int_field(row.rjct_qty, "rjct_qty", default=0)
    order_type, tif = order_kind_of(row.ord_dvsn_cd, stop_limit_code)
    accepted = kst_ns(row.ord_dt, row.ord_tmd)
    status = _status(qty, filled, remaining, rejected)
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument_id,
        report_id=report_id,
        ts_init=ts,
        venue_order_id=VenueOrderId(normalize_odno(row.odno)),
        client_order_id=client_order_id,
        order_side=side_of(row.sll_buy_dvsn_cd),
        order_type=order_type,
        time_in_force=tif,
        order_status=status,
        quantity=Quantity.from_raw(qty, 0),
        filled_qty=Quantity.from_raw(min(filled, qty), 0),
        price=_positive_price(row.ord_unpr, "ord_unpr") if order_type.requires_price else None,
        avg_px=_average(row) if filled else None,
        ts_accepted=accepted,
        ts_last=ts,
    )


def _average(row: DailyCcldRow) -> Decimal | None:
    filled = int_field(row.tot_ccld_qty, "tot_ccld_qty", default=0)
    amount = int_field(row.tot_ccld_amt, "tot_ccld_amt", default=0)
    if filled and amount:
        return Decimal(amount) / Decimal(filled)
    return decimal_field(row.avg_prvs, "avg_prvs")


def fill_report(
    row: DailyCcldRow,
    *,
    instrument_id: InstrumentId,
    account_id: AccountId,
    report_id: str,
    ts: int,
    commission: Money,
    tax: Money,
    client_order_id: ClientOrderId | None = None,
) -> FillReport | None:
    """The fills of one order as one report (KIS lists fills aggregated per order): quantity
    is everything filled, price the exact average when it is a whole won, and the trade id that
    of the last fill (see `fill_trade_id`). None when nothing was filled."""
    if is_request_row(row):
        return None
    filled = int_field(row.tot_ccld_qty, "tot_ccld_qty", default=0)
    if filled <= 0:
        return None
    avg = _average(row)
    if avg is None or avg <= 0:
        raise KisProtocolError(f"order {row.odno} has {filled} filled but no average price")
    price = Price(avg) if avg == avg.to_integral_value() else Price(avg.quantize(Decimal("0.0001")))
    return FillReport(
        account_id=account_id,
        instrument_id=instrument_id,
        report_id=report_id,
        ts_init=ts,
        venue_order_id=VenueOrderId(normalize_odno(row.odno)),
        trade_id=fill_trade_id(row.ord_dt, row.odno, filled),
        client_order_id=client_order_id,
        order_side=side_of(row.sll_buy_dvsn_cd),
        last_qty=Quantity.from_raw(filled, 0),
        last_px=price,
        currency=KRW,
        commission=commission,
        tax=tax,
        ts_event=kst_ns(row.ord_dt, row.ord_tmd),
    )


class CancellableOrder(msgspec.Struct, frozen=True, kw_only=True):
    """An order KIS would still modify or cancel: ``cancellable`` is its open remainder."""

    venue_order_id: VenueOrderId
    instrument_id: InstrumentId
    side: OrderSide
    quantity: Quantity
    filled: Quantity
    cancellable: Quantity
    price: Price | None
    ord_dvsn: str


def cancellable_order(row: PsblRvsecnclRow, *, instrument_id: InstrumentId) -> CancellableOrder:
    """A row of ``inquire-psbl-rvsecncl``."""
    return CancellableOrder(
        venue_order_id=VenueOrderId(normalize_odno(row.odno)),
        instrument_id=instrument_id,
        side=side_of(row.sll_buy_dvsn_cd),
        quantity=_qty(row.ord_qty, "ord_qty"),
        filled=_qty(row.tot_ccld_qty, "tot_ccld_qty", default=0),
        cancellable=_qty(row.psbl_qty, "psbl_qty"),
        price=_positive_price(row.ord_unpr, "ord_unpr"),
        ord_dvsn=row.ord_dvsn_cd.strip(),
    )


def cancellable_from_daily(
    row: DailyCcldRow, *, instrument_id: InstrumentId
) -> CancellableOrder | None:
    """The same view from a daily-orders row (paper has no cancellable-orders inquiry)."""
    if is_request_row(row):
        return None
    remaining = int_field(row.rmn_qty, "rmn_qty", default=0)
    if remaining <= 0:
        return None
    return CancellableOrder(
        venue_order_id=VenueOrderId(normalize_odno(row.odno)),
        instrument_id=instrument_id,
        side=side_of(row.sll_buy_dvsn_cd),
        quantity=_qty(row.ord_qty, "ord_qty"),
        filled=_qty(row.tot_ccld_qty, "tot_ccld_qty", default=0),
        cancellable=Quantity.from_raw(remaining, 0),
        price=_positive_price(row.ord_unpr, "ord_unpr"),
        ord_dvsn=row.ord_dvsn_cd.strip(),
    )


# ---- quotations ---------------------------------------------------------------------------------


class KisPriceSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """``inquire-price``: the current state of one symbol. Open/high/low are None before the
    first trade of the day (KIS prints 0); ``tick_size`` is KIS's ``aspr_unit``."""

    instrument_id: InstrumentId
    last: Price
    base_price: Price | None
    open: Price | None
    high: Price | None
    low: Price | None
    upper_limit: Price | None
    lower_limit: Price | None
    volume: Quantity
    turnover: Money
    tick_size: Price | None
    halted: bool
    ts_init: int


def price_snapshot(
    output: PriceOutput, *, instrument_id: InstrumentId, ts: int
) -> KisPriceSnapshot:
    last = _positive_price(output.stck_prpr, "stck_prpr")
    if last is None:
        raise KisProtocolError(
            f"{instrument_id}: stck_prpr must be positive, got {output.stck_prpr!r}"
        )
    return KisPriceSnapshot(
        instrument_id=instrument_id,
        last=last,
        base_price=_positive_price(output.stck_sdpr, "stck_sdpr"),
        open=_positive_price(output.stck_oprc, "stck_oprc"),
        high=_positive_price(output.stck_hgpr, "stck_hgpr"),
        low=_positive_price(output.stck_lwpr, "stck_lwpr"),
        upper_limit=_positive_price(output.stck_mxpr, "stck_mxpr"),
        lower_limit=_positive_price(output.stck_llam, "stck_llam"),
        volume=_qty(output.acml_vol, "acml_vol", default=0),
        turnover=_krw(output.acml_tr_pbmn, "acml_tr_pbmn"),
        tick_size=_positive_price(output.aspr_unit, "aspr_unit"),
        halted=output.temp_stop_yn.strip().upper() == "Y",
        ts_init=ts,
    )


class BuyingPower(msgspec.Struct, frozen=True, kw_only=True):
    """``inquire-psbl-order``: cash for orders and the largest buy at ``price``, with and
    without using unsettled credit (미수)."""

    instrument_id: InstrumentId | None
    cash: Money
    price: Price | None
    max_qty: Quantity
    max_amount: Money
    no_credit_qty: Quantity
    no_credit_amount: Money


def buying_power(output: PsblOrderOutput, *, instrument_id: InstrumentId | None) -> BuyingPower:
    return BuyingPower(
        instrument_id=instrument_id,
        cash=_krw(output.ord_psbl_cash, "ord_psbl_cash"),
        price=_positive_price(output.psbl_qty_calc_unpr, "psbl_qty_calc_unpr"),
        max_qty=_qty(output.max_buy_qty, "max_buy_qty", default=0),
        max_amount=_krw(output.max_buy_amt, "max_buy_amt"),
        no_credit_qty=_qty(output.nrcvb_buy_qty, "nrcvb_buy_qty", default=0),
        no_credit_amount=_krw(output.nrcvb_buy_amt, "nrcvb_buy_amt"),
    )


def daily_bar(row: DailyChartRow, *, bar_type: BarType, close_hhmmss: str, ts: int) -> Bar | None:
    """A daily bar stamped at the session close; None for a day without trades (zeros)."""
    prices = [
        _positive_price(text, name)
        for text, name in (
            (row.stck_oprc, "stck_oprc"),
            (row.stck_hgpr, "stck_hgpr"),
            (row.stck_lwpr, "stck_lwpr"),
            (row.stck_clpr, "stck_clpr"),
        )
    ]
    if any(p is None for p in prices):
        return None
    open_, high, low, close = (p for p in prices if p is not None)
    return _bar(
        bar_type,
        open_=open_,
        high=high,
        low=low,
        close=close,
        volume=row.acml_vol,
        ts_event=kst_ns(row.stck_bsop_date, close_hhmmss),
        ts=ts,
    )


def minute_bar(
    row: MinuteChartRow, *, bar_type: BarType, label_is_start: bool, ts: int
) -> Bar | None:
    """A one-minute bar stamped at its close. ``stck_cntg_hour`` labels the minute; whether the
    label is the start or the end of the minute is not documented [M], hence the flag."""
    prices = [
        _positive_price(text, name)
        for text, name in (
            (row.stck_oprc, "stck_oprc"),
            (row.stck_hgpr, "stck_hgpr"),
            (row.stck_lwpr, "stck_lwpr"),
            (row.stck_prpr, "stck_prpr"),
        )
    ]
    if any(p is None for p in prices):
        return None
    open_, high, low, close = (p for p in prices if p is not None)
    label = kst_ns(row.stck_bsop_date, row.stck_cntg_hour)
    close_ns = label + NANOS_PER_MINUTE if label_is_start else label
    return _bar(
        bar_type,
        open_=open_,
        high=high,
        low=low,
        close=close,
        volume=row.cntg_vol,
        ts_event=close_ns,
        ts=ts,
    )


def _bar(
    bar_type: BarType,
    *,
    open_: Price,
    high: Price,
    low: Price,
    close: Price,
    volume: str,
    ts_event: int,
    ts: int,
) -> Bar:
    try:
        return Bar(
            bar_type=bar_type,
            open=open_,
            high=high,
            low=low,
            close=close,
            volume=_qty(volume, "volume", default=0),
            ts_event=ts_event,
            ts_init=ts,
        )
    except KisProtocolError:
        raise
    except JtsError as exc:
        raise KisProtocolError(f"KIS bar for {bar_type} is inconsistent: {exc}") from exc
