"""The synthetic market: every price on the KRX grid and inside the daily limits, seeded."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.market import ReplayBar, SyntheticMarket
from jts.core.time import NANOS_PER_DAY, NANOS_PER_SECOND
from jts.domain.values import Price

from .conftest import START, SYMBOLS


def test_day_state_starts_at_the_base_with_krx_limits(market):
    state = market.state("005930")
    assert (state.base, state.last) == (70_000, 70_000)
    assert (state.lower, state.upper) == (49_000, 91_000)
    assert state.trading_date == dt.date(2026, 3, 2)
    assert not state.traded
    assert state.book.asks[0] == (70_100, state.book.asks[0][1])
    assert state.book.bids[0][0] == 70_000


@pytest.mark.parametrize("symbol", [s.symbol for s in SYMBOLS])
def test_a_long_walk_stays_on_the_grid_inside_the_limits(market, clock, symbol):
    scheme = market.scheme(symbol)
    state = market.state(symbol)
    for i in range(250):
        clock.set_time(START + i * NANOS_PER_SECOND)
        for trade in market.step(symbol):
            assert scheme.is_valid(Price(trade.price))
            assert state.lower <= trade.price <= state.upper
            assert trade.qty > 0
        for price, qty in (*state.book.asks, *state.book.bids):
            assert scheme.is_valid(Price(price))
            assert state.lower <= price <= state.upper
            assert qty > 0
    assert state.low <= state.last <= state.high
    assert state.cum_vol == state.buy_vol + state.sell_vol


def test_same_seed_same_prices(clock):
    one = SyntheticMarket(SYMBOLS, clock, seed=3)
    two = SyntheticMarket(SYMBOLS, clock, seed=3)
    other = SyntheticMarket(SYMBOLS, clock, seed=4)
    walk = [[t.price for _ in range(50) for t in m.step("005930")] for m in (one, two, other)]
    assert walk[0] == walk[1]
    assert walk[0] != walk[2]


def test_record_trade_updates_ohlc_volume_and_minute_bars(market, clock):
    market.record_trade("005930", 70_500, 10, "1")
    clock.set_time(START + 61 * NANOS_PER_SECOND)
    market.record_trade("005930", 69_800, 5, "5")
    trade = market.record_trade("005930", 70_100, 1, "1")
    state = market.state("005930")
    assert (state.open, state.high, state.low, state.last) == (70_500, 70_500, 69_800, 70_100)
    assert (state.cum_vol, state.cum_value) == (16, 705_000 + 349_000 + 70_100)
    assert (state.open_hhmmss, state.low_hhmmss) == ("100000", "100101")
    assert trade.view.cum_vol == 16
    bars = market.minute_bars("005930")
    assert [(b.hhmm, b.open, b.high, b.low, b.close, b.volume) for b in bars] == [
        ("1000", 70_500, 70_500, 70_500, 70_500, 10),
        ("1001", 69_800, 70_100, 69_800, 70_100, 6),
    ]


def test_each_print_keeps_its_own_running_totals(market):
    first = market.record_trade("005930", 70_100, 10, "1")
    second = market.record_trade("005930", 70_200, 20, "1")
    assert (first.view.cum_vol, second.view.cum_vol) == (10, 30)
    assert (first.view.high, second.view.high) == (70_100, 70_200)


def test_unknown_symbol_is_apbk0656(market):
    with pytest.raises(KisRequestError) as info:
        market.state("999999")
    assert info.value.code.msg_cd == "APBK0656"
    assert not market.has("999999")


def test_a_new_kst_day_rolls_the_base_to_the_last_price(market, clock):
    market.record_trade("005930", 72_000, 1, "1")
    clock.set_time(START + NANOS_PER_DAY)
    state = market.state("005930")
    assert state.trading_date == dt.date(2026, 3, 3)
    assert (state.base, state.last, state.cum_vol) == (72_000, 72_000, 0)


def test_replay_prints_the_conservative_path_of_each_bar(market):
    bars = [
        ReplayBar(ts_ns=START, open=70_000, high=70_500, low=69_800, close=70_300, volume=400),
        ReplayBar(ts_ns=START + 60, open=70_300, high=70_400, low=69_900, close=70_000, volume=3),
    ]
    assert market.load_replay("005930", bars) == 8
    prints = [t for _ in range(8) for t in market.step("005930")]
    assert [t.price for t in prints] == [
        *(70_000, 69_800, 70_500, 70_300),  # up bar: the low first
        *(70_300, 70_400, 69_900, 70_000),  # down bar: the high first
    ]
    assert sum(t.qty for t in prints[:4]) == 400
    assert [t.qty for t in prints[4:]] == [1, 1, 1, 1]  # fewer shares than points
    assert prints[0].ts_ns == START
    flat = ReplayBar(ts_ns=START, open=70_000, high=70_000, low=70_000, close=70_000, volume=9)
    assert market.load_replay("005930", [flat]) == 1
    with pytest.raises(KisRequestError, match="not a bar"):
        market.load_replay("005930", [ReplayBar(START, 70_000, 69_900, 70_100, 70_000, 1)])
    with pytest.raises(KisRequestError, match="off the tick grid"):
        market.load_replay("005930", [ReplayBar(START, 70_050, 70_050, 70_050, 70_050, 1)])


def test_daily_history_ends_at_the_base_and_stays_on_the_grid(market):
    history = market.daily_history("000660")
    assert len(history) == 60
    assert history[-1].close == 180_000
    assert history[-1].date == dt.date(2026, 2, 27)  # the Friday before
    scheme = market.scheme("000660")
    for bar in history:
        assert bar.date.weekday() < 5
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        for price in (bar.open, bar.high, bar.low, bar.close):
            assert scheme.is_valid(Price(price))
    market.record_trade("000660", 181_000, 3, "1")
    assert market.daily_history("000660")[-1].date == dt.date(2026, 3, 2)


def test_snapshot_restores_the_same_day(market, clock):
    market.record_trade("005930", 70_600, 4, "1")
    restored = SyntheticMarket(SYMBOLS, clock, seed=7)
    restored.restore(market.snapshot())
    state = restored.state("005930")
    assert (state.last, state.high, state.cum_vol) == (70_600, 70_600, 4)
