"""The backtest reference case and a multi-instrument daily run.

Reference (issue 3): one instrument, 1,000,000 synthetic one-minute bars; SMA(10)/SMA(30) on
the close; buy 10 shares at market when the fast crosses above, sell the whole position when
it crosses below; fills at the next bar's open; zero costs; 100,000,000 KRW. Reported: bars per
second of the event-driven path with the full kernel (risk, OMS, portfolio), peak memory of the
run's process, and the fill count. Second case: 100 instruments x 10 years of daily bars.

Each run happens in a fresh child process so its peak RSS (VmHWM) is its own. The data is
generated once into ``bench-results/`` (git-ignored) and reused, and the XKRX calendar is built
once into the runner's calendar cache (`jts.backtest.calendar_cache`) before the runs, as any
earlier backtest on the machine would have done. The timed part is all of `run_backtest`:
scanning the files, loading the calendar, the replay through the full kernel (strategy
runtime, risk engine, OMS with its journal, portfolio, simulated venue) and the analysis.
Wall and CPU seconds are both printed, with the load average: on a shared machine the CPU
figure is the steadier one. ``--reference-only`` skips the daily case.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench-results"
EXAMPLE = ROOT / "examples" / "strategies" / "sma_cross.py"


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reference_data() -> Path:
    path = CACHE / "ref-1m-005930.parquet"
    if not path.exists():
        from jts.backtest.data import generate_bars, write_bars

        CACHE.mkdir(exist_ok=True)
        table = generate_bars(["005930.KRX"], start=dt.date(2014, 1, 2), n_bars=1_000_000, seed=42)
        write_bars(table, path)
    return path


def _daily_data() -> Path:
    folder = CACHE / "daily-100x10y"
    if not folder.exists():
        from jts.backtest.data import generate_bars, write_bars
        from jts.backtest.data.schema import ONE_DAY

        folder.mkdir(parents=True)
        symbols = [f"{100000 + i * 7:06d}.KRX" for i in range(100)]
        from jts.domain.instruments import Market, krx_equity

        instruments = [krx_equity(s[:6], f"Synthetic {s[:6]}", Market.KOSPI) for s in symbols]
        table = generate_bars(
            symbols,
            start=dt.date(2015, 1, 2),
            end=dt.date(2024, 12, 30),
            interval=ONE_DAY,
            seed=11,
            instruments=instruments,
        )
        write_bars(table, folder / "bars.parquet")
    return folder


def child(kind: str, data: str) -> None:
    """Runs inside the measured process; prints one JSON line."""
    import logging
    from decimal import Decimal

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from jts.backtest.data.schema import ONE_DAY, ONE_MINUTE, ReadOptions
    from jts.backtest.engine import BacktestConfig
    from jts.backtest.runner import load_strategy, run_backtest

    started = time.perf_counter()
    config = BacktestConfig(commission=Decimal(0), tax=Decimal(0))
    if kind == "reference":
        strategies = [load_strategy(str(EXAMPLE), {"fast": 10, "slow": 30, "quantity": 10})]
        options = ReadOptions(bar_spec=ONE_MINUTE)
    else:
        # synthetic symbols are not reference instruments: the runner assumes KOSPI stocks
        logging.getLogger("jts.backtest.runner").setLevel(logging.ERROR)
        column = pq.read_table(Path(data) / "bars.parquet", columns=["instrument"])
        ids = sorted(pc.unique(column.column("instrument")).to_pylist())
        strategies = []
        for index, instrument in enumerate(ids):
            params = {"fast": 5, "slow": 20, "quantity": 1, "instrument": instrument,
                      "bar_type": f"{instrument}-1-DAY-LAST-EXTERNAL"}  # fmt: skip
            strategy = load_strategy(str(EXAMPLE), params)
            strategy.id = type(strategy.id)(f"SMACross-{index:03d}")
            strategies.append(strategy)
        options = ReadOptions(bar_spec=ONE_DAY)
    setup = time.perf_counter() - started
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_backtest(strategies, Path(data), config, options=options)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "bars": result.bars, "seconds": elapsed, "cpu": cpu, "setup": setup,
        "fills": len(result.fills), "peak_mb": _peak_rss_mb(),
        "final_equity": result.stats()["final_equity"],
        "journaled": sum(order.event_count for order in result.orders),
        "pandas": "pandas" in sys.modules,
    }))  # fmt: skip


def _measure(kind: str, data: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_backtest", "--child", kind, str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def _calendar() -> None:
    """Fill the runner's XKRX calendar cache (a no-op when an earlier run did)."""
    from jts.backtest.calendar_cache import cached_xkrx_calendar

    t0 = time.perf_counter()
    cached_xkrx_calendar()
    print(f"XKRX calendar ready in the cache in {time.perf_counter() - t0:.2f} s")


def _load() -> str:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def main() -> None:
    t0 = time.perf_counter()
    ref = _reference_data()
    print(f"reference data: {ref} ({time.perf_counter() - t0:.1f} s to prepare)")
    _calendar()
    print(f"load average before: {_load()}")
    r = _measure("reference", ref)
    print(
        f"reference case: {r['bars']:,} bars in {r['seconds']:.2f} s = "
        f"{r['bars'] / r['seconds']:,.0f} bars/s wall, {r['bars'] / r['cpu']:,.0f} bars/s CPU "
        "(event-driven, full kernel; target 150,000)"
    )
    print(
        f"  fills {r['fills']:,}   peak memory {r['peak_mb']:.0f} MB (target < 300 MB)   "
        f"final equity {r['final_equity']} KRW"
    )
    print(
        f"  order events journaled {r['journaled']:,}   pandas imported: {r['pandas']}   "
        f"(strategy set-up {r['setup']:.1f} s not counted)   load average after: {_load()}"
    )
    if "--reference-only" in sys.argv:
        return
    daily = _daily_data()
    d = _measure("daily", daily)
    print(
        f"100 instruments x 10 years daily: {d['bars']:,} bars in {d['seconds']:.2f} s = "
        f"{d['bars'] / d['seconds']:,.0f} bars/s wall ({d['bars'] / d['cpu']:,.0f} CPU); "
        f"fills {d['fills']:,}; peak {d['peak_mb']:.0f} MB; final equity {d['final_equity']} KRW"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
