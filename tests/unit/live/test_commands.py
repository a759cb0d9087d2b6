"""`CommandServer`: the execution role takes each command once, refuses stale ones, answers
the status request, and leaves commands in the stream once it is stopping."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from jts.core.errors import StateError
from jts.domain.commands import CancelOrder, SubmitOrder
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderDenied, OrderInitialized
from jts.domain.identifiers import ClientOrderId, StrategyId, TradeId, TraderId
from jts.domain.market_data import TradeTick
from jts.domain.market_data.ticks import AggressorSide
from jts.domain.values import Price, Quantity
from jts.live.commands import cancel_open_orders
from jts.live.messages import ExecutionStatus, ExecutionStatusRequest
from jts.ports.bus import BusClosedError

from .split import ACCOUNT, SAMSUNG, SplitPair
from .test_replica import BuyOnce


def _submit(
    client_order_id: str, *, age_s: float = 0.0, trader: str = "JTS-001", qty: str = "1"
) -> SubmitOrder:
    ts = time.time_ns() - int(age_s * 1e9)
    init = OrderInitialized(
        trader_id=TraderId(trader),
        strategy_id=StrategyId("S-001"),
        instrument_id=SAMSUNG,
        client_order_id=ClientOrderId(client_order_id),
        side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        quantity=Quantity(qty),
        ts_event=ts,
        ts_init=ts,
    )
    return SubmitOrder(
        trader_id=init.trader_id,
        strategy_id=init.strategy_id,
        instrument_id=SAMSUNG,
        command_id=f"C-{client_order_id}",
        ts_init=ts,
        order=init,
    )


def _cancel(client_order_id: str, command_id: str) -> CancelOrder:
    return CancelOrder(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=SAMSUNG,
        client_order_id=ClientOrderId(client_order_id),
        command_id=command_id,
        ts_init=time.time_ns(),
    )


def test_a_redelivered_submit_finds_its_order_and_does_nothing_twice() -> None:
    pair = SplitPair(BuyOnce())
    command = _submit("O-1")
    pair.server.on_message(command)
    pair.server.on_message(command)  # delivered again: a crash before the acknowledgement
    assert len(pair.venue.submitted) == 1
    assert pair.server.stats.submits == 1
    assert pair.server.stats.duplicates == 1
    order = pair.execution.cache.order(ClientOrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.SUBMITTED


def test_a_stale_command_is_denied_with_its_age_never_sent() -> None:
    pair = SplitPair(BuyOnce(), max_age_s=5.0)
    pair.server.on_message(_submit("O-old", age_s=30.0))
    pair.server.on_message(_submit("O-new", age_s=1.0))
    old = pair.execution.cache.order(ClientOrderId("O-old"))
    assert old is not None
    assert old.status is OrderStatus.DENIED
    assert isinstance(old.last_event, OrderDenied)
    assert "stale command" in old.last_event.reason
    assert [c.order.client_order_id for c in pair.venue.submitted] == ["O-new"]
    assert pair.server.stats.stale == 1


def test_risk_runs_on_commands_like_on_local_orders() -> None:
    pair = SplitPair(BuyOnce())
    pair.execution.risk.trip_kill_switch("halt")
    pair.server.on_message(_submit("O-1"))
    order = pair.execution.cache.order(ClientOrderId("O-1"))
    assert order is not None
    assert order.status is OrderStatus.DENIED
    assert pair.venue.submitted == []


def test_commands_of_another_trader_or_of_no_kind_are_ignored() -> None:
    pair = SplitPair(BuyOnce())
    pair.server.on_message(_submit("O-1", trader="OTHER-001"))
    pair.server.on_message(ExecutionStatusRequest(trader_id=TraderId("JTS-001")))
    assert pair.execution.cache.orders() == []
    assert pair.server.stats.foreign == 1
    assert pair.server.stats.unknown == 1


def test_a_repeated_cancel_command_is_dropped_by_its_id() -> None:
    pair = SplitPair(BuyOnce())
    pair.server.on_message(_submit("O-1"))
    pair.venue.accept(ClientOrderId("O-1"))
    pair.server.on_message(_cancel("O-1", "C-cancel-1"))
    pair.server.on_message(_cancel("O-1", "C-cancel-1"))
    assert len(pair.venue.canceled) == 1
    assert pair.server.stats.duplicates == 1


def test_a_stopping_server_fails_deliveries_so_the_bus_keeps_them() -> None:
    pair = SplitPair(BuyOnce())
    pair.server.close()
    with pytest.raises(BusClosedError):
        pair.server.on_message(_submit("O-1"))
    assert pair.execution.cache.orders() == []


def test_status_names_the_account_and_refuses_another_trader() -> None:
    pair = SplitPair(BuyOnce())
    pair.server.on_message(_submit("O-1"))
    status = pair.server.status(ExecutionStatusRequest(trader_id=TraderId("JTS-001")))
    assert isinstance(status, ExecutionStatus)
    assert status.account_id == ACCOUNT
    assert status.open_orders == 1
    with pytest.raises(StateError, match="trades for JTS-001"):
        pair.server.status(ExecutionStatusRequest(trader_id=TraderId("OTHER-001")))
    with pytest.raises(StateError, match="ExecutionStatusRequest"):
        pair.server.status(_submit("O-2"))


def test_trades_from_the_bus_mark_the_prices_risk_checks_against() -> None:
    pair = SplitPair(BuyOnce())
    now = time.time_ns()
    tick = TradeTick(
        instrument_id=SAMSUNG,
        price=Price("71000"),
        size=Quantity("3"),
        aggressor_side=AggressorSide.BUYER,
        trade_id=TradeId("t-1"),
        ts_event=now,
        ts_init=now,
    )
    pair.server.on_trade(tick)
    assert pair.execution.cache.last_price(SAMSUNG) == Price("71000")


def test_stop_policy_cancels_every_open_order() -> None:
    pair = SplitPair(BuyOnce())
    for name in ("O-1", "O-2", "O-3"):
        pair.server.on_message(_submit(name))
        pair.venue.accept(ClientOrderId(name))
    pair.venue.fill(ClientOrderId("O-3"), "1", "70000")
    assert cancel_open_orders(pair.execution) == 2
    assert sorted(c.client_order_id for c in pair.venue.canceled) == ["O-1", "O-2"]
    statuses = {o.client_order_id: o.status for o in pair.execution.cache.orders()}
    assert statuses[ClientOrderId("O-1")] is OrderStatus.PENDING_CANCEL
    assert statuses[ClientOrderId("O-3")] is OrderStatus.FILLED
    assert pair.execution.portfolio.net_qty(SAMSUNG) == Decimal(1)
