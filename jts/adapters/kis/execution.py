"""`KisExecutionClient`: one KIS account behind the `ExecutionClient` port.

Threading and duties (the port's contract): command methods are called on the kernel's event
loop thread and never block (they schedule a task, and may write an order, see below); every
result comes back as events through the bound sink, from coroutines on the same loop. Per
order, work is serialised (a modify waits for its submission to be answered), and events follow
what KIS said in the order it said it.
Submissions for one instrument reach KIS in the order they were made: each waits until the one
before it is answered. Sent concurrently, a burst of buy, sell could arrive sell first (each
request may open its own connection) and the sell be refused for want of shares the buy was
about to bring; orders for other instruments still go out side by side.

A submission with nothing to wait for (its instrument's turn free, a rate-limit slot, a fresh
token, an idle kept-alive connection: `KisRestClient.start_order`) is written to the socket in
`submit_order` itself, before the kernel's listeners run and without waiting a loop turn for a
task; only KIS's answer is awaited in the task. Anything else takes the usual path in a task.

- Submit -> ``order-cash`` (buy/sell tr_id by side); the answer's ODNO is `OrderAccepted`, a
  business rejection `OrderRejected` with KIS's ``msg_cd`` and message. After a timeout, a
  transport error or a 5xx the order is **not** re-sent: the client looks it up (notices that
  arrived meanwhile, then the daily-orders inquiry, several times) and reports what it finds;
  only when none of the look-ups finds it does it conclude the order never arrived.
- Modify -> ``order-rvsecncl`` 01 for a price change (KIS moves the remainder to a new ODNO,
  carried by `OrderUpdated`); a quantity reduction is a partial cancel (02, ``QTY_ALL_ORD_YN``
  N). KRX cannot increase an order's quantity: that is refused with `OrderModifyRejected`.
- Cancel -> ``order-rvsecncl`` 02 of everything left; cancels go first through the rate limiter.
- Notices (H0STCNI0 real / H0STCNI9 paper, subscribed with the HTS id) become accepted, fill,
  cancel and update events (`tracker`). After any WebSocket gap the daily orders are queried and
  missed fills recovered; without an HTS id that reconciliation runs on a timer instead. A fill
  notice that arrives after an inquiry already booked its fill is absorbed (booked once), and
  another inquiry shortly after confirms that it was not a new fill.
- Reports for reconciliation come from the daily-orders inquiry (orders, fills aggregated per
  order) and the balance inquiry (positions, cash).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, Final

from jts.adapters.kis.config import KisAccount, KisClientConfig
from jts.adapters.kis.costs import FillCosts, KrxFillCosts
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.errors import (
    KisError,
    KisRejectedError,
    KisServerError,
    KisTransportError,
    KisUnsupportedError,
)
from jts.adapters.kis.frames import NOTICE_TR_PAPER, NOTICE_TR_REAL, DataFrame
from jts.adapters.kis.http import KisReply, KisRestClient
from jts.adapters.kis.lookup import match_orphan, match_request, match_submission
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.order_kinds import ord_dvsn_for
from jts.adapters.kis.parse import (
    kst_ns,
)
from jts.adapters.kis.parse_stream import KisNotice, StreamParser, normalize_odno
from jts.adapters.kis.rate_limit import Priority
from jts.adapters.kis.reports import KisAccountInquiries
from jts.adapters.kis.schemas import DailyCcldRow, OrderReply
from jts.adapters.kis.streams import KisStreamManager
from jts.adapters.kis.tracker import (
    NOTICE_CLOCK_SLACK_NS,
    OrderTracker,
    PendingRequest,
    TrackedOrder,
    kst_today,
)
from jts.core.time import NANOS_PER_SECOND
from jts.domain.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderSide
from jts.domain.events_account import AccountState
from jts.domain.events_order import (
    OrderCancelRejected,
    OrderEvent,
    OrderInitialized,
    OrderModifyRejected,
)
from jts.domain.identifiers import KRX, AccountId, ClientOrderId, InstrumentId, Venue, VenueOrderId
from jts.domain.orders import Order
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import KRW, Money, Price, Quantity
from jts.ports.execution import ExecutionEvent, ExecutionEventSink

__all__ = ["KisExecutionClient"]

_log = logging.getLogger(__name__)
_SIDE_CODE: Final = {OrderSide.SELL: "01", OrderSide.BUY: "02"}
#: How far before the submission a looked-up order's time may be (clock skew, KST seconds).
_LOOKUP_SKEW_S: Final = 120
_ZERO_KRW: Final = Money.zero(KRW)
_ORDER_OP: Final = {OrderSide.BUY: Operation.ORDER_BUY, OrderSide.SELL: Operation.ORDER_SELL}


class _Turns:
    """Submissions for one instrument, one at a time, in the order they were made (see the
    module doc). Unlike `asyncio.Lock`, a place is taken in a plain call (`join`), so an order
    can be written before the caller returns, and a turn handed to the next in line is never
    taken by a newcomer in between."""

    __slots__ = ("_busy", "_waiters")

    def __init__(self) -> None:
        self._busy = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    def join(self) -> _Turn:
        if not self._busy:
            self._busy = True
            return _Turn(self, None)
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        return _Turn(self, ticket)

    def leave(self) -> None:
        """The holder is done: the next in line's turn, or nobody's."""
        waiters = self._waiters
        while waiters:
            ticket = waiters.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self._busy = False


class _Turn:
    """One submission's place in its instrument's line. `release` is idempotent and safe at any
    point: the command's task releases it once KIS has answered, and again when the task ends
    (so a task cancelled before it ran, e.g. by `disconnect`, never blocks the line)."""

    __slots__ = ("_released", "_ticket", "_turns")

    def __init__(self, turns: _Turns, ticket: asyncio.Future[None] | None) -> None:
        self._turns = turns
        self._ticket = ticket  # None: the turn was free when joined
        self._released = False

    @property
    def now(self) -> bool:
        """Whether the turn was the caller's at once."""
        return self._ticket is None

    async def wait(self) -> None:
        if self._ticket is not None:
            await self._ticket

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        ticket = self._ticket
        if ticket is not None:
            if not ticket.done():
                ticket.cancel()  # leaving the line before the turn came: `leave` skips it
                return
            if ticket.cancelled():
                return  # the wait was cancelled: the turn never came
        self._turns.leave()


class KisExecutionClient:
    """One KIS account (see module doc)."""

    def __init__(
        self,
        config: KisClientConfig,
        account: KisAccount,
        rest: KisRestClient,
        *,
        streams: KisStreamManager | None = None,
        costs: FillCosts | None = None,
        venue: Venue = KRX,
        metrics: KisMetrics | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        if rest.app.app_key != account.app.app_key:
            raise KisUnsupportedError("the REST client must use the account's own app key")
        self._config = config
        self._account = account
        self._rest = rest
        self._streams = streams
        self._venue = venue
        self._metrics = metrics or KisMetrics()
        self._now = clock_ns
        self._sleep = sleep
        self._account_id = account.account_id
        self.tracker = OrderTracker(self._account_id, costs or KrxFillCosts())
        self._parser = StreamParser(venue)
        self._sink: ExecutionEventSink | None = None
        self._locks: dict[ClientOrderId, asyncio.Lock] = {}
        self._turns: dict[InstrumentId, _Turns] = {}
        self._connected = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._notice_tr = NOTICE_TR_PAPER if config.is_paper else NOTICE_TR_REAL
        self._account_no = account.cano + account.product
        self._recovering = asyncio.Lock()
        self._verifying: asyncio.Task[None] | None = None
        self.inquiries = KisAccountInquiries(
            config, account, rest, self._parser, self.tracker, clock_ns=clock_ns
        )
        self.on_foreign_notice: Callable[[KisNotice], None] | None = None

    # ---- port: identity and lifecycle ---------------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self._venue

    @property
    def account_id(self) -> AccountId:
        return self._account_id

    def bind(self, sink: ExecutionEventSink) -> None:
        self._sink = sink

    def available_capacity(self) -> float:
        """The order router's measure (`CapacityAware`): the share of the app key's rate-limit
        bucket free now, 0.0 while the client is not connected (orders would wait or fail)."""
        if not self._connected:
            return 0.0
        return max(0.0, min(1.0, self._rest.limiter.available() / self._config.burst))

    async def connect(self) -> None:
        self._connected = True
        self._loops.append(asyncio.create_task(self._expire_orphans_loop()))
        if self._streams is not None and self._account.hts_id:
            self._streams.add_handler(self._notice_tr, self._on_notice_frame)
            self._streams.add_gap_listener(self._on_gap)
            try:
                await self._streams.subscribe(
                    self._notice_tr, self._account.hts_id, app_key=self._account.app.app_key
                )
                return
            except KisError as exc:
                _log.error("KIS refused execution notices for %s: %s", self._account_id, exc)
        _log.warning(
            "KIS account %s has no execution notices: fills are polled every %.1f s",
            self._account_id,
            self._config.fill_poll_s,
        )
        self._loops.append(asyncio.create_task(self._poll_loop()))

    async def disconnect(self) -> None:
        self._connected = False
        if self._verifying is not None:
            self._loops.append(self._verifying)
            self._verifying = None
        for task in [*self._loops, *self._tasks]:
            task.cancel()
        for task in [*self._loops, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loops.clear()
        self._tasks.clear()
        if self._streams is not None and self._account.hts_id:
            self._streams.remove_handler(self._notice_tr, self._on_notice_frame)
            self._streams.remove_gap_listener(self._on_gap)
            with contextlib.suppress(KisError):
                await self._streams.unsubscribe(self._notice_tr, self._account.hts_id)

    async def drain(self) -> None:
        """Wait until every scheduled command has been answered (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def adopt(self, orders: Iterable[Order]) -> int:
        """Track working orders sent before a restart (rebuilt from the journal); returns how
        many were adopted. Call it after reconciliation has brought them up to date, then
        `recover`.

        Notices that arrived for them while they were unknown are held as orphans: fill notices
        among them are dropped, because reconciliation already booked what KIS had filled by
        then and `recover` books the rest from KIS's cumulative totals (replaying them on top
        would count a fill twice under a new trade id); other notices (a cancel confirmed
        meanwhile) are replayed in order.
        """
        adopted: set[ClientOrderId] = set()
        for order in orders:
            if order.account_id is not None and order.account_id != self._account_id:
                continue
            try:
                ord_dvsn = ord_dvsn_for(
                    order.order_type, order.time_in_force, self._config.stop_limit_ord_dvsn
                )
            except KisUnsupportedError:
                continue  # never sent to KIS: there is nothing to follow
            if self.tracker.adopt(order, ord_dvsn, self._now()) is not None:
                adopted.add(order.client_order_id)
        if not adopted:
            return 0
        held, self.tracker.orphans = self.tracker.orphans, {}
        for notices in held.values():
            for notice, ts in notices:
                if notice.is_fill and self.tracker.client_id_of(notice.odno) in adopted:
                    continue
                self.handle_notice(notice, ts)
        return len(adopted)

    # ---- port: commands -----------------------------------------------------------------------
    def submit_order(self, command: SubmitOrder) -> None:
        init = command.order
        turns = self._turns.get(init.instrument_id)
        if turns is None:
            turns = self._turns[init.instrument_id] = _Turns()
        turn = turns.join()
        sent = self._send_now(init) if turn.now else None  # nothing before it: try at once
        if sent is not None:
            order, answer = sent
            work = self._submitted(order, answer, turn)
        else:
            work = self._submit(init, turn)
        self._spawn(init.client_order_id, work, turn.release)

    def modify_order(self, command: ModifyOrder) -> None:
        self._spawn(command.client_order_id, self._modify(command))

    def cancel_order(self, command: CancelOrder) -> None:
        self._spawn(command.client_order_id, self._cancel(command))

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        for order in self.tracker.open_orders():
            init = order.init
            if (
                init.instrument_id != command.instrument_id
                or init.strategy_id != command.strategy_id
            ):
                continue
            if command.order_side is not None and init.side is not command.order_side:
                continue
            cancel = CancelOrder(
                trader_id=command.trader_id,
                strategy_id=init.strategy_id,
                instrument_id=init.instrument_id,
                client_order_id=init.client_order_id,
                command_id=f"{command.command_id}-{init.client_order_id}",
                ts_init=command.ts_init,
            )
            self.cancel_order(cancel)

    def _spawn(
        self,
        client_order_id: ClientOrderId,
        work: Coroutine[Any, Any, None],
        finally_: Callable[[], None] | None = None,
    ) -> None:
        """Run ``work`` in a task, after the order's earlier commands; ``finally_`` runs when
        the task ends, however it ends (even cancelled before it started)."""
        lock = self._locks.setdefault(client_order_id, asyncio.Lock())

        async def run() -> None:
            async with lock:
                try:
                    await work
                except Exception:
                    _log.exception("KIS command for %s failed unexpectedly", client_order_id)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if finally_ is not None:
            task.add_done_callback(lambda _: finally_())

    def _emit(self, events: Sequence[ExecutionEvent]) -> None:
        for event in events:
            if self._sink is None:
                _log.warning("KIS event with no sink bound: %r", event)
            else:
                self._sink(event)

    # ---- submit -------------------------------------------------------------------------------
    def _send_now(
        self, init: OrderInitialized
    ) -> tuple[TrackedOrder, Coroutine[Any, Any, KisReply[OrderReply]]] | None:
        """Write a plain order to KIS in the caller's call (`KisRestClient.start_order`), so it
        leaves before the kernel's listeners and the next loop turn; None when it cannot."""
        if init.post_only:
            return None
        try:
            ord_dvsn = ord_dvsn_for(
                init.order_type, init.time_in_force, self._config.stop_limit_ord_dvsn
            )
        except KisUnsupportedError:
            return None
        now = self._now()
        answer = self._rest.start_order(
            ENDPOINTS[_ORDER_OP[init.side]], OrderReply, self._order_body(init, ord_dvsn)
        )
        if answer is None:
            return None
        return self._track(init, ord_dvsn, now), answer

    def _track(self, init: OrderInitialized, ord_dvsn: str, now: int) -> TrackedOrder:
        """Follow a submission (its notices and look-ups find it in the tracker)."""
        order = TrackedOrder(
            init=init,
            account_id=self._account_id,
            ord_dvsn=ord_dvsn,
            ord_dt=kst_today(now),
            submitted_ns=now,
            quantity=init.quantity,
            price=init.price,
        )
        self.tracker.add(order)
        return order

    def _order_body(self, init: OrderInitialized, ord_dvsn: str) -> dict[str, str]:
        return {
            "CANO": self._account.cano,
            "ACNT_PRDT_CD": self._account.product,
            "PDNO": str(init.instrument_id.symbol),
            "ORD_DVSN": ord_dvsn,
            "ORD_QTY": str(init.quantity),
            "ORD_UNPR": str(init.price) if init.price is not None else "0",
            "EXCG_ID_DVSN_CD": self._config.exchange,
            "SLL_TYPE": "01" if init.side is OrderSide.SELL else "",
            "CNDT_PRIC": str(init.trigger_price) if init.trigger_price is not None else "",
        }

    async def _submit(self, init: OrderInitialized, turn: _Turn) -> None:
        """The usual way: wait for this instrument's turn, then the REST client's full path."""
        now = self._now()
        order = self._track(init, "", now)
        await turn.wait()
        try:
            if init.post_only:
                raise KisUnsupportedError("KRX has no post-only orders")
            order.ord_dvsn = ord_dvsn_for(
                init.order_type, init.time_in_force, self._config.stop_limit_ord_dvsn
            )
        except KisUnsupportedError as exc:
            turn.release()
            self._emit(self.tracker.rejected(order, str(exc), now))
            return
        answer = self._rest.request(
            ENDPOINTS[_ORDER_OP[init.side]],
            OrderReply,
            body=self._order_body(init, order.ord_dvsn),
            priority=Priority.ORDER,
        )
        await self._submitted(order, answer, turn)

    async def _submitted(
        self,
        order: TrackedOrder,
        answer: Coroutine[Any, Any, KisReply[OrderReply]],
        turn: _Turn,
    ) -> None:
        """KIS's answer to a submission; the instrument's next submission goes once it is in."""
        try:
            try:
                reply = await answer
            finally:
                turn.release()
        except KisRejectedError as exc:
            self._emit(self.tracker.rejected(order, exc.reason, self._now()))
            return
        except (KisTransportError, KisServerError) as exc:
            await self._resolve_unknown_submission(order, exc)
            return
        except KisError as exc:  # auth, rate limit exhausted: certainly not processed
            self._emit(self.tracker.rejected(order, str(exc), self._now()))
            return
        output = reply.body.output
        ts = self._now()
        if output is None or not output.odno.strip():
            await self._resolve_unknown_submission(order, KisError("order reply without ODNO"))
            return
        order.branch = output.krx_fwdg_ord_orgno
        when = self._kst_time(order, output.ord_tmd, ts)
        self._emit(self.tracker.accepted(order, output.odno, ts, when))

    def _kst_time(self, order: TrackedOrder, hhmmss: str, ts: int) -> int:
        try:
            return kst_ns(order.ord_dt, hhmmss) if hhmmss.strip() else ts
        except KisError:
            return ts

    async def _resolve_unknown_submission(self, order: TrackedOrder, error: Exception) -> None:
        """The order may or may not be at KIS: find it before anything else happens to it."""
        retry = self._config.retry
        for attempt in range(retry.order_lookup_attempts):
            self._metrics.order_lookups.inc("submit")
            odno = match_orphan(self.tracker, order)
            row = None
            if odno is None:
                try:
                    row = await self._lookup_submission(order)
                except KisError as exc:
                    _log.warning("KIS look-up of %s failed: %s", order.client_order_id, exc)
                odno = normalize_odno(row.odno) if row is not None else None
            if odno is not None:
                _log.info(
                    "KIS order %s did reach KIS as %s (after %r)",
                    order.client_order_id,
                    odno,
                    error,
                )
                ts = self._now()
                events = self.tracker.accepted(order, odno, ts)
                if row is not None:
                    order.branch = row.ord_gno_brno or order.branch
                    events += self.tracker.recover([row], ts)
                self._emit(events)
                return
            if attempt + 1 < retry.order_lookup_attempts:
                await self._sleep(retry.order_lookup_delay_s)
        reason = (
            f"not received by KIS: the submission failed ({error}) and "
            f"{retry.order_lookup_attempts} look-ups did not find it"
        )
        self._emit(self.tracker.rejected(order, reason, self._now()))

    async def _lookup_submission(self, order: TrackedOrder) -> DailyCcldRow | None:
        init = order.init
        rows = await self._daily_rows(
            order.ord_dt,
            order.ord_dt,
            symbol=str(init.instrument_id.symbol),
            side=_SIDE_CODE[init.side],
        )
        return match_submission(rows, self.tracker, order)

    # ---- modify / cancel ----------------------------------------------------------------------
    def _untracked(self, command: ModifyOrder | CancelOrder, reason: str) -> None:
        kind = OrderModifyRejected if isinstance(command, ModifyOrder) else OrderCancelRejected
        now = self._now()
        self._emit(
            [
                kind(
                    trader_id=command.trader_id,
                    strategy_id=command.strategy_id,
                    instrument_id=command.instrument_id,
                    client_order_id=command.client_order_id,
                    account_id=self._account_id,
                    venue_order_id=command.venue_order_id,
                    reason=reason,
                    ts_event=now,
                    ts_init=now,
                )
            ]
        )

    async def _modify(self, command: ModifyOrder) -> None:
        order = self.tracker.orders.get(command.client_order_id)
        if order is None or order.closed or order.current is None:
            self._untracked(command, "the order is not working at KIS")
            return
        now = self._now()
        if command.trigger_price is not None:
            self._emit(self._refuse(order, "KIS cannot change a trigger price", now))
            return
        new_qty = command.quantity if command.quantity is not None else order.quantity
        if new_qty > order.quantity:
            self._emit(
                self._refuse(
                    order,
                    f"KRX cannot increase an order's quantity ({order.quantity} -> {new_qty}); "
                    "place another order",
                    now,
                )
            )
            return
        if new_qty.raw <= order.filled:
            self._emit(
                self._refuse(order, f"{new_qty} is not above the filled {order.filled}", now)
            )
            return
        price_change = command.price is not None and command.price != order.price
        if price_change and not order.init.order_type.requires_price:
            self._emit(self._refuse(order, "a price for an order type that takes none", now))
            return
        if new_qty == order.quantity and not price_change:
            self._emit(self._refuse(order, "the order already has these terms", now))
            return
        if new_qty < order.quantity:
            reduce = int(order.quantity.raw - new_qty.raw)
            pending = PendingRequest(
                "cancel",
                quantity=new_qty,
                cancel_qty=reduce,
                target_odno=order.current,
                for_modify=True,
            )
            if not await self._send_request(order, pending, qty=reduce, all_qty=False):
                return
        if price_change and command.price is not None and not order.closed and order.current:
            pending = PendingRequest(
                "modify", quantity=order.quantity, price=command.price, target_odno=order.current
            )
            await self._send_request(order, pending, qty=0, all_qty=True, price=command.price)

    def _refuse(self, order: TrackedOrder, reason: str, ts: int) -> list[OrderEvent]:
        order.pending = PendingRequest("modify", quantity=order.quantity)
        return self.tracker.request_rejected(order, reason, ts)

    async def _cancel(self, command: CancelOrder) -> None:
        order = self.tracker.orders.get(command.client_order_id)
        if order is None or order.closed or order.current is None:
            self._untracked(command, "the order is not working at KIS")
            return
        pending = PendingRequest(
            "cancel",
            quantity=Quantity.from_raw(order.filled, 0),
            cancel_qty=order.leaves,
            target_odno=order.current,
        )
        await self._send_request(order, pending, qty=0, all_qty=True)

    async def _send_request(
        self,
        order: TrackedOrder,
        pending: PendingRequest,
        *,
        qty: int,
        all_qty: bool,
        price: Price | None = None,
    ) -> bool:
        """Send one modify (01) or cancel (02); True when KIS accepted it."""
        order.pending = pending
        cancel = pending.kind == "cancel"
        body = {
            "CANO": self._account.cano,
            "ACNT_PRDT_CD": self._account.product,
            "KRX_FWDG_ORD_ORGNO": order.branch,
            "ORGN_ODNO": pending.target_odno or "",
            "ORD_DVSN": order.ord_dvsn,
            "RVSE_CNCL_DVSN_CD": "02" if cancel else "01",
            "ORD_QTY": str(qty),
            "ORD_UNPR": str(price) if price is not None else "0",
            "QTY_ALL_ORD_YN": "Y" if all_qty else "N",
            "EXCG_ID_DVSN_CD": self._config.exchange,
            "CNDT_PRIC": "",
        }
        priority = Priority.CANCEL if cancel and not pending.for_modify else Priority.ORDER
        try:
            reply = await self._rest.request(
                ENDPOINTS[Operation.MODIFY_CANCEL], OrderReply, body=body, priority=priority
            )
        except KisRejectedError as exc:
            self._emit(self.tracker.request_rejected(order, exc.reason, self._now()))
            return False
        except (KisTransportError, KisServerError) as exc:
            return await self._resolve_unknown_request(order, pending, exc)
        except KisError as exc:
            self._emit(self.tracker.request_rejected(order, str(exc), self._now()))
            return False
        output = reply.body.output
        if output is None or not output.odno.strip():
            return await self._resolve_unknown_request(
                order, pending, KisError("reply without ODNO")
            )
        ts = self._now()
        self._emit(
            self.tracker.request_acked(
                order, output.odno, ts, self._kst_time(order, output.ord_tmd, ts)
            )
        )
        return True

    async def _resolve_unknown_request(
        self, order: TrackedOrder, pending: PendingRequest, error: Exception
    ) -> bool:
        retry = self._config.retry
        for attempt in range(retry.order_lookup_attempts):
            self._metrics.order_lookups.inc(pending.kind)
            if order.pending is not pending:  # a notice answered it meanwhile
                return pending.done
            try:
                rows = await self._daily_rows(
                    order.ord_dt, order.ord_dt, symbol=str(order.init.instrument_id.symbol)
                )
            except KisError as exc:
                _log.warning("KIS look-up of %s request failed: %s", order.client_order_id, exc)
                rows = []
            row = match_request(rows, self.tracker, order, pending)
            if row is not None:
                self._emit(self.tracker.request_acked(order, row.odno, self._now()))
                return True
            if attempt + 1 < retry.order_lookup_attempts:
                await self._sleep(retry.order_lookup_delay_s)
        if order.pending is not pending:
            return pending.done
        reason = f"not received by KIS: {error} and the look-ups did not find the request"
        self._emit(self.tracker.request_rejected(order, reason, self._now()))
        return False

    # ---- notices and recovery -----------------------------------------------------------------
    def _on_notice_frame(self, frame: DataFrame, ts_init: int) -> None:
        try:
            result = self._parser.notices(frame.tr_id, frame.payload, frame.records)
        except KisError as exc:
            self._metrics.frame_errors.inc(frame.tr_id)
            _log.warning("KIS notice frame dropped: %s", exc)
            return
        if result.extra_fields:
            self._metrics.schema_drift.inc(frame.tr_id)
        for error in result.errors:
            self._metrics.frame_errors.inc(frame.tr_id)
            _log.warning("KIS notice record dropped: %s", error)
        for item in result.items:
            assert isinstance(item, KisNotice)
            if item.account_no and item.account_no != self._account_no:
                continue  # another account's notice on a shared session
            self.handle_notice(item, ts_init)

    def handle_notice(self, notice: KisNotice, ts: int) -> None:
        absorbed = self.tracker.late_notices
        events = self.tracker.notice(notice, ts)
        if events is None:
            self.tracker.hold_orphan(notice, ts)
            return
        self._emit(events)
        if self.tracker.late_notices != absorbed:
            self._metrics.late_notices.inc(str(self._account_id))
            self._verify_soon()

    def _verify_soon(self) -> None:
        """An absorbed fill notice is checked against KIS's totals once the clock slack has
        passed: had it been a new fill rather than late news, that inquiry books it."""
        if self._verifying is not None and not self._verifying.done():
            return

        async def verify() -> None:
            await self._sleep(2 * NOTICE_CLOCK_SLACK_NS / NANOS_PER_SECOND)
            try:
                await self.recover()
            except KisError as exc:
                _log.warning("KIS check of a late fill notice failed: %s", exc)

        self._verifying = asyncio.get_running_loop().create_task(verify())

    async def _on_gap(self, app_key: str) -> None:
        """After a reconnect: recover what the gap hid, retrying while KIS is unreachable."""
        if app_key != self._account.app.app_key:
            return
        retry = self._config.retry
        for attempt in range(1, retry.query_attempts + 1):
            try:
                await self.recover()
                return
            except KisError as exc:
                _log.warning("KIS recovery after a gap failed (%d): %s", attempt, exc)
                await self._sleep(min(retry.backoff_max_s, retry.backoff_base_s * (1 << attempt)))
        _log.error("KIS recovery after a gap gave up; the next gap or report will catch up")

    async def recover(self) -> int:
        """Query today's orders and emit whatever notices missed; returns the event count."""
        if not self.tracker.open_orders() and not self.tracker.orphans:
            return 0
        async with self._recovering:
            today = kst_today(self._now())
            rows = await self._daily_rows(today, today)
            events = self.tracker.recover(rows, self._now())
            fills = sum(1 for e in events if type(e).__name__ == "OrderFilled")
            if fills:
                self._metrics.recovered_fills.inc(str(self._account_id), fills)
            self._emit(events)
            return len(events)

    async def _poll_loop(self) -> None:
        while True:
            await self._sleep(self._config.fill_poll_s)
            try:
                await self.recover()
            except KisError as exc:
                _log.warning("KIS fill poll failed: %s", exc)

    async def _expire_orphans_loop(self) -> None:
        ttl_ns = int(self._config.orphan_notice_ttl_s * NANOS_PER_SECOND)
        while True:
            await self._sleep(max(1.0, self._config.orphan_notice_ttl_s / 4))
            for notice in self.tracker.expire_orphans(self._now() - ttl_ns):
                self._metrics.foreign_notices.inc(str(self._account_id))
                _log.warning("KIS notice for order %s not placed by JTS: %r", notice.odno, notice)
                if self.on_foreign_notice is not None:
                    self.on_foreign_notice(notice)

    # ---- inquiries ----------------------------------------------------------------------------
    async def _daily_rows(
        self, start: str, end: str, *, symbol: str = "", side: str = "00"
    ) -> list[DailyCcldRow]:
        return await self.inquiries.daily_rows(start, end, symbol=symbol, side=side)

    async def order_status_reports(
        self, *, open_only: bool = True, instrument_id: InstrumentId | None = None
    ) -> Sequence[OrderStatusReport]:
        return await self.inquiries.order_status_reports(
            open_only=open_only, instrument_id=instrument_id
        )

    async def fill_reports(
        self, *, since_ns: int | None = None, client_order_id: ClientOrderId | None = None
    ) -> Sequence[FillReport]:
        return await self.inquiries.fill_reports(since_ns=since_ns, client_order_id=client_order_id)

    async def position_reports(self) -> Sequence[PositionReport]:
        return await self.inquiries.position_reports()

    async def account_state(self, *, emit: bool = False) -> AccountState | None:
        """Cash as KIS reports it; ``emit`` also sends it to the sink."""
        state = await self.inquiries.account_state()
        if emit and state is not None:
            self._emit([state])
        return state

    def venue_order_ids(self, client_order_id: ClientOrderId) -> list[VenueOrderId]:
        order = self.tracker.orders.get(client_order_id)
        return [] if order is None else [VenueOrderId(v) for v in order.venue_ids]
