"""`ReplicaExecutionEngine`: the strategy role's orders follow the execution role's journal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.core.errors import JtsError
from jts.domain.enums import OrderStatus
from jts.domain.events_order import (
    OrderDenied,
    OrderEvent,
    OrderInitialized,
    OrderPendingCancel,
)
from jts.domain.identifiers import ClientOrderId, StrategyId
from jts.domain.orders import Order
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy, StrategyParams

from .split import SAMSUNG, SplitPair


class BuyOnce(Strategy):
    """Buys ``quantity`` on its first call; records every order callback."""

    class Params(StrategyParams):
        quantity: int = 10

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.seen: list[str] = []
        self.order_id: ClientOrderId | None = None

    def go(self) -> ClientOrderId:
        self.order_id = self.buy(SAMSUNG, self.params.quantity)
        assert self.order_id is not None
        return self.order_id

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        self.seen.append(type(event).__name__)


def _order_pair(pair: SplitPair, client_order_id: ClientOrderId) -> tuple[Order, Order]:
    mine = pair.strategy_kernel.cache.order(client_order_id)
    theirs = pair.execution.cache.order(client_order_id)
    assert mine is not None
    assert theirs is not None
    return mine, theirs


def test_an_order_leaves_as_a_command_and_its_history_is_the_execution_roles() -> None:
    strategy = BuyOnce()
    pair = SplitPair(strategy)
    order_id = strategy.go()
    mine = pair.strategy_kernel.cache.order(order_id)
    assert mine is not None
    assert mine.status is OrderStatus.INITIALIZED  # in the cache at once, nothing applied yet
    assert [type(c).__name__ for c in pair.sent()] == ["SubmitOrder"]
    pair.pump()
    assert pair.venue.submitted[0].order.client_order_id == order_id
    pair.venue.accept(order_id)
    pair.venue.fill(order_id, "4", "70000")
    pair.venue.fill(order_id, "6", "70100")
    pair.pump()
    mine, theirs = _order_pair(pair, order_id)
    assert mine.status is OrderStatus.FILLED
    assert mine.events == theirs.events  # the same history, event for event
    assert strategy.seen == [
        "OrderInitialized",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderFilled",
        "OrderFilled",
    ]
    position = pair.strategy_kernel.portfolio.position(SAMSUNG, strategy.id)
    assert position is not None
    assert position.signed_qty == Decimal(10)
    assert position.avg_px_open == Decimal(70060)


def test_a_denial_by_the_execution_role_reaches_the_strategy_as_a_denial() -> None:
    strategy = BuyOnce(params={"quantity": 5})
    pair = SplitPair(strategy, limits=RiskLimits(max_order_qty=Decimal(1)))
    order_id = strategy.go()
    pair.pump()
    mine, theirs = _order_pair(pair, order_id)
    assert theirs.status is OrderStatus.DENIED
    assert mine.status is OrderStatus.DENIED
    assert isinstance(mine.last_event, OrderDenied)
    assert "max_order_qty" in mine.last_event.reason or "quantity" in mine.last_event.reason
    assert pair.venue.submitted == []


def test_a_cancel_is_only_a_request_until_the_execution_role_answers() -> None:
    strategy = BuyOnce()
    pair = SplitPair(strategy)
    order_id = strategy.go()
    pair.pump()
    pair.venue.accept(order_id)
    pair.pump()
    assert strategy.cancel_order(order_id)
    mine, _ = _order_pair(pair, order_id)
    assert mine.status is OrderStatus.ACCEPTED  # nothing applied locally
    assert [type(c).__name__ for c in pair.sent()] == ["CancelOrder"]
    pair.pump()
    assert mine.status is OrderStatus.PENDING_CANCEL  # as the execution role journaled it
    assert [c.client_order_id for c in pair.venue.canceled] == [order_id]
    pair.venue.cancel(order_id)
    pair.pump()
    assert mine.status is OrderStatus.CANCELED
    assert not strategy.cancel_order(order_id)  # closed: nothing sent
    assert pair.sent() == []


def test_redelivered_events_and_other_processes_orders_change_nothing() -> None:
    strategy = BuyOnce()
    pair = SplitPair(strategy)
    order_id = strategy.go()
    pair.pump()
    pair.venue.accept(order_id)
    pair.venue.fill(order_id, "10", "70000")
    pair.pump()
    seen = list(strategy.seen)
    history = pair.strategy_kernel.cache.order(order_id).events  # type: ignore[union-attr]
    for _topic, message in pair.events.log:  # the stream read again after a restart
        if isinstance(message, OrderEvent):
            pair.strategy_kernel.handle_execution_event(message)
    stranger = OrderInitialized(
        **{
            **{f: getattr(history[0], f) for f in history[0].__struct_fields__},
            "strategy_id": StrategyId("Other-001"),
            "client_order_id": ClientOrderId("O-FROM-ANOTHER-PROCESS"),
        }
    )
    pair.strategy_kernel.handle_execution_event(stranger)
    assert strategy.seen == seen
    assert pair.strategy_kernel.cache.order(order_id).events == history  # type: ignore[union-attr]
    assert pair.strategy_kernel.cache.order(stranger.client_order_id) is None
    assert pair.replica.stats.duplicate_fills == 0
    assert pair.replica.stats.unknown_orders == 0
    position = pair.strategy_kernel.portfolio.position(SAMSUNG, strategy.id)
    assert position is not None
    assert position.signed_qty == Decimal(10)  # the fill was booked once


def test_an_order_of_an_earlier_run_is_taken_in_from_its_first_event() -> None:
    strategy = BuyOnce()
    earlier = SplitPair(BuyOnce())  # the same strategy id, in a run that died
    order_id = earlier.strategy.go()  # type: ignore[attr-defined]
    earlier.pump()
    pair = SplitPair(strategy)
    for _topic, message in earlier.events.log:
        if isinstance(message, OrderEvent):
            pair.strategy_kernel.handle_execution_event(message)
    mine = pair.strategy_kernel.cache.order(order_id)
    assert mine is not None
    assert mine.status is OrderStatus.SUBMITTED
    assert strategy.seen == ["OrderInitialized", "OrderSubmitted"]


def test_a_kill_switch_of_the_strategy_role_denies_locally_and_sends_nothing() -> None:
    strategy = BuyOnce()
    pair = SplitPair(strategy)
    pair.strategy_kernel.trip_kill_switch("test")
    order_id = strategy.go()
    mine = pair.strategy_kernel.cache.order(order_id)
    assert mine is not None
    assert mine.status is OrderStatus.DENIED
    assert pair.sent() == []


def test_modify_is_sent_and_pending_only_when_the_execution_role_says_so() -> None:
    strategy = BuyOnce()
    pair = SplitPair(strategy)
    order_id = strategy.go()
    pair.pump()
    pair.venue.accept(order_id)
    pair.pump()
    assert strategy.modify_order(order_id, quantity=5)
    mine, _ = _order_pair(pair, order_id)
    assert mine.status is OrderStatus.ACCEPTED
    pair.pump()
    assert mine.status is OrderStatus.PENDING_UPDATE
    assert len(pair.venue.modified) == 1


def test_install_refuses_a_kernel_that_already_holds_orders() -> None:
    pair = SplitPair(BuyOnce())
    pair.strategy.go()  # type: ignore[attr-defined]
    with pytest.raises(JtsError, match="before the kernel holds orders"):
        type(pair.replica).install(pair.strategy_kernel, send=print, owns=lambda _: True)


def test_pending_cancel_events_of_the_wire_are_the_execution_roles() -> None:
    strategy = BuyOnce()
    pair = SplitPair(strategy)
    order_id = strategy.go()
    pair.pump()
    pair.venue.accept(order_id)
    pair.pump()
    strategy.cancel_order(order_id)
    strategy.cancel_order(order_id)  # twice before any answer: two requests
    pair.pump()
    pending = [m for _, m in pair.events.log if isinstance(m, OrderPendingCancel)]
    assert len(pending) == 1  # the execution role's OMS refuses the second
    assert len(pair.venue.canceled) == 1
