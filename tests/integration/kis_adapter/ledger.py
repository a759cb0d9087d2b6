"""Applies an execution client's events to domain `Order`s the way the OMS does, so an
end-to-end test proves every event is one the order's transition table accepts."""

from __future__ import annotations

import time
from collections.abc import Iterable

from jts.core.errors import JtsError
from jts.domain.commands import CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.events_order import (
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderSubmitted,
)
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TraderId
from jts.domain.orders import Order
from jts.domain.values import Price, Quantity

TRADER = TraderId("JTS-001")
STRATEGY = StrategyId("E2E-1")


class Ledger:
    def __init__(self, account_id: AccountId) -> None:
        self.account_id = account_id
        self.orders: dict[ClientOrderId, Order] = {}
        self.events: list[object] = []
        self.errors: list[str] = []
        self._seq = 0

    def __call__(self, event: object) -> None:
        self.events.append(event)
        if not isinstance(event, OrderEvent):
            return
        order = self.orders.get(event.client_order_id)
        if order is None:
            self.errors.append(f"event for unknown order: {event!r}")
            return
        try:
            order.apply(event)
        except JtsError as exc:
            self.errors.append(f"{type(event).__name__} refused: {exc}")

    def fills(self, cid: ClientOrderId | None = None) -> list[OrderFilled]:
        return [
            e
            for e in self.events
            if isinstance(e, OrderFilled) and (cid is None or e.client_order_id == cid)
        ]

    def _stamp(self) -> int:
        return time.time_ns()

    def new_order(
        self,
        symbol: str,
        side: OrderSide,
        qty: int,
        order_type: OrderType = OrderType.LIMIT,
        price: int | None = None,
        tif: TimeInForce = TimeInForce.DAY,
    ) -> SubmitOrder:
        self._seq += 1
        now = self._stamp()
        init = OrderInitialized(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=InstrumentId(f"{symbol}.KRX"),
            client_order_id=ClientOrderId(f"O-{self._seq:04d}"),
            ts_event=now,
            ts_init=now,
            side=side,
            order_type=order_type,
            quantity=Quantity(qty),
            price=Price(price) if price is not None else None,
            time_in_force=tif,
        )
        order = Order(init)
        order.apply(
            OrderSubmitted(
                trader_id=TRADER,
                strategy_id=STRATEGY,
                instrument_id=init.instrument_id,
                client_order_id=init.client_order_id,
                account_id=self.account_id,
                ts_event=now,
                ts_init=now,
            )
        )
        self.orders[init.client_order_id] = order
        return SubmitOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=init.instrument_id,
            command_id=f"c{self._seq}",
            ts_init=now,
            order=init,
        )

    def modify(
        self, cid: ClientOrderId, *, price: int | None = None, qty: int | None = None
    ) -> ModifyOrder:
        order = self.orders[cid]
        now = self._stamp()
        order.apply(
            OrderPendingUpdate(
                trader_id=TRADER,
                strategy_id=STRATEGY,
                instrument_id=order.instrument_id,
                client_order_id=cid,
                account_id=self.account_id,
                ts_event=now,
                ts_init=now,
            )
        )
        return ModifyOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=order.instrument_id,
            command_id=f"m{now}",
            ts_init=now,
            client_order_id=cid,
            price=Price(price) if price is not None else None,
            quantity=Quantity(qty) if qty is not None else None,
        )

    def cancel(self, cid: ClientOrderId) -> CancelOrder:
        order = self.orders[cid]
        now = self._stamp()
        order.apply(
            OrderPendingCancel(
                trader_id=TRADER,
                strategy_id=STRATEGY,
                instrument_id=order.instrument_id,
                client_order_id=cid,
                account_id=self.account_id,
                ts_event=now,
                ts_init=now,
            )
        )
        return CancelOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=order.instrument_id,
            command_id=f"x{now}",
            ts_init=now,
            client_order_id=cid,
        )

    def kinds(self, cid: ClientOrderId) -> list[str]:
        return [type(e).__name__ for e in self.orders[cid].events[2:]]  # after init + submitted


def names(events: Iterable[object]) -> list[str]:
    return [type(e).__name__ for e in events]
