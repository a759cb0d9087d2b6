from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jts.adapters.kis.errors import KisProtocolError
from jts.adapters.kis.parse import (
    account_state,
    buying_power,
    daily_bar,
    decimal_field,
    fill_report,
    fill_trade_id,
    int_field,
    kst_ns,
    minute_bar,
    order_status_report,
    position_report,
    price_snapshot,
)
from jts.adapters.kis.schemas import (
    BalanceRow,
    BalanceSummary,
    DailyCcldRow,
    DailyChartRow,
    MinuteChartRow,
    PriceOutput,
    PsblOrderOutput,
)
from jts.core.time import KST, dt_to_ns
from jts.domain.enums import OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, TradeId
from jts.domain.market_data import BarType
from jts.domain.values import KRW, Money, Price, Quantity

IID = InstrumentId("005930.KRX")
ACC = AccountId("KIS-12345678-01")
TS = 1_800_000_000_000_000_000
ZERO = Money.zero(KRW)


def ccld(**overrides: str) -> DailyCcldRow:
    fields = {
        "ord_dt": "20260302",
        "odno": "0000000007",
        "sll_buy_dvsn_cd": "02",
        "pdno": "005930",
        "ord_qty": "10",
        "ord_unpr": "70000",
        "ord_tmd": "093001",
        "tot_ccld_qty": "0",
        "tot_ccld_amt": "0",
        "rmn_qty": "10",
        "rjct_qty": "0",
        "ord_dvsn_cd": "00",
    }
    fields.update(overrides)
    return DailyCcldRow(**fields)


@pytest.mark.parametrize(
    ("text", "expected"), [("42", 42), (" 7 ", 7), ("70050.0000", 70050), ("-3", -3)]
)
def test_int_field(text, expected):
    assert int_field(text, "x") == expected


@pytest.mark.parametrize("text", ["", "1.5", "abc"])
def test_int_field_refuses_with_the_field_name(text):
    with pytest.raises(KisProtocolError, match="field qty"):
        int_field(text, "qty")


def test_int_field_default_for_blank():
    assert int_field("  ", "x", default=0) == 0


def test_decimal_field():
    assert decimal_field("70050.5000", "x") == Decimal("70050.5000")
    assert decimal_field("0", "x") is None
    assert decimal_field("", "x") is None
    with pytest.raises(KisProtocolError):
        decimal_field("nope", "x")
    with pytest.raises(KisProtocolError):
        decimal_field("NaN", "x")


def test_kst_ns():
    assert kst_ns("20260302", "090000") == dt_to_ns(dt.datetime(2026, 3, 2, 9, tzinfo=KST))
    with pytest.raises(KisProtocolError):
        kst_ns("2026032", "090000")
    with pytest.raises(KisProtocolError):
        kst_ns("20260230", "090000")


def test_position_report_long_and_flat():
    row = BalanceRow(pdno="005930", hldg_qty="12", pchs_avg_pric="70050.5000")
    report = position_report(row, instrument_id=IID, account_id=ACC, report_id="r", ts=TS)
    assert report.position_side is PositionSide.LONG
    assert report.quantity == Quantity(12)
    assert report.avg_px_open == Decimal("70050.5000")
    flat = position_report(
        BalanceRow(pdno="005930", hldg_qty="0"),
        instrument_id=IID,
        account_id=ACC,
        report_id="r",
        ts=TS,
    )
    assert flat.position_side is PositionSide.FLAT
    assert flat.avg_px_open is None


def test_account_state_splits_settled_and_unsettled():
    summary = BalanceSummary(dnca_tot_amt="1000000", prvs_rcdl_excc_amt="790000")
    state = account_state(summary, account_id=ACC, ts=TS)
    (balance,) = state.balances
    assert balance.settled == Money(1_000_000, KRW)
    assert balance.total == Money(790_000, KRW)
    assert balance.unsettled == Money(-210_000, KRW)
    assert state.reported


@pytest.mark.parametrize(
    ("overrides", "status", "filled"),
    [
        ({}, OrderStatus.ACCEPTED, 0),
        (
            {"tot_ccld_qty": "4", "tot_ccld_amt": "280000", "rmn_qty": "6"},
            OrderStatus.PARTIALLY_FILLED,
            4,
        ),
        ({"tot_ccld_qty": "10", "tot_ccld_amt": "700000", "rmn_qty": "0"}, OrderStatus.FILLED, 10),
        ({"rmn_qty": "0"}, OrderStatus.CANCELED, 0),
        ({"rmn_qty": "0", "rjct_qty": "10"}, OrderStatus.REJECTED, 0),
        ({"tot_ccld_qty": "3", "tot_ccld_amt": "210000", "rmn_qty": "0"}, OrderStatus.CANCELED, 3),
    ],
)
def test_order_status_report_statuses(overrides, status, filled):
    report = order_status_report(
        ccld(**overrides), instrument_id=IID, account_id=ACC, report_id="r", ts=TS
    )
    assert report is not None
    assert report.order_status is status
    assert report.filled_qty == Quantity(filled)
    assert report.order_side is OrderSide.BUY
    assert report.order_type is OrderType.LIMIT
    assert report.time_in_force is TimeInForce.DAY
    assert report.price == Price(70000)
    assert report.ts_accepted == kst_ns("20260302", "093001")
    if filled:
        assert report.avg_px == Decimal(70000)


def test_order_status_report_of_a_market_order_has_no_price_and_keeps_client_id():
    report = order_status_report(
        ccld(ord_dvsn_cd="01", ord_unpr="0"),
        instrument_id=IID,
        account_id=ACC,
        report_id="r",
        ts=TS,
        client_order_id=ClientOrderId("O-1"),
    )
    assert report is not None
    assert report.order_type is OrderType.MARKET
    assert report.price is None
    assert report.client_order_id == ClientOrderId("O-1")


def test_cancel_request_rows_are_not_orders():
    row = ccld(cncl_yn="Y", orgn_odno="0000000003", rmn_qty="0")
    assert order_status_report(row, instrument_id=IID, account_id=ACC, report_id="r", ts=TS) is None
    assert (
        fill_report(
            row, instrument_id=IID, account_id=ACC, report_id="r", ts=TS, commission=ZERO, tax=ZERO
        )
        is None
    )


def test_fill_report_aggregates_an_order():
    row = ccld(tot_ccld_qty="3", tot_ccld_amt="210150", rmn_qty="7", sll_buy_dvsn_cd="01")
    report = fill_report(
        row, instrument_id=IID, account_id=ACC, report_id="r", ts=TS, commission=ZERO, tax=ZERO
    )
    assert report is not None
    assert report.last_qty == Quantity(3)
    assert report.last_px == Price("70050")
    assert report.order_side is OrderSide.SELL
    assert report.trade_id == fill_trade_id("20260302", "7", 3) == TradeId("20260302-0000000007-3")


def test_fill_report_with_a_fractional_average_keeps_four_decimals():
    row = ccld(tot_ccld_qty="3", tot_ccld_amt="210001")
    report = fill_report(
        row, instrument_id=IID, account_id=ACC, report_id="r", ts=TS, commission=ZERO, tax=ZERO
    )
    assert report is not None
    assert report.last_px == Price("70000.3333")


def test_fill_report_none_without_fills_and_error_without_price():
    assert (
        fill_report(
            ccld(),
            instrument_id=IID,
            account_id=ACC,
            report_id="r",
            ts=TS,
            commission=ZERO,
            tax=ZERO,
        )
        is None
    )
    with pytest.raises(KisProtocolError, match="no average price"):
        fill_report(
            ccld(tot_ccld_qty="3", tot_ccld_amt="0", avg_prvs=""),
            instrument_id=IID,
            account_id=ACC,
            report_id="r",
            ts=TS,
            commission=ZERO,
            tax=ZERO,
        )


def test_price_snapshot():
    out = PriceOutput(
        stck_prpr="70100",
        stck_oprc="0",
        stck_hgpr="70500",
        stck_lwpr="69800",
        stck_mxpr="91000",
        stck_llam="49000",
        stck_sdpr="70000",
        acml_vol="12345",
        acml_tr_pbmn="865000000",
        aspr_unit="100",
        temp_stop_yn="N",
    )
    snap = price_snapshot(out, instrument_id=IID, ts=TS)
    assert snap.last == Price(70100)
    assert snap.open is None
    assert snap.high == Price(70500)
    assert snap.upper_limit == Price(91000)
    assert snap.tick_size == Price(100)
    assert snap.volume == Quantity(12345)
    assert snap.turnover == Money(865_000_000, KRW)
    assert not snap.halted
    with pytest.raises(KisProtocolError):
        price_snapshot(PriceOutput(stck_prpr="0"), instrument_id=IID, ts=TS)


def test_buying_power():
    out = PsblOrderOutput(
        ord_psbl_cash="1000000",
        max_buy_qty="14",
        max_buy_amt="980000",
        nrcvb_buy_qty="14",
        nrcvb_buy_amt="980000",
        psbl_qty_calc_unpr="70000",
    )
    power = buying_power(out, instrument_id=IID)
    assert power.cash == Money(1_000_000, KRW)
    assert power.max_qty == Quantity(14)
    assert power.price == Price(70000)


def test_daily_and_minute_bars():
    day_type = BarType.parse("005930.KRX-1-DAY-LAST-EXTERNAL")
    row = DailyChartRow(
        stck_bsop_date="20260302",
        stck_oprc="70000",
        stck_hgpr="71000",
        stck_lwpr="69000",
        stck_clpr="70500",
        acml_vol="1000",
    )
    bar = daily_bar(row, bar_type=day_type, close_hhmmss="153000", ts=TS)
    assert bar is not None
    assert bar.close == Price(70500)
    assert bar.volume == Quantity(1000)
    assert bar.ts_event == kst_ns("20260302", "153000")
    halted = DailyChartRow(
        stck_bsop_date="20260302",
        stck_oprc="0",
        stck_hgpr="0",
        stck_lwpr="0",
        stck_clpr="0",
        acml_vol="0",
    )
    assert daily_bar(halted, bar_type=day_type, close_hhmmss="153000", ts=TS) is None
    minute_type = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
    mrow = MinuteChartRow(
        stck_bsop_date="20260302",
        stck_cntg_hour="093000",
        stck_prpr="70100",
        stck_oprc="70000",
        stck_hgpr="70200",
        stck_lwpr="69900",
        cntg_vol="50",
    )
    start_label = minute_bar(mrow, bar_type=minute_type, label_is_start=True, ts=TS)
    end_label = minute_bar(mrow, bar_type=minute_type, label_is_start=False, ts=TS)
    assert start_label is not None
    assert end_label is not None
    assert start_label.ts_event == kst_ns("20260302", "093100")
    assert end_label.ts_event == kst_ns("20260302", "093000")


def test_inconsistent_bar_is_a_protocol_error():
    row = DailyChartRow(
        stck_bsop_date="20260302",
        stck_oprc="70000",
        stck_hgpr="69000",
        stck_lwpr="71000",
        stck_clpr="70500",
        acml_vol="1",
    )
    with pytest.raises(KisProtocolError, match="inconsistent"):
        daily_bar(
            row,
            bar_type=BarType.parse("005930.KRX-1-DAY-LAST-EXTERNAL"),
            close_hhmmss="153000",
            ts=TS,
        )
