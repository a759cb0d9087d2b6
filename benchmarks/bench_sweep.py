"""Parameter sweep throughput: combinations per second of the event-driven path on local cores.

The SMA cross example over one instrument's synthetic one-minute bars, a grid of (fast, slow)
pairs with fast < slow, zero costs, fills at the next open, run by `ProcessExecutor` workers
(each reads the bars and builds the XKRX calendar once). Printed: combinations per second end to
end (worker start-up included) and in the steady state (after every worker is ready), the
aggregate bars per second, and peak memory of the parent and of each worker (VmHWM).

Issue 4's target (1,000 combinations over 1,000,000 bars at >= 50 combinations/s) is for the
compiled DSL path; this measures the event-driven sweep honestly at a smaller default size:

    python -m benchmarks.bench_sweep [--bars 100000] [--combos 20] [--workers 2]

The measured run happens in a fresh child process so its memory figures are its own; the data
is generated once into ``bench-results/`` (git-ignored) and reused.
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

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench-results"
EXAMPLE = ROOT / "examples" / "strategies" / "sma_cross.py"


def _vm_hwm_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


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


def _data(bars: int) -> Path:
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


def child(data: str, combos: int, workers: int) -> None:
    """Runs inside the measured process; prints one JSON line."""
    from decimal import Decimal

    from jts.backtest.engine import BacktestConfig
    from jts.backtest.sweeps import ProcessExecutor, SweepJob, Trial

    job = SweepJob(
        str(EXAMPLE), (Path(data),), BacktestConfig(commission=Decimal(0), tax=Decimal(0))
    )
    pairs = _pairs(combos)
    pool = ProcessExecutor(workers, timeout_s=3_000)
    started = time.perf_counter()
    pool.start(job)
    try:
        # one full trial per worker first: the workers start, load the data and warm up
        warm = [Trial(-1 - i, {**pairs[i % len(pairs)], "quantity": 10}) for i in range(workers)]
        pool.evaluate(warm)
        ready = time.perf_counter()
        trials = [Trial(i, {**p, "quantity": 10}) for i, p in enumerate(pairs)]
        outcomes = pool.evaluate(trials)
        finished = time.perf_counter()
        below = _descendants(os.getpid())
        worker_peaks = [_vm_hwm_mb(pid) for pid, depth in below.items() if depth > 1]
        helper_peaks = [_vm_hwm_mb(pid) for pid, depth in below.items() if depth == 1]
    finally:
        pool.close()
    parent_peak = _vm_hwm_mb()
    # reference: one combination as a plain `run_backtest` here; the second of two runs, so
    # the calendar's lazily built tables are not counted
    from jts.backtest.runner import load_strategy, run_backtest
    from jts.calendar import XkrxCalendar

    calendar = XkrxCalendar()
    for _ in range(2):
        strategy = load_strategy(str(EXAMPLE), {**pairs[0], "quantity": 10})
        t0 = time.perf_counter()
        single = run_backtest([strategy], Path(data), job.config, calendar=calendar)
        single_s = time.perf_counter() - t0
    ok = [o for o in outcomes if o.status == "ok" and o.stats is not None]
    bars = ok[0].stats["bars"] if ok else 0  # type: ignore[index]
    print(json.dumps({
        "combos": len(trials), "ok": len(ok), "bars": bars, "workers": workers,
        "startup": ready - started, "steady": finished - ready,
        "fills": sum(o.stats["trades"] for o in ok),  # type: ignore[index]
        "parent_peak_mb": parent_peak, "worker_peaks_mb": worker_peaks,
        "helper_peaks_mb": helper_peaks,
        "single_bars": single.bars, "single_s": single_s,
    }))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--combos", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv or [])
    t0 = time.perf_counter()
    data = _data(args.bars)
    print(f"data: {data} ({time.perf_counter() - t0:.1f} s to prepare)")
    proc = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.bench_sweep", "--child",
            str(data), str(args.combos), str(args.workers),
        ],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=3_600,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"sweep benchmark failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    total = r["startup"] + r["steady"]
    print(
        f"sweep: {r['combos']} combinations x {r['bars']:,} bars on {r['workers']} workers "
        f"({r['ok']} ran, {r['fills']:,} fills in all)"
    )
    print(
        f"  steady state: {r['combos'] / r['steady']:.2f} combinations/s = "
        f"{r['combos'] * r['bars'] / r['steady']:,.0f} bars/s across workers"
    )
    print(
        f"  end to end:   {r['combos'] / total:.2f} combinations/s (before the batch: worker "
        f"start-up, data load and one warm-up run per worker, {r['startup']:.1f} s)"
    )
    print(
        f"  reference: one run_backtest of the first combination in one process (reading the "
        f"bars included): {r['single_s']:.2f} s = "
        f"{r['single_bars'] / r['single_s']:,.0f} bars/s"
    )
    workers = ", ".join(f"{p:.0f}" for p in r["worker_peaks_mb"])
    helpers = ", ".join(f"{p:.0f}" for p in r["helper_peaks_mb"])
    print(
        f"  peak memory: workers {workers} MB each; parent {r['parent_peak_mb']:.0f} MB; "
        f"fork server and resource tracker {helpers} MB"
    )
    print(
        "  (issue 4 target, 1,000 x 1,000,000 bars at >= 50 combinations/s, is for the compiled "
        "DSL path)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main(sys.argv[1:])
