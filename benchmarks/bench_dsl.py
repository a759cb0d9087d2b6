"""The DSL's compiled vectorised backtest on the reference case (issue 4 section 6).

Reference case: SMA 10/30 (``examples/strategies/sma_cross.jts``, 10 shares as in
`bench_backtest`) on 1,000,000 synthetic one-minute bars (`bench_backtest`'s
``_reference_data()``), next-open fills, zero costs, 100,000,000 KRW. Reported:

- warm: bars/s of a run in a process that has run it before (best of three);
- cold: the first run in a fresh process (imports and data loading excluded, the XKRX
  calendar loaded beforehand, as `jts backtest` loads it: from its on-disk cache), once with
  numba's on-disk cache filled (the usual case: every run after the first on a machine) and
  once with an empty cache (the first run ever: every kernel compiled, on two cores, see
  `jts.dsl.vector.warmup`; "CPU" is the measuring process's own). The warm-up is cold minus
  warm; the calendar's load time is reported on its own. In the dev install numba's first
  compile also imports scipy (its BLAS check, ~0.2 s) that the run install does not have;
- peak memory (VmHWM) of the measuring process, data loading included;
- the fill count and final equity, and the event-driven path's on the same data (they must
  be equal; ``--skip-event`` leaves that two-minute run out).

The 1,000-combination sweep is `bench_sweep`. Each measurement runs in a fresh child process
so its memory and its cold start are its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as ``python benchmarks/bench_dsl.py`` too
    sys.path.insert(0, str(ROOT))
PROGRAM = ROOT / "examples" / "strategies" / "sma_cross.jts"
PARAMS = {"fast": 10, "slow": 30, "quantity": 10}
FIELDS = ("timestamp", "open", "high", "low", "close", "volume")


def peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_bars(data: str, symbol: str = "005930.KRX") -> Any:
    """The file's bars as `VectorBars`, read one row group at a time into preallocated
    arrays (reading the whole table at once would hold it, and Arrow's buffers, twice)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jts.backtest.runner import resolve_instruments
    from jts.domain.identifiers import InstrumentId
    from jts.dsl.vector import VectorBars

    source = pq.ParquetFile(data)
    rows = source.metadata.num_rows
    arrays = {name: np.empty(rows, dtype=np.int64) for name in FIELDS}
    at = 0
    for group in range(source.metadata.num_row_groups):
        table = source.read_row_group(group, columns=list(FIELDS))
        size = table.num_rows
        for name in FIELDS:
            column = table.column(name)
            if name == "timestamp":
                column = column.cast(pa.int64())
            arrays[name][at : at + size] = column.to_numpy()
        at += size
        del table
    instrument = resolve_instruments([InstrumentId(symbol)])[0]
    ts = arrays.pop("timestamp")
    return VectorBars.of(instrument, ts=ts, **arrays)


def built_calendar() -> tuple[Any, float]:
    """The XKRX calendar with its tables built, as `jts backtest` gets it (from the on-disk
    cache of `jts.backtest.calendar_cache`, built and stored there on a miss), and the
    seconds that took."""
    started = time.perf_counter()
    try:
        from jts.backtest.calendar_cache import cached_xkrx_calendar
    except ImportError:  # an older tree: build it
        from jts.calendar import XkrxCalendar

        calendar = XkrxCalendar().build()
    else:
        calendar = cached_xkrx_calendar()
    return calendar, time.perf_counter() - started


def child_reference(data: str) -> None:
    """One process: the cold run, then warm runs (see the module docstring)."""
    from decimal import Decimal

    from jts.dsl.load import load_file
    from jts.dsl.vector import backtest_vectorised

    program = load_file(PROGRAM)
    bars = load_bars(data)
    calendar, calendar_s = built_calendar()
    kwargs: dict[str, Any] = {"commission": Decimal(0), "tax": Decimal(0), "calendar": calendar}
    t0, c0 = time.perf_counter(), time.process_time()
    first = backtest_vectorised(program, bars, PARAMS, **kwargs)
    cold = time.perf_counter() - t0
    cold_cpu = time.process_time() - c0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = backtest_vectorised(program, bars, PARAMS, **kwargs)
        warm.append(time.perf_counter() - t0)
    assert result.final_equity == first.final_equity
    print(json.dumps({
        "bars": len(bars), "cold": cold, "cold_cpu": cold_cpu, "warm": min(warm),
        "calendar": calendar_s,
        "fills": len(result.fill_ts), "final_equity": result.final_equity,
        "peak_mb": peak_rss_mb(),
    }))  # fmt: skip


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


def child(module: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m module --child ARGS`` and return the JSON of its last line."""
    proc = subprocess.run(
        [sys.executable, "-m", module, "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
        env={**os.environ, "PYTHONHASHSEED": "0", **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{proc.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def load() -> str:
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def main() -> None:
    from benchmarks.bench_backtest import _reference_data

    data = str(_reference_data())
    print(f"load average before: {load()}")
    with tempfile.TemporaryDirectory() as empty:
        first = child("benchmarks.bench_dsl", "reference", data, env={"NUMBA_CACHE_DIR": empty})
    child("benchmarks.bench_dsl", "reference", data)  # fills the numba cache if it is not
    r = child("benchmarks.bench_dsl", "reference", data)
    bars = r["bars"]
    print(
        f"reference case (compiled DSL): {bars:,} bars; warm {r['warm']:.3f} s = "
        f"{bars / r['warm']:,.0f} bars/s (target 5,000,000)"
    )
    print(
        f"  with compile/JIT, numba cache filled: {r['cold']:.2f} s = "
        f"{bars / r['cold']:,.0f} bars/s; warm-up {r['cold'] - r['warm']:.2f} s (target < 2 s)"
    )
    print(
        f"  with compile/JIT, empty numba cache (first run ever): {first['cold']:.2f} s = "
        f"{bars / first['cold']:,.0f} bars/s; warm-up {first['cold'] - first['warm']:.2f} s "
        f"(target < 2 s; CPU {first['cold_cpu']:.2f} s)"
    )
    print(f"  loading the XKRX calendar (once per process, outside the figures above): "
          f"{r['calendar']:.2f} s")  # fmt: skip
    print(f"  fills {r['fills']:,}   peak memory {r['peak_mb']:.0f} MB (target < 630 MB)   "
          f"final equity {r['final_equity']:,} KRW")  # fmt: skip
    if "--skip-event" not in sys.argv:
        e = child("benchmarks.bench_dsl", "event", data)
        same = (
            "equal"
            if (e["fills"], e["final_equity"]) == (r["fills"], r["final_equity"])
            else "DIFFERENT"
        )
        print(f"  event-driven path: {e['fills']:,} fills, final equity {e['final_equity']:,} "
              f"KRW in {e['seconds']:.1f} s: {same}")  # fmt: skip
    print(f"load average after: {load()}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        if sys.argv[2] == "reference":
            child_reference(sys.argv[3])
        else:
            child_event(sys.argv[3])
    else:
        main()
