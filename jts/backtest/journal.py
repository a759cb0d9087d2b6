"""`MemoryJournal`: the order event journal of a backtest, kept in memory.

A backtest runs the OMS exactly as a live node does, journal first: every order event is
appended before the venue or anyone else hears of it. Its orders live only as long as the run,
so the journal needs no database; it keeps every event with the sequence rules of
`jts.storage.repositories.journal.SqlOrderEventJournal` (a journal-wide sequence, and per order
an ``order_seq`` that must be the next one), so a bug that would corrupt a live journal fails a
backtest too. The events are the objects the orders already hold, so an event costs the
journal a reference and a small integer, not a copy.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

from jts.core.errors import InvalidInputError
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import ClientOrderId
from jts.ports.repositories import JournalRecord, JournalSequenceError

__all__ = ["MemoryJournal"]


class MemoryJournal:
    """Implements `jts.ports.repositories.OrderEventJournal` in memory."""

    __slots__ = ("_events", "_next", "_order_seqs")

    def __init__(self) -> None:
        self._events: list[OrderEvent] = []  # sequence n is at index n - 1
        self._order_seqs: array[int] = array("l")
        self._next: dict[ClientOrderId, int] = {}  # each order's next order_seq

    def __len__(self) -> int:
        return len(self._events)

    def append(self, event: OrderEvent, *, order_seq: int | None = None) -> int:
        if not isinstance(event, OrderEvent):
            raise InvalidInputError(f"the journal takes order events, got {type(event).__name__}")
        order_id = event.client_order_id
        expected = self._next.get(order_id, 1)
        if order_seq is not None and (type(order_seq) is not int or order_seq != expected):
            _refuse(event, order_seq, expected)
        self._next[order_id] = expected + 1
        self._events.append(event)
        self._order_seqs.append(expected)
        return len(self._events)

    def append_many(
        self, events: Sequence[OrderEvent], *, order_seqs: Sequence[int] | None = None
    ) -> list[int]:
        if order_seqs is not None and len(order_seqs) != len(events):
            raise InvalidInputError(
                f"append_many got {len(events)} events but {len(order_seqs)} order sequences"
            )
        # check everything first, then write: all or nothing (the OMS calls this once per order)
        planned: dict[ClientOrderId, int] = {}
        seqs: list[int] = []
        nexts = self._next
        for index, event in enumerate(events):
            if not isinstance(event, OrderEvent):
                raise InvalidInputError(
                    f"the journal takes order events, got {type(event).__name__}"
                )
            order_id = event.client_order_id
            expected = planned.get(order_id) or nexts.get(order_id, 1)
            if order_seqs is not None:
                wanted = order_seqs[index]
                if type(wanted) is not int or wanted != expected:
                    _refuse(event, wanted, expected)
            planned[order_id] = expected + 1
            seqs.append(expected)
        nexts.update(planned)
        start = len(self._events)
        self._events.extend(events)
        self._order_seqs.extend(seqs)
        return list(range(start + 1, start + 1 + len(events)))

    def events_for(self, client_order_id: ClientOrderId) -> list[OrderEvent]:
        """The order's events in ``order_seq`` order (a scan: this is for inspection)."""
        return [e for e in self._events if e.client_order_id == client_order_id]

    def replay(self, after_sequence: int = 0) -> Iterator[JournalRecord]:
        if type(after_sequence) is not int or after_sequence < 0:
            raise InvalidInputError(f"after_sequence must be an int >= 0, got {after_sequence!r}")
        for index in range(after_sequence, len(self._events)):
            yield JournalRecord(index + 1, self._order_seqs[index], self._events[index])

    def last_sequence(self) -> int:
        return len(self._events)


def _refuse(event: OrderEvent, requested: object, expected: int) -> None:
    if type(requested) is not int or requested < 1:
        raise InvalidInputError(f"order_seq must be an int >= 1, got {requested!r}")
    problem = "is already taken" if requested < expected else "skips ahead"
    raise JournalSequenceError(
        f"order {event.client_order_id}: {type(event).__name__} at order_seq {requested} "
        f"{problem}; the next sequence is {expected}; nothing was written"
    )
