"""Analytics on the issue's reference sizes: one million minute equity points, and ten years of
daily equity with thousands of trades, each analysed and rendered into report.html.

Figures: seconds to analyse (validate, collapse to KST days, every statistic), seconds to
render the report, and the report's size.
"""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np

from jts.analytics import Fill, RoundTrip, analyse, render_report
from jts.core.time import NANOS_PER_DAY, NANOS_PER_MINUTE
from jts.domain.enums import OrderSide
from jts.domain.values import KRW, Money, Price, Quantity

_START_NS = 1_704_153_600_000_000_000  # 2024-01-02 09:00 KST


def _minute_curve(points: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9000)
    index = np.arange(points)
    ts = _START_NS + (index // 390) * NANOS_PER_DAY + (index % 390) * NANOS_PER_MINUTE
    equity = 100_000_000 + np.cumsum(rng.integers(-20_000, 20_100, points))
    return ts.astype(np.int64), equity.astype(np.int64)


def _timed(label: str, action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    print(f"{label:<52} {time.perf_counter() - started:8.3f} s")
    return result


def main() -> None:
    ts, equity = _minute_curve(1_000_000)
    analysis = _timed("analyse 1,000,000 minute points (int64 arrays)", lambda: analyse(ts, equity))
    ts_list, equity_list = ts.tolist(), equity.tolist()
    _timed("analyse 1,000,000 minute points (Python lists)", lambda: analyse(ts_list, equity_list))
    html = _timed("render report.html", lambda: render_report(analysis))
    print(f"{'days after collapsing to KST days':<52} {analysis.stats.days:8d}")
    print(f"{'report size':<52} {len(html.encode()) / 1024:8.1f} KiB")

    days = 2_520  # ten years of KRX days
    rng = np.random.default_rng(11000)
    daily_ts = [_START_NS + i * NANOS_PER_DAY for i in range(days)]
    daily_eq = [
        int(v) for v in 1_000_000_000 + np.cumsum(rng.integers(-9_000_000, 9_500_000, days))
    ]
    trades = [
        RoundTrip(
            instrument_id=f"{i % 100:06d}.KRX",
            side=OrderSide.BUY,
            quantity=Quantity(10),
            entry_ns=daily_ts[i % (days - 1)],
            exit_ns=daily_ts[i % (days - 1) + 1],
            entry_price=Decimal(50_000),
            exit_price=Decimal(50_000 + int(rng.integers(-500, 600))),
            pnl=Money(int(rng.integers(-5_000, 6_000)), KRW),
        )
        for i in range(5_000)
    ]
    fills = [
        Fill(
            daily_ts[(i // 2) % days],
            f"{(i // 2) % 100:06d}.KRX",
            OrderSide.BUY if i % 2 == 0 else OrderSide.SELL,
            Quantity(10),
            Price(50_000),
        )
        for i in range(10_000)
    ]
    ten_years = _timed(
        "analyse 10 years daily, 5,000 trades, 10,000 fills",
        lambda: analyse(daily_ts, daily_eq, trades=trades, fills=fills),
    )
    html = _timed("render report.html (500 trade rows shown)", lambda: render_report(ten_years))
    print(f"{'report size':<52} {len(html.encode()) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
