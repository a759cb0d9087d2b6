"""Volume: OBV, A/D line, ADOSC, MFI, CMF, session VWAP.

Conventions:

* OBV (TA-Lib) starts at the first bar's volume, then adds the volume on an up close and
  subtracts it on a down close. Lookback 0.
* A/D (Chaikin accumulation/distribution, TA-Lib AD) adds
  ``((close - low) - (high - close)) / (high - low) * volume`` per bar, nothing on a bar with
  ``high == low``. Lookback 0.
* ADOSC (TA-Lib) = EMA(fast) - EMA(slow) of the A/D line where, unlike the EMA indicator, both
  EMAs are seeded with the first A/D value and written ``k * ad + (1 - k) * prev``; the output
  starts at ``slow - 1``.
* MFI (TA-Lib): money flow = typical price * volume, positive when the typical price rose,
  negative when it fell, neither when unchanged; MFI = ``100 * pos / (pos + neg)`` over
  ``period`` bars, 0.0 when both are zero. Lookback ``period``. "Unchanged" allows a change of
  up to ``1e-12`` of the level (`base.FLAT_REL`): typical prices are thirds, so equal ones can
  differ in the last bit, and the sign of that residue would swing a whole bar's flow.
* CMF (not in TA-Lib) = sum of A/D money-flow volume / sum of volume over ``period`` bars, 0.0
  when nothing traded in the window. Lookback ``period - 1``.
* Running sums and empty windows. MFI and CMF keep running sums (add the new bar, subtract the
  one leaving), which leave a rounding residue when the last contributing bar leaves. Each sum
  therefore counts its contributing bars and is reset to exactly 0.0 when the count drops to
  zero, so "no flow in the window" reads 0 (or 100) and not ``residue / residue``.
* Session VWAP (not in TA-Lib) = cumulative ``typical price * volume`` / cumulative volume since
  the session began; a new session begins whenever the ``session`` id changes (use
  `session_ids` to derive ids from timestamps). Before any volume trades in a session the VWAP
  is the bar's typical price, so the series never turns NaN. Lookback 0.
"""

from __future__ import annotations

from math import isnan

import numpy as np

from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR
from jts.indicators.base import FLAT_REL, FloatArray, Indicator, IntArray
from jts.indicators.errors import IndicatorInputError
from jts.indicators.jit import lazy_njit
from jts.indicators.moving_averages import ema_factor
from jts.indicators.params import period_param

KST_OFFSET_NS = 9 * NANOS_PER_HOUR


def session_ids(ts_ns: IntArray, utc_offset_ns: int = KST_OFFSET_NS) -> IntArray:
    """Calendar-day ids in a fixed-offset time zone (default KST): one session per local day.

    Nanosecond timestamps (UTC) in; the day number since the epoch in that zone out. Venues whose
    session crosses midnight need ids built from their own calendar instead.
    """
    ts = np.asarray(ts_ns)
    if ts.dtype.kind not in "iu":
        raise IndicatorInputError("vwap", "session", f"timestamps must be int64 ns, got {ts.dtype}")
    out: IntArray = (ts.astype(np.int64) + utc_offset_ns) // NANOS_PER_DAY
    return out


# -- OBV / A/D ----------------------------------------------------------------------------------


@lazy_njit
def obv_kernel(close: FloatArray, volume: FloatArray) -> FloatArray:
    n = close.shape[0]
    out = np.empty(n)
    obv = volume[0]
    out[0] = obv
    for i in range(1, n):
        if close[i] > close[i - 1]:
            obv += volume[i]
        elif close[i] < close[i - 1]:
            obv -= volume[i]
        out[i] = obv
    return out


class OBV(Indicator):
    """On-balance volume: volume added on up closes, subtracted on down closes."""

    name = "obv"
    title = "On Balance Volume"
    talib = "OBV"
    inputs = ("close", "volume")

    __slots__ = ("_prev",)

    def _compute_lookback(self) -> int:
        return 0

    def reset(self) -> None:
        super().reset()
        self._prev = 0.0

    def update(self, close: float, volume: float) -> float:
        if isnan(close) or isnan(volume):
            self._missing()
            return self._value
        self._count += 1
        if self._count == 1:
            self._value = volume
        elif close > self._prev:
            self._value += volume
        elif close < self._prev:
            self._value -= volume
        self._prev = close
        return self._value

    def _vectorised(self, close: FloatArray, volume: FloatArray) -> tuple[FloatArray]:
        return (obv_kernel(close, volume),)


def money_flow_volume(high: float, low: float, close: float, volume: float) -> float:
    """The A/D increment of one bar; 0.0 when the bar has no range."""
    spread = high - low
    return (((close - low) - (high - close)) / spread) * volume if spread > 0.0 else 0.0


@lazy_njit
def ad_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray
) -> FloatArray:
    n = high.shape[0]
    out = np.empty(n)
    ad = 0.0
    for i in range(n):
        spread = high[i] - low[i]
        if spread > 0.0:
            ad += (((close[i] - low[i]) - (high[i] - close[i])) / spread) * volume[i]
        out[i] = ad
    return out


class AD(Indicator):
    """Chaikin accumulation/distribution line."""

    name = "ad"
    title = "Chaikin A/D Line"
    talib = "AD"
    inputs = ("high", "low", "close", "volume")

    __slots__ = ("_ad",)

    def _compute_lookback(self) -> int:
        return 0

    def reset(self) -> None:
        super().reset()
        self._ad = 0.0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if isnan(high) or isnan(low) or isnan(close) or isnan(volume):
            self._missing()
            return self._value
        self._count += 1
        if high - low > 0.0:
            self._ad += money_flow_volume(high, low, close, volume)
        self._value = self._ad
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray
    ) -> tuple[FloatArray]:
        return (ad_kernel(high, low, close, volume),)


@lazy_njit
def adosc_kernel(ad: FloatArray, slow_period: int, fast_k: float, slow_k: float) -> FloatArray:
    n = ad.shape[0]
    out = np.full(n, np.nan)
    fast = ad[0]
    slow = ad[0]
    for i in range(1, n):
        fast = (fast_k * ad[i]) + ((1.0 - fast_k) * fast)
        slow = (slow_k * ad[i]) + ((1.0 - slow_k) * slow)
        if i >= slow_period - 1:
            out[i] = fast - slow
    return out


class ADOSC(Indicator):
    """Chaikin A/D oscillator: fast EMA minus slow EMA of the A/D line."""

    name = "adosc"
    title = "Chaikin A/D Oscillator"
    talib = "ADOSC"
    inputs = ("high", "low", "close", "volume")
    fast = period_param(3, minimum=2, doc="fast EMA period")
    slow = period_param(10, minimum=2, doc="slow EMA period")

    __slots__ = ("_ad", "_fast", "_fast_k", "_slow", "_slow_k")

    def _validate(self) -> None:
        if self.fast >= self.slow:
            raise self._param_error("fast", f"fast ({self.fast}) must be below slow ({self.slow})")

    def _compute_lookback(self) -> int:
        return self.slow - 1

    def reset(self) -> None:
        super().reset()
        self._fast_k = ema_factor(self.fast)
        self._slow_k = ema_factor(self.slow)
        self._ad = self._fast = self._slow = 0.0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if isnan(high) or isnan(low) or isnan(close) or isnan(volume):
            self._missing()
            return self._value
        self._count += 1
        if high - low > 0.0:
            self._ad += money_flow_volume(high, low, close, volume)
        ad = self._ad
        if self._count == 1:
            self._fast = self._slow = ad
        else:
            fk, sk = self._fast_k, self._slow_k
            self._fast = (fk * ad) + ((1.0 - fk) * self._fast)
            self._slow = (sk * ad) + ((1.0 - sk) * self._slow)
        if self._count >= self.slow:
            self._value = self._fast - self._slow
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray
    ) -> tuple[FloatArray]:
        ad = ad_kernel(high, low, close, volume)
        return (adosc_kernel(ad, self.slow, ema_factor(self.fast), ema_factor(self.slow)),)


# -- MFI / CMF ----------------------------------------------------------------------------------


@lazy_njit
def mfi_kernel(tp: FloatArray, volume: FloatArray, period: int, flat_rel: float) -> FloatArray:
    """MFI from typical prices (computed by the caller exactly as ``update`` does)."""
    n = tp.shape[0]
    out = np.full(n, np.nan)
    pos_buf = np.zeros(period)
    neg_buf = np.zeros(period)
    slot = 0
    pos = 0.0
    neg = 0.0
    pos_n = 0
    neg_n = 0
    prev = tp[0]
    for i in range(1, n):
        if i > period:
            if pos_buf[slot] != 0.0:
                pos -= pos_buf[slot]
                pos_n -= 1
            if neg_buf[slot] != 0.0:
                neg -= neg_buf[slot]
                neg_n -= 1
        diff = tp[i] - prev
        prev = tp[i]
        if abs(diff) <= flat_rel * abs(tp[i]):
            diff = 0.0
        flow = tp[i] * volume[i]
        pos_buf[slot] = 0.0
        neg_buf[slot] = 0.0
        if flow != 0.0 and diff < 0:
            neg_buf[slot] = flow
            neg += flow
            neg_n += 1
        elif flow != 0.0 and diff > 0:
            pos_buf[slot] = flow
            pos += flow
            pos_n += 1
        if pos_n == 0:
            pos = 0.0
        if neg_n == 0:
            neg = 0.0
        slot += 1
        if slot == period:
            slot = 0
        if i >= period:
            total = pos + neg
            out[i] = 100.0 * (pos / total) if total != 0.0 else 0.0
    return out


class MFI(Indicator):
    """Money flow index, 0..100: RSI weighted by volume, on the typical price."""

    name = "mfi"
    title = "Money Flow Index"
    talib = "MFI"
    inputs = ("high", "low", "close", "volume")
    period = period_param(14, minimum=2)

    __slots__ = ("_neg", "_neg_buf", "_neg_n", "_pos", "_pos_buf", "_pos_n", "_prev", "_slot")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._pos_buf = [0.0] * self.period
        self._neg_buf = [0.0] * self.period
        self._slot = 0
        self._pos = self._neg = self._prev = 0.0
        self._pos_n = self._neg_n = 0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if isnan(high) or isnan(low) or isnan(close) or isnan(volume):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        tp = (high + low + close) / 3
        if count == 1:
            self._prev = tp
            return self._value
        n = self.period
        slot = self._slot
        if count > n + 1:
            if self._pos_buf[slot] != 0.0:
                self._pos -= self._pos_buf[slot]
                self._pos_n -= 1
            if self._neg_buf[slot] != 0.0:
                self._neg -= self._neg_buf[slot]
                self._neg_n -= 1
        diff = tp - self._prev
        self._prev = tp
        if abs(diff) <= FLAT_REL * abs(tp):
            diff = 0.0
        flow = tp * volume
        self._pos_buf[slot] = self._neg_buf[slot] = 0.0
        if flow != 0.0 and diff < 0:
            self._neg_buf[slot] = flow
            self._neg += flow
            self._neg_n += 1
        elif flow != 0.0 and diff > 0:
            self._pos_buf[slot] = flow
            self._pos += flow
            self._pos_n += 1
        if self._pos_n == 0:
            self._pos = 0.0
        if self._neg_n == 0:
            self._neg = 0.0
        self._slot = slot + 1 if slot + 1 < n else 0
        if count > n:
            total = self._pos + self._neg
            self._value = 100.0 * (self._pos / total) if total != 0.0 else 0.0
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray
    ) -> tuple[FloatArray]:
        tp = (high + low + close) / 3
        return (mfi_kernel(tp, volume, self.period, FLAT_REL),)


@lazy_njit
def cmf_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, period: int
) -> FloatArray:
    n = high.shape[0]
    out = np.full(n, np.nan)
    flows = np.empty(n)
    sum_flow = 0.0
    sum_vol = 0.0
    traded = 0  # bars with volume in the window
    for i in range(n):
        spread = high[i] - low[i]
        flow = 0.0
        if spread > 0.0:
            flow = (((close[i] - low[i]) - (high[i] - close[i])) / spread) * volume[i]
        flows[i] = flow
        if volume[i] != 0.0:
            sum_flow += flow
            sum_vol += volume[i]
            traded += 1
        if i >= period - 1:
            out[i] = sum_flow / sum_vol if traded > 0 else 0.0
            old = i - period + 1
            if volume[old] != 0.0:
                sum_flow -= flows[old]
                sum_vol -= volume[old]
                traded -= 1
                if traded == 0:
                    sum_flow = 0.0
                    sum_vol = 0.0
    return out


class CMF(Indicator):
    """Chaikin money flow: the volume-weighted average of where closes sit in their bars."""

    name = "cmf"
    title = "Chaikin Money Flow"
    inputs = ("high", "low", "close", "volume")
    period = period_param(20)

    __slots__ = ("_flows", "_pos", "_sum_flow", "_sum_vol", "_traded", "_vols")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._flows = [0.0] * self.period
        self._vols = [0.0] * self.period
        self._pos = 0
        self._traded = 0
        self._sum_flow = self._sum_vol = 0.0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if isnan(high) or isnan(low) or isnan(close) or isnan(volume):
            self._missing()
            return self._value
        self._count += 1
        flow = money_flow_volume(high, low, close, volume)
        if volume != 0.0:
            self._sum_flow += flow
            self._sum_vol += volume
            self._traded += 1
        pos = self._pos
        self._flows[pos] = flow
        self._vols[pos] = volume
        pos = pos + 1 if pos + 1 < self.period else 0
        self._pos = pos
        if self._count >= self.period:
            self._value = self._sum_flow / self._sum_vol if self._traded > 0 else 0.0
            if self._vols[pos] != 0.0:  # the oldest bar leaves the window
                self._sum_flow -= self._flows[pos]
                self._sum_vol -= self._vols[pos]
                self._traded -= 1
                if self._traded == 0:
                    self._sum_flow = self._sum_vol = 0.0
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray
    ) -> tuple[FloatArray]:
        return (cmf_kernel(high, low, close, volume, self.period),)


# -- VWAP ---------------------------------------------------------------------------------------


@lazy_njit
def vwap_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, session: IntArray
) -> FloatArray:
    n = high.shape[0]
    out = np.empty(n)
    cum_pv = 0.0
    cum_v = 0.0
    for i in range(n):
        if i == 0 or session[i] != session[i - 1]:
            cum_pv = 0.0
            cum_v = 0.0
        tp = (high[i] + low[i] + close[i]) / 3
        cum_pv += tp * volume[i]
        cum_v += volume[i]
        out[i] = cum_pv / cum_v if cum_v != 0.0 else tp
    return out


class VWAP(Indicator):
    """Volume-weighted average (typical) price since the start of the current session."""

    name = "vwap"
    title = "Session VWAP"
    inputs = ("high", "low", "close", "volume", "session")

    __slots__ = ("_cum_pv", "_cum_v", "_session")

    def _compute_lookback(self) -> int:
        return 0

    def reset(self) -> None:
        super().reset()
        self._cum_pv = self._cum_v = 0.0
        self._session: int | None = None

    def update(self, high: float, low: float, close: float, volume: float, session: int) -> float:
        if isnan(high) or isnan(low) or isnan(close) or isnan(volume):
            self._missing()
            return self._value
        self._count += 1
        if session != self._session:
            self._session = session
            self._cum_pv = self._cum_v = 0.0
        tp = (high + low + close) / 3
        self._cum_pv += tp * volume
        self._cum_v += volume
        self._value = self._cum_pv / self._cum_v if self._cum_v != 0.0 else tp
        return self._value

    def _vectorised(
        self,
        high: FloatArray,
        low: FloatArray,
        close: FloatArray,
        volume: FloatArray,
        session: IntArray,
    ) -> tuple[FloatArray]:
        return (vwap_kernel(high, low, close, volume, session),)
