"""Internal day bars of KRX instruments follow the KST day, not the UTC one."""

from __future__ import annotations

import datetime as dt

from jts.core.clock import SimulatedClock
from jts.core.time import kst_to_ns
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import AggressorSide, Bar, TradeTick
from jts.domain.values import Price, Quantity
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy.strategy import Strategy

SAMSUNG = InstrumentId("005930.KRX")


class DayBars(Strategy):
    def __init__(self) -> None:
        super().__init__()
        self.bars: list[Bar] = []

    def on_start(self) -> None:
        self.subscribe_bars("005930.KRX-1-DAY-LAST-INTERNAL")

    def on_bar(self, bar: Bar) -> None:
        self.bars.append(bar)


def _tick(ts: int, price: str, n: int) -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG,
        price=Price(price),
        size=Quantity("1"),
        aggressor_side=AggressorSide.BUYER,
        trade_id=TradeId(f"T{n}"),
        ts_event=ts,
        ts_init=ts,
    )


def test_a_krx_day_bar_spans_one_kst_session_and_closes_at_kst_midnight() -> None:
    day1, day2 = dt.date(2024, 3, 4), dt.date(2024, 3, 5)
    clock = SimulatedClock(start_ns=kst_to_ns(day1, "085900"))
    kernel = Kernel(clock, ids=SequentialIdFactory("T"))
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    strategy = DayBars()
    kernel.add_strategy(strategy)
    kernel.start()
    # 08:30 and 10:00 KST straddle 09:00 KST = 00:00 UTC: one KRX day, two UTC days
    prints = [(day1, "083000", "70000"), (day1, "100000", "71000"), (day1, "153000", "70500")]
    for n, (day, hhmmss, price) in enumerate(prints):
        kernel.process(_tick(kst_to_ns(day, hhmmss), price, n))
    assert strategy.bars == []
    kernel.process(_tick(kst_to_ns(day2, "090000"), "72000", 9))
    assert len(strategy.bars) == 1
    bar = strategy.bars[0]
    assert (bar.open, bar.high, bar.low, bar.close) == (
        Price("70000"),
        Price("71000"),
        Price("70000"),
        Price("70500"),
    )
    assert bar.volume == Quantity("3")
    assert bar.ts_event == kst_to_ns(day2, "000000")
