"""A run's results and how they are written to ``--out DIR``.

Files (all deterministic: the same run gives byte-identical files):

- ``stats.json``: the `PerformanceStats` plus ``trades`` (the number of fills) and run facts;
- ``fills.parquet``: timestamp, instrument, side, quantity, price, commission, tax, order id,
  trade id (exact decimals: Parquet ``decimal128`` columns);
- ``orders.parquet``: every order with its final status, fills and reason;
- ``equity.parquet``: timestamp and equity (exact) after each distinct data timestamp;
- ``signals.parquet``: every signal the strategies emitted (also in signal-only runs);
- ``report.html``: the self-contained report.

The directory is written under a temporary name next to its target and renamed into place at
the end, so an interrupted run never leaves a results directory that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from jts.analytics import Analysis, write_report
from jts.domain.events_order import OrderFilled
from jts.domain.orders import Order
from jts.domain.signals import Signal
from jts.domain.values import Currency


@dataclass(slots=True)
class BacktestResult:
    currency: Currency
    timestamps: npt.NDArray[np.int64]
    equity_raw: npt.NDArray[np.int64]  # in the currency's smallest unit
    fills: list[OrderFilled]
    orders: list[Order]
    signals: list[Signal]
    analysis: Analysis
    bars: int
    run_facts: dict[str, Any] = field(default_factory=dict)

    def stats(self) -> dict[str, Any]:
        """``stats.json``: the figures the issue names first, then everything else."""
        return {
            **stats_in_order(self.analysis, len(self.fills)),
            "bars": self.bars,
            **self.run_facts,
        }


def stats_in_order(analysis: Analysis, fills: int) -> dict[str, Any]:
    """The analysis as ``stats.json`` starts: the figures the backtest issue names first (a
    reader's first look, and what other tools key on), ``trades`` being the fill count, then
    every other figure. Live performance reports share it."""
    stats = analysis.stats.to_dict()
    head = {
        "final_equity": stats["final_equity"],
        "total_return": stats["total_return"],
        "trades": fills,
        "round_trips": stats["round_trips"],
        "sharpe": stats["sharpe"],
        "max_drawdown": stats["max_drawdown"],
    }
    return {**head, **{k: v for k, v in stats.items() if k not in head}}


def _decimal_type(values: Sequence[Decimal]) -> pa.DataType:
    """The narrowest exact column type holding every value (scale = most decimals seen)."""
    scale = 0
    for value in values:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            scale = -exponent
    return pa.decimal128(38, scale)


def _decimals(values: Sequence[Decimal]) -> pa.Array:
    return pa.array(values, type=_decimal_type(values))


def fills_table(fills: Sequence[OrderFilled]) -> pa.Table:
    return pa.table(
        {
            "timestamp": pa.array([f.ts_event for f in fills], type=pa.int64()),
            "instrument": pa.array([str(f.instrument_id) for f in fills], type=pa.string()),
            "side": pa.array([f.order_side.value for f in fills], type=pa.string()),
            "quantity": _decimals([f.last_qty.as_decimal() for f in fills]),
            "price": _decimals([f.last_px.as_decimal() for f in fills]),
            "commission": _decimals([f.commission.as_decimal() for f in fills]),
            "tax": _decimals([f.tax.as_decimal() for f in fills]),
            "currency": pa.array([f.currency.code for f in fills], type=pa.string()),
            "client_order_id": pa.array([str(f.client_order_id) for f in fills]),
            "trade_id": pa.array([str(f.trade_id) for f in fills]),
        }
    )


def orders_table(orders: Sequence[Order]) -> pa.Table:
    def reason(order: Order) -> str:
        return str(getattr(order.last_event, "reason", "") or "")

    avg = [o.avg_px for o in orders]
    return pa.table(
        {
            "ts_init": pa.array([o.ts_init for o in orders], type=pa.int64()),
            "ts_last": pa.array([o.ts_last for o in orders], type=pa.int64()),
            "client_order_id": pa.array([str(o.client_order_id) for o in orders]),
            "strategy_id": pa.array([str(o.strategy_id) for o in orders]),
            "instrument": pa.array([str(o.instrument_id) for o in orders]),
            "side": pa.array([o.side.value for o in orders]),
            "type": pa.array([o.order_type.value for o in orders]),
            "time_in_force": pa.array([o.time_in_force.value for o in orders]),
            "quantity": _decimals([o.quantity.as_decimal() for o in orders]),
            "price": pa.array(
                [None if o.price is None else str(o.price) for o in orders], type=pa.string()
            ),
            "status": pa.array([o.status.value for o in orders]),
            "filled_qty": _decimals([o.filled_qty.as_decimal() for o in orders]),
            "avg_px": pa.array([None if a is None else str(a) for a in avg], type=pa.string()),
            "reason": pa.array([reason(o) for o in orders]),
        }
    )


def equity_table(result: BacktestResult) -> pa.Table:
    scale = result.currency.precision
    values = [Decimal(int(v)).scaleb(-scale) for v in result.equity_raw]
    return pa.table(
        {
            "timestamp": pa.array(result.timestamps, type=pa.int64()),
            "equity": pa.array(values, type=pa.decimal128(38, scale)),
        }
    )


def signals_table(signals: Sequence[Signal]) -> pa.Table:
    return pa.table(
        {
            "timestamp": pa.array([s.ts_event for s in signals], type=pa.int64()),
            "strategy_id": pa.array([str(s.strategy_id) for s in signals], type=pa.string()),
            "instrument": pa.array([str(s.instrument_id) for s in signals], type=pa.string()),
            "direction": pa.array([s.direction.value for s in signals], type=pa.string()),
            "strength": pa.array([s.strength for s in signals], type=pa.float64()),
            "reason": pa.array([s.reason for s in signals], type=pa.string()),
        }
    )


def write_parquet(table: pa.Table, path: Path) -> None:
    """Every results table goes through here, so reruns give byte-identical files."""
    # no statistics timestamps or writer ids that vary between runs
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_stats(result: BacktestResult, path: Path) -> None:
    """stats.json: strict JSON (no NaN), stable layout."""
    path.write_text(json.dumps(result.stats(), indent=2, allow_nan=False) + "\n", encoding="utf-8")


@contextmanager
def staged_directory(out: Path) -> Iterator[Path]:
    """A temporary directory beside ``out``, renamed to ``out`` when the block succeeds.

    An existing ``out`` is replaced only at that moment; a block that fails (or is
    interrupted) removes the temporary directory, so nothing half-written looks complete.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield staging
        staging.chmod(0o755)  # mkdtemp made it private; results are for everyone who reads out/
        if out.exists():
            trash = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(trash)
            staging.rename(out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_results(result: BacktestResult, out: Path, *, title: str = "Backtest") -> Path:
    """Write every file into a temporary directory beside ``out``, then move it into place."""
    with staged_directory(out) as staging:
        write_stats(result, staging / "stats.json")
        write_parquet(fills_table(result.fills), staging / "fills.parquet")
        write_parquet(orders_table(result.orders), staging / "orders.parquet")
        write_parquet(equity_table(result), staging / "equity.parquet")
        write_parquet(signals_table(result.signals), staging / "signals.parquet")
        write_report(staging / "report.html", result.analysis, title=title)
    return out.resolve()
