"""The audit log in ``audit_log``: append-only, one row per action."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from jts.core.errors import InvalidInputError
from jts.ports.repositories import AuditEntry, JsonValue
from jts.storage.repositories.scope import Scope
from jts.storage.tables import audit_log

_MAX_LIMIT = 10_000


class SqlAuditLog:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def record(
        self, actor: str, action: str, details: Mapping[str, JsonValue], *, ts_ns: int
    ) -> AuditEntry:
        _check_text("actor", actor)
        _check_text("action", action)
        if type(ts_ns) is not int or ts_ns < 0:
            raise InvalidInputError(
                f"audit ts_ns must be a non-negative int of nanoseconds, got {ts_ns!r}"
            )
        clean = _check_details(details)
        with self._scope.write() as conn:
            entry_id = conn.execute(
                audit_log.insert().returning(audit_log.c.id),
                {"ts": ts_ns, "actor": actor, "action": action, "details": clean},
            ).scalar_one()
        return AuditEntry(
            entry_id=int(entry_id), ts_ns=ts_ns, actor=actor, action=action, details=clean
        )

    def entries(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        after_id: int = 0,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        if type(limit) is not int or not 1 <= limit <= _MAX_LIMIT:
            raise InvalidInputError(f"limit must be an int in 1..{_MAX_LIMIT}, got {limit!r}")
        query = sa.select(audit_log).where(audit_log.c.id > after_id)
        if actor is not None:
            query = query.where(audit_log.c.actor == actor)
        if action is not None:
            query = query.where(audit_log.c.action == action)
        with self._scope.read() as conn:
            rows = conn.execute(query.order_by(audit_log.c.id).limit(limit)).mappings().all()
        return [
            AuditEntry(
                entry_id=int(row["id"]),
                ts_ns=row["ts"],
                actor=row["actor"],
                action=row["action"],
                details=row["details"],
            )
            for row in rows
        ]


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise InvalidInputError(f"audit {name} must be 1-128 characters of text, got {value!r}")


def _check_details(details: Mapping[str, JsonValue]) -> dict[str, Any]:
    """A plain-JSON copy of ``details`` (tuples become lists), so what is stored is exactly
    what reads back; anything else is an `InvalidInputError` naming where it is."""
    if not isinstance(details, Mapping):
        raise InvalidInputError(f"audit details must be a mapping, got {type(details).__name__}")
    clean = _plain(details, "details")
    assert isinstance(clean, dict)
    return clean


def _plain(value: object, where: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum reads back as a plain int: store that
    if isinstance(value, str):
        return str(value)  # likewise identifiers (str subclasses)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(f"audit {where} is {value}, which JSON cannot hold")
        return value
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(f"audit {where} has a non-text key {key!r}")
            result[key] = _plain(item, f"{where}[{key!r}]")
        return result
    raise InvalidInputError(
        f"audit {where} is a {type(value).__name__} ({value!r}), not JSON; "
        "pass exact numbers and ids as strings"
    )
