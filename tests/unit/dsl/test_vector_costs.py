"""The compiled integer fee arithmetic equals `jts.domain.fees` on random values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.domain.fees import apply_rate
from jts.domain.values import KRW, Money
from jts.dsl.vector.costs import IntRate, RateOverflowError, charge

RATES = st.decimals(min_value=Decimal(0), max_value=Decimal("0.999999"), places=9)


@settings(max_examples=300, deadline=None)
@given(value=st.integers(min_value=0, max_value=10**15), rate=RATES)
def test_charge_is_fees_py_truncation(value: int, rate: Decimal) -> None:
    r = IntRate.of(rate)
    assert charge(value, r.num, r.den) == apply_rate(Money(value, KRW), rate, KRW).raw


def test_kis_default_rate_on_large_values_does_not_overflow() -> None:
    rate = Decimal("0.000140527")
    r = IntRate.of(rate)
    value = 9 * 10**17
    assert charge(value, r.num, r.den) == apply_rate(Money(value, KRW), rate, KRW).raw


def test_a_rate_too_fine_for_int64_is_refused_by_name() -> None:
    with pytest.raises(RateOverflowError, match="too fine"):
        IntRate.of(Decimal("0.1234567890123456789"), "commission rate")
