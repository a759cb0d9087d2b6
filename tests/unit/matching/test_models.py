from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jts.core.errors import ConfigError
from jts.domain.enums import OrderSide
from jts.domain.tick_rules import KRX_EQUITY_2023, UPBIT_KRW_2025
from jts.domain.values import Price
from jts.matching.models import (
    FillMode,
    FixedLatency,
    FixedTickSlippage,
    MatchingConfig,
    NoSlippage,
    ParticipationCap,
    RangeSlippage,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_fill_mode_parses_the_cli_spelling() -> None:
    assert FillMode.parse("next-open") is FillMode.NEXT_OPEN
    assert FillMode.parse("close") is FillMode.CLOSE
    with pytest.raises(ConfigError, match="'next-open' or 'close', got 'open'"):
        FillMode.parse("open")


def test_defaults_are_the_benchmark_case() -> None:
    config = MatchingConfig()
    assert config.fill is FillMode.NEXT_OPEN
    assert config.fill_on_touch is False
    assert isinstance(config.slippage, NoSlippage)
    assert config.latency.delay_ns() == 0
    assert config.participation is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fill": "close"}, "fill must be a FillMode"),
        ({"fill_on_touch": 1}, "fill_on_touch must be a bool"),
        ({"slippage": 2}, "slippage must be a SlippageModel"),
        ({"latency": 5}, "latency must be a LatencyModel"),
        ({"participation": Decimal("0.1")}, "participation must be a ParticipationCap"),
    ],
)
def test_config_refuses_wrong_types(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        MatchingConfig(**kwargs)  # type: ignore[arg-type]


def test_fixed_ticks_follow_the_tick_table_across_bands() -> None:
    slip = FixedTickSlippage(2)
    # 4,995 (5-won band) + 2 ticks: 5,000 then 5,010 in the 10-won band
    assert slip.slip(Price(4995), BUY, KRX_EQUITY_2023, None) == Price(5010)
    # 5,010 - 2 ticks: 5,000 then 4,995
    assert slip.slip(Price(5010), SELL, KRX_EQUITY_2023, None) == Price(4995)
    assert slip.slip(Price(70000), BUY, KRX_EQUITY_2023, None) == Price(70200)


def test_fixed_ticks_stop_at_the_lowest_price() -> None:
    assert FixedTickSlippage(3).slip(Price(2), SELL, KRX_EQUITY_2023, None) == Price(1)


def test_zero_ticks_is_no_slippage_and_negative_is_refused() -> None:
    assert FixedTickSlippage(0).slip(Price(70000), BUY, KRX_EQUITY_2023, None) == Price(70000)
    with pytest.raises(ConfigError, match="ticks must be an int >= 0, got -1"):
        FixedTickSlippage(-1)


def test_range_slippage_rounds_against_the_trader_onto_ticks() -> None:
    slip = RangeSlippage(Decimal("0.1"))
    # range 1,000 -> 100 against: exact ticks
    assert slip.slip(Price(70000), BUY, KRX_EQUITY_2023, Price(1000)) == Price(70100)
    assert slip.slip(Price(70000), SELL, KRX_EQUITY_2023, Price(1000)) == Price(69900)
    # range 300 -> 30: less than a 100-won tick still costs a whole tick
    assert slip.slip(Price(70000), BUY, KRX_EQUITY_2023, Price(300)) == Price(70100)
    assert slip.slip(Price(70000), SELL, KRX_EQUITY_2023, Price(300)) == Price(69900)


def test_range_slippage_without_a_range_or_a_zero_range_is_none() -> None:
    slip = RangeSlippage(Decimal("0.5"))
    assert slip.slip(Price(70000), BUY, KRX_EQUITY_2023, None) == Price(70000)
    assert slip.slip(Price(70000), BUY, KRX_EQUITY_2023, Price(0)) == Price(70000)


def test_range_slippage_on_a_fine_crypto_grid() -> None:
    slip = RangeSlippage(Decimal("0.25"))
    scheme = UPBIT_KRW_2025
    assert scheme.applies_on(dt.date(2025, 8, 1))
    # 0.25 x 1,000 = 250 won on a 1,000-won grid above 2,000,000: rounds to a whole tick
    assert slip.slip(Price(95_000_000), BUY, scheme, Price(1000)) == Price(95_001_000)


def test_range_slippage_never_below_the_lowest_price() -> None:
    slip = RangeSlippage(Decimal("1"))
    assert slip.slip(Price(50), SELL, KRX_EQUITY_2023, Price(80)) == Price(1)


@pytest.mark.parametrize("bad", [Decimal("-0.1"), Decimal("1.5"), Decimal("NaN"), 0.1])
def test_range_slippage_refuses_bad_fractions(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"fraction must be a Decimal in 0\.\.1"):
        RangeSlippage(bad)  # type: ignore[arg-type]


def test_latency_in_milliseconds() -> None:
    assert FixedLatency.millis(50).delay_ns() == 50_000_000
    assert FixedLatency(7).delay_ns() == 7
    with pytest.raises(ConfigError, match="milliseconds >= 0, got -5"):
        FixedLatency.millis(-5)
    with pytest.raises(ConfigError, match="nanoseconds >= 0"):
        FixedLatency(-1)


def test_participation_cap_floors_to_whole_lots() -> None:
    cap = ParticipationCap(Decimal("0.1"))
    assert cap.cap(1_000, 1) == 100
    assert cap.cap(1_009, 1) == 100
    assert cap.cap(9, 1) == 0  # under one lot: nothing
    assert cap.cap(1_000, 30) == 90
    assert ParticipationCap(Decimal("1")).cap(123, 1) == 123


@pytest.mark.parametrize("bad", [Decimal(0), Decimal("1.01"), Decimal("-0.5"), Decimal("Inf")])
def test_participation_rate_must_be_in_zero_one(bad: Decimal) -> None:
    with pytest.raises(ConfigError, match=r"participation rate must be a Decimal in \(0, 1\]"):
        ParticipationCap(bad)
