"""Helpers for the simulated-venue tests: a venue on a simulated clock that records what it
sends to the kernel, command builders and a flat cost model. A plain module rather than a
conftest, so nothing here leaks into the fixtures of other tests in this package."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jts.backtest.venue import SimulatedVenue
from jts.core.clock import SimulatedClock
from jts.domain.commands import CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.events_order import OrderEvent, OrderInitialized
from jts.domain.identifiers import KRX, AccountId, ClientOrderId, StrategyId, TraderId
from jts.domain.instruments import Instrument
from jts.domain.values import KRW, Money, Price, Quantity, Rounding
from jts.kernel.cache import Cache
from jts.kernel.ids import VenueIdFactory
from jts.matching.models import MatchingConfig
from jts.ports.execution import ExecutionEvent
from tests.unit.matching.matching_support import DAY, SAMSUNG, FakeCalendar, at, bar

ACCOUNT = AccountId("SIM-001")
TRADER = TraderId("JTS-001")
STRATEGY = StrategyId("Test-001")
FRIDAY = dt.date(2024, 3, 1)


class FlatCosts:
    """1 bp commission both ways and 0.2 % sell tax, truncated to the won."""

    def commission(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        return instrument.notional(price, quantity).scaled(Decimal("0.0001"), Rounding.DOWN)

    def tax(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money:
        if side is OrderSide.BUY:
            return Money.zero(KRW)
        return instrument.notional(price, quantity).scaled(Decimal("0.002"), Rounding.DOWN)


class Recorder(list[ExecutionEvent]):
    """The sink: every event the venue sends, in order."""

    def __call__(self, event: ExecutionEvent) -> None:
        self.append(event)

    def names(self) -> list[str]:
        return [type(e).__name__ for e in self]

    def take(self) -> list[ExecutionEvent]:
        out = list(self)
        self.clear()
        return out


def make_venue(
    clock: SimulatedClock, config: MatchingConfig | None = None, calendar: object = "fake"
) -> tuple[SimulatedVenue, Recorder]:
    cache = Cache()
    cache.add_instrument(SAMSUNG)
    venue = SimulatedVenue(
        clock,
        cache.instrument,
        calendar=FakeCalendar() if calendar == "fake" else calendar,  # type: ignore[arg-type]
        costs=FlatCosts(),
        ids=VenueIdFactory("SIM"),
        account_id=ACCOUNT,
        venue=KRX,
        config=config,
    )
    sink = Recorder()
    venue.bind(sink)
    return venue, sink


def order_init(
    cid: str,
    side: OrderSide,
    qty: int,
    now: int,
    *,
    price: int | None = None,
    trigger: int | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    post_only: bool = False,
) -> OrderInitialized:
    if trigger is not None:
        kind = OrderType.STOP_LIMIT if price is not None else OrderType.STOP_MARKET
    else:
        kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return OrderInitialized(
        trader_id=TRADER,
        strategy_id=STRATEGY,
        instrument_id=SAMSUNG.id,
        client_order_id=ClientOrderId(cid),
        side=side,
        order_type=kind,
        quantity=Quantity(qty),
        price=None if price is None else Price(price),
        trigger_price=None if trigger is None else Price(trigger),
        time_in_force=tif,
        post_only=post_only,
        ts_event=now,
        ts_init=now,
    )


def submit(
    venue: SimulatedVenue,
    clock: SimulatedClock,
    cid: str,
    side: OrderSide,
    qty: int,
    **kwargs: object,
) -> None:
    now = clock.timestamp_ns()
    account = kwargs.pop("account", ACCOUNT)
    init = order_init(cid, side, qty, now, **kwargs)  # type: ignore[arg-type]
    venue.submit_order(
        SubmitOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=SAMSUNG.id,
            command_id=f"C-{cid}",
            ts_init=now,
            order=init,
            account_id=account,  # type: ignore[arg-type]
        )
    )


def cancel(venue: SimulatedVenue, clock: SimulatedClock, cid: str) -> None:
    venue.cancel_order(
        CancelOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=SAMSUNG.id,
            client_order_id=ClientOrderId(cid),
            command_id=f"X-{cid}",
            ts_init=clock.timestamp_ns(),
        )
    )


def modify(venue: SimulatedVenue, clock: SimulatedClock, cid: str, **kwargs: object) -> None:
    venue.modify_order(
        ModifyOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=SAMSUNG.id,
            client_order_id=ClientOrderId(cid),
            command_id=f"M-{cid}",
            ts_init=clock.timestamp_ns(),
            **kwargs,  # type: ignore[arg-type]
        )
    )


def feed(venue: SimulatedVenue, clock: SimulatedClock, *bars: object) -> None:
    """Move the clock to each bar's time and give it to the venue, as the backtest does."""
    for item in bars:
        clock.set_time(item.ts_event)  # type: ignore[attr-defined]
        venue.process_bar(item)  # type: ignore[arg-type]


def events_of(sink: Recorder, kind: type[OrderEvent]) -> list[OrderEvent]:
    return [e for e in sink if isinstance(e, kind)]


__all__ = ["DAY", "SAMSUNG", "at", "bar"]
