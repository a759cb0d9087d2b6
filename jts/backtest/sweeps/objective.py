"""What a sweep optimises: one figure of a run's ``stats.json`` and a direction.

The default is the Sharpe ratio, maximised. A combination whose figure is undefined (Sharpe of a
run without a single return, ``null`` in ``stats.json``) ranks below every defined one, in
either direction, so it is chosen only when nothing else is. Ties keep the combination that came
first in the sweep's order, so the choice is deterministic.

Exact figures (``final_equity``, the trade PnL sums) are compared as `Decimal`, the ratios as
floats: the same numbers ``stats.json`` holds.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias

from jts.analytics import PerformanceStats
from jts.backtest.sweeps.errors import SweepInputError

__all__ = ["METRICS", "Direction", "MetricValue", "Objective"]

Direction: TypeAlias = Literal["maximize", "minimize"]
MetricValue: TypeAlias = float | Decimal

_TYPES: Final = typing.get_type_hints(PerformanceStats)
#: Figures a sweep can optimise: every numeric `PerformanceStats` field, the fill count
#: (``trades``) and the bar count; the run facts (dates, currency, settings) are not figures.
METRICS: Final[tuple[str, ...]] = (
    *(
        f.name
        for f in dataclasses.fields(PerformanceStats)
        if _TYPES[f.name] in (float, int, Decimal)
        and f.name not in ("periods_per_year", "risk_free")
    ),
    "trades",
    "bars",
)
_EXACT: Final = frozenset(
    f.name for f in dataclasses.fields(PerformanceStats) if _TYPES[f.name] is Decimal
)


@dataclass(frozen=True, slots=True)
class Objective:
    metric: str = "sharpe"
    direction: Direction = "maximize"

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise SweepInputError(
                f"--metric {self.metric!r} is not a figure of the run's stats; one of: "
                f"{', '.join(METRICS)}"
            )
        if self.direction not in ("maximize", "minimize"):
            raise SweepInputError(
                f"--direction must be 'maximize' or 'minimize', got {self.direction!r}"
            )

    def value(self, stats: Mapping[str, Any]) -> MetricValue | None:
        """The figure in ``stats`` (a `BacktestResult.stats` dict); None where undefined."""
        raw = stats.get(self.metric)
        if raw is None:
            return None
        if self.metric in _EXACT:
            return Decimal(raw)
        return float(raw)

    def better(self, candidate: MetricValue | None, incumbent: MetricValue | None) -> bool:
        """Whether ``candidate`` is strictly better than ``incumbent``."""
        if candidate is None:
            return False
        if incumbent is None:
            return True
        if self.direction == "maximize":
            return candidate > incumbent
        return candidate < incumbent

    def best_index(self, values: Iterable[tuple[int, MetricValue | None]]) -> int | None:
        """The index of the best ``(index, value)`` pair; the first wins a tie; None if empty."""
        best: int | None = None
        best_value: MetricValue | None = None
        for index, value in sorted(values, key=lambda pair: pair[0]):
            if best is None or self.better(value, best_value):
                best, best_value = index, value
        return best

    def as_float(self, value: MetricValue | None) -> float | None:
        return None if value is None else float(value)
