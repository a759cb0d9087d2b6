"""The opening-range breakout example: breaks of the first half hour, flat before every close."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from jts.backtest.results import BacktestResult
from jts.backtest.runner import load_strategy
from jts.core.time import kst_date, kst_to_ns
from jts.domain.enums import OrderType
from jts.kernel.strategy.params import InvalidParamsError
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .support import EXAMPLES, fill_key, orders_by_id, run_example, write_data

NAME = "opening_range_breakout.py"
PARAMS = {"quantity": 50, "range_minutes": 30, "last_entry": "14:30", "flatten_at": "15:15"}
DAYS = 8


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("orb")
    return write_data(folder, ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=DAYS, seed=21)


@pytest.fixture(scope="module")
def result(data: Path) -> BacktestResult:
    return run_example(NAME, data, PARAMS)


def opening_ranges(data: Path, minutes: int = 30) -> dict[dt.date, tuple[int, int]]:
    """(range high, range low) per day: bars closing by 09:00 + ``minutes`` KST."""
    table = pq.read_table(data)
    ts = table.column("timestamp").cast("int64").to_numpy()
    high, low = table.column("high").to_numpy(), table.column("low").to_numpy()
    out: dict[dt.date, tuple[int, int]] = {}
    for day in sorted({kst_date(int(t)) for t in ts}):
        end = kst_to_ns(day, "090000") + minutes * 60 * 1_000_000_000
        mask = (ts >= kst_to_ns(day, "000000")) & (ts <= end)
        out[day] = (int(np.max(high[mask])), int(np.min(low[mask])))
    return out


def test_never_holds_a_position_across_a_close(result: BacktestResult) -> None:
    assert len(result.fills) >= 6
    position = Decimal(0)
    by_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for fill in result.fills:
        sign = 1 if fill.order_side.value == "BUY" else -1
        position += sign * fill.last_qty.as_decimal()
        by_day[kst_date(fill.ts_event)] += sign * fill.last_qty.as_decimal()
        assert position in (0, 50)  # long only, never stacked
    assert position == 0
    assert all(net == 0 for net in by_day.values())  # every day ends flat
    assert len(by_day) >= 3  # it traded on several days
    # no fill at all after the flatten time, and nothing left working at the end
    assert all(kst_to_ns(kst_date(f.ts_event), "151600") >= f.ts_event for f in result.fills)
    assert not [o for o in result.orders if o.is_open]


def test_entries_break_the_range_and_stops_sit_at_its_low(
    data: Path, result: BacktestResult
) -> None:
    ranges = opening_ranges(data)
    table = pq.read_table(data)
    close = dict(
        zip(
            (int(t) for t in table.column("timestamp").cast("int64").to_numpy()),
            table.column("close").to_pylist(),
            strict=True,
        )
    )
    entries = [o for o in result.orders if o.tags == ("entry",)]
    stops = [o for o in result.orders if o.tags == ("stop",)]
    assert entries
    assert stops
    per_day: dict[dt.date, int] = defaultdict(int)
    for order in entries:
        day = kst_date(order.ts_init)
        per_day[day] += 1
        high, _ = ranges[day]
        assert close[order.ts_init] > high
        assert kst_to_ns(day, "093000") < order.ts_init < kst_to_ns(day, "143000")
    assert max(per_day.values()) == 1
    for order in stops:
        assert order.order_type is OrderType.STOP_MARKET
        assert order.trigger_price is not None
        assert int(order.trigger_price.as_decimal()) == ranges[kst_date(order.ts_init)][1]


def test_flatten_orders_go_out_at_the_flatten_time(result: BacktestResult) -> None:
    by_id = orders_by_id(result)
    flattens = [o for o in result.orders if o.tags == ("flatten",)]
    assert flattens  # some day ran into the close still long
    for order in flattens:
        assert order.ts_init == kst_to_ns(kst_date(order.ts_init), "151500")
        assert order.order_type is OrderType.MARKET
    tags = {by_id[str(f.client_order_id)].tags for f in result.fills}
    assert tags <= {("entry",), ("stop",), ("flatten",)}


def test_an_earlier_flatten_time_moves_the_exit(data: Path) -> None:
    early = run_example(NAME, data, {**PARAMS, "last_entry": "10:30", "flatten_at": "11:00"})
    assert early.fills
    for fill in early.fills:
        assert fill.ts_event <= kst_to_ns(kst_date(fill.ts_event), "110100")
    position = sum(
        (1 if f.order_side.value == "BUY" else -1) * f.last_qty.as_decimal() for f in early.fills
    )
    assert position == 0


def test_a_late_open_shifts_the_range(tmp_path: Path) -> None:
    """On the year's first session KRX opens at 10:00: the range is 10:00-10:30 that day."""
    late = dt.date(2024, 3, 5)
    calendar = FakeKrxCalendar(late_opens=[late])
    data = write_data(tmp_path, ["005930.KRX"], start=late, n_days=6, seed=4, calendar=calendar)
    result = run_example(NAME, data, PARAMS, calendar=calendar)
    table = pq.read_table(data)
    ts = table.column("timestamp").cast("int64").to_numpy()
    mask = (ts > kst_to_ns(late, "000000")) & (ts <= kst_to_ns(late, "103000"))
    low = int(np.min(table.column("low").to_numpy()[mask]))
    on_late = [o for o in result.orders if kst_date(o.ts_init) == late]
    assert any(o.tags == ("stop",) for o in on_late)
    for order in on_late:
        assert order.ts_init > kst_to_ns(late, "103000")
        if order.tags == ("stop",):
            assert order.trigger_price is not None
            assert int(order.trigger_price.as_decimal()) == low


def test_two_runs_fill_identically(data: Path, result: BacktestResult) -> None:
    again = run_example(NAME, data, PARAMS)
    assert [fill_key(f) for f in again.fills] == [fill_key(f) for f in result.fills]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"last_entry": "15:20"}, "last_entry"),
        ({"flatten_at": "25:00"}, "flatten_at"),
        ({"range_minutes": 0}, "range_minutes"),
        ({"quantity": -1}, "quantity"),
    ],
)
def test_bad_params_are_refused(params: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidParamsError, match=words):
        load_strategy(str(EXAMPLES / NAME), params)
