"""The execution port: what the kernel needs from a venue to trade.

Contract every adapter (KIS, Upbit, the backtest's simulated venue, the KIS simulator client)
honours:

- **Threading.** Command methods (`submit_order`, `modify_order`, `cancel_order`,
  `cancel_all_orders`) are called on the kernel's thread and must return quickly: an adapter
  with I/O schedules the work on the running asyncio loop and returns. Results come back
  only as events passed to the `ExecutionEventSink` the kernel gave the adapter, on the same
  thread (live adapters call it from their coroutines on the kernel's loop).
- **Order of events.** For one order the adapter emits what the venue said in the order the
  venue said it; the OMS tolerates duplicates and a fill that overtakes its acknowledgement.
- **Never blindly re-send.** After a timeout on a submission the adapter looks the order up
  before deciding it did not reach the venue.
- **Reports.** `order_status_reports`, `fill_reports` and `position_reports` describe the venue's
  books for reconciliation at start-up and after any gap; they never mutate anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from jts.domain.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.events_account import AccountState
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport

ExecutionEvent = OrderEvent | AccountState
ExecutionEventSink = Callable[[ExecutionEvent], None]


@runtime_checkable
class ExecutionClient(Protocol):
    """One account at one venue."""

    @property
    def venue(self) -> Venue: ...

    @property
    def account_id(self) -> AccountId: ...

    def bind(self, sink: ExecutionEventSink) -> None:
        """Called once by the kernel before `connect`: where events go."""
        ...

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    def submit_order(self, command: SubmitOrder) -> None: ...

    def modify_order(self, command: ModifyOrder) -> None: ...

    def cancel_order(self, command: CancelOrder) -> None: ...

    def cancel_all_orders(self, command: CancelAllOrders) -> None: ...

    async def order_status_reports(
        self, *, open_only: bool = True, instrument_id: InstrumentId | None = None
    ) -> Sequence[OrderStatusReport]: ...

    async def fill_reports(
        self, *, since_ns: int | None = None, client_order_id: ClientOrderId | None = None
    ) -> Sequence[FillReport]: ...

    async def position_reports(self) -> Sequence[PositionReport]: ...
