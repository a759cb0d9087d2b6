"""Child limit prices: on the grid, passive rounding, steps across bands, daily limits."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.instruments import Market, krx_equity, upbit_spot
from jts.domain.values import Price, Rounding
from jts.kernel.execution.algorithms.pricing import (
    daily_limits_or_none,
    offset_price,
    passive_rounding,
    within_limits,
)

DAY = dt.date(2024, 3, 4)
SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
SCHEME = SAMSUNG.tick_scheme(DAY)
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_passive_rounding_never_pays_more() -> None:
    assert passive_rounding(BUY) is Rounding.DOWN
    assert passive_rounding(SELL) is Rounding.UP


@pytest.mark.parametrize(
    ("side", "reference", "ticks", "expected"),
    [
        (BUY, "70050", 0, "70000"),  # off the 100 tick: a buy rounds down
        (SELL, "70050", 0, "70100"),  # a sell rounds up
        (BUY, "70000", 3, "69700"),
        (SELL, "70000", 3, "70300"),
        (BUY, "70000", -2, "70200"),  # negative crosses toward the other side
        (SELL, "70000", -2, "69800"),
        (BUY, "50000", 1, "49950"),  # below 50,000 the tick is 50
        (SELL, "49950", 2, "50100"),  # steps follow the grid across the band boundary
        (BUY, "50100", 3, "49900"),  # 50,000, 49,950, 49,900
        (BUY, "3", 5, "1"),  # not that many ticks above zero: the smallest price
        (BUY, "0.5", 0, "1"),  # below the smallest price
    ],
)
def test_offset_price_stays_on_the_grid(
    side: OrderSide, reference: str, ticks: int, expected: str
) -> None:
    price = offset_price(SCHEME, side, Price(reference), ticks)
    assert str(price) == expected
    assert SCHEME.is_valid(price)


def test_offset_must_be_an_int() -> None:
    with pytest.raises(InvalidInputError, match="tick offset must be an int"):
        offset_price(SCHEME, BUY, Price(70000), 1.0)  # type: ignore[arg-type]


def test_daily_limits_clip_toward_the_passive_side_only() -> None:
    limits = daily_limits_or_none(SAMSUNG, Price(70000), DAY)
    assert limits is not None
    assert (limits.lower, limits.upper) == (Price(49000), Price(91000))
    assert within_limits(Price(95000), BUY, limits) == Price(91000)
    assert within_limits(Price(40000), SELL, limits) == Price(49000)
    # the other side would make the child more aggressive than asked: left to the risk engine
    assert within_limits(Price(40000), BUY, limits) == Price(40000)
    assert within_limits(Price(95000), SELL, limits) == Price(95000)
    assert within_limits(Price(95000), BUY, None) == Price(95000)


def test_limits_are_unknown_without_a_base_or_outside_krx() -> None:
    assert daily_limits_or_none(SAMSUNG, None, DAY) is None
    assert daily_limits_or_none(upbit_spot("KRW-BTC"), Price(90_000_000), DAY) is None
