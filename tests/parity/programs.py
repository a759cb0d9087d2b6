"""Seeded random DSL programs that exercise every feature the vectorised backtest models.

Each draw writes a complete ``.jts`` source: one or two instruments (stocks and an ETF), a bar
interval from one minute to one day, indicator lets, entry and exit rules for both sides from
templates that fire often enough to trade (crosses, thresholds, look-backs, Kleene logic,
session windows), one of the four sizing forms, any subset of the three stops (percent or
distance), time rules on intraday bars, and the run's settings: costs, fill mode, shorting,
and sometimes cash small enough for the buying-power check to deny entries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from jts.domain.market_data import BarSpecification

from .support import Costs

SYMBOLS = ("005930.KRX", "000660.KRX", "069500.KRX")
INTERVALS = {
    "1 minute": "1-MINUTE-LAST",
    "5 minutes": "5-MINUTE-LAST",
    "15 minutes": "15-MINUTE-LAST",
    "1 hour": "1-HOUR-LAST",
    "1 day": "1-DAY-LAST",
}
#: sessions of data per interval: enough bars to warm up and trade, few enough to stay quick
DAYS = {"1 minute": 3, "5 minutes": 8, "15 minutes": 15, "1 hour": 40, "1 day": 160}


@dataclass(frozen=True)
class Drawn:
    """One random program and the settings to run it with."""

    source: str
    symbols: tuple[str, ...]
    bars: BarSpecification
    days: int
    costs: Costs
    intraday: bool


def _condition(rng: random.Random, side: str, action: str, intraday: bool) -> str:
    up = (side == "long") == (action == "enter")
    above, below = ("above", "below") if up else ("below", "above")
    gt, lt = (">", "<") if up else ("<", ">")
    n = rng.choice([2, 3, 5, 8])
    m = rng.choice([10, 13, 20])
    templates = [
        f"fast crosses {above} slow",
        f"close crosses {above} sma(close, {m})",
        f"close {gt} close[1] and close[1] {gt} close[2]",
        f"close {gt} sma(close, {n}) + {rng.choice(['0', '0.5 * atr(5)', 'atr(3)'])}",
        f"osc {lt} {rng.choice([30, 40, 45])}" if up else f"osc {lt} {rng.choice([55, 60, 70])}",
        f"close crosses {below} band.{'lower' if up else 'upper'}",
        f"not (close {lt}= ema(close, {n})) and volume > sma(volume, {n})",
        f"(close - open)[1] {gt} 0 or high {gt}= highest(high, {n})[1]",
        f"close {gt} max(open, close[1])",
        "true" if action == "exit" else f"close {gt} close[{n}]",
    ]
    if intraday:
        window = f"{'high' if up else 'low'}_between(09:00, 09:{rng.choice([10, 30])})"
        templates.append(f"close crosses {above} {window}")
    return rng.choice(templates)


def _stop(rng: random.Random, kind: str) -> str | None:
    if rng.random() < 0.45:
        return None
    if rng.random() < 0.5:
        limit = "0.9" if kind != "take profit" else "3"
        return f"{kind} {rng.choice(['0.3', '0.5', '1', '2', limit])}%"
    distance = rng.choice(
        ["2 * atr(14)", "atr(5)", "300", "1.5 * (high - low)", "close * 0.004", "0.5"]
    )
    return f"{kind} {distance}"


def draw(seed: int) -> Drawn:
    """The program of ``seed`` (the same seed, the same program)."""
    rng = random.Random(seed)
    symbols = tuple(sorted(rng.sample(SYMBOLS, rng.choice([1, 1, 2]))))
    interval = rng.choice(list(INTERVALS))
    intraday = interval != "1 day"
    fast, slow = rng.choice([(3, 8), (5, 20), (2, 5), (10, 30)])
    lines = [
        f"# random program {seed}",
        f"param fast_n = {fast} in 2..50",
        f"param slow_n = {slow} in 3..100",
        f"universe {', '.join(symbols)}",
        f"bars {interval}",
        "let fast = ema(close, fast_n)" if rng.random() < 0.5 else "let fast = sma(close, fast_n)",
        "let slow = sma(close, slow_n)",
        f"let osc = rsi(close, {rng.choice([3, 5, 14])})",
        f"let band = bbands(close, {rng.choice([5, 10, 20])}, nbdev_up=1.5, nbdev_dn=1.5)",
    ]
    for side in ("long", "short"):
        if side == "short" and rng.random() < 0.25:
            continue
        lines.append(f"enter {side} when {_condition(rng, side, 'enter', intraday)}")
        for _ in range(rng.choice([0, 1, 1, 2])):
            lines.append(f"exit {side} when {_condition(rng, side, 'exit', intraday)}")
    sizing = rng.choice(["shares", "value", "equity", "risk"])
    if sizing == "shares":
        lines.append(f"size {rng.choice([1, 7, 40])} shares")
    elif sizing == "value":
        lines.append(f"size {rng.choice(['3_000_000', '12_345_678'])} KRW")
    elif sizing == "equity":
        lines.append(f"size {rng.choice(['5', '12.5', '40', '100'])}% of equity")
    else:
        per = rng.choice(["2 * atr(14)", "atr(3)", "high - low", "close * 0.01", "0.37"])
        lines.append(f"size risk {rng.choice(['0.5', '1', '2'])}% of equity per {per}")
    for kind in ("stop loss", "take profit", "trailing stop"):
        stop = _stop(rng, kind)
        if stop is not None:
            lines.append(stop)
    if intraday and rng.random() < 0.5:
        if rng.random() < 0.5:
            lines.append(f"no entries before {rng.choice(['09:05', '09:30', '10:00'])}")
        if rng.random() < 0.5:
            lines.append(f"no entries after {rng.choice(['14:00', '14:50'])}")
        if rng.random() < 0.6:
            lines.append(f"flatten at {rng.choice(['15:00', '15:15', '15:20'])}")
    costs = Costs(
        cash=rng.choice([100_000_000, 100_000_000, 2_000_000_000, 4_000_000]),
        fill=rng.choice(["next-open", "close"]),
        commission=rng.choice([Decimal(0), None, Decimal("0.0015")]),
        tax=rng.choice([Decimal(0), None, Decimal("0.002")]),
        allow_short=rng.random() < 0.6,
    )
    return Drawn(
        source="\n".join(lines) + "\n",
        symbols=symbols,
        bars=BarSpecification.parse(INTERVALS[interval]),
        days=DAYS[interval],
        costs=costs,
        intraday=intraday,
    )
