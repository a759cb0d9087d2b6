from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
import talib

from jts.core.time import NANOS_PER_HOUR, kst_to_ns
from jts.indicators import (
    AD,
    ADOSC,
    CMF,
    MFI,
    OBV,
    VWAP,
    IndicatorInputError,
    IndicatorParameterError,
    session_ids,
)
from tests.unit.indicators.helpers import check_against_talib, ohlcv, run_stream


def _hlcv(d: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    return d["high"], d["low"], d["close"], d["volume"]


CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (OBV, {}, lambda d: talib.OBV(d["close"], d["volume"])),
    (AD, {}, lambda d: talib.AD(*_hlcv(d))),
    (ADOSC, {}, lambda d: talib.ADOSC(*_hlcv(d), 3, 10)),
    (ADOSC, {"fast": 5, "slow": 20}, lambda d: talib.ADOSC(*_hlcv(d), 5, 20)),
    (MFI, {"period": 2}, lambda d: talib.MFI(*_hlcv(d), 2)),
    (MFI, {"period": 14}, lambda d: talib.MFI(*_hlcv(d), 14)),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_mfi_ignores_a_last_bit_change_of_the_typical_price() -> None:
    # Every bar's typical price is 0.2 mathematically, but (0.3 + 0.2 + 0.1) / 3 and
    # (0.3 + 0.1 + 0.2) / 3 differ in the last bit; that is no rise and no fall.
    high, low, close = [0.3, 0.3, 0.3, 0.3], [0.2, 0.1, 0.2, 0.1], [0.1, 0.2, 0.1, 0.2]
    tp = (np.array(high) + np.array(low) + np.array(close)) / 3
    assert tp[0] != tp[1]
    volume = [100.0, 100.0, 100.0, 100.0]
    out = MFI.compute(high, low, close, volume, period=2)
    np.testing.assert_array_equal(out, [np.nan, np.nan, 0.0, 0.0])
    np.testing.assert_array_equal(run_stream(MFI, [high, low, close, volume], period=2)[0], out)


def test_obv_by_hand() -> None:
    out = OBV.compute([1.0, 2.0, 2.0, 1.0, 3.0], [10.0, 20.0, 30.0, 40.0, 50.0])
    np.testing.assert_array_equal(out, [10.0, 30.0, 30.0, -10.0, 40.0])


def test_cmf_by_hand() -> None:
    high = [10.0, 10.0, 10.0, 12.0]
    low = [8.0, 8.0, 10.0, 8.0]
    close = [9.0, 10.0, 10.0, 9.0]
    volume = [100.0, 200.0, 50.0, 100.0]
    # money-flow volume: 0 (mid-bar close), +200 (close at the high), 0 (no range), -50
    out = CMF.compute(high, low, close, volume, period=2)
    np.testing.assert_allclose(out, [np.nan, 200 / 300, 200 / 250, -50 / 150])
    np.testing.assert_allclose(run_stream(CMF, [high, low, close, volume], period=2)[0], out)


def test_cmf_without_volume_is_zero() -> None:
    out = CMF.compute([2.0, 3.0], [1.0, 1.0], [2.0, 2.0], [0.0, 0.0], period=2)
    assert out[1] == 0.0


def test_vwap_resets_at_each_session() -> None:
    high = [3.0, 6.0, 5.0, 9.0]
    low = [1.0, 2.0, 5.0, 3.0]
    close = [2.0, 4.0, 5.0, 6.0]
    volume = [10.0, 30.0, 0.0, 10.0]
    session = [1, 1, 2, 2]
    # typical prices 2, 4, 5, 6; the new session has no volume on its first bar yet
    out = VWAP.compute(high, low, close, volume, session)
    np.testing.assert_array_equal(out, [2.0, (20 + 120) / 40, 5.0, 6.0])
    np.testing.assert_array_equal(run_stream(VWAP, [high, low, close, volume, session])[0], out)


def test_vwap_with_sessions_from_timestamps() -> None:
    d = ohlcv(31, 60)
    start = kst_to_ns(dt.date(2024, 1, 2), "090000")
    ts = start + np.arange(60, dtype=np.int64) * 12 * NANOS_PER_HOUR  # two bars a day
    sessions = session_ids(ts)
    assert sessions[0] == sessions[1] != sessions[2]
    out = VWAP.compute(d["high"], d["low"], d["close"], d["volume"], sessions)
    tp = (d["high"] + d["low"] + d["close"]) / 3
    for i in range(0, 60, 2):  # the first bar of each session is its own typical price
        assert out[i] == tp[i] or d["volume"][i] > 0


def test_session_ids_follow_kst_midnight() -> None:
    before = kst_to_ns(dt.date(2024, 3, 4), "235900")
    after = kst_to_ns(dt.date(2024, 3, 5), "000100")
    ids = session_ids(np.array([before, after], dtype=np.int64))
    assert ids[1] == ids[0] + 1
    utc = session_ids(np.array([before, after], dtype=np.int64), utc_offset_ns=0)
    assert utc[0] == utc[1]  # both fall on 2024-03-04 UTC
    with pytest.raises(IndicatorInputError, match="timestamps must be int64 ns"):
        session_ids(np.array([1.5]))


def test_vwap_session_ids_must_be_integers() -> None:
    with pytest.raises(IndicatorInputError, match="'session' must hold integer ids"):
        VWAP.compute([1.0], [1.0], [1.0], [1.0], [0.5])


def test_adosc_needs_fast_below_slow() -> None:
    with pytest.raises(IndicatorParameterError, match="adosc: fast \\(10\\) must be below slow"):
        ADOSC(fast=10, slow=3)


@pytest.mark.parametrize(
    ("cls", "kwargs", "param"),
    [(MFI, {"period": 1}, "period"), (CMF, {"period": 0}, "period"), (ADOSC, {"fast": 1}, "fast")],
)
def test_bad_parameters(cls: Any, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: parameter '{param}'"):
        cls(**kwargs)
