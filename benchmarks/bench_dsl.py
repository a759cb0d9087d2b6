"""The DSL's compiled vectorised backtest on the reference case, and a 1,000-combination sweep.

Reference case (issue 4 section 6): SMA 10/30 (``examples/strategies/sma_cross.jts``, 10
shares as in `bench_backtest`) on 1,000,000 synthetic one-minute bars (`bench_backtest`'s
``_reference_data()``), next-open fills, zero costs, 100,000,000 KRW. Reported: bars/s with
and without the compile/JIT warm-up, peak memory of the run's own process, the fill count,
and the event-driven path's fill count and final equity on the same data (they must agree).

Sweep: 1,000 (fast, slow) combinations over the same bars on 2 worker processes. Work is
shared: the bars, the market facts and every distinct SMA are computed once per worker, and
each combination costs one cross test and one compiled loop. A few combinations are checked
against a single `backtest_vectorised` run with those parameters.

Each measurement runs in a fresh child process so its peak RSS (VmHWM) is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "examples" / "strategies" / "sma_cross.jts"
PARAMS = {"fast": 10, "slow": 30, "quantity": 10}


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _load(data: str) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jts.backtest.runner import resolve_instruments
    from jts.domain.identifiers import InstrumentId
    from jts.dsl.vector import VectorBars

    table = pq.read_table(data)
    instrument = resolve_instruments([InstrumentId("005930.KRX")])[0]
    ts = table.column("timestamp").cast(pa.int64()).to_numpy()
    cols = {
        n: table.column(n).to_numpy().astype(np.int64)
        for n in ("open", "high", "low", "close", "volume")
    }
    return VectorBars.of(instrument, ts=ts, **cols)


def child_reference(data: str) -> None:
    """One compiled run, timed cold (imports excluded; JIT and calendar included) and warm."""
    from decimal import Decimal

    from jts.calendar import XkrxCalendar
    from jts.dsl.load import load_file
    from jts.dsl.vector import backtest_vectorised

    program = load_file(PROGRAM)
    bars = _load(data)
    calendar = XkrxCalendar()
    kwargs: dict[str, Any] = {"commission": Decimal(0), "tax": Decimal(0), "calendar": calendar}
    t0 = time.perf_counter()
    first = backtest_vectorised(program, bars, PARAMS, **kwargs)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = backtest_vectorised(program, bars, PARAMS, **kwargs)
    warm = time.perf_counter() - t0
    assert result.final_equity == first.final_equity
    print(json.dumps({
        "bars": len(bars), "cold": cold, "warm": warm, "fills": len(result.fill_ts),
        "final_equity": result.final_equity, "peak_mb": _peak_rss_mb(),
    }))  # fmt: skip


def _combos() -> list[tuple[int, int]]:
    """1,000 (fast, slow) pairs with fast < slow, from the program's ranges."""
    pairs = [(f, s) for s in range(10, 201, 5) for f in range(2, 51) if f < s]
    step = len(pairs) / 1000
    return [pairs[int(k * step)] for k in range(1000)]


def child_sweep(data: str, part: str) -> None:
    """This worker's share of the combinations (``part`` = "k/n"), sharing SMAs and market."""
    from decimal import Decimal

    from jts.calendar import XkrxCalendar
    from jts.dsl.load import load_file
    from jts.dsl.vector.sweep import Sweep

    k, n = (int(x) for x in part.split("/"))
    combos = _combos()[k::n]
    program = load_file(PROGRAM)
    bars = _load(data)
    t0 = time.perf_counter()
    sweep = Sweep(program, bars, commission=Decimal(0), tax=Decimal(0), calendar=XkrxCalendar())
    finals = [sweep.run({"fast": f, "slow": s, "quantity": 10}).final_equity for f, s in combos]
    elapsed = time.perf_counter() - t0
    print(json.dumps({"combos": len(combos), "seconds": elapsed, "peak_mb": _peak_rss_mb(),
                      "finals": finals}))  # fmt: skip


def child_check(data: str) -> None:
    """A few sweep combinations against single runs with the same parameters."""
    from decimal import Decimal

    import numpy as np

    from jts.calendar import XkrxCalendar
    from jts.dsl.load import load_file
    from jts.dsl.vector import backtest_vectorised
    from jts.dsl.vector.sweep import Sweep

    program = load_file(PROGRAM)
    bars = _load(data)
    calendar = XkrxCalendar()
    sweep = Sweep(program, bars, commission=Decimal(0), tax=Decimal(0), calendar=calendar)
    checked = 0
    for fast, slow in [(2, 10), (10, 30), (17, 85), (50, 200)]:
        params = {"fast": fast, "slow": slow, "quantity": 10}
        a = sweep.run(params)
        b = backtest_vectorised(
            program, bars, params, commission=Decimal(0), tax=Decimal(0), calendar=calendar
        )
        for name in ("fill_ts", "fill_side", "fill_qty", "fill_px", "equity"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (fast, slow, name)
        checked += 1
    print(json.dumps({"checked": checked}))


def child_event(data: str) -> None:
    """The event-driven path's fill count on the same bars and parameters."""
    from decimal import Decimal

    from jts.backtest.data.schema import ONE_MINUTE, ReadOptions
    from jts.backtest.engine import BacktestConfig
    from jts.backtest.runner import run_backtest
    from jts.dsl.streaming import load_strategy

    strategy = load_strategy(PROGRAM, PARAMS)
    config = BacktestConfig(commission=Decimal(0), tax=Decimal(0))
    t0 = time.perf_counter()
    result = run_backtest([strategy], Path(data), config, options=ReadOptions(bar_spec=ONE_MINUTE))
    print(json.dumps({"fills": len(result.fills), "seconds": time.perf_counter() - t0,
                      "final_equity": int(result.equity_raw[-1])}))  # fmt: skip


def _child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_dsl", "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{proc.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_dsl", "--child", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def main() -> None:
    from benchmarks.bench_backtest import _reference_data

    data = str(_reference_data())
    r = _child("reference", data)
    print(
        f"reference case (compiled DSL): {r['bars']:,} bars; warm {r['warm']:.3f} s = "
        f"{r['bars'] / r['warm']:,.0f} bars/s (target 5,000,000); with compile/JIT "
        f"{r['cold']:.2f} s = {r['bars'] / r['cold']:,.0f} bars/s; warm-up "
        f"{r['cold'] - r['warm']:.2f} s (target < 2 s)"
    )
    print(f"  fills {r['fills']:,}   peak memory {r['peak_mb']:.0f} MB (target < 630 MB)   "
          f"final equity {r['final_equity']:,} KRW")  # fmt: skip
    if "--skip-event" not in sys.argv:
        e = _child("event", data)
        same = (
            "equal"
            if (e["fills"], e["final_equity"]) == (r["fills"], r["final_equity"])
            else "DIFFERENT"
        )
        print(f"  event-driven path: {e['fills']:,} fills, final equity {e['final_equity']:,} "
              f"KRW in {e['seconds']:.1f} s: {same}")  # fmt: skip
    c = _child("check", data)
    print(f"  sweep combinations equal to single runs: {c['checked']} checked")
    t0 = time.perf_counter()
    workers = [_spawn("sweep", data, f"{k}/2") for k in range(2)]
    outputs = []
    for proc in workers:
        out, err = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"sweep worker failed:\n{err[-3000:]}")
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - t0
    combos = sum(o["combos"] for o in outputs)
    peak = sum(o["peak_mb"] for o in outputs)
    print(f"sweep: {combos:,} combinations x {r['bars']:,} bars on 2 processes in {wall:.1f} s "
          f"= {combos / wall:,.1f} combinations/s (target 50); peak memory {peak:.0f} MB "
          f"summed over workers (target < 2,000 MB)")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        if kind == "reference":
            child_reference(sys.argv[3])
        elif kind == "sweep":
            child_sweep(sys.argv[3], sys.argv[4])
        elif kind == "check":
            child_check(sys.argv[3])
        else:
            child_event(sys.argv[3])
    else:
        main()
