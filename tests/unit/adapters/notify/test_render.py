"""Exact number text, KST times and the plain-text alert."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.adapters.notify.render import (
    format_kst,
    format_money,
    format_number,
    format_price,
    group_digits,
    plain_text,
    truncate,
)
from jts.domain.values import BTC, KRW, Money, Price, Quantity
from jts.ports.notifier import Alert, AlertKind, Severity
from tests.unit.adapters.notify.events import T0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"),
        ("999", "999"),
        ("1000", "1,000"),
        ("70100", "70,100"),
        ("-1234567.50", "-1,234,567.50"),
        ("0.00012345", "0.00012345"),
        ("1234.0000", "1,234.0000"),
        (".5", "0.5"),
    ],
)
def test_group_digits(text: str, expected: str) -> None:
    assert group_digits(text) == expected


@given(st.integers(min_value=-(10**20), max_value=10**20), st.integers(0, 8))
@settings(max_examples=200)
def test_grouping_keeps_every_digit(raw: int, precision: int) -> None:
    price = Price.from_raw(raw, precision)
    shown = format_number(price)
    assert Price(shown.replace(",", "")) == price
    assert shown.replace(",", "") == str(price)


def test_money_and_prices_are_exact() -> None:
    assert format_money(Money(701000, KRW)) == "701,000 KRW"
    assert format_money(Money("0.00012345", BTC)) == "0.00012345 BTC"
    assert format_money(Money("-1500", KRW)) == "-1,500 KRW"
    assert format_price(Price("70100"), KRW) == "70,100 KRW"
    assert format_number(Quantity("1500")) == "1,500"


def test_kst_time() -> None:
    assert format_kst(T0) == "2024-01-02 09:00:01 KST"


def test_truncate() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcdef", 4) == "abc…"
    assert len(truncate("x" * 100, 10)) == 10
    with pytest.raises(ValueError, match="at least 1"):
        truncate("abc", 0)


def test_plain_text_has_everything() -> None:
    alert = Alert(
        kind=AlertKind.RECONCILIATION,
        severity=Severity.WARNING,
        title="Reconciliation difference",
        body="position differs",
        ts_ns=T0,
        fields={"ours": "10", "venue": "12"},
    )
    assert plain_text(alert) == (
        "[WARNING] Reconciliation difference\n\nposition differs\n\nours: 10\nvenue: 12\n\n"
        "time: 2024-01-02 09:00:01 KST"
    )
