"""Historical data feed: generate, write and stream 1,000,000 synthetic one-minute bars.

Figures: generation time, Parquet write time and size, then streaming rates (as array chunks
and as `Bar` objects) and peak memory. Each streaming pass runs in a fresh child process, so
its peak RSS is its own; the same child also reports the RSS of a process that has only
imported everything (the baseline), and a last child materialises all bars in a list, which
is what streaming avoids. Also: 100 instruments of daily bars over 10 years, one Parquet file
each, merged into one stream.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jts.domain.instruments import Instrument

N_BARS = 1_000_000
N_DAILY_INSTRUMENTS = 100
ROOT = Path(__file__).resolve().parents[1]


def _status_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1e3
    raise RuntimeError(f"no {key} in /proc/self/status")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    """Peak RSS of this process image. VmHWM, not ru_maxrss: ru_maxrss survives exec, so a
    child started from a parent holding a big table would report the parent's peak."""
    return _status_mb("VmHWM")


def _child(mode: str, path: str) -> dict[str, float]:
    """One measurement in this (fresh) process; prints a JSON line."""
    from jts.backtest.data.feed import BarFeed
    from jts.backtest.data.schema import ONE_DAY, ReadOptions

    instruments = None
    options = ReadOptions()
    if mode == "daily":
        instruments = _daily_instruments()
        options = ReadOptions(bar_spec=ONE_DAY)
    feed = BarFeed(path, instruments=instruments, options=options)
    # the feed converts Arrow integer columns through their buffers, so pyarrow never imports
    # pandas (some 40 MB): the baseline is the imports alone
    baseline = _rss_mb()
    started = time.perf_counter()
    count = 0
    if mode in {"arrays", "daily"}:
        checksum = 0
        for chunk in feed.iter_bar_arrays():
            count += len(chunk)
            checksum += int(chunk.close[-1])
    elif mode == "bars":
        for _bar in feed.iter_bars():
            count += 1
    else:  # "list": what not streaming would cost
        bars = list(feed.iter_bars())
        count = len(bars)
    seconds = time.perf_counter() - started
    return {
        "count": count,
        "seconds": seconds,
        "baseline_mb": baseline,
        "peak_mb": _peak_mb(),
        "pandas": "pandas" in sys.modules,
    }


def _daily_instruments() -> list[Instrument]:
    from jts.domain.instruments import krx_equity
    from jts.domain.tick_rules import Market

    return [krx_equity(f"{900000 + i:06d}", f"Synthetic {i}", Market.KOSPI) for i in range(100)]


def _measure(mode: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_feed", "--child", mode, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {mode} failed: {done.stderr.strip()[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _report(label: str, figures: dict[str, float]) -> None:
    rate = figures["count"] / figures["seconds"]
    extra = figures["peak_mb"] - figures["baseline_mb"]
    print(
        f"{label:<34} {figures['count']:>10,} in {figures['seconds']:6.2f} s = {rate:>12,.0f} /s;"
        f" peak RSS {figures['peak_mb']:7.1f} MB (imports {figures['baseline_mb']:.1f} MB,"
        f" +{extra:.1f} MB{', pandas imported' if figures['pandas'] else ''})"
    )


def main() -> None:
    from jts.backtest.calendar_cache import cached_xkrx_calendar
    from jts.backtest.data.schema import ONE_DAY
    from jts.backtest.data.synthetic import generate_bars
    from jts.backtest.data.writers import write_bars

    started = time.perf_counter()
    calendar = cached_xkrx_calendar()
    print(f"XKRX calendar ready in {time.perf_counter() - started:.2f} s (the runner's cache)")

    started = time.perf_counter()
    table = generate_bars(
        ["005930.KRX"], n_bars=N_BARS, start=dt.date(2015, 1, 2), calendar=calendar, seed=7
    )
    seconds = time.perf_counter() - started
    print(
        f"generate {table.num_rows:,} one-minute bars: {seconds:.2f} s ({N_BARS / seconds:,.0f} /s)"
    )

    with tempfile.TemporaryDirectory(prefix="jts-bench-feed-") as folder:
        path = Path(folder) / "005930.KRX.parquet"
        started = time.perf_counter()
        write_bars(table, path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        print(f"write Parquet: {seconds:.2f} s, {size:.1f} MB on disk")
        del table

        _report("stream as arrays (iter_bar_arrays)", _measure("arrays", path))
        _report("stream as Bar objects (iter_bars)", _measure("bars", path))
        _report("materialise list(iter_bars())", _measure("list", path))

        daily = Path(folder) / "daily"
        started = time.perf_counter()
        rows = 0
        for instrument in _daily_instruments():
            part = generate_bars(
                [str(instrument.id)],
                start=dt.date(2015, 1, 2),
                end=dt.date(2024, 12, 30),
                interval=ONE_DAY,
                calendar=calendar,
                instruments=[instrument],
            )
            rows += part.num_rows
            write_bars(part, daily / f"{instrument.id}.parquet")
        print(
            f"generate + write {N_DAILY_INSTRUMENTS} x 10 years of daily bars: "
            f"{rows:,} bars in {time.perf_counter() - started:.2f} s"
        )
        _report("merge 100 daily files (arrays)", _measure("daily", daily))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
    else:
        main()
