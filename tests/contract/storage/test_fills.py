from __future__ import annotations

import pytest

from jts.core.errors import DuplicateFillError, UnknownInstrumentError
from jts.domain.events_order import OrderFilled
from jts.domain.values import BTC, KRW, USDT, Money, Price, Quantity
from jts.ports.repositories import FillRepository
from jts.storage import Storage
from tests.contract.storage.builders import (
    OTHER_STRATEGY,
    T0,
    btc,
    eth_btc,
    filled,
    samsung,
    working_order,
)


@pytest.fixture
def stored(storage: Storage) -> Storage:
    for make in (samsung, btc, eth_btc):
        storage.instruments.add(make())
    return storage


def _exactly(a: OrderFilled, b: OrderFilled) -> None:
    assert a == b
    for name in ("last_qty", "last_px", "commission", "tax"):
        assert str(getattr(a, name)) == str(getattr(b, name))


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.fills, FillRepository)


def test_krx_fill_round_trips_exactly(stored: Storage) -> None:
    order = working_order(samsung())
    fill = filled(order, Quantity(3), Price(70_100), commission=Money(29, KRW), tax=Money(378, KRW))
    stored.fills.add(fill)
    [back] = stored.fills.for_order(order.client_order_id)
    _exactly(back, fill)


def test_crypto_fill_round_trips_exactly(stored: Storage) -> None:
    """8-decimal quantities and prices, fees in another currency, 0.1 + 0.2 as a price."""
    order = working_order(eth_btc(), quantity=Quantity("5.00000000"), price=Price("0.30000000"))
    fill = filled(
        order,
        Quantity("0.00000001"),
        Price("0.1") + Price("0.2"),
        currency=BTC,
        commission=Money("0.123456", USDT),
        tax=Money("0.00000000", BTC),
    )
    stored.fills.add(fill)
    [back] = stored.fills.for_order(order.client_order_id)
    _exactly(back, fill)
    assert str(back.last_px) == "0.3"


def test_eighteen_digit_values_survive(stored: Storage) -> None:
    order = working_order(btc(), quantity=Quantity("999999999999999999"), price=Price(1))
    fill = filled(
        order,
        Quantity("123456789012345678"),
        Price("0.000000000000000001"),
        commission=Money("123456789012345678", KRW),
    )
    stored.fills.add(fill)
    [back] = stored.fills.for_order(order.client_order_id)
    _exactly(back, fill)


def test_duplicate_trade_id_is_refused_and_the_first_fill_kept(stored: Storage) -> None:
    order = working_order(samsung())
    first = filled(order, Quantity(3), Price(70_100), trade_id="T-1")
    again = filled(order, Quantity(5), Price(69_900), trade_id="T-1")  # same trade, other numbers
    stored.fills.add(first)
    with pytest.raises(DuplicateFillError, match="T-1"):
        stored.fills.add(again)
    with pytest.raises(DuplicateFillError):
        stored.fills.add(first)  # the very same fill twice: still one row
    assert stored.fills.for_order(order.client_order_id) == [first]
    assert stored.fills.count() == 1


def test_same_trade_id_on_another_order_is_a_different_fill(stored: Storage) -> None:
    """Two of our orders trading against each other share the venue's trade id."""
    buy, sell = working_order(samsung()), working_order(samsung(), strategy=OTHER_STRATEGY)
    stored.fills.add(filled(buy, Quantity(1), Price(70_000), trade_id="T-X"))
    stored.fills.add(filled(sell, Quantity(1), Price(70_000), trade_id="T-X"))
    assert stored.fills.count() == 2


def test_unknown_instrument_is_refused_and_nothing_stored(storage: Storage) -> None:
    order = working_order(samsung())  # samsung never stored
    with pytest.raises(UnknownInstrumentError, match=r"005930\.KRX"):
        storage.fills.add(filled(order, Quantity(1), Price(70_000)))
    assert storage.fills.count() == 0


def test_for_order_keeps_the_order_fills_were_added(stored: Storage) -> None:
    order = working_order(samsung())
    fills = [
        filled(order, Quantity(1), Price(70_000), ts=T0 + 30),
        filled(order, Quantity(2), Price(70_100), ts=T0 + 10),
        filled(order, Quantity(3), Price(70_200), ts=T0 + 20),
    ]
    for fill in fills:
        stored.fills.add(fill)
    assert stored.fills.for_order(order.client_order_id) == fills


def test_query_filters_combine(stored: Storage) -> None:
    mine, theirs, coin = (
        working_order(samsung()),
        working_order(samsung(), strategy=OTHER_STRATEGY),
        working_order(btc()),
    )
    a = filled(mine, Quantity(1), Price(70_000), ts=T0 + 10)
    b = filled(theirs, Quantity(1), Price(70_000), ts=T0 + 20)
    c = filled(coin, Quantity(1), Price(90_000_000), ts=T0 + 30)
    d = filled(mine, Quantity(2), Price(70_100), ts=T0 + 40)
    for fill in (d, c, b, a):
        stored.fills.add(fill)
    assert stored.fills.query() == [a, b, c, d]
    assert stored.fills.query(instrument_id=samsung().id) == [a, b, d]
    assert stored.fills.query(strategy_id=mine.strategy_id) == [a, c, d]
    assert stored.fills.query(instrument_id=samsung().id, strategy_id=mine.strategy_id) == [a, d]
    assert stored.fills.query(start_ns=T0 + 20, end_ns=T0 + 40) == [b, c]
    assert stored.fills.query(start_ns=T0 + 41) == []
