"""Position events are built for whoever will see them, and only for them.

A fill always moves the position and the account; the events that describe the move are
snapshots, built when the bus publishes them, a listener takes them, or the owning strategy has
a callback for them (issue 3: a backtest keeps only the closes).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.core.clock import SimulatedClock
from jts.domain.accounts import Account
from jts.domain.events_position import (
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import Bar
from jts.domain.messages import Message
from jts.domain.positions import Position
from jts.domain.values import KRW, Money
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy

from .conftest import ACCOUNT, BAR_TYPE, SAMSUNG, T0, ScriptedVenue, make_bar


class RoundTrip(Strategy):
    """Buys 10 on the first bar and sells them on the second."""

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)
        self.bars = 0

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 1:
            self.buy(SAMSUNG, 10)
        elif self.bars == 2:
            self.sell(SAMSUNG, self.position_qty(SAMSUNG))


class WatchesOpenings(RoundTrip):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[PositionOpened] = []

    def on_position_opened(self, event: PositionOpened) -> None:
        self.opened.append(event)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds of the position events the positions built, in order."""
    names: list[str] = []
    event, closed = Position._event, Position._closed_event

    def spy_event(self: Position, kind: type[PositionEvent], stamp: int) -> PositionEvent:
        names.append(kind.__name__)
        return event(self, kind, stamp)  # type: ignore[arg-type]

    def spy_closed(self: Position, average: Decimal, stamp: int) -> PositionClosed:
        names.append("PositionClosed")
        return closed(self, average, stamp)

    monkeypatch.setattr(Position, "_event", spy_event)
    monkeypatch.setattr(Position, "_closed_event", spy_closed)
    return names


def _kernel(clock: SimulatedClock, venue: ScriptedVenue, **options: object) -> Kernel:
    kernel = Kernel(clock, ids=SequentialIdFactory("T"), **options)  # type: ignore[arg-type]
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money("10000000", KRW))
    kernel.add_account(account)
    kernel.add_execution_client(venue)
    return kernel


def _round_trip(kernel: Kernel, venue: ScriptedVenue, strategy: Strategy) -> None:
    kernel.add_strategy(strategy)
    kernel.start()
    for n in range(2):
        kernel.process_bar(make_bar(n, "70000", "70100", "69900", "70000"))
        order = kernel.cache.orders()[-1]
        venue.fill(order.client_order_id, "10", "70000")


def test_only_the_closes_a_listener_asks_for_are_built(
    clock: SimulatedClock, venue: ScriptedVenue, built: list[str]
) -> None:
    kernel = _kernel(clock, venue)
    closes: list[PositionEvent] = []
    kernel.add_position_listener(closes.append, (PositionClosed,))
    _round_trip(kernel, venue, RoundTrip())
    assert built == ["PositionClosed"]
    assert [type(e) for e in closes] == [PositionClosed]
    assert kernel.portfolio.position_qty(SAMSUNG, RoundTrip().id) == 0
    assert kernel.portfolio.cash() == Money("10000000", KRW)


def test_a_strategy_callback_or_a_listener_for_everything_gets_every_event(
    clock: SimulatedClock, venue: ScriptedVenue, built: list[str]
) -> None:
    kernel = _kernel(clock, venue)
    closes: list[PositionEvent] = []
    kernel.add_position_listener(closes.append, (PositionClosed,))
    strategy = WatchesOpenings()
    _round_trip(kernel, venue, strategy)
    assert built == ["PositionOpened", "PositionClosed"]
    assert [e.signed_qty for e in strategy.opened] == [10]
    assert [type(e) for e in closes] == [PositionClosed]  # a listener gets its kinds only

    built.clear()
    everything: list[PositionEvent] = []
    other = _kernel(SimulatedClock(T0), venue2 := ScriptedVenue(SimulatedClock(T0)))
    other.add_position_listener(everything.append)
    _round_trip(other, venue2, RoundTrip())
    assert built == ["PositionOpened", "PositionClosed"]
    assert [type(e) for e in everything] == [PositionOpened, PositionClosed]


def test_the_bus_gets_every_position_event(
    clock: SimulatedClock, venue: ScriptedVenue, built: list[str]
) -> None:
    published: list[Message] = []
    kernel = _kernel(clock, venue, publish=lambda topic, message: published.append(message))
    _round_trip(kernel, venue, RoundTrip())
    assert built == ["PositionOpened", "PositionClosed"]
    kinds = [type(m) for m in published if isinstance(m, PositionEvent)]
    assert kinds == [PositionOpened, PositionClosed]
    assert PositionChanged not in kinds
