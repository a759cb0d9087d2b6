from __future__ import annotations

import keyword

import pytest
import talib

from jts.indicators import (
    BUILTIN_INDICATORS,
    SMA,
    BaseIndicator,
    IndicatorParameterError,
    IndicatorRegistrationError,
    IndicatorRegistry,
    UnknownIndicatorError,
    default_registry,
)

REQUIRED = {
    "sma", "ema", "wma", "dema", "tema", "kama", "hma", "rsi", "macd", "stoch", "stochrsi",
    "willr", "cci", "roc", "mom", "atr", "natr", "bbands", "keltner", "donchian", "adx",
    "plus_di", "minus_di", "aroon", "aroonosc", "mfi", "obv", "ad", "adosc", "vwap", "stddev",
    "var", "linreg_slope", "highest", "lowest", "ichimoku", "sar", "supertrend", "cmf", "trix",
    "ppo", "zscore", "cross_over", "cross_under",
}  # fmt: skip
INPUTS = {"open", "high", "low", "close", "volume", "session", "a", "b"}


def test_the_default_registry_holds_every_required_indicator() -> None:
    registry = default_registry()
    assert len(registry) >= 40
    assert set(registry.names()) >= REQUIRED
    assert set(registry.names()) == {cls.name for cls in BUILTIN_INDICATORS}


@pytest.mark.parametrize("cls", BUILTIN_INDICATORS, ids=lambda c: c.name)
def test_metadata_is_complete(cls: type[BaseIndicator]) -> None:
    spec = cls.spec()
    assert spec.name == spec.name.lower()
    assert spec.title
    assert spec.doc
    assert set(spec.inputs) <= INPUTS
    assert spec.outputs
    assert len(set(spec.outputs)) == len(spec.outputs)
    assert all(o.isidentifier() and not keyword.iskeyword(o) for o in spec.outputs)
    assert spec.output_kind in ("number", "bool")
    for p in spec.params:
        assert p.type in (int, float, str)
        assert p.describe()
    ind = cls()  # the defaults are valid
    assert ind.params == {p.name: p.default for p in spec.params}
    assert ind.lookback >= 0
    if spec.talib is not None:
        assert hasattr(talib, spec.talib)


def test_unknown_names_get_suggestions() -> None:
    registry = default_registry()
    with pytest.raises(
        UnknownIndicatorError, match="unknown indicator 'bband'; did you mean 'bbands'"
    ) as info:
        registry.get("bband")
    assert info.value.suggestions[0] == "bbands"
    with pytest.raises(UnknownIndicatorError) as info:
        registry.spec("zzzz")
    assert info.value.suggestions == ()
    assert "SMA" not in registry  # names are lower case; the DSL does not guess case


def test_registries_are_independent_and_refuse_duplicates() -> None:
    mine, other = default_registry(), default_registry()

    class Fast(SMA):
        name = "fast_sma"
        __slots__ = ()

    mine.register(Fast)
    assert "fast_sma" in mine
    assert "fast_sma" not in other
    with pytest.raises(IndicatorRegistrationError, match="'sma': the name is taken by SMA"):
        mine.register(SMA)

    class Bad(SMA):
        name = "Bad-Name"
        __slots__ = ()

    with pytest.raises(IndicatorRegistrationError, match="'Bad-Name': the name must be lower-case"):
        IndicatorRegistry([Bad])


def test_create_and_specs() -> None:
    registry = default_registry()
    ind = registry.create("ema", 5)
    assert ind.params == {"period": 5}
    assert [s.name for s in registry.specs()] == list(registry.names())
    assert registry.spec("bbands").param("nbdev_up").default == 2.0
    with pytest.raises(IndicatorParameterError, match="bbands: has no parameter 'width'"):
        registry.spec("bbands").param("width")
    assert [cls.name for cls in registry] == list(registry.names())
