"""Stop levels: from the entry price, on the tick grid away from it, checked against a bar's
range, trailing after the check; and their JSON form."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from fractions import Fraction

import pytest

from jts.domain.instruments import Market, krx_equity
from jts.domain.values import Price, Rounding
from jts.dsl.errors import DslRuntimeError
from jts.dsl.load import check_source
from jts.dsl.streaming import PositionStops, StopRules
from jts.dsl.streaming.stops import on_grid

SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
DAY = dt.date(2024, 3, 4)  # KRX ticks: 10 won from 5,000, 50 from 20,000, 100 from 50,000


def rules(stops: str, params: dict[str, Decimal] | None = None) -> StopRules:
    program = check_source(
        "param p = 2 in 1..50\nenter long when close > 1\nsize 1 shares\n" + stops
    )
    return StopRules(program, program.bind(params))


def opened(
    stops: str, side: int, entry: str, distances: dict[str, float] | None = None
) -> PositionStops:
    rule = rules(stops)
    return rule.open(side, Decimal(entry), rule.offsets(distances or {}), SAMSUNG, DAY)


def test_percent_levels_round_to_the_grid_away_from_the_entry() -> None:
    long = opened("stop loss 2%\ntake profit 5%\n", 1, "70100")
    # 70,100 * 0.98 = 68,698 -> down to 68,600; * 1.05 = 73,605 -> up to 73,700
    assert (long.stop_loss, long.take_profit) == (Price(68_600), Price(73_700))
    short = opened("stop loss 2%\ntake profit 5%\n", -1, "70100")
    # 71,502 -> up to 71,600; 66,595 -> down to 66,500
    assert (short.stop_loss, short.take_profit) == (Price(71_600), Price(66_500))


def test_a_level_exactly_on_the_grid_stays_and_bands_are_crossed_exactly() -> None:
    assert opened("stop loss 2%\n", 1, "70000").stop_loss == Price(68_600)
    # 51,000 * 0.98 = 49,980: below 50,000 the tick is 50, so 49,950
    assert opened("stop loss 2%\n", 1, "51000").stop_loss == Price(49_950)


def test_parameters_give_the_percent() -> None:
    rule = rules("stop loss p%\n", {"p": Decimal(10)})
    stops = rule.open(1, Decimal(10_000), rule.offsets({}), SAMSUNG, DAY)
    assert stops.stop_loss == Price(9_000)


def test_distance_stops_use_the_exact_float_and_skip_unknown_distances() -> None:
    text = "stop loss 2 * atr(14)\ntake profit close - open\n"
    stops = opened(text, 1, "70000", {"stop_loss": 1234.5, "take_profit": math.nan})
    assert stops.stop_loss == Price(68_700)  # 68,765.5 -> down to 68,700
    assert stops.take_profit is None
    for bad in (math.nan, math.inf, 0.0, -10.0):
        assert rules(text).offsets({"stop_loss": bad, "take_profit": bad}) == {}


def test_a_level_below_the_lowest_price_places_no_stop() -> None:
    stops = opened("stop loss 2 * atr(14)\n", 1, "1000", {"stop_loss": 5_000.0})
    assert stops.stop_loss is None
    assert on_grid(Fraction(1, 2), SAMSUNG, DAY, Rounding.DOWN) is None
    assert on_grid(Fraction(1, 2), SAMSUNG, DAY, Rounding.UP) == Price(1)


def test_long_stops_trigger_on_the_bars_low_and_high() -> None:
    stops = opened("stop loss 2%\ntake profit 5%\n", 1, "70000")
    assert stops.triggered(high=Price(73_400), low=Price(68_700)) is None
    assert stops.triggered(high=Price(73_400), low=Price(68_600)) == "stop loss 68600"
    assert stops.triggered(high=Price(73_500), low=Price(70_000)) == "take profit 73500"
    # both in one bar: the loss is reported (the order inside a bar is unknown)
    assert stops.triggered(high=Price(80_000), low=Price(60_000)) == "stop loss 68600"


def test_short_stops_mirror_them() -> None:
    stops = opened("stop loss 2%\ntake profit 5%\n", -1, "70000")
    assert stops.triggered(high=Price(71_300), low=Price(66_600)) is None
    assert stops.triggered(high=Price(71_400), low=Price(70_000)) == "stop loss 71400"
    assert stops.triggered(high=Price(70_000), low=Price(66_500)) == "take profit 66500"


def test_a_trailing_stop_follows_the_best_price_and_never_loosens() -> None:
    stops = opened("trailing stop 10%\n", 1, "10000")
    assert stops.trailing == Price(9_000)
    stops.advance(high=Price(12_000), low=Price(11_000), instrument=SAMSUNG, on_date=DAY)
    assert (stops.best, stops.trailing) == (Decimal(12_000), Price(10_800))
    stops.advance(high=Price(11_000), low=Price(10_900), instrument=SAMSUNG, on_date=DAY)
    assert stops.trailing == Price(10_800)  # a lower high does not move it back
    assert stops.triggered(high=Price(11_000), low=Price(10_800)) == "trailing stop 10800"


def test_the_trailing_level_is_checked_before_the_bar_moves_it() -> None:
    """A bar whose high would raise the level above its own low does not stop out: the
    order of high and low inside the bar is unknown."""
    stops = opened("trailing stop 10%\n", 1, "10000")
    high, low = Price(12_000), Price(10_000)  # 12,000 would put the level at 10,800
    assert stops.triggered(high, low) is None
    stops.advance(high, low, SAMSUNG, DAY)
    assert stops.trailing == Price(10_800)


def test_a_short_trailing_stop_follows_the_lows() -> None:
    stops = opened("trailing stop 3 * atr(14)\n", -1, "10000", {"trailing_stop": 300.0})
    assert stops.trailing == Price(10_300)
    stops.advance(high=Price(9_900), low=Price(9_000), instrument=SAMSUNG, on_date=DAY)
    assert (stops.best, stops.trailing) == (Decimal(9_000), Price(9_300))


def test_stop_state_round_trips_through_json() -> None:
    stops = opened("stop loss 2%\ntrailing stop 2 * atr(14)\n", 1, "70100", {"trailing_stop": 0.1})
    stops.advance(Price(71_000), Price(70_000), SAMSUNG, DAY)
    text = json.dumps(stops.to_json())
    again = PositionStops.from_json(json.loads(text))
    assert again == stops
    assert again.offsets["trailing_stop"].distance == Fraction(0.1)  # the exact float


def test_bad_saved_stop_state_is_refused() -> None:
    data = opened("stop loss 2%\n", 1, "70000").to_json()
    data["offsets"] = {"stop_gain": {"percent": "1/1"}}
    with pytest.raises(DslRuntimeError, match="unknown stop kind 'stop_gain'"):
        PositionStops.from_json(data)


def test_out_of_range_percents_from_parameters_are_refused() -> None:
    program = check_source(
        "param p = 2 in 1..50\nenter long when close > 1\nsize 1 shares\nstop loss p%\n"
    )
    with pytest.raises(DslRuntimeError, match=r"stop loss percent must be in \(0, 100\)"):
        StopRules(program, {"p": Decimal(100)})
    assert not StopRules(check_source("enter long when true\nsize 1 shares\n"), {}).any
