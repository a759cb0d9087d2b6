"""Small builders shared by the data tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jts.backtest.data.validation import format_ts
from jts.core.time import KST, NANOS_PER_MINUTE, dt_to_ns
from jts.domain.identifiers import InstrumentId

SAMSUNG = InstrumentId("005930.KRX")
HYNIX = InstrumentId("000660.KRX")
NAVER = InstrumentId("035420.KRX")
KODEX = InstrumentId("069500.KRX")
BTC = InstrumentId("KRW-BTC.UPBIT")
BAR_HEADER = "timestamp,open,high,low,close,volume"


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Nanoseconds of a KST wall-clock time."""
    return dt_to_ns(dt.datetime(year, month, day, hour, minute, second, tzinfo=KST))


def write(folder: Path, name: str, *lines: str) -> Path:
    """A text file of the given lines (each ends with a newline)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def minute_rows(
    day: str, first: int, count: int, price: int = 70_000, step: int = 100
) -> list[str]:
    """``count`` consistent one-minute bar rows closing ``first`` minutes after 09:00 KST of
    ``day`` (YYYY-MM-DD) onwards, the price rising by ``step`` each bar."""
    start = dt.date.fromisoformat(day)
    nine = kst(start.year, start.month, start.day, 9)
    rows = []
    for n in range(count):
        stamp = format_ts(nine + (first + n) * NANOS_PER_MINUTE)
        p = price + n * step
        rows.append(f"{stamp},{p},{p + step},{p - step},{p},{100 + n}")
    return rows
