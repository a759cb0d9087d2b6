from __future__ import annotations

import pytest

from jts.core.errors import UnknownInstrumentError
from jts.domain.enums import OrderStatus
from jts.domain.identifiers import ClientOrderId
from jts.domain.orders import Order
from jts.domain.values import BTC, Money, Price, Quantity
from jts.ports.repositories import (
    OrderConflictError,
    OrderRepository,
    StaleSnapshotError,
    UnknownOrderError,
)
from jts.storage import Storage
from tests.contract.storage.builders import (
    OTHER_STRATEGY,
    T0,
    accepted,
    btc,
    canceled,
    eth_btc,
    filled,
    initialized,
    samsung,
    submitted,
    working_order,
)


@pytest.fixture
def stored(storage: Storage) -> Storage:
    for make in (samsung, btc, eth_btc):
        storage.instruments.add(make())
    return storage


def assert_same_order(a: Order, b: Order) -> None:
    assert a.events == b.events
    assert a.status is b.status
    assert str(a.quantity) == str(b.quantity)
    assert str(a.filled_qty) == str(b.filled_qty)
    assert a.avg_px == b.avg_px
    assert a.filled_notional == b.filled_notional
    assert a.commissions == b.commissions
    assert a.taxes == b.taxes
    assert a.venue_order_ids == b.venue_order_ids
    assert a.account_id == b.account_id
    assert a.trade_ids == b.trade_ids


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.orders, OrderRepository)


def test_new_order_round_trips(stored: Storage) -> None:
    order = Order(initialized(samsung()))
    stored.orders.save(order)
    assert_same_order(stored.orders.get(order.client_order_id), order)


def test_partly_filled_order_round_trips_exactly(stored: Storage) -> None:
    """8-decimal BTC-quoted prices, a 10**-8 quantity, money in BTC: nothing is rounded."""
    order = working_order(eth_btc(), quantity=Quantity("1.00000000"), price=Price("0.05000000"))
    order.apply(
        filled(
            order,
            Quantity("0.00000001"),
            Price("0.04999999"),
            currency=BTC,
            commission=Money("0.00000001", BTC),
        )
    )
    order.apply(
        filled(
            order,
            Quantity("0.30000000"),
            Price("0.05000000"),
            currency=BTC,
            commission=Money("0.00000015", BTC),
        )
    )
    assert order.status is OrderStatus.PARTIALLY_FILLED
    stored.orders.save(order)
    back = stored.orders.get(order.client_order_id)
    assert_same_order(back, order)
    assert str(back.price) == "0.05000000"


def test_saving_again_replaces_the_snapshot(stored: Storage) -> None:
    order = Order(initialized(samsung()))
    stored.orders.save(order)
    order.apply(submitted(order))
    order.apply(accepted(order, "0000123"))
    stored.orders.save(order)
    back = stored.orders.get(order.client_order_id)
    assert back.status is OrderStatus.ACCEPTED
    assert back.venue_order_id == "0000123"
    assert stored.orders.count() == 1


def test_same_snapshot_twice_is_harmless(stored: Storage) -> None:
    order = working_order(samsung())
    stored.orders.save(order)
    stored.orders.save(order)
    assert_same_order(stored.orders.get(order.client_order_id), order)


def test_older_snapshot_is_refused_and_the_newer_kept(stored: Storage) -> None:
    order = Order(initialized(samsung()))
    old = Order.rebuild(order.events)
    order.apply(submitted(order))
    stored.orders.save(order)
    with pytest.raises(StaleSnapshotError, match="2 events"):
        stored.orders.save(old)
    assert stored.orders.get(order.client_order_id).status is OrderStatus.SUBMITTED


def test_another_order_under_a_stored_id_is_refused(stored: Storage) -> None:
    first = Order(initialized(samsung(), order_id=ClientOrderId("O-SAME")))
    other = Order(initialized(btc(), order_id=ClientOrderId("O-SAME"), price=Price(90_000_000)))
    other.apply(submitted(other))
    stored.orders.save(first)
    with pytest.raises(OrderConflictError, match="O-SAME"):
        stored.orders.save(other)
    assert_same_order(stored.orders.get(ClientOrderId("O-SAME")), first)


def test_unknown_instrument_is_refused_and_nothing_stored(storage: Storage) -> None:
    order = Order(initialized(samsung()))  # instrument never stored
    with pytest.raises(UnknownInstrumentError, match=r"005930\.KRX"):
        storage.orders.save(order)
    assert storage.orders.count() == 0
    assert storage.orders.find(order.client_order_id) is None


def test_get_unknown_raises_and_find_returns_none(storage: Storage) -> None:
    with pytest.raises(UnknownOrderError, match="O-NOPE"):
        storage.orders.get(ClientOrderId("O-NOPE"))
    assert storage.orders.find(ClientOrderId("O-NOPE")) is None


def test_list_open_is_every_order_not_closed_oldest_first(stored: Storage) -> None:
    new = Order(initialized(samsung(), ts=T0 + 5))
    sent = Order(initialized(samsung(), ts=T0 + 1))
    sent.apply(submitted(sent))
    partly = working_order(samsung(), ts=T0 + 3)
    partly.apply(filled(partly, Quantity(3), Price(70_000)))
    done = working_order(samsung(), ts=T0)
    done.apply(filled(done, Quantity(10), Price(70_000)))
    gone = working_order(samsung(), ts=T0 + 2)
    gone.apply(canceled(gone))
    for order in (new, sent, partly, done, gone):
        stored.orders.save(order)
    assert done.status is OrderStatus.FILLED
    assert [o.client_order_id for o in stored.orders.list_open()] == [
        sent.client_order_id,
        partly.client_order_id,
        new.client_order_id,
    ]


def test_an_order_leaves_the_open_list_when_it_closes(stored: Storage) -> None:
    order = working_order(samsung())
    stored.orders.save(order)
    assert [o.client_order_id for o in stored.orders.list_open()] == [order.client_order_id]
    order.apply(canceled(order))
    stored.orders.save(order)
    assert stored.orders.list_open() == []


def test_list_by_strategy(stored: Storage) -> None:
    mine_open = working_order(samsung(), ts=T0 + 1)
    mine_done = working_order(samsung(), ts=T0)
    mine_done.apply(canceled(mine_done))
    theirs = working_order(samsung(), strategy=OTHER_STRATEGY)
    for order in (mine_open, mine_done, theirs):
        stored.orders.save(order)
    strategy = mine_open.strategy_id
    assert [o.client_order_id for o in stored.orders.list_by_strategy(strategy)] == [
        mine_done.client_order_id,
        mine_open.client_order_id,
    ]
    assert [
        o.client_order_id for o in stored.orders.list_by_strategy(strategy, open_only=True)
    ] == [mine_open.client_order_id]
    assert [o.client_order_id for o in stored.orders.list_by_strategy(OTHER_STRATEGY)] == [
        theirs.client_order_id
    ]


def test_event_counts_say_how_far_each_snapshot_is(stored: Storage) -> None:
    assert stored.orders.event_counts() == {}
    fresh = Order(initialized(samsung()))
    working = working_order(samsung())
    stored.orders.save(fresh)
    stored.orders.save(working)
    assert stored.orders.event_counts() == {
        fresh.client_order_id: 1,
        working.client_order_id: working.event_count,
    }
    fresh.apply(submitted(fresh))
    stored.orders.save(fresh)
    assert stored.orders.event_counts()[fresh.client_order_id] == 2
