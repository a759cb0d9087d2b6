"""Repository ports: what the kernel and the services need from persistent storage.

The kernel codes against these protocols; `jts.storage` implements them with SQLAlchemy on
SQLite and PostgreSQL, and the contract suite (``tests/contract/storage``) runs one set of tests
against every implementation. Repositories take and return domain objects only; how rows look
is the implementation's business.

Transactions
    Every method is atomic by itself: it either happens completely or not at all, and a refused
    call (an error below) leaves stored state exactly as it was. `UnitOfWork.transaction` groups
    calls across repositories into one atomic unit (the OMS journals an event, saves the order
    snapshot and records the fill together). A call refused inside a unit of work is undone
    alone; the unit of work stays usable.

Threading
    The API is synchronous, like the single-threaded kernel that uses it. An implementation may
    be shared between threads, but a unit of work belongs to the thread (or asyncio task) that
    opened it.

Errors (all `jts.core.errors` subclasses, so callers need not import the implementation)
    - `UnknownInstrumentError`: an instrument id nobody stored, on lookup or as a reference
      from an order, fill or position.
    - `UnknownOrderError`, `UnknownPositionError`, `UnknownAccountError`,
      `UnknownSnapshotError`: lookups of ids never stored.
    - `DuplicateInstrumentError`: `add` of an instrument id already stored.
    - `DuplicateFillError`: a fill whose trade id this order already has; never doubled.
    - `JournalSequenceError`: a per-order journal sequence already taken or skipping ahead.
    - `StaleSnapshotError`: an order snapshot older than the stored one, or a daily snapshot
      taken before the one stored for its account and day.
    - `OrderConflictError`: a different order under a client order id already stored.
    - `StateError` (plain): a position saved before its fills, a second position id for one
      instrument and strategy, or stored data that no longer adds up (a position that does not
      match its fills, balances that break their invariants) when read back.
    - `InvalidInputError`: malformed arguments (audit details that are not JSON, a position
      without fills, a negative sequence).

Currencies
    Stored money names its currency by code, and reading it back needs that currency registered
    in the process (`Currency.register`), exactly as decoding a message does. The fiat and major
    crypto currencies are registered by `jts.domain.values`; a coin first seen through
    `upbit_spot` is registered when the instrument is built, so a node loads its instruments
    (`InstrumentRepository.list_all`) before reading fills or balances in such coins.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, TypeAlias, runtime_checkable

from jts.core.errors import CurrencyMismatchError, InvalidInputError, JtsError, StateError
from jts.domain.events_account import AccountState
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    Venue,
)
from jts.domain.instruments import Instrument
from jts.domain.orders import Order
from jts.domain.positions import Position
from jts.domain.values import Currency, Money

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


class NotFoundError(JtsError, KeyError):
    """A lookup of an id that was never stored."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "not found"


class UnknownOrderError(NotFoundError):
    """No order with this client order id is stored."""


class UnknownPositionError(NotFoundError):
    """No position with this id is stored."""


class UnknownAccountError(NotFoundError):
    """No account with this id is stored."""


class UnknownSnapshotError(NotFoundError):
    """No daily snapshot is stored for this account and day."""


class DuplicateInstrumentError(StateError):
    """`InstrumentRepository.add` of an id already stored (`upsert` replaces instead)."""


class JournalSequenceError(StateError):
    """An order event's per-order sequence is already taken (two writers, or a replayed append)
    or skips ahead of the journal (an event was lost on the way)."""


class StaleSnapshotError(StateError):
    """An order snapshot with fewer events than the stored one: saving it would move the order
    back in time, so it is refused."""


class OrderConflictError(StateError):
    """A snapshot of a different order (another `OrderInitialized`) under a client order id
    that is already stored: two orders share an id, and neither is overwritten."""


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One journaled event with its positions: ``sequence`` across the whole journal (what a
    restarted node resumes from) and ``order_seq`` within its order (1 = `OrderInitialized`)."""

    sequence: int
    order_seq: int
    event: OrderEvent


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what, when: an operator's manual order, a kill switch, a config change.

    ``entry_id`` is assigned by the log and increases with every entry.
    """

    entry_id: int
    ts_ns: int
    actor: str
    action: str
    details: Mapping[str, JsonValue]


class SnapshotReason(enum.Enum):
    """Why a daily snapshot was taken; the latest one of a day replaces the earlier ones."""

    CLOSE = "close"  # the market closed: the day's figures are final
    STOP = "stop"  # the node stopped (the day may go on without it)
    DEMAND = "demand"  # someone asked (an operator, a test, a report)


_SNAPSHOT_AMOUNTS = (
    "cash_settled",
    "cash_unsettled",
    "positions_value",
    "realized_pnl",
    "unrealized_pnl",
    "commissions",
    "taxes",
)


@dataclass(frozen=True, slots=True)
class DailySnapshot:
    """One account's books for one KST day, as of ``ts_taken``: what live performance analytics
    read, because the journal alone cannot say what positions were worth at a close.

    Amounts are in the account's base currency (KRW for a KRX account). ``positions_value`` is
    the signed value of open positions marked at the last known prices; ``realized_pnl`` is
    cumulative over the positions' lives and ``unrealized_pnl`` is at the marks, both gross of
    costs; ``commissions``, ``taxes`` and ``fills`` count that day's fills only.
    """

    account_id: AccountId
    day: dt.date
    cash_settled: Money
    cash_unsettled: Money
    positions_value: Money
    realized_pnl: Money
    unrealized_pnl: Money
    commissions: Money
    taxes: Money
    fills: int
    ts_taken: int
    reason: SnapshotReason

    def __post_init__(self) -> None:
        where = f"daily snapshot of {self.account_id}"
        if type(self.day) is not dt.date:
            raise InvalidInputError(f"{where}: day must be a date, got {self.day!r}")
        currency = self.cash_settled.currency
        for name in _SNAPSHOT_AMOUNTS:
            amount = getattr(self, name)
            if not isinstance(amount, Money):
                raise InvalidInputError(f"{where} {self.day}: {name} must be Money, got {amount!r}")
            if amount.currency != currency:
                raise CurrencyMismatchError(
                    f"{where} {self.day}: {name} {amount} is not in {currency} like its cash"
                )
        if type(self.fills) is not int or self.fills < 0:
            raise InvalidInputError(f"{where} {self.day}: fills must be an int >= 0")
        if type(self.ts_taken) is not int or self.ts_taken < 0:
            raise InvalidInputError(
                f"{where} {self.day}: ts_taken must be int nanoseconds >= 0, got {self.ts_taken!r}"
            )
        if not isinstance(self.reason, SnapshotReason):
            raise InvalidInputError(f"{where} {self.day}: reason must be a SnapshotReason")

    @property
    def currency(self) -> Currency:
        return self.cash_settled.currency

    @property
    def cash(self) -> Money:
        return self.cash_settled + self.cash_unsettled

    @property
    def equity(self) -> Money:
        """Cash (settled and unsettled) plus the marked value of open positions."""
        return self.cash + self.positions_value


@runtime_checkable
class InstrumentRepository(Protocol):
    """Reference data: every instrument JTS may trade, keyed by `InstrumentId`."""

    def add(self, instrument: Instrument) -> None:
        """Store a new instrument; `DuplicateInstrumentError` if the id is already stored."""
        ...

    def upsert(self, instrument: Instrument) -> None:
        """Store the instrument, replacing any stored one with the same id."""
        ...

    def upsert_many(self, instruments: Iterable[Instrument]) -> int:
        """`upsert` each, in one transaction; returns how many distinct ids were written."""
        ...

    def get(self, instrument_id: InstrumentId) -> Instrument:
        """The stored instrument; `UnknownInstrumentError` if there is none."""
        ...

    def find(self, instrument_id: InstrumentId) -> Instrument | None: ...

    def list_all(self, venue: Venue | None = None) -> list[Instrument]:
        """Every instrument (of one venue, if given), sorted by id."""
        ...

    def count(self) -> int: ...


@runtime_checkable
class OrderRepository(Protocol):
    """The current state of every order, one snapshot per client order id."""

    def save(self, order: Order) -> None:
        """Insert or replace the order's snapshot.

        Raises `UnknownInstrumentError` if its instrument is not stored, `StaleSnapshotError` if
        the stored snapshot has more events than ``order``, `OrderConflictError` if the stored
        order under this id is another order.
        """
        ...

    def get(self, client_order_id: ClientOrderId) -> Order:
        """The stored order, equal in every field to the one saved; `UnknownOrderError` if none."""
        ...

    def find(self, client_order_id: ClientOrderId) -> Order | None:
        """Like `get`, but None when the order is not stored."""
        ...

    def list_open(self) -> list[Order]:
        """Every order that is not closed, oldest first (``ts_init``, then id).

        Wider than `OrderStatus.is_open`: INITIALIZED and SUBMITTED orders are included, since
        after a restart those are exactly the ones that need reconciling with the venue.
        """
        ...

    def list_by_strategy(self, strategy_id: StrategyId, *, open_only: bool = False) -> list[Order]:
        """The strategy's orders, oldest first; with ``open_only`` those `list_open` would give."""
        ...

    def event_counts(self) -> dict[ClientOrderId, int]:
        """How many events each stored snapshot holds, without loading any order: what a
        restarted node compares with its journal to find the snapshots a crash left behind."""
        ...

    def count(self) -> int: ...


@runtime_checkable
class OrderEventJournal(Protocol):
    """The append-only log of order events: written before anything leaves the process, and
    what a restarted node rebuilds its orders from (`Order.rebuild`)."""

    def append(self, event: OrderEvent, *, order_seq: int | None = None) -> int:
        """Append one event and return its journal-wide sequence.

        ``order_seq`` is the event's position in its order's history (1 for `OrderInitialized`);
        None appends after the order's last event. A given ``order_seq`` that is taken, or that
        is not the next one, raises `JournalSequenceError` and nothing is written.
        """
        ...

    def append_many(
        self, events: Sequence[OrderEvent], *, order_seqs: Sequence[int] | None = None
    ) -> list[int]:
        """Append several events (of one or many orders) in one transaction: all or none."""
        ...

    def events_for(self, client_order_id: ClientOrderId) -> list[OrderEvent]:
        """The order's events in ``order_seq`` order (empty if the order was never journaled)."""
        ...

    def replay(self, after_sequence: int = 0) -> Iterator[JournalRecord]:
        """Every record with ``sequence > after_sequence``, in sequence order, streamed."""
        ...

    def last_sequence(self) -> int:
        """The highest sequence written, 0 for an empty journal."""
        ...


@runtime_checkable
class FillRepository(Protocol):
    """Every execution, each stored once: the trade id is unique per order."""

    def add(self, fill: OrderFilled) -> None:
        """Store a fill. `DuplicateFillError` if the order already has this trade id (the
        stored fill is left as it was); `UnknownInstrumentError` for an unknown instrument."""
        ...

    def for_order(self, client_order_id: ClientOrderId) -> list[OrderFilled]:
        """The order's fills in the order they were added."""
        ...

    def query(
        self,
        *,
        instrument_id: InstrumentId | None = None,
        strategy_id: StrategyId | None = None,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderFilled]:
        """Fills matching every given filter (``start_ns <= ts_event < end_ns``), by ts_event."""
        ...

    def count(self) -> int: ...


@runtime_checkable
class PositionRepository(Protocol):
    """Netting positions, one per instrument and strategy.

    A position is stored as the fills it applied: every fill it applied must already be stored
    in the `FillRepository` of the same storage (the OMS records a fill before the portfolio
    applies it), and it reads back as those fills replayed in the order they were stored.
    """

    def save(self, position: Position) -> None:
        """Insert or replace the position. `StateError` if the stored fills of its instrument
        and strategy are not the ones it applied, or another position id holds that slot;
        `InvalidInputError` for a position without fills."""
        ...

    def get(self, position_id: PositionId) -> Position:
        """The stored position; `UnknownPositionError` if there is none."""
        ...

    def find(self, position_id: PositionId) -> Position | None: ...

    def list_open(self) -> list[Position]:
        """Every position that is not flat, by id."""
        ...

    def list_by_strategy(self, strategy_id: StrategyId) -> list[Position]:
        """The strategy's positions, flat ones included, by id."""
        ...


@runtime_checkable
class AccountRepository(Protocol):
    """The latest state (balances per currency) of each account."""

    def save(self, state: AccountState) -> None:
        """Replace the account's stored state with ``state`` (balances not in it are removed)."""
        ...

    def get(self, account_id: AccountId) -> AccountState:
        """The stored state; `UnknownAccountError` if the account was never saved."""
        ...

    def find(self, account_id: AccountId) -> AccountState | None: ...

    def list_all(self) -> list[AccountState]:
        """Every account, by id."""
        ...


@runtime_checkable
class DailySnapshotRepository(Protocol):
    """One `DailySnapshot` per account and KST day; a later snapshot of a day replaces it."""

    def save(self, snapshot: DailySnapshot) -> None:
        """Insert or replace the row of the snapshot's account and day. `StaleSnapshotError` if
        the stored row was taken later (``ts_taken``); saving the stored one again is a no-op,
        so a replay after a restart never moves a day back in time."""
        ...

    def get(self, account_id: AccountId, day: dt.date) -> DailySnapshot:
        """The stored snapshot; `UnknownSnapshotError` if there is none."""
        ...

    def find(self, account_id: AccountId, day: dt.date) -> DailySnapshot | None: ...

    def query(
        self,
        *,
        account_id: AccountId | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[DailySnapshot]:
        """Snapshots with ``start <= day <= end`` (each bound optional), by day then account."""
        ...


@runtime_checkable
class AuditLog(Protocol):
    """An append-only record of human and system actions, for after-the-fact questions."""

    def record(
        self, actor: str, action: str, details: Mapping[str, JsonValue], *, ts_ns: int
    ) -> AuditEntry:
        """Append an entry; ``details`` must be JSON (no NaN, str keys) or `InvalidInputError`."""
        ...

    def entries(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        after_id: int = 0,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Entries with ``entry_id > after_id`` matching the filters, oldest first."""
        ...


@runtime_checkable
class UnitOfWork(Protocol):
    """The repositories of one database, and a way to make several calls one transaction."""

    @property
    def instruments(self) -> InstrumentRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def journal(self) -> OrderEventJournal: ...

    @property
    def fills(self) -> FillRepository: ...

    @property
    def positions(self) -> PositionRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def daily_snapshots(self) -> DailySnapshotRepository: ...

    def transaction(self) -> AbstractContextManager[None]:
        """A block whose repository calls commit together, or not at all if it raises."""
        ...
