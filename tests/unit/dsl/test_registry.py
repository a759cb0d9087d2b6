"""The bridge from `jts.indicators`: exact bounds, kinds, inputs and outputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.dsl.catalog import Catalog, IndicatorParam
from jts.dsl.registry import catalog_from_indicators, default_catalog
from jts.indicators import (
    ATR,
    PPO,
    SMA,
    VWAP,
    BollingerBands,
    CrossOver,
    KeltnerChannels,
    default_registry,
)


def test_every_library_indicator_is_in_the_default_catalog() -> None:
    assert set(default_catalog().names()) == set(default_registry().names())


def test_parameters_convert_exactly() -> None:
    catalog = catalog_from_indicators([SMA, BollingerBands, KeltnerChannels, PPO])
    sma = catalog.lookup("sma")
    assert sma is not None
    assert sma.params == (
        IndicatorParam("period", "int", Decimal(20), Decimal(1), Decimal(100_000)),
    )
    bbands = catalog.lookup("bbands")
    assert bbands is not None
    nbdev = bbands.param("nbdev_up")
    assert nbdev is not None
    assert (nbdev.kind, nbdev.default, nbdev.minimum) == ("float", Decimal("2.0"), Decimal("0.0"))
    keltner = catalog.lookup("keltner")
    assert keltner is not None
    multiplier = keltner.param("multiplier")
    assert multiplier is not None
    assert multiplier.min_inclusive is False
    assert not multiplier.admits(Decimal(0))
    assert multiplier.admits(Decimal("0.001"))
    assert multiplier.rule() == "a number > 0.0"
    ppo = catalog.lookup("ppo")
    assert ppo is not None
    ma = ppo.param("ma")
    assert ma is not None
    assert (ma.kind, ma.default) == ("choice", "ema")
    assert "sma" in ma.choices


def test_inputs_decide_what_a_call_passes() -> None:
    catalog = catalog_from_indicators([SMA, ATR, VWAP, CrossOver, BollingerBands])
    signatures = {name: catalog.lookup(name) for name in catalog.names()}
    described = {name: s.describe() for name, s in signatures.items() if s is not None}
    assert described == {
        "sma": "sma(source, period=20)",
        "atr": "atr(period=14)",
        "vwap": "vwap()",
        "cross_over": "cross_over(a, b)",
        "bbands": "bbands(source, period=20, nbdev_up=2.0, nbdev_dn=2.0)",
    }
    cross = signatures["cross_over"]
    assert cross is not None
    assert cross.output_kind == "bool"
    bbands = signatures["bbands"]
    assert bbands is not None
    assert bbands.multi_output
    assert bbands.outputs == ("upper", "middle", "lower")


def test_a_catalog_refuses_two_indicators_of_one_name() -> None:
    sma = default_catalog().lookup("sma")
    assert sma is not None
    with pytest.raises(ValueError, match="indicator 'sma' is defined twice"):
        Catalog.of([sma, sma])
