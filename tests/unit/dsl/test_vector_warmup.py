"""The first-run compile on two cores (`jts.dsl.vector.warmup`): the helpers it compiles ahead
are compiled with the types the driver calls them with, the driver then loads the child's work
instead of compiling it again, and the results are the same either way.

Each case runs in a fresh interpreter with an empty numba cache: only there is the first run
a first run (this process's kernels are compiled or cached already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]

#: runs three shapes of driver (next-open, close fills, stops with sizing by equity) on small
#: data, then prints what it saw as JSON; ``SERIAL=1`` keeps the child from starting
SCRIPT = r"""
import datetime as dt, json, os, sys
from decimal import Decimal
sys.path.insert(0, os.environ["ROOT"])
from numba.core import event
from jts.backtest.data import generate_bars
from jts.domain.instruments import Market, krx_equity
from jts.dsl.load import check_source
from jts.dsl.registry import default_catalog
from jts.dsl.vector import VectorBars, backtest_vectorised, kernels, warmup
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

if os.environ.get("SERIAL") == "1":
    warmup._state.begun = True
compiled = []
class Seen(event.Listener):
    def on_start(self, e): pass
    def on_end(self, e):
        d = e.data.get("dispatcher")
        compiled.append(d.py_func.__name__ if d is not None else "")
event.register("numba:compile", Seen())

calendar = FakeKrxCalendar()
samsung = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
table = generate_bars(["005930.KRX"], start=dt.date(2024, 3, 4), n_days=3, seed=4,
                      calendar=calendar, instruments=[samsung])
cols = {n: table.column(n).to_numpy() for n in ("open", "high", "low", "close", "volume")}
bars = VectorBars.of(samsung, ts=table.column("timestamp").cast("int64").to_numpy(), **cols)
head = "universe 005930.KRX\nbars 1 minute\nlet f = sma(close, 3)\nlet s = sma(close, 8)\n"
rules = "enter long when f crosses above s\nexit long when f crosses below s\n"
programs = [
    (head + rules + "size 10 shares\n", "next-open"),
    (head + rules + "size 10 shares\n", "close"),
    (head + rules + "size 5 % of equity\nstop loss 2 %\ntrailing stop 3 %\n", "next-open"),
]
free = {"commission": Decimal(0), "tax": Decimal(0), "calendar": calendar}
fills = []
for source, fill in programs:
    program = check_source(source, default_catalog(), "t.jts")
    result = backtest_vectorised(program, bars, fill=fill, **free)
    fills.append([result.fill_px.tolist(), result.fill_qty.tolist(), int(result.final_equity)])
names = [n for n, _ in (*warmup.CHILD_HELPERS, *warmup.SHARED_HELPERS)]
print(json.dumps({
    "fills": fills,
    "compiled": compiled,
    "signatures": {n: [str(s) for s in getattr(kernels, n).signatures] for n in names},
    "declared": {n: str(tuple(sig)) for n, sig in (*warmup.CHILD_HELPERS, *warmup.SHARED_HELPERS)},
    "hits": {n: sum(getattr(kernels, n)._cache_hits.values()) for n in names},
    "forked": warmup._state.forked,
}))
"""


def _run(tmp_path: Path, *, serial: bool, cache: str) -> dict[str, Any]:
    script = tmp_path / "first_run.py"
    script.write_text(SCRIPT)
    env = {
        **os.environ,
        "ROOT": str(ROOT),
        "NUMBA_CACHE_DIR": str(tmp_path / cache),
        "SERIAL": "1" if serial else "0",
    }
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300,
        check=False, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    found: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork, 2 cores"
)
def test_the_helpers_compiled_ahead_are_the_ones_the_driver_uses(tmp_path: Path) -> None:
    serial = _run(tmp_path, serial=True, cache="serial")
    # compiled the ordinary way, every shape calls each helper with exactly the declared types
    declared = serial["declared"]
    for name, found in serial["signatures"].items():
        assert found == [declared[name]], f"{name}: the driver calls it as {found}"
    assert serial["forked"] == 0

    forked = _run(tmp_path, serial=False, cache="forked")
    assert forked["forked"] == 1
    assert forked["fills"] == serial["fills"]
    assert all(prices for prices, _, _ in serial["fills"])  # every shape traded
    compiled = forked["compiled"]
    # this process compiled neither of the child's helpers: the driver loaded them
    assert not {"_venue", "_close_out"} & set(compiled)
    hits = forked["hits"]
    assert hits["_venue"] >= 1
    assert hits["_close_out"] >= 1
    assert {"_window", "_equity", "_admit", "run_loop"} <= set(compiled)

    # the next run finds it all in the cache: no child, nothing compiled
    again = _run(tmp_path, serial=False, cache="forked")
    assert again["forked"] == 0
    assert again["compiled"] == []
    assert again["fills"] == serial["fills"]


#: a first run that fails after the child started (a bad ``fill``), then a good one
FAILING = r"""
import json, os, sys, time
from decimal import Decimal
sys.path.insert(0, os.environ["ROOT"])
from jts.core.errors import InvalidInputError
from jts.dsl.vector import warmup
exec(open(os.environ["SETUP"]).read().split("fills = []")[0])
program = check_source(programs[0][0], default_catalog(), "t.jts")
fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
try:
    backtest_vectorised(program, bars, fill="sideways", **free)
except InvalidInputError:
    pass
pid = warmup._state.orphans[0] if warmup._state.orphans else 0
deadline = time.monotonic() + 60
while warmup._state.orphans and time.monotonic() < deadline:
    time.sleep(0.05)
    warmup._reap()
try:
    os.waitpid(pid, os.WNOHANG)
    zombie = True
except ChildProcessError:
    zombie = False
after = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
result = backtest_vectorised(program, bars, **free)
print(json.dumps({
    "forked": warmup._state.forked, "child": warmup._state.child, "orphans": warmup._state.orphans,
    "zombie": zombie, "fds_leaked": after - fds, "pid": pid, "traded": len(result.fill_px),
}))
"""


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork, 2 cores"
)
def test_a_run_that_fails_after_the_child_started_leaves_nothing_behind(tmp_path: Path) -> None:
    setup = tmp_path / "setup.py"
    setup.write_text(SCRIPT)
    script = tmp_path / "failing.py"
    script.write_text(FAILING)
    env = {
        **os.environ,
        "ROOT": str(ROOT),
        "SETUP": str(setup),
        "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
        "SERIAL": "0",
    }
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300,
        check=False, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["forked"] == 1
    assert found["pid"] > 0  # the failed run had started a child ...
    assert found["child"] is None  # ... which nobody waits for any more
    assert found["orphans"] == []  # reaped once it had finished
    assert found["zombie"] is False
    assert found["fds_leaked"] == 0  # its pipe closed
    assert found["traded"] > 0  # and the next run works
