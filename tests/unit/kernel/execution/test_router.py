"""The order router: the most specific route first, the venue's accounts last, and among
several accounts the one with the most rate-limit headroom."""

from __future__ import annotations

import pytest

from jts.core.clock import SimulatedClock
from jts.domain.identifiers import AccountId, InstrumentId, StrategyId, Venue
from jts.kernel.execution.router import NoRouteError, OrderRouter
from tests.unit.kernel.conftest import ScriptedVenue

SAMSUNG = InstrumentId("005930.KRX")
HYNIX = InstrumentId("000660.KRX")
BTC = InstrumentId("KRW-BTC.UPBIT")
ALPHA, BETA = StrategyId("Alpha-1"), StrategyId("Beta-1")


class Account(ScriptedVenue):
    """A client with an account id of its own and a capacity the test sets."""

    def __init__(self, name: str, capacity: float | None = None, venue: str = "KRX") -> None:
        super().__init__(SimulatedClock(), AccountId(f"SIM-{name}"))
        self._venue_name = Venue(venue)
        self.capacity = capacity

    @property
    def venue(self) -> Venue:
        return self._venue_name


class Measured(Account):
    def available_capacity(self) -> float:
        assert self.capacity is not None
        return self.capacity


@pytest.fixture
def router() -> OrderRouter:
    return OrderRouter()


def test_the_most_specific_route_wins(router: OrderRouter) -> None:
    a, b, c, d = (Account(n) for n in ("A", "B", "C", "D"))
    for client in (a, b, c, d):
        router.add_client(client)
    router.add_route([b.account_id], strategy_id=ALPHA)
    router.add_route([c.account_id], instrument_id=SAMSUNG)
    router.add_route([d.account_id], strategy_id=ALPHA, instrument_id=SAMSUNG)
    assert router.route(SAMSUNG, ALPHA) is d  # strategy and instrument
    assert router.route(HYNIX, ALPHA) is b  # strategy
    assert router.route(SAMSUNG, BETA) is c  # instrument
    assert router.route(HYNIX, BETA) is a  # the venue's first account


def test_an_order_that_names_its_account_goes_there(router: OrderRouter) -> None:
    a, b = Account("A"), Account("B")
    router.add_client(a)
    router.add_client(b)
    router.add_route([a.account_id], strategy_id=ALPHA)
    assert router.route(SAMSUNG, ALPHA, AccountId("SIM-B")) is b
    with pytest.raises(NoRouteError, match="account SIM-Z"):
        router.route(SAMSUNG, ALPHA, AccountId("SIM-Z"))


def test_several_accounts_the_one_with_most_headroom(router: OrderRouter) -> None:
    busy, idle, down = Measured("busy", 0.2), Measured("idle", 0.9), Measured("down", 0.0)
    for client in (down, busy, idle):
        router.add_client(client)
    router.add_route([down.account_id, busy.account_id, idle.account_id], strategy_id=ALPHA)
    assert router.route(SAMSUNG, ALPHA) is idle
    idle.capacity, busy.capacity = 0.1, 0.5
    assert router.route(SAMSUNG, ALPHA) is busy
    idle.capacity = busy.capacity = 0.5  # a tie keeps the route's order
    assert router.route(SAMSUNG, ALPHA) is busy
    assert router.route(HYNIX, BETA) is busy  # the venue's accounts, by headroom too


def test_a_client_that_cannot_say_counts_as_idle(router: OrderRouter) -> None:
    measured, silent = Measured("m", 0.5), Account("s")
    router.add_client(measured)
    router.add_client(silent)
    assert router.route(SAMSUNG, ALPHA) is silent


def test_venues_keep_their_own_accounts(router: OrderRouter) -> None:
    krx, upbit = Account("K"), Account("U", venue="UPBIT")
    router.add_client(krx)
    router.add_client(upbit)
    assert router.route(BTC, ALPHA) is upbit
    assert router.route(SAMSUNG, ALPHA) is krx
    with pytest.raises(NoRouteError, match="venue NYSE"):
        router.route(InstrumentId("AAPL.NYSE"), ALPHA)


def test_a_route_whose_accounts_have_no_client_is_an_error(router: OrderRouter) -> None:
    router.add_client(Account("A"))
    router.add_route([AccountId("SIM-GONE")], strategy_id=ALPHA)
    with pytest.raises(NoRouteError, match="SIM-GONE"):
        router.route(SAMSUNG, ALPHA)


def test_a_preferred_account_wins_over_headroom_unless_none_is_preferred(
    router: OrderRouter,
) -> None:
    holder, idle = Measured("holder", 0.1), Measured("idle", 0.9)
    router.add_client(holder)
    router.add_client(idle)
    router.add_route([holder.account_id, idle.account_id], strategy_id=ALPHA)
    assert router.route(SAMSUNG, ALPHA, prefer=lambda a: a == holder.account_id) is holder
    assert router.route(SAMSUNG, ALPHA, prefer=lambda a: False) is idle
    assert router.route(SAMSUNG, ALPHA) is idle
