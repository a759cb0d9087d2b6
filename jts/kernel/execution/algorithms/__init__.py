"""Execution algorithms: TWAP, VWAP, iceberg and percent-of-volume.

Start one from a strategy with ``self.execute(TWAP(...))`` (or ``kernel.execute_algorithm``);
it sends child orders through the kernel's normal path (risk engine, OMS, venue), honours
ticks, lots and daily limits, can be canceled as a whole, and reports its progress. The rules
every algorithm keeps are in `jts.kernel.execution.algorithms.base`.
"""

from jts.kernel.execution.algorithms.base import (
    PARENT_TAG,
    DenialPolicy,
    EndAction,
    ExecAlgorithm,
    parent_of,
)
from jts.kernel.execution.algorithms.engine import AlgorithmEngine
from jts.kernel.execution.algorithms.iceberg import Iceberg
from jts.kernel.execution.algorithms.pov import POV
from jts.kernel.execution.algorithms.progress import (
    AlgorithmProgress,
    AlgorithmStatus,
    ExecAlgorithmProgress,
    progress_topic,
)
from jts.kernel.execution.algorithms.twap import TWAP
from jts.kernel.execution.algorithms.volume_curve import VolumeCurve
from jts.kernel.execution.algorithms.vwap import VWAP

__all__ = [
    "PARENT_TAG",
    "POV",
    "TWAP",
    "VWAP",
    "AlgorithmEngine",
    "AlgorithmProgress",
    "AlgorithmStatus",
    "DenialPolicy",
    "EndAction",
    "ExecAlgorithm",
    "ExecAlgorithmProgress",
    "Iceberg",
    "VolumeCurve",
    "parent_of",
    "progress_topic",
]
