from __future__ import annotations

import threading

import pytest

from jts.core.errors import DuplicateFillError, UnknownInstrumentError
from jts.domain.orders import Order
from jts.domain.values import Price, Quantity
from jts.ports.repositories import UnitOfWork
from jts.storage import Storage
from tests.contract.storage.builders import T0, btc, filled, initialized, samsung, working_order


class BoomError(Exception):
    pass


@pytest.fixture
def stored(storage: Storage) -> Storage:
    storage.instruments.add(samsung())
    return storage


def _fill_an_order(storage: Storage) -> Order:
    """The OMS on a fill: journal the event, save the snapshot, record the fill."""
    order = working_order(samsung())
    fill = filled(order, Quantity(4), Price(70_000))
    order.apply(fill)
    storage.journal.append_many(order.events)
    storage.orders.save(order)
    storage.fills.add(fill)
    return order


def _nothing_stored(storage: Storage) -> None:
    assert storage.journal.last_sequence() == 0
    assert storage.orders.count() == 0
    assert storage.fills.count() == 0


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage, UnitOfWork)


def test_a_unit_of_work_commits_everything_together(stored: Storage) -> None:
    with stored.transaction():
        order = _fill_an_order(stored)
    assert stored.journal.events_for(order.client_order_id) == list(order.events)
    assert stored.orders.get(order.client_order_id).events == order.events
    assert stored.fills.count() == 1


def test_a_unit_of_work_that_raises_leaves_nothing(stored: Storage) -> None:
    def crash_after_the_writes() -> None:
        with stored.transaction():
            _fill_an_order(stored)
            raise BoomError

    with pytest.raises(BoomError):
        crash_after_the_writes()
    _nothing_stored(stored)


def test_bad_input_inside_a_unit_of_work_rolls_all_of_it_back(storage: Storage) -> None:
    """The OMS writes the journal, then the snapshot fails (unknown instrument): the journal
    entry written a moment before is gone too."""
    order = Order(initialized(samsung()))

    def journal_then_save() -> None:
        with storage.transaction():
            storage.journal.append_many(order.events)
            assert storage.journal.last_sequence() > 0
            storage.orders.save(order)

    with pytest.raises(UnknownInstrumentError):
        journal_then_save()
    _nothing_stored(storage)


def test_a_refused_write_inside_is_undone_alone(stored: Storage) -> None:
    with stored.transaction():
        order = _fill_an_order(stored)
        again = filled(order, Quantity(1), Price(70_000), trade_id=str(order.trade_ids[0]))
        with pytest.raises(DuplicateFillError):
            stored.fills.add(again)
        stored.audit.record(
            "oms", "duplicate_fill_ignored", {"trade": str(again.trade_id)}, ts_ns=T0
        )
    assert stored.fills.count() == 1
    assert stored.orders.count() == 1
    assert [e.action for e in stored.audit.entries()] == ["duplicate_fill_ignored"]


def test_nested_blocks_join_the_outer_unit(stored: Storage) -> None:
    inside: list[int] = []

    def nested_then_crash() -> None:
        with stored.transaction():
            with stored.transaction():
                stored.instruments.add(btc())
            inside.append(stored.instruments.count())
            raise BoomError

    with pytest.raises(BoomError):
        nested_then_crash()
    assert inside == [2]  # visible inside the unit
    assert stored.instruments.count() == 1  # the inner block did not commit on its own


def test_uncommitted_work_is_invisible_to_other_connections(stored: Storage) -> None:
    other = Storage.open(
        str(stored.engine.url.render_as_string(hide_password=False)), migrate=False
    )
    try:
        with stored.transaction():
            stored.audit.record("me", "inside", {}, ts_ns=T0)
            assert other.audit.entries() == []
        assert [e.action for e in other.audit.entries()] == ["inside"]
    finally:
        other.close()


def test_another_thread_does_not_join_this_threads_unit_of_work(stored: Storage) -> None:
    seen: list[int] = []
    with stored.transaction():
        stored.audit.record("me", "inside", {}, ts_ns=T0)
        reader = threading.Thread(target=lambda: seen.append(len(stored.audit.entries())))
        reader.start()
        reader.join(10)
    assert seen == [0]
    assert len(stored.audit.entries()) == 1
