"""The `Alert` value and `Severity` order of the notifier port."""

from __future__ import annotations

import pytest

from jts.core.errors import InvalidInputError
from jts.ports.notifier import (
    Alert,
    AlertKind,
    DeliveryError,
    InvalidAlertError,
    Notifier,
    Severity,
)

T = 1_704_153_601_000_000_000


def make(**overrides: object) -> Alert:
    values: dict[str, object] = {
        "kind": AlertKind.INFO,
        "severity": Severity.INFO,
        "title": "hello",
        "ts_ns": T,
    }
    values.update(overrides)
    return Alert(**values)  # type: ignore[arg-type]


def test_fields_are_copied_and_read_only() -> None:
    source = {"a": "1"}
    alert = make(fields=source)
    source["a"] = "changed"
    assert alert.fields == {"a": "1"}
    with pytest.raises(TypeError):
        alert.fields["a"] = "2"  # type: ignore[index]


def test_equal_alerts_compare_equal_and_are_frozen() -> None:
    assert make(fields={"x": "1"}) == make(fields={"x": "1"})
    assert make(fields={"x": "1"}) != make(fields={"x": "2"})
    alert = make()
    with pytest.raises(AttributeError):
        alert.title = "other"  # type: ignore[misc]


def test_dedup_key_is_the_key_or_kind_title_body() -> None:
    assert make(key="recon:1").dedup_key == "recon:1"
    a = make(title="t", body="b")
    assert a.dedup_key == make(title="t", body="b").dedup_key
    assert a.dedup_key != make(title="t", body="c").dedup_key
    assert a.dedup_key != make(title="t", body="b", kind=AlertKind.ERROR).dedup_key


def test_with_fields_appends_and_replaces() -> None:
    alert = make(fields={"a": "1", "b": "2"})
    extended = alert.with_fields(b="3", c="4")
    assert list(extended.fields.items()) == [("a", "1"), ("b", "3"), ("c", "4")]
    assert alert.fields == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"title": "  "}, "non-empty title"),
        ({"title": 5}, "non-empty title"),
        ({"kind": "fill"}, "AlertKind"),
        ({"severity": "info"}, "Severity"),
        ({"ts_ns": -1}, "ts_ns"),
        ({"ts_ns": 1.5}, "ts_ns"),
        ({"body": None}, "body must be text"),
        ({"key": 3}, "key must be text"),
        ({"fields": {"n": 1}}, "field 'n' must be text"),
        ({"fields": {"": "x"}}, "non-empty text"),
        ({"fields": [("a", "b")]}, "mapping"),
    ],
)
def test_bad_alerts_are_refused_with_a_clear_error(
    overrides: dict[str, object], fragment: str
) -> None:
    with pytest.raises(InvalidAlertError, match=fragment) as info:
        make(**overrides)
    assert isinstance(info.value, InvalidInputError)


def test_severity_order() -> None:
    order = [Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.CRITICAL]
    assert [s.rank for s in order] == [0, 1, 2, 3]
    assert Severity.CRITICAL.at_least(Severity.WARNING)
    assert Severity.WARNING.at_least(Severity.WARNING)
    assert not Severity.INFO.at_least(Severity.WARNING)


def test_delivery_error_carries_retry_facts() -> None:
    error = DeliveryError("slack: HTTP 429", retryable=True, retry_after_s=3.0)
    assert error.retryable
    assert error.retry_after_s == 3.0
    assert str(error) == "slack: HTTP 429"


def test_notifier_protocol_is_structural() -> None:
    class Sink:
        async def send(self, alert: Alert) -> None:
            return None

    assert isinstance(Sink(), Notifier)
    assert not isinstance(object(), Notifier)
