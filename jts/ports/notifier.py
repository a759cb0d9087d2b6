"""The `Notifier` port: how the system tells people that something happened.

An `Alert` is a message for a person, not a fact for the kernel: domain events (a fill, a kill
switch trip) are turned into alerts at the edge (``jts.adapters.notify.formatting``), so the
kernel never depends on any channel and a channel never needs to understand domain events.

Contract of `Notifier.send`
    A channel (webhook, Slack, Telegram, e-mail) delivers one alert per call, or raises
    `DeliveryError` saying whether trying again may help (``retryable``: a timeout, a 5xx, a
    429) or not (a 4xx, a refused recipient). It does not retry, rate-limit or de-duplicate by
    itself: the dispatcher does that once for every channel, so the policies are the same
    everywhere and a channel stays a thin wire format. Error messages never contain secrets
    (tokens, webhook URLs with keys, passwords).

    The dispatcher is a `Notifier` too, with the opposite promise: its ``send`` queues and
    returns at once and never raises because of a channel, since an alert must never be able to
    block or break trading.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from jts.core.errors import InvalidInputError, JtsError
from jts.domain.events_order import check_timestamp


class AlertKind(enum.Enum):
    """What the alert is about; channels can subscribe to a subset (fills are chatty)."""

    FILL = "fill"
    DENIAL = "denial"
    KILL_SWITCH = "kill_switch"
    RECONCILIATION = "reconciliation"
    DISCONNECT = "disconnect"
    ERROR = "error"
    INFO = "info"


class Severity(enum.Enum):
    """How urgently a person should look; ordered, so a channel can take "warning and up"."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for INFO up to 3 for CRITICAL (enum values are text, so order needs a number)."""
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return _RANK[self] >= _RANK[other]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.CRITICAL: 3}


class NotifierError(JtsError):
    """Root of the errors of the alerting system."""


class InvalidAlertError(NotifierError, InvalidInputError):
    """An alert was built with a value its contract refuses (empty title, bad timestamp...)."""


class DeliveryError(NotifierError):
    """A channel could not deliver an alert.

    ``retryable`` says whether the same request may succeed later (network trouble, timeouts,
    5xx, 429); ``retry_after_s`` is the wait the receiver asked for, when it said one. The
    message names the channel and the reason, never a secret.
    """

    def __init__(
        self, message: str, *, retryable: bool, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """One message for people, made at ``ts_ns`` (int nanoseconds UTC, like every timestamp).

    ``key`` identifies "the same thing happening again" for de-duplication: a reconciliation
    difference reported every 10 s carries the same key each time and alerts once per window.
    An empty key falls back to kind, title and body (`dedup_key`). ``fields`` are name/value
    pairs shown as a table by channels that can (text values only: numbers are already
    formatted exactly, so no channel ever sees a float amount); they are copied into a
    read-only mapping, so an alert cannot change after it was queued.
    """

    kind: AlertKind
    severity: Severity
    title: str
    ts_ns: int
    body: str = ""
    key: str = ""
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, AlertKind):
            raise InvalidAlertError(f"alert kind must be an AlertKind, got {self.kind!r}")
        if not isinstance(self.severity, Severity):
            raise InvalidAlertError(f"alert severity must be a Severity, got {self.severity!r}")
        if not isinstance(self.title, str) or not self.title.strip():
            raise InvalidAlertError(f"an alert needs a non-empty title, got {self.title!r}")
        for name in ("body", "key"):
            if not isinstance(getattr(self, name), str):
                raise InvalidAlertError(
                    f"alert {name} must be text, got {type(getattr(self, name)).__name__} "
                    f"(alert {self.title!r})"
                )
        try:
            check_timestamp("ts_ns", self.ts_ns, f"alert {self.title!r}")
        except InvalidInputError as exc:
            raise InvalidAlertError(str(exc)) from None
        if not isinstance(self.fields, Mapping):
            raise InvalidAlertError(
                f"alert fields must be a mapping of text to text, got "
                f"{type(self.fields).__name__} (alert {self.title!r})"
            )
        copied: dict[str, str] = {}
        for name, value in self.fields.items():
            if not isinstance(name, str) or not name:
                raise InvalidAlertError(
                    f"alert field names must be non-empty text, got {name!r} (alert {self.title!r})"
                )
            if not isinstance(value, str):
                raise InvalidAlertError(
                    f"alert field {name!r} must be text (format numbers exactly first), got "
                    f"{type(value).__name__} (alert {self.title!r})"
                )
            copied[name] = value
        object.__setattr__(self, "fields", MappingProxyType(copied))

    @property
    def dedup_key(self) -> str:
        """The key de-duplication compares: ``key``, or kind, title and body when it is empty."""
        return self.key or f"{self.kind.value}\x1f{self.title}\x1f{self.body}"

    def with_fields(self, **extra: str) -> Alert:
        """A copy with more fields (appended after the existing ones, replacing equal names)."""
        return Alert(
            kind=self.kind,
            severity=self.severity,
            title=self.title,
            body=self.body,
            key=self.key,
            ts_ns=self.ts_ns,
            fields={**self.fields, **extra},
        )


@runtime_checkable
class Notifier(Protocol):
    """Something that takes alerts: one channel, or the dispatcher in front of all of them.

    See the module documentation for what ``send`` promises in each case.
    """

    async def send(self, alert: Alert) -> None:
        """Deliver (channel) or queue (dispatcher) one alert."""
        ...
