"""The backtest's in-memory order event journal: the journal port's rules, and a run that
journals every event of every order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jts.backtest.data import BarFeed, generate_bars, write_bars
from jts.backtest.engine import BacktestConfig
from jts.backtest.journal import MemoryJournal
from jts.backtest.runner import build_engine, load_strategy
from jts.core.errors import InvalidInputError
from jts.domain.events_account import AccountState
from jts.domain.instruments import Market, krx_equity
from jts.domain.orders import Order
from jts.domain.values import Price, Quantity
from jts.ports.repositories import JournalRecord, JournalSequenceError, OrderEventJournal
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

from .data.calendar_fake import FakeKrxCalendar

EXAMPLE = Path(__file__).parents[3] / "examples" / "strategies" / "sma_cross.py"


def _history(instrument=None) -> Order:  # type: ignore[no-untyped-def]
    """An order with five events, each applied as the OMS would."""
    order = Order(initialized(instrument or samsung(), quantity=Quantity(10)))
    order.apply(submitted(order))
    order.apply(accepted(order))
    order.apply(filled(order, Quantity(4), Price(70_100)))
    order.apply(canceled(order))
    return order


def test_satisfies_the_port_and_keeps_events_in_order() -> None:
    journal = MemoryJournal()
    assert isinstance(journal, OrderEventJournal)
    order = _history()
    assert [journal.append(event) for event in order.events] == [1, 2, 3, 4, 5]
    assert journal.events_for(order.client_order_id) == list(order.events)
    assert journal.last_sequence() == len(journal) == 5
    rebuilt = Order.rebuild(journal.events_for(order.client_order_id))
    assert rebuilt.status is order.status
    assert rebuilt.avg_px == order.avg_px


def test_interleaved_orders_keep_their_own_sequence_and_replay_resumes() -> None:
    journal = MemoryJournal()
    a, b = _history(), _history(btc())
    for event_a, event_b in zip(a.events, b.events, strict=True):
        journal.append(event_a)
        journal.append(event_b)
    records = list(journal.replay())
    assert [r.sequence for r in records] == list(range(1, 11))
    assert [r.order_seq for r in records if r.event.client_order_id == a.client_order_id] == [
        1, 2, 3, 4, 5,
    ]  # fmt: skip
    assert list(journal.replay(after_sequence=8)) == [
        JournalRecord(9, 5, a.events[4]),
        JournalRecord(10, 5, b.events[4]),
    ]
    with pytest.raises(InvalidInputError, match="after_sequence"):
        list(journal.replay(-1))


def test_a_taken_or_skipped_sequence_is_refused_and_changes_nothing() -> None:
    journal = MemoryJournal()
    order = _history()
    journal.append(order.events[0], order_seq=1)
    journal.append(order.events[1], order_seq=2)
    with pytest.raises(JournalSequenceError, match="order_seq 2 is already taken"):
        journal.append(order.events[2], order_seq=2)
    with pytest.raises(JournalSequenceError, match="skips ahead"):
        journal.append(order.events[2], order_seq=4)
    assert journal.events_for(order.client_order_id) == list(order.events[:2])
    assert journal.last_sequence() == 2


@pytest.mark.parametrize("bad", [0, -1, True, "2", 1.0], ids=repr)
def test_malformed_order_seq_is_refused(bad: object) -> None:
    journal = MemoryJournal()
    with pytest.raises(InvalidInputError, match="order_seq"):
        journal.append(_history().events[0], order_seq=bad)  # type: ignore[arg-type]
    assert journal.last_sequence() == 0


def test_append_many_is_all_or_nothing() -> None:
    journal = MemoryJournal()
    a, b = _history(), _history(btc())
    journal.append(a.events[0])
    with pytest.raises(JournalSequenceError):
        journal.append_many([*b.events[:3], a.events[1]], order_seqs=[1, 2, 3, 1])
    assert journal.last_sequence() == 1
    assert journal.append_many([a.events[1], b.events[0], b.events[1]], order_seqs=[2, 1, 2]) == [
        2,
        3,
        4,
    ]
    with pytest.raises(InvalidInputError, match="2 events but 1"):
        journal.append_many(a.events[2:4], order_seqs=[3])
    state: AccountState = account_state()
    with pytest.raises(InvalidInputError, match="AccountState"):
        journal.append_many([a.events[2], state])  # type: ignore[list-item]
    assert journal.last_sequence() == 4


def test_a_backtest_journals_every_event_of_every_order(tmp_path: Path) -> None:
    calendar = FakeKrxCalendar()
    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=5, seed=7, calendar=calendar
    )
    write_bars(table, tmp_path / "bars.parquet")
    config = BacktestConfig(commission=Decimal(0), tax=Decimal(0))
    engine = build_engine(
        config, [krx_equity("005930", "Samsung", Market.KOSPI)], calendar=calendar
    )
    engine.add_strategy(load_strategy(str(EXAMPLE), {"fast": 10, "slow": 30, "quantity": 10}))
    feed = BarFeed(tmp_path / "bars.parquet", instruments=engine.kernel.cache.instruments())
    result = engine.run(feed.iter_bars())
    orders = result.orders
    assert len(result.fills) > 5
    assert engine.journal.last_sequence() == sum(o.event_count for o in orders)
    for order in orders:
        rebuilt = Order.rebuild(engine.journal.events_for(order.client_order_id))
        assert rebuilt.events == order.events
        assert rebuilt.status is order.status


def test_initialized_and_submitted_are_journaled_together_before_anyone_hears(
    tmp_path: Path,
) -> None:
    """One commit per order, and nothing heard that is not durable: when a listener hears an
    order's `OrderInitialized`, the journal already holds it and its `OrderSubmitted`."""
    calendar = FakeKrxCalendar()
    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=2, seed=7, calendar=calendar
    )
    write_bars(table, tmp_path / "bars.parquet")
    engine = build_engine(
        BacktestConfig(commission=Decimal(0), tax=Decimal(0)),
        [krx_equity("005930", "Samsung", Market.KOSPI)],
        calendar=calendar,
    )
    engine.add_strategy(load_strategy(str(EXAMPLE), {"fast": 10, "slow": 30, "quantity": 10}))
    journal = engine.journal
    batches: list[int] = []

    class CountingJournal:
        """The engine's journal, counting the events of each write."""

        def append(self, event, *, order_seq=None):  # type: ignore[no-untyped-def]
            batches.append(1)
            return journal.append(event, order_seq=order_seq)

        def append_many(self, events, *, order_seqs=None):  # type: ignore[no-untyped-def]
            batches.append(len(events))
            return journal.append_many(events, order_seqs=order_seqs)

    engine.kernel.execution._journal = CountingJournal()  # type: ignore[assignment]
    heard: list[tuple[str, list[str]]] = []

    def listener(order: Order, event: object) -> None:
        if type(event).__name__ == "OrderInitialized":
            held = journal.events_for(order.client_order_id)
            heard.append((order.status.name, [type(e).__name__ for e in held]))

    engine.kernel.execution.add_listener(listener)
    feed = BarFeed(tmp_path / "bars.parquet", instruments=engine.kernel.cache.instruments())
    result = engine.run(feed.iter_bars())
    assert len(result.orders) > 2
    # one write per order, holding both events; fills and the rest come one by one
    assert batches.count(2) == len(result.orders)
    assert set(batches) == {1, 2}
    # the order is still INITIALIZED for whoever hears its first event
    assert heard == [("INITIALIZED", ["OrderInitialized", "OrderSubmitted"])] * len(result.orders)
