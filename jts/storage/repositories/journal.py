"""The order event journal in ``order_events``: append-only, ordered twice over.

``seq`` (journal-wide) is assigned by the database and only grows; ``order_seq`` (per order) is
checked here against the order's next sequence and guarded by a unique constraint, so an event
can neither be journaled twice nor land after a gap, even with two writers. The table refuses
UPDATE and DELETE (triggers created by the migration).

An append is on the OMS's path to the venue, so it reads nothing: the next ``order_seq`` of
each order is remembered from the journal's own appends (read from the database once, for an
order it has not seen, unless the event is the order's first). Another writer can make that
memory stale; the unique constraint then refuses the append, the memory is re-read and the
error says what the journal holds. The INSERT itself runs on a connection the journal holds
(`jts.storage.repositories.journal_writer`); inside a unit of work (`Storage.transaction`) an
append joins it on the pooled connection instead, reading the sequence as before.

One writer at a time is assumed for `replay` to see a gap-free sequence: on PostgreSQL a
sequence value is taken at insert and two concurrent transactions may commit out of order, so
a reader between the two commits could see seq 6 before seq 5 exists. The kernel is the single
writer of its journal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any, Final

import sqlalchemy as sa

from jts.core.errors import InvalidInputError
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import ClientOrderId
from jts.ports.repositories import JournalRecord, JournalSequenceError
from jts.storage.mappers.events import JsonCodec, event_from_text, event_to_text
from jts.storage.repositories.dialects import Violation, violation
from jts.storage.repositories.journal_writer import JournalRow, JournalWriter
from jts.storage.repositories.scope import Scope
from jts.storage.tables import order_events

#: Rows read per round trip while replaying: bounded memory for a journal of any length.
REPLAY_BATCH: Final = 1000
#: Orders whose next order_seq is remembered; past it the memory is dropped and re-read.
MAX_TRACKED_ORDERS: Final = 100_000


class SqlOrderEventJournal:
    def __init__(self, scope: Scope, codec: JsonCodec) -> None:
        self._scope = scope
        self._codec = codec
        self._writer = JournalWriter(scope.engine)
        # Next order_seq of each order this journal wrote or looked up: the append path reads
        # nothing. Stale only if another process writes the same order, which the unique
        # constraint refuses (and the entry is dropped and re-read).
        self._next_seq: dict[str, int] = {}
        self._seq_lock = threading.Lock()

    def append(self, event: OrderEvent, *, order_seq: int | None = None) -> int:
        return self.append_many((event,), order_seqs=None if order_seq is None else (order_seq,))[0]

    def append_many(
        self, events: Sequence[OrderEvent], *, order_seqs: Sequence[int] | None = None
    ) -> list[int]:
        if order_seqs is not None and len(order_seqs) != len(events):
            raise InvalidInputError(
                f"append_many got {len(events)} events but {len(order_seqs)} order sequences"
            )
        for event in events:
            if not isinstance(event, OrderEvent):
                raise InvalidInputError(
                    f"the journal takes order events, got {type(event).__name__}"
                )
        wanted = list(order_seqs) if order_seqs is not None else [None] * len(events)
        for requested in wanted:
            if requested is not None and (type(requested) is not int or requested < 1):
                raise InvalidInputError(f"order_seq must be an int >= 1, got {requested!r}")
        if not events:
            return []
        # Encode before touching the database: an event the codec refuses writes nothing.
        payloads = [event_to_text(self._codec, e) for e in events]
        if self._scope.in_transaction():
            return self._append_in_unit_of_work(events, wanted, payloads)
        with self._seq_lock:
            return self._append_alone(events, wanted, payloads)

    def close(self) -> None:
        """Release the connection appends run on (`Storage.close` calls it)."""
        self._writer.close()

    # ---- the append path: one INSERT and its commit ----------------------------------------
    def _append_alone(
        self,
        events: Sequence[OrderEvent],
        wanted: Sequence[int | None],
        payloads: Sequence[str],
    ) -> list[int]:
        orders = {str(e.client_order_id) for e in events}
        planned = self._plan(events, wanted)
        rows = [
            JournalRow(
                str(event.client_order_id),
                n,
                type(event).__name__,
                event.ts_event,
                event.ts_init,
                payload,
            )
            for event, n, payload in zip(events, planned, payloads, strict=True)
        ]
        try:
            sequences = self._writer.insert(rows)
        except sa.exc.IntegrityError as exc:
            for order_id in orders:
                self._next_seq.pop(order_id, None)
            if violation(exc) is Violation.UNIQUE:
                try:
                    detail = self._taken(rows)
                except sa.exc.DBAPIError:
                    detail = (
                        "another writer journaled an event of the same order at the same "
                        f"sequence ({_describe(events)}); nothing was written"
                    )
                raise JournalSequenceError(detail) from None
            raise
        except BaseException:
            for order_id in orders:
                self._next_seq.pop(order_id, None)
            raise
        if len(self._next_seq) + len(orders) > MAX_TRACKED_ORDERS:
            self._next_seq.clear()  # re-read on next use: bounded memory on a long-lived node
        for row in rows:
            self._next_seq[row.client_order_id] = row.order_seq + 1
        return sequences

    def _plan(self, events: Sequence[OrderEvent], wanted: Sequence[int | None]) -> list[int]:
        """The order_seq of each event; `JournalSequenceError` (nothing written) for a requested
        one that is not the next."""
        next_seq: dict[str, int] = {}
        planned = []
        for event, requested in zip(events, wanted, strict=True):
            order_id = str(event.client_order_id)
            if order_id not in next_seq:
                next_seq[order_id] = self._first_seq(order_id, requested)
            expected = next_seq[order_id]
            if requested is not None and requested != expected:
                problem = "is already taken" if requested < expected else "skips ahead"
                raise JournalSequenceError(
                    f"order {order_id}: {type(event).__name__} at order_seq {requested} {problem}; "
                    f"the next sequence is {expected}; nothing was written"
                )
            planned.append(expected)
            next_seq[order_id] = expected + 1
        return planned

    def _first_seq(self, order_id: str, requested: int | None) -> int:
        """The next order_seq of an order, read from the database only when this journal has not
        seen the order (an ``order_seq`` of 1 needs no read: the unique constraint refuses it if
        taken) or remembers another number than the one asked for (another writer's work)."""
        known = self._next_seq.get(order_id)
        if known is None:
            return 1 if requested == 1 else self._read_next(order_id)
        if requested is not None and requested != known:
            return self._read_next(order_id)
        return known

    def _read_next(self, order_id: str) -> int:
        with self._scope.read() as conn:
            last = conn.execute(
                sa.select(sa.func.max(order_events.c.order_seq)).where(
                    order_events.c.client_order_id == order_id
                )
            ).scalar_one()
        self._next_seq[order_id] = (last or 0) + 1
        return self._next_seq[order_id]

    def _taken(self, rows: Sequence[JournalRow]) -> str:
        """What the unique constraint refused, with the journal as it is now."""
        shown = []
        for order_id in sorted({r.client_order_id for r in rows})[:3]:
            claimed = [r.order_seq for r in rows if r.client_order_id == order_id]
            now = self._read_next(order_id) - 1
            shown.append(
                f"order {order_id} at order_seq {', '.join(map(str, claimed))} "
                f"(the journal holds it up to order_seq {now})"
            )
        return (
            "another writer journaled an event of the same order at the same sequence: "
            f"{'; '.join(shown)}; nothing was written"
        )

    # ---- inside a unit of work: the pooled connection, rolled back with it -----------------
    def _append_in_unit_of_work(
        self,
        events: Sequence[OrderEvent],
        wanted: Sequence[int | None],
        payloads: Sequence[str],
    ) -> list[int]:
        with self._seq_lock:
            # the unit of work may still roll back: forget these orders, re-read on next use
            for event in events:
                self._next_seq.pop(str(event.client_order_id), None)
        try:
            with self._scope.write() as conn:
                rows = self._rows(conn, events, wanted, payloads)
                result = conn.execute(
                    order_events.insert().returning(
                        order_events.c.seq, sort_by_parameter_order=True
                    ),
                    rows,
                )
                return [int(seq) for seq in result.scalars().all()]
        except sa.exc.IntegrityError as exc:
            if violation(exc) is Violation.UNIQUE:
                raise JournalSequenceError(
                    "another writer journaled an event of the same order at the same sequence "
                    f"({_describe(events)}); nothing was written"
                ) from None
            raise

    def _rows(
        self,
        conn: sa.Connection,
        events: Sequence[OrderEvent],
        wanted: Sequence[int | None],
        payloads: Sequence[str],
    ) -> list[dict[str, Any]]:
        next_seq: dict[ClientOrderId, int] = {}
        rows = []
        for event, requested, payload in zip(events, wanted, payloads, strict=True):
            order_id = event.client_order_id
            if order_id not in next_seq:
                last = conn.execute(
                    sa.select(sa.func.max(order_events.c.order_seq)).where(
                        order_events.c.client_order_id == order_id
                    )
                ).scalar_one()
                next_seq[order_id] = (last or 0) + 1
            expected = next_seq[order_id]
            if requested is not None and (type(requested) is not int or requested < 1):
                raise InvalidInputError(f"order_seq must be an int >= 1, got {requested!r}")
            if requested is not None and requested != expected:
                problem = "is already taken" if requested < expected else "skips ahead"
                raise JournalSequenceError(
                    f"order {order_id}: {type(event).__name__} at order_seq {requested} {problem}; "
                    f"the next sequence is {expected}; nothing was written"
                )
            next_seq[order_id] = expected + 1
            rows.append(
                {
                    "client_order_id": str(order_id),
                    "order_seq": expected,
                    "event_type": type(event).__name__,
                    "ts_event": event.ts_event,
                    "ts_init": event.ts_init,
                    "payload": payload,
                }
            )
        return rows

    def events_for(self, client_order_id: ClientOrderId) -> list[OrderEvent]:
        query = (
            sa.select(order_events.c.payload)
            .where(order_events.c.client_order_id == client_order_id)
            .order_by(order_events.c.order_seq)
        )
        with self._scope.read() as conn:
            payloads = conn.execute(query).scalars().all()
        return [event_from_text(self._codec, text) for text in payloads]

    def replay(self, after_sequence: int = 0) -> Iterator[JournalRecord]:
        if type(after_sequence) is not int or after_sequence < 0:
            raise InvalidInputError(f"after_sequence must be an int >= 0, got {after_sequence!r}")
        cursor = after_sequence
        while True:
            query = (
                sa.select(order_events.c.seq, order_events.c.order_seq, order_events.c.payload)
                .where(order_events.c.seq > cursor)
                .order_by(order_events.c.seq)
                .limit(REPLAY_BATCH)
            )
            with self._scope.read() as conn:
                batch = conn.execute(query).all()
            for seq, order_seq, payload in batch:
                yield JournalRecord(int(seq), int(order_seq), event_from_text(self._codec, payload))
            if len(batch) < REPLAY_BATCH:
                return
            cursor = int(batch[-1][0])

    def last_sequence(self) -> int:
        with self._scope.read() as conn:
            last = conn.execute(sa.select(sa.func.max(order_events.c.seq))).scalar_one()
        return int(last or 0)


def _describe(events: Sequence[OrderEvent]) -> str:
    ids = sorted({str(e.client_order_id) for e in events})
    shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return f"order {shown}"
