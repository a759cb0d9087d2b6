"""A sweep gives, for every combination, exactly what a single `backtest_vectorised` run with
those parameters gives, whatever order it runs them in and however small its memo."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jts.backtest.data import generate_bars
from jts.backtest.runner import resolve_instruments
from jts.domain.identifiers import InstrumentId
from jts.dsl.catalog import Catalog
from jts.dsl.vector import VectorBars, VectorResult, backtest_vectorised
from jts.dsl.vector.sweep import Sweep, locality_order
from jts.kernel.risk.limits import RiskLimits
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .conftest import compile_ok

SOURCE = """param fast = 5 in 2..20
param slow = 20 in 10..60 step 10
param loss = 0.5 in 0.5..1.5 step 0.5
universe 005930.KRX, 000660.KRX
bars 1 minute
let f = sma(close, fast)
let s = ema(close, slow)
enter long when f crosses above s
exit long when f crosses below s
enter short when f crosses below s
size 20% of equity
stop loss loss%
trailing stop 2 * atr(5)
"""
FIELDS = ("fill_ts", "fill_inst", "fill_side", "fill_qty", "fill_px", "fill_commission",
          "fill_tax", "timestamps", "equity")  # fmt: skip


@pytest.fixture(scope="module")
def bars() -> list[VectorBars]:
    symbols = ["000660.KRX", "005930.KRX"]
    table = generate_bars(
        symbols, start=dt.date(2024, 3, 4), n_days=3, seed=8, calendar=FakeKrxCalendar()
    )
    found = []
    for instrument in resolve_instruments([InstrumentId(s) for s in symbols]):
        mine = table.filter(pc.equal(table.column("instrument"), str(instrument.id)))
        columns = {n: mine.column(n).to_numpy() for n in ("open", "high", "low", "close", "volume")}
        ts = mine.column("timestamp").cast(pa.int64()).to_numpy()
        found.append(VectorBars.of(instrument, ts=ts, **columns))
    return found


def _same(a: VectorResult, b: VectorResult) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("memo_bytes", [256 << 20, 1])
def test_every_combination_equals_its_single_run(
    memo_bytes: int, bars: list[VectorBars], catalog: Catalog
) -> None:
    program = compile_ok(SOURCE, catalog)
    options = {
        "commission": None,
        "tax": None,
        "calendar": FakeKrxCalendar(),
        "risk_limits": RiskLimits(allow_short=True),
    }
    sweep = Sweep(program, bars, fill="close", memo_bytes=memo_bytes, **options)  # type: ignore[arg-type]
    combos = [
        {"fast": f, "slow": s, "loss": Decimal(p)}
        for f, s, p in itertools.product([2, 5, 11], [10, 30], ["0.5", "1.5"])
    ]
    swept = sweep.map(combos, lambda result: result)
    traded = 0
    for params, result in zip(combos, swept, strict=True):
        single = backtest_vectorised(program, bars, params, fill="close", **options)  # type: ignore[arg-type]
        _same(result, single)
        traded += len(single.fills)
    assert traded > 0
    if memo_bytes == 1:
        assert len(sweep.memo.results) == 1  # everything else was evicted, results unchanged
    else:
        assert sweep.memo.hits > 0


def test_locality_order_is_a_permutation_in_blocks() -> None:
    combos = [{"fast": f, "slow": s, "q": 1} for f in range(20) for s in range(5)]
    order = locality_order(combos, block=4)
    assert sorted(order) == list(range(len(combos)))
    first_block = [combos[i]["fast"] for i in order[:20]]
    assert set(first_block) == {0, 1, 2, 3}  # a block of fast values against every slow one
    assert locality_order([{"a": 1}, {"a": 1}]) == [0, 1]
    assert locality_order([]) == []
