"""Indicator library figures: numba compile time, streaming updates/s, vectorised values/s.

* compile: each kernel compiled from scratch (no disk cache), then the time a fresh process
  would spend loading the cached machine code instead (the first ``compute`` call);
* streaming: ``update`` calls per second for SMA, EMA, RSI, ATR (pure Python, one bar at a time);
* vectorised: values per second of ``compute`` on 1,000,000 points (best of 3, after warm-up),
  with TA-Lib's time on the same data where it has the indicator and is installed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from jts.indicators import (
    ADX,
    ATR,
    CCI,
    EMA,
    KAMA,
    MACD,
    RSI,
    SMA,
    VWAP,
    WMA,
    BollingerBands,
    CrossOver,
    Ichimoku,
    LinRegSlope,
    ParabolicSAR,
    Stochastic,
    SuperTrend,
)
from jts.indicators.directional import dmi_kernel
from jts.indicators.momentum import rsi_kernel
from jts.indicators.moving_averages import ema_kernel, kama_kernel, sma_kernel, wma_kernel
from jts.indicators.oscillators import cci_kernel
from jts.indicators.statistics import moments_kernel, slope_kernel
from jts.indicators.trend import sar_kernel, supertrend_kernel
from jts.indicators.volatility import atr_kernel
from jts.indicators.volume import vwap_kernel
from jts.indicators.windows import _rolling_argmax, _rolling_max

N_VECTOR = 1_000_000
N_STREAM = 200_000


def _data(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(42)
    close = 50_000.0 + np.cumsum(rng.normal(size=n)) * 10.0
    return {
        "close": close,
        "high": close + rng.random(n) * 20.0,
        "low": close - rng.random(n) * 20.0,
        "volume": np.round(rng.random(n) * 1_000.0),
        "session": np.arange(n, dtype=np.int64) // 390,
        "b": close[::-1].copy(),
    }


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def compile_times() -> None:
    x = np.linspace(1.0, 2.0, 64)
    i64 = np.arange(64, dtype=np.int64)
    kernels: list[tuple[str, Any, tuple[Any, ...]]] = [
        ("sma", sma_kernel, (x, 5, np.empty_like(x))),
        ("ema", ema_kernel, (x, 5, 0.3)),
        ("wma", wma_kernel, (x, 5)),
        ("kama", kama_kernel, (x, 5, 0.06, 0.6)),
        ("rsi", rsi_kernel, (x, 5)),
        ("atr", atr_kernel, (x, x, x, 5)),
        ("dmi", dmi_kernel, (x, x, x, 5)),
        ("cci", cci_kernel, (x, x, x, 5, 1e-12)),
        ("moments", moments_kernel, (x, 5)),
        ("slope", slope_kernel, (x, 5, 10.0, 50.0)),
        ("rolling_max", _rolling_max, (x, 5)),
        ("rolling_argmax", _rolling_argmax, (x, 5)),
        ("sar", sar_kernel, (x, x, 0.02, 0.2)),
        ("supertrend", supertrend_kernel, (x, x, x, x, 5)),
        ("vwap", vwap_kernel, (x, x, x, x, i64)),
    ]
    total = 0.0
    parts = []
    for name, kernel, args in kernels:
        seconds = kernel.compile_uncached(*args)
        total += seconds
        parts.append(f"{name} {seconds * 1000:.0f}")
    print(f"numba compile, no cache: {total:.2f} s for {len(kernels)} kernels")
    print(f"  per kernel (ms): {', '.join(parts)}")
    # A fresh process: import numba and load every kernel it needs from the disk cache.
    code = (
        "import time, numpy as np; t = time.perf_counter(); "
        "from jts.indicators import SMA, RSI, ATR; x = np.linspace(1, 2, 100); "
        "SMA.compute(x); RSI.compute(x); ATR.compute(x, x, x); "
        "print(time.perf_counter() - t)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # fill cache
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds = float(out.stdout)
    print(f"first compute in a fresh process (numba import + cached kernels): {seconds:.2f} s")


def streaming(data: dict[str, Any]) -> None:
    close = data["close"][:N_STREAM].tolist()
    high = data["high"][:N_STREAM].tolist()
    low = data["low"][:N_STREAM].tolist()
    for ind in (SMA(20), EMA(20), RSI(14)):
        step = ind.update
        started = time.perf_counter()
        for x in close:
            step(x)
        rate = N_STREAM / (time.perf_counter() - started)
        print(f"streaming {ind!r:<16} {rate / 1e6:6.2f} M updates/s")
    atr = ATR(14)
    update = atr.update
    started = time.perf_counter()
    for h, lo, c in zip(high, low, close, strict=True):
        update(h, lo, c)
    rate = N_STREAM / (time.perf_counter() - started)
    print(f"streaming {atr!r:<16} {rate / 1e6:6.2f} M updates/s")


def vectorised(data: dict[str, Any]) -> None:
    talib: Any
    try:
        import talib
    except ImportError:  # pragma: no cover
        talib = None
    c, h, lo, v, s = data["close"], data["high"], data["low"], data["volume"], data["session"]
    cases: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        ("sma(20)", lambda: SMA.compute(c, period=20), lambda: talib.SMA(c, 20)),
        ("ema(20)", lambda: EMA.compute(c, period=20), lambda: talib.EMA(c, 20)),
        ("wma(20)", lambda: WMA.compute(c, period=20), lambda: talib.WMA(c, 20)),
        ("kama(10)", lambda: KAMA.compute(c, period=10), lambda: talib.KAMA(c, 10)),
        ("rsi(14)", lambda: RSI.compute(c), lambda: talib.RSI(c, 14)),
        ("macd", lambda: MACD.compute(c), lambda: talib.MACD(c)),
        ("bbands(20)", lambda: BollingerBands.compute(c), lambda: talib.BBANDS(c, 20)),
        ("linreg_slope(14)", lambda: LinRegSlope.compute(c), lambda: talib.LINEARREG_SLOPE(c)),
        ("atr(14)", lambda: ATR.compute(h, lo, c), lambda: talib.ATR(h, lo, c)),
        ("adx(14)", lambda: ADX.compute(h, lo, c), lambda: talib.ADX(h, lo, c)),
        ("stoch", lambda: Stochastic.compute(h, lo, c), lambda: talib.STOCH(h, lo, c, 14)),
        ("cci(20)", lambda: CCI.compute(h, lo, c), lambda: talib.CCI(h, lo, c, 20)),
        ("sar", lambda: ParabolicSAR.compute(h, lo), lambda: talib.SAR(h, lo)),
        ("supertrend", lambda: SuperTrend.compute(h, lo, c), None),
        ("ichimoku", lambda: Ichimoku.compute(h, lo, c), None),
        ("vwap", lambda: VWAP.compute(h, lo, c, v, s), None),
        ("cross_over", lambda: CrossOver.compute(c, data["b"]), None),
    ]
    for name, ours, theirs in cases:
        ours()  # compile or load from cache
        seconds = _best(ours)
        rate = N_VECTOR / seconds / 1e6
        line = f"vectorised {name:<17} {rate:8.1f} M values/s ({seconds * 1e3:6.1f} ms)"
        if talib is not None and theirs is not None:
            theirs()
            line += f"   TA-Lib {N_VECTOR / _best(theirs) / 1e6:8.1f} M values/s"
        print(line)


def main() -> None:
    data = _data(N_VECTOR)
    compile_times()
    streaming(data)
    vectorised(data)


if __name__ == "__main__":
    main()
