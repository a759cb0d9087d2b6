"""An algorithm's parent order, saved when it starts, so a restarted node can resume it.

The children of an algorithm are ordinary orders: the OMS journals them, and they carry their
parent's id in their tags (`PARENT_TAG`). What the journal lacks is the parent itself: which
algorithm, its terms, and the instant its window really started (a TWAP's slice times are
computed from it). `ParentRecord` holds exactly that, as plain JSON, and a `ParentStore` keeps
it from the start until the algorithm reaches a terminal status. Everything else (filled,
working, skipped quantities, counters) is rebuilt from the children's states on resume, so the
store is written twice per algorithm, never per child.

Ordering is what makes this crash-safe: the record is saved after the terms are validated and
before the first child is submitted, so any child in the journal has its parent saved; the end
is saved when the algorithm is terminal, after its last child closed.

`AuditParentStore` keeps the records in the audit log (append-only, in the node's database):
starting and ending an execution algorithm are actions an operator may want to see anyway, and
"every start without an end" is the set to resume.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, Protocol

from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide
from jts.kernel.execution.algorithms.terms import DenialPolicy, EndAction
from jts.kernel.execution.algorithms.volume_curve import VolumeCurve
from jts.ports.repositories import AuditLog, JsonValue

if TYPE_CHECKING:
    from jts.kernel.execution.algorithms.base import ExecAlgorithm

__all__ = [
    "AuditParentStore",
    "ParentRecord",
    "ParentStore",
    "algorithm_from_record",
    "curve_from_json",
    "curve_to_json",
]

START_ACTION: Final = "exec_algorithm.start"
END_ACTION: Final = "exec_algorithm.end"


@dataclass(frozen=True, slots=True)
class ParentRecord:
    """One algorithm's parent order: enough to build it again (`algorithm_from_record`).

    ``terms`` are the algorithm's constructor arguments as JSON (`ExecAlgorithm.terms`);
    ``owned`` says whether a strategy started it (its children trade under ``strategy_id``)
    or nobody did (``strategy_id`` is then the algorithm id).
    """

    algorithm_id: str
    kind: str
    strategy_id: str
    account_id: str | None
    owned: bool
    window_start_ns: int
    terms: Mapping[str, JsonValue]

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "algorithm_id": self.algorithm_id,
            "kind": self.kind,
            "strategy_id": self.strategy_id,
            "account_id": self.account_id,
            "owned": self.owned,
            "window_start_ns": self.window_start_ns,
            "terms": dict(self.terms),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ParentRecord:
        try:
            record = cls(
                algorithm_id=str(data["algorithm_id"]),
                kind=str(data["kind"]),
                strategy_id=str(data["strategy_id"]),
                account_id=None if data["account_id"] is None else str(data["account_id"]),
                owned=bool(data["owned"]),
                window_start_ns=int(data["window_start_ns"]),
                terms=dict(data["terms"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"not an execution algorithm record: {exc!r}") from None
        return record


class ParentStore(Protocol):
    """Where parent records live between an algorithm's start and its end."""

    def started(self, record: ParentRecord) -> None:
        """Save the record; called before the algorithm's first child is submitted."""
        ...

    def ended(self, algorithm_id: str, status: str, reason: str) -> None:
        """The algorithm reached a terminal status: it is not to be resumed."""
        ...

    def active(self) -> list[ParentRecord]:
        """Records started and not ended, in the order they started."""
        ...


class AuditParentStore:
    """`ParentStore` on the audit log: a start entry per record, an end entry per algorithm."""

    def __init__(
        self, audit: AuditLog, *, clock_ns: Callable[[], int], actor: str = "exec_algorithms"
    ) -> None:
        self._audit = audit
        self._now = clock_ns
        self._actor = actor

    def started(self, record: ParentRecord) -> None:
        self._audit.record(self._actor, START_ACTION, record.to_json(), ts_ns=self._now())

    def ended(self, algorithm_id: str, status: str, reason: str) -> None:
        details: dict[str, JsonValue] = {
            "algorithm_id": algorithm_id,
            "status": status,
            "reason": reason,
        }
        self._audit.record(self._actor, END_ACTION, details, ts_ns=self._now())

    def active(self) -> list[ParentRecord]:
        started: dict[str, ParentRecord] = {}
        ended: set[str] = set()
        after = 0
        while True:
            entries = self._audit.entries(actor=self._actor, after_id=after, limit=1000)
            if not entries:
                break
            for entry in entries:
                if entry.action == START_ACTION:
                    record = ParentRecord.from_json(entry.details)
                    started[record.algorithm_id] = record
                elif entry.action == END_ACTION:
                    ended.add(str(entry.details.get("algorithm_id")))
            after = entries[-1].entry_id
        return [record for key, record in started.items() if key not in ended]


# ---- terms <-> JSON ---------------------------------------------------------------------------
def curve_to_json(curve: VolumeCurve) -> dict[str, JsonValue]:
    return {
        "weights": [f"{w.numerator}/{w.denominator}" for w in curve.weights],
        "bucket_ns": curve.bucket_ns,
        "session_open": curve.session_open.isoformat(),
        "session_close": curve.session_close.isoformat(),
        "days": curve.days,
    }


def curve_from_json(data: Mapping[str, Any]) -> VolumeCurve:
    return VolumeCurve(
        weights=tuple(Fraction(w) for w in data["weights"]),
        bucket_ns=int(data["bucket_ns"]),
        session_open=dt.time.fromisoformat(data["session_open"]),
        session_close=dt.time.fromisoformat(data["session_close"]),
        days=int(data["days"]),
    )


def json_value(value: object) -> JsonValue:
    """A constructor argument as JSON: exact numbers as strings, enums as their value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, OrderSide | DenialPolicy | EndAction):
        return str(value.value)
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    if isinstance(value, VolumeCurve):
        return curve_to_json(value)
    if isinstance(value, Fraction):
        return str(Decimal(value.numerator) / Decimal(value.denominator))
    return str(value)  # Quantity, Price, Decimal, InstrumentId, BarType: their text parses back


_ENUMS: Final[Mapping[str, type[OrderSide] | type[DenialPolicy] | type[EndAction]]] = {
    "side": OrderSide,
    "on_denied": DenialPolicy,
    "at_end": EndAction,
}


def algorithm_from_record(record: ParentRecord) -> ExecAlgorithm:
    """A new (PENDING) algorithm with the record's kind, terms and id."""
    from jts.kernel.execution.algorithms.iceberg import Iceberg  # noqa: PLC0415 - cycle
    from jts.kernel.execution.algorithms.pov import POV  # noqa: PLC0415
    from jts.kernel.execution.algorithms.twap import TWAP  # noqa: PLC0415
    from jts.kernel.execution.algorithms.vwap import VWAP  # noqa: PLC0415

    kinds: dict[str, type[ExecAlgorithm]] = {cls.name: cls for cls in (TWAP, VWAP, Iceberg, POV)}
    kind = kinds.get(record.kind)
    if kind is None:
        raise InvalidInputError(
            f"algorithm {record.algorithm_id}: unknown kind {record.kind!r} "
            f"(known: {', '.join(sorted(kinds))})"
        )
    arguments: dict[str, Any] = {}
    for name, value in record.terms.items():
        if name in _ENUMS:
            arguments[name] = _ENUMS[name](value)
        elif name == "tags":
            arguments[name] = tuple(value) if isinstance(value, list) else value
        elif name == "curve" and isinstance(value, Mapping):
            arguments[name] = curve_from_json(value)
        else:
            arguments[name] = value
    arguments["algorithm_id"] = record.algorithm_id
    try:
        return kind(**arguments)
    except TypeError as exc:
        raise InvalidInputError(f"algorithm {record.algorithm_id}: bad terms: {exc}") from None
