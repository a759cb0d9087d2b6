"""Volume curves: learning the intraday profile from bars, and slicing a window with it."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_MINUTE, kst_to_ns
from jts.domain.market_data import Bar, BarType
from jts.domain.values import Price, Quantity
from jts.kernel.execution.algorithms import VolumeCurve

MINUTE = NANOS_PER_MINUTE
DAY1, DAY2 = dt.date(2024, 3, 4), dt.date(2024, 3, 5)
ONE_MINUTE = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
TEN_MINUTES = BarType.parse("005930.KRX-10-MINUTE-LAST-EXTERNAL")


def minute_bar(day: dt.date, hhmm: str, volume: int, bar_type: BarType = ONE_MINUTE) -> Bar:
    """A bar stamped at its close ``hhmm`` KST."""
    ts = kst_to_ns(day, hhmm + "00")
    return Bar(
        bar_type=bar_type,
        open=Price(70000),
        high=Price(70000),
        low=Price(70000),
        close=Price(70000),
        volume=Quantity(volume),
        ts_event=ts,
        ts_init=ts,
    )


def test_the_flat_curve_covers_the_krx_session() -> None:
    curve = VolumeCurve.flat()
    assert curve.buckets == 78  # 09:00-15:30 in 5-minute buckets
    assert set(curve.shares()) == {Fraction(1, 78)}
    assert VolumeCurve.flat(MINUTE).buckets == 390


def test_from_bars_averages_each_days_shares() -> None:
    """A 30-minute session in 10-minute buckets; day 2 trades ten times day 1's volume but
    counts the same."""
    bars = [
        minute_bar(DAY1, "0901", 300),  # bucket 0 (the bar covers 09:00-09:01)
        minute_bar(DAY1, "0910", 100),  # still bucket 0: it covers 09:09-09:10
        minute_bar(DAY1, "0915", 200),  # bucket 1
        minute_bar(DAY1, "0930", 400),  # bucket 2
        minute_bar(DAY2, "0905", 5000),
        minute_bar(DAY2, "0925", 5000),
        minute_bar(DAY1, "0840", 9999),  # pre-market: outside the session
        minute_bar(DAY1, "1000", 9999),  # after this session's close
    ]
    curve = VolumeCurve.from_bars(
        bars, 10 * MINUTE, session_open=dt.time(9, 0), session_close=dt.time(9, 30)
    )
    # day 1 shares 0.4 / 0.2 / 0.4, day 2 shares 0.5 / 0 / 0.5
    assert curve.weights == (Fraction(9, 20), Fraction(1, 10), Fraction(9, 20))
    assert curve.days == 2
    assert sum(curve.shares()) == 1


def test_a_u_shaped_session_gives_a_u_shaped_curve() -> None:
    bars = []
    for day in (DAY1, DAY2):
        for minute in range(390):
            end = 9 * 60 + minute + 1  # minutes after midnight at the bar's close
            # heavy at the open and into the close, light at midday
            volume = 100 + (195 - minute) ** 2 // 10
            bars.append(minute_bar(day, f"{end // 60:02d}{end % 60:02d}", volume))
    curve = VolumeCurve.from_bars(bars)
    shares = curve.shares()
    assert shares.index(min(shares)) == 39  # 12:15-12:20, around the bottom of the U
    assert list(shares[:40]) == sorted(shares[:40], reverse=True)
    assert list(shares[39:]) == sorted(shares[39:])
    assert shares[0] > 10 * shares[39]
    assert shares[-1] > 10 * shares[39]


def test_from_bars_refuses_what_it_cannot_use() -> None:
    with pytest.raises(InvalidInputError, match="no bar with volume"):
        VolumeCurve.from_bars([minute_bar(DAY1, "0830", 100)])
    with pytest.raises(InvalidInputError, match="longer than the"):
        VolumeCurve.from_bars([minute_bar(DAY1, "0910", 100, TEN_MINUTES)], MINUTE)
    with pytest.raises(InvalidInputError, match="built from bars"):
        VolumeCurve.from_bars([object()])  # type: ignore[list-item]


def test_a_curve_must_fit_its_session() -> None:
    with pytest.raises(InvalidInputError, match="whole number of"):
        VolumeCurve.flat(7 * MINUTE)
    with pytest.raises(InvalidInputError, match="needs as many weights"):
        VolumeCurve((Fraction(1),) * 3)
    with pytest.raises(InvalidInputError, match="non-negative"):
        VolumeCurve((Fraction(-1),) + (Fraction(1),) * 77)
    with pytest.raises(InvalidInputError, match="needs some weight"):
        VolumeCurve((Fraction(0),) * 78)
    with pytest.raises(InvalidInputError, match="close after it opens"):
        VolumeCurve((), session_open=dt.time(15, 30), session_close=dt.time(9, 0))
    with pytest.raises(InvalidInputError, match="positive int"):
        VolumeCurve((Fraction(1),), bucket_ns=0)


def three_buckets(*weights: int) -> VolumeCurve:
    return VolumeCurve(
        tuple(Fraction(w) for w in weights),
        10 * MINUTE,
        session_open=dt.time(9, 0),
        session_close=dt.time(9, 30),
    )


def test_slices_weight_each_bucket_by_its_part_in_the_window() -> None:
    curve = three_buckets(3, 1, 2)
    t0 = kst_to_ns(DAY1, "090000")
    assert curve.slices(t0, t0 + 30 * MINUTE) == [
        (t0, Fraction(3)),
        (t0 + 10 * MINUTE, Fraction(1)),
        (t0 + 20 * MINUTE, Fraction(2)),
    ]
    # from 09:05 to 09:25: half of the first and last buckets
    assert curve.slices(t0 + 5 * MINUTE, t0 + 25 * MINUTE) == [
        (t0 + 5 * MINUTE, Fraction(3, 2)),
        (t0 + 10 * MINUTE, Fraction(1)),
        (t0 + 20 * MINUTE, Fraction(1)),
    ]
    # a window reaching outside the session keeps only the session's part
    assert curve.slices(t0 - 60 * MINUTE, t0 + 10 * MINUTE) == [(t0, Fraction(3))]


def test_a_window_without_history_is_weighted_by_time() -> None:
    curve = three_buckets(1, 0, 0)
    t0 = kst_to_ns(DAY1, "090000")
    assert curve.slices(t0 + 10 * MINUTE, t0 + 25 * MINUTE) == [
        (t0 + 10 * MINUTE, Fraction(1)),
        (t0 + 20 * MINUTE, Fraction(1, 2)),
    ]


def test_windows_must_touch_the_session_within_one_day() -> None:
    curve = three_buckets(1, 1, 1)
    t0 = kst_to_ns(DAY1, "090000")
    with pytest.raises(InvalidInputError, match="outside the session"):
        curve.slices(t0 + 60 * MINUTE, t0 + 90 * MINUTE)
    with pytest.raises(InvalidInputError, match="within one KST day"):
        curve.slices(t0, kst_to_ns(DAY2, "091000"))
    with pytest.raises(InvalidInputError, match="end after it starts"):
        curve.slices(t0, t0)
