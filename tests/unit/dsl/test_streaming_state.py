"""Restart: a strategy saved mid-run, rebuilt, loaded and fed the rest of the bars decides
exactly as one that never stopped; state of another program or parameters is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jts.domain.market_data import Bar
from jts.domain.signals import SignalDirection
from jts.dsl.errors import DslRuntimeError
from jts.dsl.load import check_source
from jts.dsl.streaming import BarDecision, DslStrategy, compile_strategy, load_strategy

from .test_streaming_kit import SAMSUNG, desk, merge, random_series

EXAMPLES = sorted((Path(__file__).parents[3] / "examples" / "strategies").glob("*.jts"))


def session_bars(strategy: DslStrategy, seed: int = 21) -> list[Bar]:
    minutes = strategy.bar_spec.step
    days = -(-600 * minutes // 390)
    return merge(
        *(
            random_series(bar_type, days=days, minutes=minutes, seed=seed + k)
            for k, bar_type in enumerate(strategy.bar_types.values())
        )
    )


def run(strategy: DslStrategy, bars: list[Bar], *, fill: bool = True) -> DslStrategy:
    d = desk(fill=fill)
    d.kernel.add_strategy(strategy)
    d.kernel.start()
    d.feed(bars)
    return strategy


def saved(strategy: DslStrategy) -> dict[str, Any]:
    """``on_save`` through JSON text, as a live node would store it (no NaN, no floats)."""
    loaded: dict[str, Any] = json.loads(json.dumps(strategy.on_save(), allow_nan=False))
    return loaded


def as_text(trace: list[BarDecision]) -> list[str]:
    """``repr`` of a float is exact (``nan``, ``-0.0`` included), so equal text is equal bits."""
    return [repr(d) for d in trace]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_a_restarted_strategy_decides_exactly_like_one_that_never_stopped(path: Path) -> None:
    whole = load_strategy(path, trace=True)
    bars = session_bars(whole)
    run(whole, bars)
    cut = len(bars) // 2 + 7
    first = run(load_strategy(path, trace=True), bars[:cut])
    state = saved(first)
    second = load_strategy(path, trace=True)
    second.on_load(state)
    run(second, bars[cut:])
    for iid in whole.universe:
        done = len(first.trace(iid))
        assert 0 < done < len(whole.trace(iid))
        assert as_text(second.trace(iid)) == as_text(whole.trace(iid)[done:])
        assert second.evaluator(iid).bars == len(whole.trace(iid))


@pytest.mark.parametrize(
    "name", ["bollinger_breakout.jts", "opening_range_breakout.jts", "rsi_reversion.jts"]
)
def test_signal_only_restart_keeps_positions_and_stops(name: str) -> None:
    path = next(p for p in EXAMPLES if p.name == name)
    bars = session_bars(load_strategy(path))
    whole = run(load_strategy(path, signal_only=True), bars)
    entries = [s for s in whole.signals if s.direction is not SignalDirection.FLAT]
    assert len(entries) >= 2
    index = {bar.ts_event: k for k, bar in enumerate(bars)}
    # cut right after an entry: the position is open and its stops are set
    for signal in (entries[0], entries[-1]):
        cut = index[signal.ts_event] + 1
        first = run(load_strategy(path, signal_only=True), bars[:cut])
        assert first.position_qty(signal.instrument_id) != 0
        second = load_strategy(path, signal_only=True)
        second.on_load(saved(first))
        for iid in whole.universe:
            assert second.position_qty(iid) == first.position_qty(iid)
            assert second.stops(iid) == first.stops(iid)
        run(second, bars[cut:])
        after = bars[cut - 1].ts_event
        expected = [
            (s.ts_event, s.direction, s.reason) for s in whole.signals if s.ts_event > after
        ]
        assert [(s.ts_event, s.direction, s.reason) for s in second.signals] == expected


def test_stops_and_pending_entries_survive_a_restart_in_trading_mode() -> None:
    path = next(p for p in EXAMPLES if p.name == "opening_range_breakout.jts")
    bars = session_bars(load_strategy(path))
    probe = run(load_strategy(path), bars, fill=False)
    signalled = probe.signals[0].ts_event  # the first entry: its order never fills here
    cut = next(k for k, b in enumerate(bars) if b.ts_event == signalled) + 1
    first = run(load_strategy(path), bars[:cut], fill=False)
    state = saved(first)
    assert len(state["entries"]) == 1, "an entry order is waiting for its fill"
    second = load_strategy(path)
    second.on_load(state)
    ((order_id, entry),) = second._entries.items()
    original = first._entries[order_id]
    assert (entry.instrument_id, entry.side, entry.offsets, entry.filled) == (
        original.instrument_id,
        original.side,
        original.offsets,
        False,
    )
    filled = run(load_strategy(path), bars[: cut + 1])  # filled at the next bar's open
    stops = filled.stops(SAMSUNG)
    assert stops is not None
    assert stops.stop_loss is not None
    restored = load_strategy(path)
    restored.on_load(saved(filled))
    assert restored.stops(SAMSUNG) == stops


# ----------------------------------------------------------------------------------- refusals


def sma_state(params: dict[str, Any] | None = None) -> dict[str, Any]:
    path = next(p for p in EXAMPLES if p.name == "sma_cross.jts")
    strategy = load_strategy(path, params)
    return saved(run(strategy, session_bars(strategy)[:50]))


def sma(params: dict[str, Any] | None = None) -> DslStrategy:
    return load_strategy(next(p for p in EXAMPLES if p.name == "sma_cross.jts"), params)


def test_state_of_other_parameters_is_refused() -> None:
    state = sma_state({"fast": 5})
    with pytest.raises(DslRuntimeError, match="different program or parameter values"):
        sma().on_load(state)
    sma({"fast": 5}).on_load(state)


def test_state_of_another_format_or_universe_is_refused() -> None:
    state = sma_state()
    with pytest.raises(DslRuntimeError, match="format"):
        sma().on_load({**state, "format": "something/9"})
    moved = {**state, "instruments": {"000660.KRX": state["instruments"]["005930.KRX"]}}
    with pytest.raises(DslRuntimeError, match="outside the universe"):
        sma().on_load(moved)


@pytest.mark.parametrize("blob", ["", "not base64 at all!", "aGVsbG8="])
def test_a_corrupted_evaluator_state_is_refused(blob: str) -> None:
    state = sma_state()
    state["instruments"]["005930.KRX"]["evaluator"] = blob
    with pytest.raises(DslRuntimeError, match=r"cannot be read|version"):
        sma().on_load(state)


def test_a_fresh_strategy_loaded_with_nothing_saved_keeps_its_fresh_state() -> None:
    strategy = sma()
    strategy.on_load({**sma_state(), "instruments": {}, "entries": {}})
    assert strategy.evaluator().bars == 0


LOOKBACKS = """
param n = 5 in 1..9
universe 005930.KRX
bars 1 minute
let top = high_between(09:00, 09:30)
let fair = vwap()
let swing = (close - close[n]) / close[3]
let calm = stddev(close - open, 7)[2]
enter long when close crosses above top or swing[1] > 0.001
enter short when close crosses below fair[4] and calm > 10
exit long when close < fair
exit short when close > fair
size 1 shares
"""


@pytest.mark.parametrize("cut", [1, 2, 3, 17, 389, 390, 391, 500])
def test_restart_keeps_look_back_buffers_and_session_windows(cut: int) -> None:
    """Deep look-backs (ring positions), a time window and a session VWAP across the cut."""
    program = check_source(LOOKBACKS)
    whole = compile_strategy(program, {"n": 6}, trace=True)
    bars = session_bars(whole)
    run(whole, bars)
    first = run(compile_strategy(program, {"n": 6}, trace=True), bars[:cut])
    second = compile_strategy(program, {"n": 6}, trace=True)
    second.on_load(saved(first))
    run(second, bars[cut:])
    assert as_text(second.trace()) == as_text(whole.trace()[cut:])
    assert any(d.enter_long or d.enter_short for d in whole.trace())
