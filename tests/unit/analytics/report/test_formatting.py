from __future__ import annotations

import math
from decimal import Decimal

from jts.analytics.report import formatting
from jts.core.time import kst_to_ns


def test_numbers_and_percentages() -> None:
    assert formatting.percent(0.123456) == "12.35%"
    assert formatting.percent(-1.5, 1) == "-150.0%"
    assert formatting.percent(12.3456) == "1,234.56%"
    assert formatting.number(1234.5) == "1,234.50"
    for fmt in (formatting.percent, formatting.number):
        assert fmt(math.nan) == "n/a"
        assert fmt(math.inf) == "∞"
        assert fmt(-math.inf) == "-∞"


def test_amounts_keep_every_digit() -> None:
    assert formatting.amount(Decimal("100523400")) == "100,523,400"
    assert formatting.amount(Decimal("-1234.50")) == "-1,234.50"
    assert formatting.amount(Decimal("0.00012345")) == "0.00012345"


def test_raw_values_read_back_exactly() -> None:
    assert float(formatting.raw(0.1 + 0.2)) == 0.1 + 0.2
    assert formatting.raw(Decimal("1E+3")) == "1000"
    assert formatting.raw(None) == ""
    assert formatting.raw(math.nan) == "nan"
    assert formatting.raw(7) == "7"


def test_instants_read_in_kst() -> None:
    import datetime as dt

    assert formatting.kst_minute(kst_to_ns(dt.date(2024, 1, 2), "153000")) == "2024-01-02 15:30"
