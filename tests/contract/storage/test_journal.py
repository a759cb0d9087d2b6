from __future__ import annotations

import pytest

from jts.core.errors import InvalidInputError
from jts.domain.events_account import AccountState
from jts.domain.orders import Order
from jts.domain.values import Price, Quantity
from jts.ports.repositories import JournalRecord, JournalSequenceError, OrderEventJournal
from jts.storage import Storage
from jts.storage.engine import make_engine
from jts.storage.repositories import journal as journal_module
from tests.contract.storage.builders import (
    accepted,
    account_state,
    btc,
    canceled,
    filled,
    initialized,
    samsung,
    submitted,
)


def _history(instrument=None) -> Order:
    """An order with five events, each applied as the OMS would."""
    order = Order(initialized(instrument or samsung(), quantity=Quantity(10)))
    order.apply(submitted(order))
    order.apply(accepted(order))
    order.apply(filled(order, Quantity(4), Price(70_100)))
    order.apply(canceled(order))
    return order


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.journal, OrderEventJournal)


def test_append_returns_increasing_sequences_and_events_come_back_in_order(
    storage: Storage,
) -> None:
    order = _history()
    sequences = [storage.journal.append(event) for event in order.events]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == len(sequences)
    assert storage.journal.events_for(order.client_order_id) == list(order.events)
    assert storage.journal.last_sequence() == sequences[-1]


def test_rebuilding_from_the_journal_gives_the_same_order(storage: Storage) -> None:
    order = _history(btc())
    storage.journal.append_many(order.events)
    rebuilt = Order.rebuild(storage.journal.events_for(order.client_order_id))
    assert rebuilt.events == order.events
    assert rebuilt.status is order.status
    assert rebuilt.avg_px == order.avg_px


def test_unknown_order_has_no_events(storage: Storage) -> None:
    assert storage.journal.events_for(initialized(samsung()).client_order_id) == []
    assert storage.journal.last_sequence() == 0
    assert list(storage.journal.replay()) == []


def test_interleaved_orders_keep_their_own_order_sequence(storage: Storage) -> None:
    a, b = _history(), _history(btc())
    for event_a, event_b in zip(a.events, b.events, strict=True):
        storage.journal.append(event_a)
        storage.journal.append(event_b)
    assert storage.journal.events_for(a.client_order_id) == list(a.events)
    assert storage.journal.events_for(b.client_order_id) == list(b.events)
    records = list(storage.journal.replay())
    assert [r.event for r in records] == [
        e for pair in zip(a.events, b.events, strict=True) for e in pair
    ]
    assert [r.order_seq for r in records if r.event.client_order_id == a.client_order_id] == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_replay_after_a_sequence_resumes_exactly_there(storage: Storage) -> None:
    order = _history()
    sequences = storage.journal.append_many(order.events)
    tail = list(storage.journal.replay(after_sequence=sequences[1]))
    assert tail == [
        JournalRecord(seq, n, event)
        for seq, n, event in zip(sequences[2:], (3, 4, 5), order.events[2:], strict=True)
    ]
    assert list(storage.journal.replay(after_sequence=sequences[-1])) == []


def test_replay_streams_across_batches(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "REPLAY_BATCH", 2)
    orders = [_history(), _history(btc())]
    for order in orders:
        storage.journal.append_many(order.events)
    records = list(storage.journal.replay())
    assert len(records) == 10
    assert [r.sequence for r in records] == sorted(r.sequence for r in records)
    assert [r.event for r in records] == [*orders[0].events, *orders[1].events]


def test_explicit_order_seq_must_be_the_next_one(storage: Storage) -> None:
    order = _history()
    storage.journal.append(order.events[0], order_seq=1)
    storage.journal.append(order.events[1], order_seq=2)
    assert storage.journal.events_for(order.client_order_id) == list(order.events[:2])


def test_duplicate_order_seq_is_refused_and_the_journal_is_intact(storage: Storage) -> None:
    order = _history()
    storage.journal.append_many(order.events[:3])
    before = list(storage.journal.replay())
    with pytest.raises(JournalSequenceError, match="order_seq 2 is already taken"):
        storage.journal.append(order.events[3], order_seq=2)
    assert list(storage.journal.replay()) == before


def test_order_seq_that_skips_ahead_is_refused(storage: Storage) -> None:
    order = _history()
    storage.journal.append(order.events[0])
    with pytest.raises(JournalSequenceError, match="skips ahead"):
        storage.journal.append(order.events[1], order_seq=3)
    assert storage.journal.events_for(order.client_order_id) == [order.events[0]]


@pytest.mark.parametrize("bad", [0, -1, True, "2", 1.0], ids=repr)
def test_malformed_order_seq_is_refused(storage: Storage, bad: object) -> None:
    order = _history()
    with pytest.raises(InvalidInputError, match="order_seq"):
        storage.journal.append(order.events[0], order_seq=bad)  # type: ignore[arg-type]
    assert storage.journal.last_sequence() == 0


def test_append_many_is_all_or_nothing(storage: Storage) -> None:
    a, b = _history(), _history(btc())
    storage.journal.append(a.events[0])
    before = list(storage.journal.replay())
    batch = [*b.events[:3], a.events[1]]
    with pytest.raises(JournalSequenceError):
        # a's event 2 claims order_seq 1, which is taken: the whole batch must be refused
        storage.journal.append_many(batch, order_seqs=[1, 2, 3, 1])
    assert list(storage.journal.replay()) == before
    assert storage.journal.events_for(b.client_order_id) == []


def test_append_many_with_sequences_for_several_orders(storage: Storage) -> None:
    a, b = _history(), _history(btc())
    sequences = storage.journal.append_many(
        [a.events[0], b.events[0], a.events[1], b.events[1]], order_seqs=[1, 1, 2, 2]
    )
    assert sequences == sorted(sequences)
    assert storage.journal.events_for(a.client_order_id) == list(a.events[:2])
    assert storage.journal.events_for(b.client_order_id) == list(b.events[:2])


def test_append_many_checks_its_arguments(storage: Storage) -> None:
    order = _history()
    with pytest.raises(InvalidInputError, match="2 events but 1"):
        storage.journal.append_many(order.events[:2], order_seqs=[1])
    state: AccountState = account_state()
    with pytest.raises(InvalidInputError, match="AccountState"):
        storage.journal.append_many([order.events[0], state])  # type: ignore[list-item]
    assert storage.journal.append_many([]) == []
    assert storage.journal.last_sequence() == 0


def test_replay_refuses_a_negative_start(storage: Storage) -> None:
    with pytest.raises(InvalidInputError, match="after_sequence"):
        list(storage.journal.replay(-1))


def test_two_storages_on_one_database_cannot_double_an_order_seq(storage_url: str) -> None:
    order = _history()
    first = Storage.open(storage_url, migrate=False)
    second = Storage.open(storage_url, migrate=False)
    try:
        first.journal.append(order.events[0])
        second.journal.append(order.events[1])  # sees the first writer's event: order_seq 2
        with pytest.raises(JournalSequenceError):
            first.journal.append(order.events[2], order_seq=2)
        assert [r.order_seq for r in first.journal.replay()] == [1, 2]
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_racing_writer_is_refused_by_the_database(postgres_url: str) -> None:
    """Two writers that both read "next order_seq is 1" before either commits: the unique
    constraint refuses the second, which gets a typed error and writes nothing."""
    import threading
    import time

    from tests.contract.storage.backends import pg_schema

    order = _history()
    with pg_schema(postgres_url) as url:
        first = Storage.open(url)
        second = Storage.open(url, migrate=False)
        outcome: list[BaseException | int] = []

        def racing_append() -> None:
            try:
                outcome.append(second.journal.append(order.events[0]))
            except BaseException as exc:  # the assertion below names what happened
                outcome.append(exc)

        try:
            with first.transaction():
                first.journal.append(order.events[0])
                racer = threading.Thread(target=racing_append)
                racer.start()
                deadline = time.monotonic() + 10
                with first.engine.connect() as probe:  # wait until the racer blocks on our row
                    while time.monotonic() < deadline:
                        waiting = probe.exec_driver_sql(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database()"
                        ).scalar()
                        if waiting:
                            break
                        time.sleep(0.01)
                    else:
                        pytest.fail("the second writer never blocked on the first one's insert")
            racer.join(10)
            assert len(outcome) == 1
            assert isinstance(outcome[0], JournalSequenceError), outcome
            assert [r.order_seq for r in first.journal.replay()] == [1]
        finally:
            first.close()
            second.close()


def test_a_writer_that_fell_behind_is_refused_then_catches_up(storage_url: str) -> None:
    """The next order_seq is remembered, not read per append: a second writer makes it stale,
    the unique constraint refuses the append, and the journal re-reads and says so."""
    order = _history()
    first = Storage.open(storage_url, migrate=False)
    second = Storage.open(storage_url, migrate=False)
    try:
        first.journal.append(order.events[0])
        second.journal.append(order.events[1])
        with pytest.raises(JournalSequenceError, match="holds it up to order_seq 2"):
            first.journal.append(order.events[2])
        assert [r.order_seq for r in first.journal.replay()] == [1, 2]
        first.journal.append(order.events[2])
        first.journal.append(order.events[3], order_seq=4)
        assert first.journal.events_for(order.client_order_id) == list(order.events[:4])
    finally:
        first.close()
        second.close()


def test_a_new_journal_refuses_order_seq_1_of_a_journaled_order(storage_url: str) -> None:
    order = _history()
    with Storage.open(storage_url, migrate=False) as before:
        before.journal.append_many(order.events[:2])
    with Storage.open(storage_url, migrate=False) as after:
        with pytest.raises(JournalSequenceError, match="order_seq 1"):
            after.journal.append(order.events[0], order_seq=1)
        assert after.journal.events_for(order.client_order_id) == list(order.events[:2])


def test_a_new_journal_continues_an_order_from_the_database(storage_url: str) -> None:
    order = _history()
    with Storage.open(storage_url, migrate=False) as before:
        before.journal.append_many(order.events[:2])
    with Storage.open(storage_url, migrate=False) as after:
        with pytest.raises(JournalSequenceError, match="skips ahead"):
            after.journal.append(order.events[2], order_seq=4)
        after.journal.append(order.events[2], order_seq=3)
        after.journal.append(order.events[3])
        records = list(after.journal.replay())
    assert [r.order_seq for r in records] == [1, 2, 3, 4]
    assert [r.event for r in records] == list(order.events[:4])


def test_appends_after_a_unit_of_work_follow_what_it_committed(storage: Storage) -> None:
    rolled_back, committed = _history(), _history(btc())

    def journal_then_abort() -> None:
        with storage.transaction():
            storage.journal.append_many(rolled_back.events[:2])
            raise RuntimeError("abort the unit of work")

    with pytest.raises(RuntimeError):
        journal_then_abort()
    storage.journal.append(rolled_back.events[0], order_seq=1)
    with storage.transaction():
        storage.journal.append_many(committed.events[:2])
    storage.journal.append(committed.events[2], order_seq=3)
    assert storage.journal.events_for(rolled_back.client_order_id) == [rolled_back.events[0]]
    assert storage.journal.events_for(committed.client_order_id) == list(committed.events[:3])


def test_forgetting_remembered_orders_keeps_sequences_right(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "MAX_TRACKED_ORDERS", 1)
    a, b = _history(), _history(btc())
    for event_a, event_b in zip(a.events, b.events, strict=True):
        storage.journal.append(event_a)
        storage.journal.append(event_b)
    with pytest.raises(JournalSequenceError, match="already taken"):
        storage.journal.append(a.events[4], order_seq=5)
    assert [r.order_seq for r in storage.journal.replay()] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_closing_gives_the_journals_connection_back(storage_url: str) -> None:
    engine = make_engine(storage_url)
    try:
        shared = Storage(engine)  # does not own the engine: close must still release it
        shared.journal.append(_history().events[0])
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
        shared.close()
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert Storage(engine).journal.last_sequence() > 0
    finally:
        engine.dispose()
