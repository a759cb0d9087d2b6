"""The longest identifiers the domain allows, with every awkward printable character, are
stored and read back unchanged by every repository (PostgreSQL enforces column lengths)."""

from __future__ import annotations

from jts.domain.enums import LiquiditySide, OrderSide, OrderType
from jts.domain.events_order import OrderAccepted, OrderFilled, OrderInitialized, OrderSubmitted
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.instruments import upbit_spot
from jts.domain.orders import Order
from jts.domain.positions import Position
from jts.domain.values import KRW, Money, Price, Quantity
from jts.storage import Storage
from tests.contract.storage.builders import T0, account_state

TRADER = TraderId("T" + "a" * 31 + "-" + "b" * 32)  # 65 characters
STRATEGY = StrategyId("S" + "a" * 63 + "-" + "b" * 32)  # 97
ACCOUNT = AccountId("A" + "B" * 15 + "-" + "c" * 64)  # 81
ORDER = ClientOrderId(("O-'\";%_\\`$(){}[]<>|&*?!#@~^+=,:" * 3)[:64])  # 64, printable ASCII
VENUE_ORDER = VenueOrderId("V" * 64)
TRADE = TradeId(("T'\"%\\" * 13)[:64])
POSITION = PositionId("P" * 128)


def test_longest_ids_round_trip_everywhere(storage: Storage) -> None:
    instrument = upbit_spot("KRW-" + "Q" * 15)  # the longest base currency code
    storage.instruments.add(instrument)
    assert storage.instruments.get(instrument.id) == instrument

    ids = {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": instrument.id,
        "client_order_id": ORDER,
    }
    order = Order(
        OrderInitialized(
            **ids,
            side=OrderSide.BUY,
            order_type=OrderType.LIMIT,
            quantity=Quantity(1),
            price=Price(10_000),
            ts_event=T0,
            ts_init=T0,
        )
    )
    order.apply(OrderSubmitted(**ids, account_id=ACCOUNT, ts_event=T0 + 1, ts_init=T0 + 1))
    order.apply(
        OrderAccepted(
            **ids, account_id=ACCOUNT, venue_order_id=VENUE_ORDER, ts_event=T0 + 2, ts_init=T0 + 2
        )
    )
    fill = OrderFilled(
        **ids,
        account_id=ACCOUNT,
        venue_order_id=VENUE_ORDER,
        trade_id=TRADE,
        order_side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        last_qty=Quantity(1),
        last_px=Price(10_000),
        currency=KRW,
        commission=Money(5, KRW),
        tax=Money(0, KRW),
        liquidity_side=LiquiditySide.MAKER,
        position_id=POSITION,
        ts_event=T0 + 3,
        ts_init=T0 + 3,
    )
    order.apply(fill)

    storage.journal.append_many(order.events)
    assert storage.journal.events_for(ORDER) == list(order.events)
    storage.orders.save(order)
    assert storage.orders.get(ORDER).events == order.events
    assert [o.client_order_id for o in storage.orders.list_by_strategy(STRATEGY)] == [ORDER]
    storage.fills.add(fill)
    assert storage.fills.for_order(ORDER) == [fill]

    position = Position(
        instrument.id, STRATEGY, TRADER, KRW, account_id=ACCOUNT, position_id=POSITION
    )
    position.apply(fill)
    storage.positions.save(position)
    back = storage.positions.get(POSITION)
    assert back.trade_ids == {TRADE}
    assert back.signed_qty == position.signed_qty

    state = account_state(ACCOUNT)
    storage.accounts.save(state)
    assert storage.accounts.get(ACCOUNT) == state
