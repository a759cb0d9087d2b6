from __future__ import annotations

import datetime as dt

import pytest

from jts.analytics.activity import Fill, FillLike, exposure, traded_value, turnover
from jts.analytics.curve import daily_equity
from jts.analytics.errors import AnalyticsInputError
from jts.core.time import kst_to_ns
from jts.domain.enums import OrderSide
from jts.domain.values import Price, Quantity

from .builders import curve, order_filled, weekdays

BUY, SELL = OrderSide.BUY, OrderSide.SELL
DAYS = weekdays(5)  # Tue 01-02 .. Mon 01-08
DAILY = daily_equity(*curve(1_000_000, [1_000_000] * 5))


def at(day: int, hhmmss: str = "100000") -> int:
    return kst_to_ns(DAYS[day], hhmmss)


def test_a_held_position_exposes_every_day_from_entry_to_exit() -> None:
    fills = [order_filled(BUY, 10, 100, at(1), "1"), order_filled(SELL, 10, 101, at(3), "2")]
    assert exposure(DAILY, fills) == 3 / 5


def test_an_intraday_round_trip_exposes_its_day_only() -> None:
    fills = [
        order_filled(BUY, 10, 100, at(2, "090500"), "1"),
        order_filled(SELL, 10, 101, at(2, "150000"), "2"),
    ]
    assert exposure(DAILY, fills) == 1 / 5


def test_a_position_opened_before_the_curve_is_carried_into_day_one() -> None:
    before = kst_to_ns(dt.date(2023, 12, 28), "100000")
    fills = [order_filled(BUY, 1, 100, before, "1"), order_filled(SELL, 1, 100, at(0), "2")]
    assert exposure(DAILY, fills) == 1 / 5


def test_fills_after_the_curve_are_ignored_and_on_skipped_days_carried() -> None:
    saturday = kst_to_ns(dt.date(2024, 1, 6), "120000")
    after = kst_to_ns(dt.date(2024, 2, 1), "100000")
    fills = [order_filled(BUY, 1, 100, saturday, "1"), order_filled(SELL, 1, 100, after, "2")]
    assert exposure(DAILY, fills) == 1 / 5  # Monday only


def test_any_instrument_open_counts_and_net_positions_are_per_instrument() -> None:
    fills = [
        order_filled(BUY, 5, 100, at(0), "1", instrument="005930.KRX"),
        order_filled(SELL, 5, 100, at(0, "140000"), "2", instrument="000660.KRX"),  # a short
        order_filled(SELL, 5, 100, at(1), "3", instrument="005930.KRX"),
        order_filled(BUY, 5, 100, at(1), "4", instrument="000660.KRX"),
    ]
    assert exposure(DAILY, fills) == 2 / 5


def test_fill_order_does_not_matter_and_plain_fills_work() -> None:
    fills = [
        Fill(at(3), "005930.KRX", SELL, Quantity(10), Price(101)),
        Fill(at(1), "005930.KRX", BUY, Quantity(10), Price(100)),
    ]
    assert exposure(DAILY, fills) == 3 / 5
    assert exposure(DAILY, []) == 0.0


def test_turnover_is_traded_value_over_mean_daily_close() -> None:
    daily = daily_equity(*curve(1_000_000, [1_000_000, 1_200_000, 1_400_000]))
    fills: list[FillLike] = [
        order_filled(BUY, 10, "70000", at(0), "1"),
        order_filled(SELL, 10, "71000", at(1), "2"),
        Fill(at(2), "KRW-BTC.UPBIT", BUY, Quantity("0.00012345"), Price("90000000")),
    ]
    assert traded_value(fills) == 700_000 + 710_000 + 11_110.5
    assert turnover(daily, fills) == pytest.approx(1_421_110.5 / 1_200_000, rel=1e-15)
    assert turnover(daily, []) == 0.0


def test_malformed_fills_are_refused_naming_the_index() -> None:
    good = Fill(at(1), "005930.KRX", BUY, Quantity(1), Price(100))
    with pytest.raises(AnalyticsInputError, match="fill #1 needs last_qty"):
        exposure(DAILY, [good, object()])  # type: ignore[list-item]
    with pytest.raises(AnalyticsInputError, match=r"fill #0 at .* must be positive"):
        traded_value([Fill(at(1), "005930.KRX", BUY, Quantity(0), Price(100))])
    with pytest.raises(AnalyticsInputError, match="ts_event: int"):
        traded_value([Fill(1.5, "005930.KRX", BUY, Quantity(1), Price(100))])  # type: ignore[arg-type]
