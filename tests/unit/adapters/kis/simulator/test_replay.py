"""Replaying bars as the tape: spread prints, bases, checks, the end of the day, no fill prints."""

from __future__ import annotations

import dataclasses

import pytest

from jts.adapters.kis.simulator import frames
from jts.adapters.kis.simulator.config import SimulatorConfig
from jts.adapters.kis.simulator.market import ReplayBar
from jts.adapters.kis.simulator.replay import print_span_ns, queue_replay, with_replay_bases
from jts.adapters.kis.simulator.server import KisSimulator
from jts.core.errors import ConfigError
from jts.core.time import NANOS_PER_SECOND

from .conftest import SYMBOLS
from .test_venue import make_venue, order

MINUTE = 60 * NANOS_PER_SECOND
#: a bar of 2025-03-04 09:00-09:01 KST, long before the simulated clock's day
HISTORY = 1_741_046_400 * NANOS_PER_SECOND


def bar(ts: int, o: int, h: int, low: int, c: int, v: int = 400) -> ReplayBar:
    return ReplayBar(ts_ns=ts, open=o, high=h, low=low, close=c, volume=v)


def test_prints_spread_over_the_bar_and_carry_its_date(market):
    queued = queue_replay(market, {"005930": [bar(HISTORY, 70_000, 70_500, 69_800, 70_300)]}, 60)
    assert queued == 4
    prints = [p for _ in range(4) for p in market.step("005930")]
    assert [p.ts_ns - HISTORY for p in prints] == [0, 15 * 10**9, 30 * 10**9, 45 * 10**9]
    record = frames.tick_record(market.state("005930"), prints[0])
    assert (record[1], record[33]) == ("090000", "20250304")  # the bar's time, not today's
    assert [p.price for p in prints] == [70_000, 69_800, 70_500, 70_300]


def test_after_the_replay_the_symbol_prints_nothing(market):
    queue_replay(market, {"005930": [bar(HISTORY, 70_000, 70_000, 70_000, 70_000, 5)]}, 60)
    assert len(market.step("005930")) == 1
    assert market.replay_left() == {"005930": 0}
    assert [market.step("005930") for _ in range(5)] == [[]] * 5
    assert market.step("000660")  # other symbols keep their random walk


def test_a_bad_bar_queues_nothing(market):
    bars = [
        bar(HISTORY, 70_000, 70_100, 69_900, 70_000),
        bar(HISTORY + MINUTE, 70_050, 70_050, 70_050, 70_050),  # off the 100-won grid
    ]
    with pytest.raises(ConfigError, match="off the tick grid"):
        queue_replay(market, {"005930": bars}, 60)
    assert market.replay_left() == {}
    assert not market.is_replayed("005930")
    with pytest.raises(ConfigError, match="time order"):
        queue_replay(market, {"005930": list(reversed(bars))}, 60)
    with pytest.raises(ConfigError, match="positive"):
        queue_replay(market, {"005930": bars[:1]}, 0)


def test_daily_bars_print_within_one_session():
    assert print_span_ns(86_400) == (6 * 3600 + 1800) * NANOS_PER_SECOND
    assert print_span_ns(60) == MINUTE


def test_bases_follow_the_first_bar_and_unknown_symbols_are_refused():
    config = SimulatorConfig.generate("paper", symbols=SYMBOLS)
    replay = {"005930": [bar(HISTORY, 91_000, 91_000, 91_000, 91_000)]}
    based = with_replay_bases(config, replay)
    bases = {s.symbol: s.base_price for s in based.symbols}
    assert bases["005930"] == 91_000
    assert bases["000660"] == 180_000
    with pytest.raises(ConfigError, match="not configured"):
        with_replay_bases(config, {"123456": replay["005930"]})
    with pytest.raises(ConfigError, match="no bars"):
        with_replay_bases(config, {"005930": []})


def test_a_replay_file_without_its_bars_is_refused():
    config = dataclasses.replace(SimulatorConfig.generate("paper"), replay_file="bars.csv")
    with pytest.raises(ConfigError, match="jts sim kis --replay"):
        KisSimulator(config)


def test_the_simulator_replays_what_it_is_given():
    replay = {"005930": [bar(HISTORY, 91_000, 91_500, 90_900, 91_200)]}
    sim = KisSimulator(SimulatorConfig.generate("paper"), replay=replay)
    state = sim.ctx.market.state("005930")
    assert (state.base, state.upper) == (91_000, 118_300)  # limits around the replayed day
    assert sim.ctx.market.replay_left() == {"005930": 4}


def test_fills_do_not_print_on_a_replayed_tape(market, clock):
    venue, account, recorder = make_venue(market, clock)
    queue_replay(market, {"005930": [bar(HISTORY, 70_000, 70_000, 70_000, 70_000, 5)]}, 60)
    venue.step(["005930"])
    printed = len(recorder.trades)
    placed = venue.place(order(account, kind="01", qty=3, price=0))
    assert placed.filled_qty == 3  # filled at the best ask...
    assert len(recorder.trades) == printed  # ...without a print history never had
    assert market.state("005930").cum_vol == 5
