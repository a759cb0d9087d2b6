from __future__ import annotations

import pytest

from jts.core.errors import InvalidInputError, StateError
from jts.domain.enums import OrderSide, PositionSide
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import PositionId
from jts.domain.positions import Position
from jts.domain.values import BTC, KRW, Currency, Money, Price, Quantity
from jts.ports.repositories import PositionRepository, UnknownPositionError
from jts.storage import Storage
from tests.contract.storage.builders import (
    ACCOUNT,
    OTHER_STRATEGY,
    STRATEGY,
    TRADER,
    eth_btc,
    filled,
    samsung,
    working_order,
)


@pytest.fixture
def stored(storage: Storage) -> Storage:
    for make in (samsung, eth_btc):
        storage.instruments.add(make())
    return storage


def _position(instrument=None, strategy=STRATEGY, currency: Currency = KRW) -> Position:
    instrument = instrument or samsung()
    return Position(instrument.id, strategy, TRADER, currency, account_id=ACCOUNT)


def _trade(storage: Storage, position: Position, fills: list[OrderFilled]) -> None:
    """What the OMS and the portfolio do: store each fill, then apply it."""
    for fill in fills:
        storage.fills.add(fill)
        position.apply(fill)


def _fill(
    side: OrderSide,
    qty: int | str,
    px: int | str,
    *,
    instrument=None,
    strategy=STRATEGY,
    currency: Currency = KRW,
) -> OrderFilled:
    order = working_order(
        instrument or samsung(),
        side=side,
        quantity=Quantity(qty),
        price=Price(px),
        strategy=strategy,
    )
    return filled(
        order, Quantity(qty), Price(px), currency=currency, commission=Money.zero(currency)
    )


def assert_same_position(a: Position, b: Position) -> None:
    assert a.position_id == b.position_id
    assert a.side is b.side
    assert a.signed_qty == b.signed_qty
    assert str(a.quantity) == str(b.quantity)
    assert a.peak_qty == b.peak_qty
    assert a.avg_px_open == b.avg_px_open
    assert a.avg_px_close == b.avg_px_close
    assert a.realized_pnl_exact == b.realized_pnl_exact
    assert a.commissions == b.commissions
    assert a.taxes == b.taxes
    assert a.trade_ids == b.trade_ids
    assert a.entry is b.entry
    assert a.opening_order_id == b.opening_order_id
    assert (a.ts_opened, a.ts_closed) == (b.ts_opened, b.ts_closed)
    assert a.unrealized_pnl(Price(71_234)) == b.unrealized_pnl(Price(71_234))


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.positions, PositionRepository)


def test_open_position_round_trips_exactly(stored: Storage) -> None:
    position = _position()
    _trade(stored, position, [_fill(OrderSide.BUY, 10, 70_000), _fill(OrderSide.BUY, 5, 70_100)])
    stored.positions.save(position)
    assert_same_position(stored.positions.get(position.position_id), position)


def test_reduced_and_flipped_position_keeps_its_exact_pnl(stored: Storage) -> None:
    """An average of 70,033.33... won is not a Decimal column value: the exact fraction must
    come back, which only a replay gives."""
    position = _position()
    _trade(
        stored,
        position,
        [
            _fill(OrderSide.BUY, 2, 70_000),
            _fill(OrderSide.BUY, 1, 70_100),
            _fill(OrderSide.SELL, 1, 71_000),
            _fill(OrderSide.SELL, 5, 69_000),  # through zero: short 3
        ],
    )
    assert position.side is PositionSide.SHORT
    stored.positions.save(position)
    back = stored.positions.get(position.position_id)
    assert_same_position(back, position)
    assert back.realized_pnl_exact == position.realized_pnl_exact


def test_crypto_position_with_eight_decimals(stored: Storage) -> None:
    position = _position(eth_btc(), currency=BTC)
    _trade(
        stored,
        position,
        [
            _fill(OrderSide.BUY, "0.00000001", "0.05000001", instrument=eth_btc(), currency=BTC),
            _fill(OrderSide.BUY, "1.23456789", "0.04999999", instrument=eth_btc(), currency=BTC),
        ],
    )
    stored.positions.save(position)
    assert_same_position(stored.positions.get(position.position_id), position)


def test_saving_again_after_more_fills_replaces_it(stored: Storage) -> None:
    position = _position()
    _trade(stored, position, [_fill(OrderSide.BUY, 10, 70_000)])
    stored.positions.save(position)
    _trade(stored, position, [_fill(OrderSide.SELL, 10, 71_000)])
    stored.positions.save(position)
    back = stored.positions.get(position.position_id)
    assert back.side is PositionSide.FLAT
    assert_same_position(back, position)


def test_a_stored_snapshot_ignores_fills_stored_after_it(stored: Storage) -> None:
    position = _position()
    _trade(stored, position, [_fill(OrderSide.BUY, 10, 70_000)])
    stored.positions.save(position)
    stored.fills.add(_fill(OrderSide.BUY, 5, 70_500))  # not applied to a saved position yet
    assert_same_position(stored.positions.get(position.position_id), position)


def test_position_whose_fills_are_not_stored_is_refused(stored: Storage) -> None:
    position = _position()
    position.apply(_fill(OrderSide.BUY, 10, 70_000))  # applied, never stored
    with pytest.raises(StateError, match="store every fill"):
        stored.positions.save(position)
    assert stored.positions.find(position.position_id) is None


def test_position_without_fills_is_refused(stored: Storage) -> None:
    with pytest.raises(InvalidInputError, match="no fills"):
        stored.positions.save(_position())


def test_a_second_position_id_for_one_slot_is_refused(stored: Storage) -> None:
    position = _position()
    _trade(stored, position, [_fill(OrderSide.BUY, 10, 70_000)])
    stored.positions.save(position)
    other = Position(
        samsung().id, STRATEGY, TRADER, KRW, account_id=ACCOUNT, position_id=PositionId("P-OTHER")
    )
    for fill in stored.fills.query():
        other.apply(fill)
    with pytest.raises(StateError, match="one netting position per slot"):
        stored.positions.save(other)
    assert stored.positions.find(PositionId("P-OTHER")) is None
    assert_same_position(stored.positions.get(position.position_id), position)


def test_a_row_that_disagrees_with_its_fills_is_reported(stored: Storage) -> None:
    position = _position()
    _trade(stored, position, [_fill(OrderSide.BUY, 10, 70_000)])
    stored.positions.save(position)
    with stored.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE positions SET signed_qty = '11'")
    with pytest.raises(StateError, match="signed_qty"):
        stored.positions.get(position.position_id)


def test_get_unknown_raises_and_find_returns_none(storage: Storage) -> None:
    with pytest.raises(UnknownPositionError, match="P-NOPE"):
        storage.positions.get(PositionId("P-NOPE"))
    assert storage.positions.find(PositionId("P-NOPE")) is None


def test_list_open_and_by_strategy(stored: Storage) -> None:
    long_ = _position()
    _trade(stored, long_, [_fill(OrderSide.BUY, 10, 70_000)])
    flat = _position(strategy=OTHER_STRATEGY)
    _trade(
        stored,
        flat,
        [
            _fill(OrderSide.BUY, 1, 70_000, strategy=OTHER_STRATEGY),
            _fill(OrderSide.SELL, 1, 70_500, strategy=OTHER_STRATEGY),
        ],
    )
    coin = _position(eth_btc(), currency=BTC)
    _trade(stored, coin, [_fill(OrderSide.SELL, "0.5", "0.05", instrument=eth_btc(), currency=BTC)])
    for position in (long_, flat, coin):
        stored.positions.save(position)
    assert [p.position_id for p in stored.positions.list_open()] == sorted(
        [long_.position_id, coin.position_id]
    )
    assert [p.position_id for p in stored.positions.list_by_strategy(STRATEGY)] == sorted(
        [long_.position_id, coin.position_id]
    )
    [only] = stored.positions.list_by_strategy(OTHER_STRATEGY)
    assert_same_position(only, flat)
