"""Shared plumbing of the example tests: seeded synthetic data and one call to run an example.

The fast `FakeKrxCalendar` of the data tests stands in for XKRX (which takes seconds to build):
weekdays 09:00-15:30 KST with the closing auction from 15:20.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jts.backtest.data import ReadOptions, generate_bars, write_bars
from jts.backtest.data.schema import ONE_MINUTE
from jts.backtest.engine import BacktestConfig
from jts.backtest.results import BacktestResult
from jts.backtest.runner import load_strategy, run_backtest
from jts.domain.events_order import OrderFilled
from jts.domain.market_data import BarSpecification
from jts.domain.orders import Order
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

EXAMPLES = Path(__file__).parents[2] / "examples" / "strategies"
CALENDAR = FakeKrxCalendar()


def write_data(
    folder: Path,
    symbols: Sequence[str],
    *,
    start: dt.date,
    n_days: int,
    seed: int,
    interval: BarSpecification = ONE_MINUTE,
    calendar: FakeKrxCalendar = CALENDAR,
    **kwargs: Any,
) -> Path:
    table = generate_bars(
        list(symbols),
        start=start,
        n_days=n_days,
        seed=seed,
        interval=interval,
        calendar=calendar,
        **kwargs,
    )
    path = folder / "bars.parquet"
    write_bars(table, path)
    return path


def run_example(
    name: str,
    data: Path,
    params: Mapping[str, Any] | None = None,
    *,
    config: BacktestConfig | None = None,
    interval: BarSpecification = ONE_MINUTE,
    calendar: FakeKrxCalendar = CALENDAR,
) -> BacktestResult:
    strategy = load_strategy(str(EXAMPLES / name), dict(params or {}))
    return run_backtest(
        [strategy],
        data,
        config or BacktestConfig(),
        calendar=calendar,
        options=ReadOptions(bar_spec=interval),
    )


def fill_key(fill: OrderFilled) -> tuple[object, ...]:
    """What two runs must agree on, fill by fill."""
    return (
        fill.ts_event,
        str(fill.instrument_id),
        fill.order_side.value,
        fill.last_qty,
        fill.last_px,
        fill.commission,
        fill.tax,
    )


def orders_by_id(result: BacktestResult) -> dict[str, Order]:
    return {str(order.client_order_id): order for order in result.orders}
