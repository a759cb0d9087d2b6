"""Parameter sweep throughput: 1,000 SMA combinations over 1,000,000 bars (issue 4 section 6).

The compiled DSL path (`jts.dsl.vector.sweep.Sweep`): ``examples/strategies/sma_cross.jts``
over the reference bars of `bench_backtest` (one million one-minute bars), 1,000 (fast, slow)
pairs with fast < slow, 10 shares, zero costs, next-open fills, on 2 worker processes (each
takes every other combination). A worker loads the bars and the XKRX calendar (from the
on-disk cache `jts backtest` keeps), builds the per-day tables once, shares every distinct SMA
through a bounded memo and runs the combinations in an order that keeps the memo's hit rate
high. Per combination it keeps the final equity, the fill count and the maximum drawdown.

Printed: combinations/s end to end (worker start-up, data loading and the numba cache load
included) and in the steady state, peak memory (VmHWM) per worker and summed, the memo's hit
rate, and a check that sampled combinations equal single `backtest_vectorised` runs field by
field.

``--event-driven`` measures the event-driven sweep runner instead (`jts.backtest.sweeps`,
`ProcessExecutor`), at a smaller default size:

    python -m benchmarks.bench_sweep [--event-driven [--bars 100000] [--combos 20]]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_dsl import PROGRAM, built_calendar, child, load, load_bars, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench-results"
EXAMPLE = ROOT / "examples" / "strategies" / "sma_cross.py"
WORKERS = 2


def _vm_hwm_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# ---- the compiled DSL sweep ---------------------------------------------------------------------
def combos() -> list[dict[str, int]]:
    """1,000 (fast, slow) pairs with fast < slow, spread over the program's ranges."""
    pairs = [(f, s) for s in range(10, 201, 5) for f in range(2, 51) if f < s]
    step = len(pairs) / 1000
    return [
        {"fast": pairs[int(k * step)][0], "slow": pairs[int(k * step)][1], "quantity": 10}
        for k in range(1000)
    ]


def summary(result: Any) -> tuple[int, int, int]:
    """What a sweep keeps of a run: final equity, fills, maximum drawdown (won)."""
    return result.final_equity, len(result.fill_ts), result.max_drawdown


def child_sweep(data: str, part: str) -> None:
    """Worker ``k/n``: every n-th combination from the k-th."""
    from decimal import Decimal

    from jts.dsl.load import load_file
    from jts.dsl.vector.sweep import Sweep

    started = time.perf_counter()
    k, n = (int(x) for x in part.split("/"))
    chosen = combos()[k::n]
    program = load_file(PROGRAM)
    bars = load_bars(data)
    calendar, _ = built_calendar()
    sweep = Sweep(program, bars, commission=Decimal(0), tax=Decimal(0), calendar=calendar)
    ready = time.perf_counter()
    results = sweep.map(chosen, summary)
    done = time.perf_counter()
    print(json.dumps({
        "combos": len(chosen), "setup": ready - started, "steady": done - ready,
        "peak_mb": peak_rss_mb(), "hits": sweep.memo.hits, "misses": sweep.memo.misses,
        "results": results,
    }))  # fmt: skip


def child_check(data: str) -> None:
    """Sampled combinations of a sweep against single runs, every array compared."""
    from decimal import Decimal

    import numpy as np

    from jts.dsl.load import load_file
    from jts.dsl.vector import backtest_vectorised
    from jts.dsl.vector.sweep import Sweep

    program = load_file(PROGRAM)
    bars = load_bars(data)
    calendar, _ = built_calendar()
    costs: dict[str, Any] = {"commission": Decimal(0), "tax": Decimal(0), "calendar": calendar}
    sample = combos()[::125]  # 8 combinations across the grid
    sweep = Sweep(program, bars, **costs)
    swept = sweep.map(sample, lambda r: r)
    for params, a in zip(sample, swept, strict=True):
        b = backtest_vectorised(program, bars, params, **costs)
        for name in ("fill_ts", "fill_side", "fill_qty", "fill_px", "fill_commission",
                     "fill_tax", "timestamps", "equity"):  # fmt: skip
            assert np.array_equal(getattr(a, name), getattr(b, name)), (params, name)
    print(json.dumps({"checked": len(sample), "summaries": [summary(r) for r in swept]}))


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_sweep", "--child", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def main_compiled() -> None:
    from benchmarks.bench_backtest import _reference_data

    data = str(_reference_data())
    print(f"load average before: {load()}")
    check = child("benchmarks.bench_sweep", "check", data)
    print(f"sampled sweep combinations equal to single runs: {check['checked']} checked")
    t0 = time.perf_counter()
    workers = [_spawn("sweep", data, f"{k}/{WORKERS}") for k in range(WORKERS)]
    outputs = []
    for proc in workers:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"sweep worker failed:\n{err.decode()[-3000:]}")
        outputs.append(json.loads(out.decode().strip().splitlines()[-1]))
    wall = time.perf_counter() - t0
    count = sum(o["combos"] for o in outputs)
    steady = max(o["steady"] for o in outputs)
    setup = max(o["setup"] for o in outputs)
    peaks = [o["peak_mb"] for o in outputs]
    hits = sum(o["hits"] for o in outputs)
    misses = sum(o["misses"] for o in outputs)
    fills = sum(r[1] for o in outputs for r in o["results"])
    print(
        f"sweep (compiled DSL): {count:,} combinations x 1,000,000 bars on {WORKERS} processes "
        f"in {wall:.1f} s = {count / wall:,.1f} combinations/s end to end (target 50)"
    )
    print(
        f"  steady state {count / steady:,.1f} combinations/s ({steady:.1f} s after a "
        f"{setup:.1f} s worker start: imports, bars, calendar, tables); {fills:,} fills in all"
    )
    each = ", ".join(f"{p:.0f}" for p in peaks)
    print(
        f"  peak memory {sum(peaks):,.0f} MB summed over workers ({each} MB each; target "
        f"< 2,000 MB); SMA memo {hits:,} hits, {misses:,} computed"
    )
    print(f"load average after: {load()}")


# ---- the event-driven sweep -------------------------------------------------------------------
def _descendants(root: int) -> dict[int, int]:
    """Process ids below ``root`` and their depth: the fork server and the resource tracker
    are our children (1), the workers the fork server's (2)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found: dict[int, int] = {}
    frontier = [(root, 0)]
    while frontier:
        parent, depth = frontier.pop()
        for pid, ppid in sorted(parents.items()):
            if ppid == parent:
                found[pid] = depth + 1
                frontier.append((pid, depth + 1))
    return found


def _event_data(bars: int) -> Path:
    path = CACHE / f"sweep-1m-{bars}.parquet"
    if not path.exists():
        from jts.backtest.data import generate_bars, write_bars

        CACHE.mkdir(exist_ok=True)
        table = generate_bars(["005930.KRX"], start=dt.date(2020, 1, 2), n_bars=bars, seed=42)
        write_bars(table, path)
    return path


def _pairs(count: int) -> list[dict[str, int]]:
    """``count`` (fast, slow) pairs with fast < slow, in grid order."""
    pairs = [
        {"fast": fast, "slow": slow}
        for fast in range(5, 200, 5)
        for slow in range(30, 400, 10)
        if fast < slow
    ]
    if count > len(pairs):
        raise SystemExit(f"--combos at most {len(pairs)}")
    return pairs[:count]


def child_event(data: str, combos_count: int, workers: int) -> None:
    """Runs inside the measured process; prints one JSON line."""
    from decimal import Decimal

    from jts.backtest.engine import BacktestConfig
    from jts.backtest.sweeps import ProcessExecutor, SweepJob, Trial

    job = SweepJob(
        str(EXAMPLE), (Path(data),), BacktestConfig(commission=Decimal(0), tax=Decimal(0))
    )
    pairs = _pairs(combos_count)
    pool = ProcessExecutor(workers, timeout_s=3_000)
    started = time.perf_counter()
    pool.start(job)
    try:
        warm = [Trial(-1 - i, {**pairs[i % len(pairs)], "quantity": 10}) for i in range(workers)]
        pool.evaluate(warm)
        ready = time.perf_counter()
        trials = [Trial(i, {**p, "quantity": 10}) for i, p in enumerate(pairs)]
        outcomes = pool.evaluate(trials)
        finished = time.perf_counter()
        below = _descendants(os.getpid())
        worker_peaks = [_vm_hwm_mb(pid) for pid, depth in below.items() if depth > 1]
    finally:
        pool.close()
    ok = [o for o in outcomes if o.status == "ok" and o.stats is not None]
    bars = ok[0].stats["bars"] if ok else 0  # type: ignore[index]
    print(json.dumps({
        "combos": len(trials), "ok": len(ok), "bars": bars, "workers": workers,
        "startup": ready - started, "steady": finished - ready,
        "parent_peak_mb": _vm_hwm_mb(), "worker_peaks_mb": worker_peaks,
    }))  # fmt: skip


def main_event(bars: int, combos_count: int, workers: int) -> None:
    data = _event_data(bars)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_sweep", "--child", "event", str(data),
         str(combos_count), str(workers)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=3_600,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"sweep benchmark failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"sweep (event-driven): {r['combos']} combinations x {r['bars']:,} bars on "
        f"{r['workers']} workers ({r['ok']} ran): steady state "
        f"{r['combos'] / r['steady']:.2f} combinations/s, end to end "
        f"{r['combos'] / (r['startup'] + r['steady']):.2f} combinations/s"
    )
    workers_mb = ", ".join(f"{p:.0f}" for p in r["worker_peaks_mb"])
    print(f"  peak memory: workers {workers_mb} MB each; parent {r['parent_peak_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--event-driven", action="store_true")
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--combos", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv or [])
    if args.event_driven:
        main_event(args.bars, args.combos, args.workers)
    else:
        main_compiled()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        if kind == "sweep":
            child_sweep(sys.argv[3], sys.argv[4])
        elif kind == "check":
            child_check(sys.argv[3])
        else:
            child_event(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        main(sys.argv[1:])
