"""`Position` <-> a row of ``positions`` plus the fills it is replayed from.

A `Position` is the fold of its fills and keeps its cost basis and PnL as exact fractions, so it
is stored as its identity and ``fill_count`` and rebuilt by applying the first ``fill_count``
fills of its slot (instrument x strategy) in the order they were stored. The projection columns
are for queries, and a check: the rebuilt position must match them.

`Position` does not expose the trader and account it was built with, so they are taken from the
slot's first fill (`jts.domain.positions` builds a netting position for the trader and account
of the fills it applies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jts.core.errors import StateError
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import AccountId, InstrumentId, PositionId, StrategyId, TraderId
from jts.domain.positions import Position
from jts.storage.mappers.exact import currency_of, fixed_to_db, money_to_db

#: Projection columns that must agree with the replayed position.
_CHECKED = ("side", "signed_qty", "peak_qty", "avg_px_open", "avg_px_close", "realized_pnl")


def position_to_row(position: Position, first_fill: OrderFilled) -> dict[str, Any]:
    return {
        "position_id": str(position.position_id),
        "instrument_id": str(position.instrument_id),
        "strategy_id": str(position.strategy_id),
        "trader_id": str(first_fill.trader_id),
        "account_id": None if first_fill.account_id is None else str(first_fill.account_id),
        "currency": position.currency.code,
        "fill_count": len(position.trade_ids),
        "side": position.side.value,
        "signed_qty": position.signed_qty,
        "peak_qty": fixed_to_db(position.peak_qty),
        "avg_px_open": position.avg_px_open,
        "avg_px_close": position.avg_px_close,
        "realized_pnl": money_to_db(position.realized_pnl),
        "entry": None if position.entry is None else position.entry.value,
        "opening_order_id": None
        if position.opening_order_id is None
        else str(position.opening_order_id),
        "ts_opened": position.ts_opened,
        "ts_closed": position.ts_closed,
    }


def position_from_row(row: Mapping[Any, Any], fills: Sequence[OrderFilled]) -> Position:
    """Replay ``fills`` (the slot's first ``fill_count``) and check the result against the row."""
    position_id = row["position_id"]
    if len(fills) != row["fill_count"]:
        raise StateError(
            f"position {position_id} was saved after {row['fill_count']} fills but only "
            f"{len(fills)} fills of its slot are stored"
        )
    account_id = row["account_id"]
    position = Position(
        InstrumentId(row["instrument_id"]),
        StrategyId(row["strategy_id"]),
        TraderId(row["trader_id"]),
        currency_of(row["currency"]),
        account_id=None if account_id is None else AccountId(account_id),
        position_id=PositionId(position_id),
    )
    for fill in fills:
        position.apply(fill)
    rebuilt = position_to_row(position, fills[0]) if fills else None
    if rebuilt is not None:
        for name in _CHECKED:
            if rebuilt[name] != row[name]:
                raise StateError(
                    f"position {position_id}: replaying its {len(fills)} stored fills gives "
                    f"{name} {rebuilt[name]}, the saved position had {row[name]}"
                )
    return position
