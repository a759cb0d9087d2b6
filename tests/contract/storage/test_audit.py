from __future__ import annotations

import math
from decimal import Decimal

import pytest

from jts.core.errors import InvalidInputError
from jts.domain.identifiers import ClientOrderId
from jts.ports.repositories import AuditLog
from jts.storage import Storage
from tests.contract.storage.builders import T0


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.audit, AuditLog)


def test_record_and_read_back(storage: Storage) -> None:
    details = {
        "order": ClientOrderId("O-1"),
        "price": "70100",
        "reasons": ("manual", "한글"),
        "nested": {"ok": True, "n": 3, "ratio": 0.5, "none": None},
    }
    entry = storage.audit.record("operator:kim", "manual_order", details, ts_ns=T0)
    assert entry.details == {
        "order": "O-1",
        "price": "70100",
        "reasons": ["manual", "한글"],
        "nested": {"ok": True, "n": 3, "ratio": 0.5, "none": None},
    }
    [back] = storage.audit.entries()
    assert back == entry


def test_entries_filter_and_page(storage: Storage) -> None:
    made = [
        storage.audit.record("system", "kill_switch", {"on": True}, ts_ns=T0),
        storage.audit.record("operator:kim", "manual_order", {}, ts_ns=T0 + 1),
        storage.audit.record("system", "config_change", {"key": "risk.max"}, ts_ns=T0 + 2),
        storage.audit.record("system", "kill_switch", {"on": False}, ts_ns=T0 + 3),
    ]
    ids = [e.entry_id for e in made]
    assert ids == sorted(ids)
    assert storage.audit.entries() == made
    assert storage.audit.entries(actor="system") == [made[0], made[2], made[3]]
    assert storage.audit.entries(action="kill_switch") == [made[0], made[3]]
    assert storage.audit.entries(actor="system", action="kill_switch", after_id=ids[0]) == [made[3]]
    assert storage.audit.entries(limit=2) == made[:2]
    assert storage.audit.entries(after_id=ids[1], limit=1) == [made[2]]


@pytest.mark.parametrize(
    ("details", "complaint"),
    [
        ({"price": Decimal("1.5")}, "Decimal"),
        ({"x": math.nan}, "nan"),
        ({"x": math.inf}, "inf"),
        ({1: "a"}, "non-text key"),
        ({"deep": [{"x": {2: 3}}]}, r"details\['deep'\]\[0\]\['x'\]"),
        ({"s": {1, 2}}, "set"),
    ],
    ids=["decimal", "nan", "inf", "int-key", "deep", "set"],
)
def test_details_that_are_not_json_are_refused_and_nothing_recorded(
    storage: Storage, details: dict, complaint: str
) -> None:
    with pytest.raises(InvalidInputError, match=complaint):
        storage.audit.record("me", "test", details, ts_ns=T0)
    assert storage.audit.entries() == []


@pytest.mark.parametrize(
    ("actor", "action", "ts"),
    [("", "a", T0), ("me", "  ", T0), ("x" * 129, "a", T0), ("me", "a", -1), ("me", "a", 1.5)],
)
def test_bad_actor_action_or_time_is_refused(storage: Storage, actor, action, ts) -> None:
    with pytest.raises(InvalidInputError):
        storage.audit.record(actor, action, {}, ts_ns=ts)
    assert storage.audit.entries() == []


@pytest.mark.parametrize("limit", [0, -1, 10_001, 2.0])
def test_bad_limit_is_refused(storage: Storage, limit) -> None:
    with pytest.raises(InvalidInputError, match="limit"):
        storage.audit.entries(limit=limit)
