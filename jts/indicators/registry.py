"""Indicators by name, with the metadata the strategy DSL checks calls against.

There is no global registry: `default_registry()` builds a fresh one holding the built-in
indicators, and a caller (the DSL compiler, a test) may register its own classes on its copy
without affecting anyone else.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jts.indicators.base import BaseIndicator, IndicatorSpec
from jts.indicators.crosses import CrossOver, CrossUnder
from jts.indicators.directional import ADX, Aroon, AroonOscillator, MinusDI, PlusDI
from jts.indicators.errors import IndicatorRegistrationError, UnknownIndicatorError
from jts.indicators.momentum import APO, MACD, MOM, PPO, ROC, RSI, TRIX
from jts.indicators.moving_averages import DEMA, EMA, HMA, KAMA, SMA, TEMA, WMA
from jts.indicators.oscillators import CCI, Stochastic, StochRSI, WilliamsR
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
from jts.indicators.volume import AD, ADOSC, CMF, MFI, OBV, VWAP

#: Every built-in indicator class, grouped by family (the order of docs/indicators.md).
BUILTIN_INDICATORS: tuple[type[BaseIndicator], ...] = (
    SMA, EMA, WMA, DEMA, TEMA, KAMA, HMA,
    RSI, MACD, PPO, APO, ROC, MOM, TRIX,
    Stochastic, StochRSI, WilliamsR, CCI,
    TrueRange, ATR, NATR, BollingerBands, KeltnerChannels, DonchianChannels,
    STDDEV, VAR, ZScore, LinRegSlope, Highest, Lowest,
    ADX, PlusDI, MinusDI, Aroon, AroonOscillator,
    ParabolicSAR, SuperTrend, Ichimoku,
    OBV, AD, ADOSC, MFI, CMF, VWAP,
    CrossOver, CrossUnder,
)  # fmt: skip

_NAME = re.compile(r"[a-z][a-z0-9_]*")


class IndicatorRegistry:
    """Indicator classes by lower-case name."""

    __slots__ = ("_by_name",)

    def __init__(self, indicators: Iterable[type[BaseIndicator]] = ()) -> None:
        self._by_name: dict[str, type[BaseIndicator]] = {}
        for cls in indicators:
            self.register(cls)

    def register(self, cls: type[BaseIndicator]) -> None:
        """Add a class; its ``name`` must be lower case and not taken."""
        name = cls.name
        if not _NAME.fullmatch(name):
            raise IndicatorRegistrationError(
                name or cls.__name__, "the name must be lower-case letters, digits and _"
            )
        if name in self._by_name:
            raise IndicatorRegistrationError(
                name, f"the name is taken by {self._by_name[name].__name__}"
            )
        self._by_name[name] = cls

    def get(self, name: str) -> type[BaseIndicator]:
        """The class registered as ``name``; `UnknownIndicatorError` with suggestions if none."""
        try:
            return self._by_name[name]
        except KeyError:
            close = difflib.get_close_matches(name.lower(), self._by_name, n=3, cutoff=0.6)
            raise UnknownIndicatorError(name, tuple(close)) from None

    def spec(self, name: str) -> IndicatorSpec:
        return self.get(name).spec()

    def create(self, name: str, *args: Any, **params: Any) -> BaseIndicator:
        """A new streaming instance of ``name`` with validated parameters."""
        return self.get(name)(*args, **params)

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def specs(self) -> tuple[IndicatorSpec, ...]:
        return tuple(cls.spec() for cls in self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[type[BaseIndicator]]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


def default_registry() -> IndicatorRegistry:
    """A new registry holding every built-in indicator."""
    return IndicatorRegistry(BUILTIN_INDICATORS)
