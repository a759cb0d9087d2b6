"""One channel's lane in the dispatcher: filter, rate limit, bounded queue, worker, retries.

Each channel gets its own lane and its own worker task, so a slow or dead channel only ever
delays itself. A lane never raises into the caller: `accept` is synchronous and cheap (a bus
handler calls it; O(1) unless the queue is full), and every failure of a delivery ends in a log
line and a counter.

Rate limiting happens on the way in, not on the way out: an alert that finds no token is not
queued but counted in a summary, and the worker sends one "N more alerts suppressed" alert as
soon as the bucket has a token again. That token is the summary's: while one is pending, new
alerts join it, so a stream arriving at exactly the limit cannot postpone it for ever. Only
CRITICAL alerts pass an empty bucket, since a kill switch trip must never be lost behind a burst
of fills. The queue is bounded for the case where the channel is down: when it is full the
oldest non-critical alert is dropped and counted in the same summary.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol

from jts.adapters.notify.bucket import TokenBucket
from jts.adapters.notify.config import RetryConfig
from jts.core.time import NANOS_PER_SECOND, unix_nanos_now
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Notifier, Severity

__all__ = ["Channel", "ChannelStats", "Lane", "LanePolicy"]

_log = logging.getLogger("jts.adapters.notify")

#: How many suppressed titles a summary quotes.
QUOTED_TITLES: Final = 3


class Channel(Notifier, Protocol):
    """A `Notifier` that delivers (see `jts.ports.notifier`), with a name and resources."""

    name: str

    async def aclose(self) -> None:
        """Release connections; called once when the dispatcher closes."""
        ...


@dataclass(frozen=True, slots=True)
class LanePolicy:
    """What a lane lets through: severity floor, kinds (empty: all), and the rate limit."""

    min_severity: Severity = Severity.INFO
    kinds: frozenset[AlertKind] = frozenset()
    rate_count: int = 20
    rate_period_s: float = 60.0

    def accepts(self, alert: Alert) -> bool:
        return alert.severity.at_least(self.min_severity) and (
            not self.kinds or alert.kind in self.kinds
        )


@dataclass(frozen=True, slots=True)
class ChannelStats:
    """Counters of one channel since the dispatcher was built (a snapshot)."""

    delivered: int = 0
    failed: int = 0
    retries: int = 0
    filtered: int = 0
    rate_limited: int = 0
    dropped: int = 0
    summaries: int = 0
    critical_bypass: int = 0
    queued: int = 0


@dataclass(slots=True)
class _Suppressed:
    """Alerts left out since the last summary."""

    limited: int = 0
    dropped: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    worst: Severity = Severity.INFO
    titles: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.limited + self.dropped

    def add(self, alert: Alert, *, dropped: bool) -> None:
        if dropped:
            self.dropped += 1
        else:
            self.limited += 1
        self.kinds[alert.kind.value] += 1
        if alert.severity.rank > self.worst.rank:
            self.worst = alert.severity
        if len(self.titles) < QUOTED_TITLES:
            self.titles.append(alert.title)


def _summary(name: str, gone: _Suppressed, policy: LanePolicy) -> Alert:
    count = gone.count
    noun = "alert" if count == 1 else "alerts"
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(gone.kinds.items()))
    parts = []
    if gone.limited:
        parts.append(
            f"{gone.limited} over the limit of {policy.rate_count} per {policy.rate_period_s:g} s"
        )
    if gone.dropped:
        parts.append(f"{gone.dropped} dropped because the channel was not keeping up")
    quoted = "; ".join(repr(title) for title in gone.titles)
    more = ", ..." if count > len(gone.titles) else ""
    body = f"{name} left out {count} {noun} ({kinds}): {'; '.join(parts)}. First: {quoted}{more}"
    fields = {"channel": name, "suppressed": str(count)}
    fields.update((kind, str(n)) for kind, n in sorted(gone.kinds.items()))
    return Alert(
        kind=AlertKind.INFO,
        severity=gone.worst,
        title=f"{count} more {noun} suppressed",
        body=body,
        ts_ns=unix_nanos_now(),
        fields=fields,
    )


def backoff_s(retry: RetryConfig, attempt: int, retry_after_s: float | None) -> float:
    """Wait before attempt ``attempt + 1``: exponential, or what the receiver asked (capped)."""
    delay = min(retry.backoff_base_s * 2.0 ** (attempt - 1), retry.backoff_max_s)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, retry.retry_after_max_s))
    return delay


class Lane:
    """Queue and worker of one channel (built and driven by the dispatcher)."""

    def __init__(
        self,
        channel: Channel,
        policy: LanePolicy,
        retry: RetryConfig,
        queue_size: int,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.channel = channel
        self.policy = policy
        self._retry = retry
        self._queue_size = queue_size
        self._monotonic_ns = monotonic_ns
        self._bucket = TokenBucket(
            policy.rate_count, round(policy.rate_period_s * NANOS_PER_SECOND), monotonic_ns()
        )
        self._queue: deque[Alert] = deque()
        self._gone = _Suppressed()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._busy = False
        self._flushing = False
        self._task: asyncio.Task[None] | None = None
        self._counts: Counter[str] = Counter()

    @property
    def name(self) -> str:
        return self.channel.name

    # ---- producer side (synchronous, never raises because of the channel) ---------------------
    def accept(self, alert: Alert) -> None:
        if not self.policy.accepts(alert):
            self._counts["filtered"] += 1
            return
        if alert.severity is Severity.CRITICAL:
            if not self._bucket.try_take(self._monotonic_ns()):
                self._counts["critical_bypass"] += 1
            self._enqueue(alert)
        elif not self._gone.limited and self._bucket.try_take(self._monotonic_ns()):
            # While a summary is pending the next token is the summary's, so alerts arriving
            # at exactly the limit cannot postpone it for ever.
            self._enqueue(alert)
        else:
            self._counts["rate_limited"] += 1
            self._gone.add(alert, dropped=False)
        self._idle.clear()
        self._wakeup.set()

    def _enqueue(self, alert: Alert) -> None:
        if len(self._queue) >= self._queue_size:
            victim = next(
                (
                    i
                    for i, queued in enumerate(self._queue)
                    if queued.severity is not Severity.CRITICAL
                ),
                0,
            )
            dropped = self._queue[victim]
            del self._queue[victim]
            self._counts["dropped"] += 1
            self._gone.add(dropped, dropped=True)
            _log.warning(
                "alert channel %s is not keeping up (%d queued): dropped %r",
                self.name,
                self._queue_size,
                dropped.title,
            )
        self._queue.append(alert)

    # ---- worker ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"alerts-{self.name}"
            )
            self._task.add_done_callback(self._worker_ended)

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        # The worker only ends by cancellation; anything else is a bug that silences a channel.
        if not task.cancelled() and task.exception() is not None:
            _log.error(
                "alert worker of channel %s died; its alerts are no longer sent",
                self.name,
                exc_info=task.exception(),
            )

    def flush_summaries(self) -> None:
        """From now on send a pending summary at once, ignoring the bucket (shutdown)."""
        self._flushing = True
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            if self._queue:
                alert = self._queue.popleft()
                self._busy = True
                try:
                    await self._deliver(alert)
                finally:
                    self._busy = False
                continue
            timeout: float | None = None
            if self._gone.count:
                wait_ns = self._bucket.wait_ns(self._monotonic_ns())
                if self._flushing or (wait_ns == 0 and self._bucket.try_take(self._monotonic_ns())):
                    gone, self._gone = self._gone, _Suppressed()
                    self._counts["summaries"] += 1
                    self._busy = True
                    try:
                        await self._deliver(_summary(self.name, gone, self.policy))
                    finally:
                        self._busy = False
                    continue
                timeout = max(wait_ns, 1) / NANOS_PER_SECOND
            else:
                self._idle.set()
            self._wakeup.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self._wakeup.wait()
            except TimeoutError:
                pass

    async def _deliver(self, alert: Alert) -> None:
        retry = self._retry
        attempt = 0
        while True:
            attempt += 1
            try:
                async with asyncio.timeout(retry.attempt_timeout_s):
                    await self.channel.send(alert)
            except DeliveryError as exc:
                error = exc
            except TimeoutError:
                error = DeliveryError(
                    f"{self.name}: no answer within {retry.attempt_timeout_s:g} s", retryable=True
                )
            except Exception as exc:
                # A channel bug must not kill the lane; the traceback is for the developer.
                _log.error(
                    "alert channel %s raised %s (not a DeliveryError)",
                    self.name,
                    type(exc).__name__,
                    exc_info=True,
                )
                error = DeliveryError(f"{self.name}: {type(exc).__name__}", retryable=False)
            else:
                self._counts["delivered"] += 1
                return
            if not error.retryable or attempt >= retry.attempts:
                self._counts["failed"] += 1
                _log.warning(
                    "alert %r not delivered by %s after %d attempt(s): %s",
                    alert.title,
                    self.name,
                    attempt,
                    error,
                )
                return
            self._counts["retries"] += 1
            delay = backoff_s(retry, attempt, error.retry_after_s)
            _log.info(
                "alert channel %s failed (attempt %d of %d), retrying in %.3g s: %s",
                self.name,
                attempt,
                retry.attempts,
                delay,
                error,
            )
            await asyncio.sleep(delay)

    # ---- lifecycle and introspection ------------------------------------------------------------
    @property
    def idle(self) -> bool:
        """Nothing queued, nothing in flight, no summary pending."""
        return not self._queue and not self._busy and not self._gone.count

    async def wait_idle(self) -> None:
        while not self.idle:
            self._idle.clear()
            await self._idle.wait()

    async def stop(self) -> None:
        """Cancel the worker and wait for it; never raises (a crash was logged when it died)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # asyncio.wait neither raises the task's error nor swallows our own cancellation.
            await asyncio.wait({task})

    def stats(self) -> ChannelStats:
        counts = self._counts
        return ChannelStats(
            delivered=counts["delivered"],
            failed=counts["failed"],
            retries=counts["retries"],
            filtered=counts["filtered"],
            rate_limited=counts["rate_limited"],
            dropped=counts["dropped"],
            summaries=counts["summaries"],
            critical_bypass=counts["critical_bypass"],
            queued=len(self._queue),
        )
