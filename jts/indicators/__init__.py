"""Technical indicators, each defined once and usable streaming (live) and vectorised (backtests).

    from jts.indicators import SMA, default_registry

    sma = SMA(period=10)
    for close in closes:
        sma.update(close)          # O(1); NaN until sma.ready
    values = SMA.compute(closes_array, period=10)   # numpy in, numpy out, NaN warm-up

    registry = default_registry()  # by name, with parameter metadata for the DSL
    registry.spec("bbands").params

See `jts.indicators.base` for the shared API and the handling of missing data, each family module
for its conventions (all TA-Lib's where TA-Lib has the indicator), and docs/indicators.md.
"""

from jts.indicators.base import (
    BaseIndicator,
    Indicator,
    IndicatorSpec,
    MultiIndicator,
    Outputs,
    SignalIndicator,
)
from jts.indicators.crosses import CrossOver, CrossUnder
from jts.indicators.directional import ADX, Aroon, AroonOscillator, MinusDI, PlusDI
from jts.indicators.errors import (
    IndicatorInputError,
    IndicatorParameterError,
    IndicatorRegistrationError,
    UnknownIndicatorError,
)
from jts.indicators.momentum import APO, MACD, MOM, PPO, ROC, RSI, TRIX
from jts.indicators.moving_averages import DEMA, EMA, HMA, KAMA, SMA, TEMA, WMA
from jts.indicators.oscillators import CCI, Stochastic, StochRSI, WilliamsR
from jts.indicators.params import ChoiceParam, FloatParam, IntParam, ParamSpec
from jts.indicators.registry import BUILTIN_INDICATORS, IndicatorRegistry, default_registry
from jts.indicators.statistics import STDDEV, VAR, Highest, LinRegSlope, Lowest, ZScore
from jts.indicators.trend import Ichimoku, ParabolicSAR, SuperTrend
from jts.indicators.volatility import (
    ATR,
    NATR,
    BollingerBands,
    DonchianChannels,
    KeltnerChannels,
    TrueRange,
)
from jts.indicators.volume import AD, ADOSC, CMF, MFI, OBV, VWAP, session_ids

__all__ = [
    "AD",
    "ADOSC",
    "ADX",
    "APO",
    "ATR",
    "BUILTIN_INDICATORS",
    "CCI",
    "CMF",
    "DEMA",
    "EMA",
    "HMA",
    "KAMA",
    "MACD",
    "MFI",
    "MOM",
    "NATR",
    "OBV",
    "PPO",
    "ROC",
    "RSI",
    "SMA",
    "STDDEV",
    "TEMA",
    "TRIX",
    "VAR",
    "VWAP",
    "WMA",
    "Aroon",
    "AroonOscillator",
    "BaseIndicator",
    "BollingerBands",
    "ChoiceParam",
    "CrossOver",
    "CrossUnder",
    "DonchianChannels",
    "FloatParam",
    "Highest",
    "Ichimoku",
    "Indicator",
    "IndicatorInputError",
    "IndicatorParameterError",
    "IndicatorRegistrationError",
    "IndicatorRegistry",
    "IndicatorSpec",
    "IntParam",
    "KeltnerChannels",
    "LinRegSlope",
    "Lowest",
    "MinusDI",
    "MultiIndicator",
    "Outputs",
    "ParabolicSAR",
    "ParamSpec",
    "PlusDI",
    "SignalIndicator",
    "StochRSI",
    "Stochastic",
    "SuperTrend",
    "TrueRange",
    "UnknownIndicatorError",
    "WilliamsR",
    "ZScore",
    "default_registry",
    "session_ids",
]
