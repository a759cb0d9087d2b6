"""In-memory channels for the dispatcher tests: record, fail on script, or hang."""

from __future__ import annotations

import asyncio
import time

from jts.ports.notifier import Alert, AlertKind, Severity
from tests.unit.adapters.notify.events import T0


class Recorder:
    """A channel that records what it delivered; ``script`` holds one outcome per attempt
    (an exception to raise, or None to deliver), after which every attempt delivers."""

    def __init__(
        self,
        name: str = "rec",
        script: list[BaseException | None] | None = None,
        *,
        hang: bool = False,
    ) -> None:
        self.name = name
        self.script = list(script or [])
        self.sent: list[Alert] = []
        self.sent_at: list[float] = []
        self.attempt_at: list[float] = []
        self.closed = False
        self.release = asyncio.Event()
        if not hang:
            self.release.set()

    @property
    def titles(self) -> list[str]:
        return [alert.title for alert in self.sent]

    async def send(self, alert: Alert) -> None:
        self.attempt_at.append(time.monotonic())
        await self.release.wait()
        if self.script:
            outcome = self.script.pop(0)
            if outcome is not None:
                raise outcome
        self.sent.append(alert)
        self.sent_at.append(time.monotonic())

    async def aclose(self) -> None:
        self.closed = True


class FakeClock:
    """Monotonic nanoseconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1_000_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * 1_000_000_000)


def make_alert(
    title: str = "something",
    *,
    key: str = "",
    kind: AlertKind = AlertKind.INFO,
    severity: Severity = Severity.INFO,
) -> Alert:
    return Alert(kind=kind, severity=severity, title=title, key=key, ts_ns=T0)
