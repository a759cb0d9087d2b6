"""The alert dispatcher: one `Notifier` in front of every channel.

Flow of one alert::

    submit(alert) -> de-duplication by key (once for all channels)
                  -> each channel's lane: severity/kind filter -> token bucket -> bounded queue
                  -> the lane's worker -> channel.send with retries and backoff

Promises, because alerts ride along with trading and must never hurt it:

* `submit` (and `send`, `on_message`) is synchronous in effect, O(number of channels), and
  never raises because of a channel; it is safe to call from a bus handler.
* A channel that fails, hangs or is slow delays only its own lane. Its failures are logged
  (without secrets: channels scrub them) and counted in `stats`.
* Memory is bounded: per-channel queues have a fixed size (the oldest non-critical alert is
  dropped when full), rate-limited alerts are counted rather than stored, and the
  de-duplication table has a fixed number of keys.

Threading: everything runs on the event loop of the node; call `submit` from that loop's
thread (the kernel and the bus handlers do).

Wiring in the node (the alerts section of the settings)::

    dispatcher = build_dispatcher(settings.alerts, source=str(settings.node.trader_id))
    await dispatcher.start()
    bus.subscribe("events.order.**", dispatcher.on_message)
    bus.subscribe("events.risk", dispatcher.on_message)
    ...
    await dispatcher.close()
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from jts.adapters.notify.config import AlertsConfig, RetryConfig
from jts.adapters.notify.dedup import Deduplicator
from jts.adapters.notify.formatting import from_event
from jts.adapters.notify.lane import Channel, ChannelStats, Lane, LanePolicy
from jts.core.errors import ConfigError, StateError
from jts.core.time import NANOS_PER_SECOND
from jts.domain.messages import Message
from jts.ports.notifier import Alert

__all__ = ["AlertDispatcher", "DispatcherStats"]

_log = logging.getLogger("jts.adapters.notify")


@dataclass(frozen=True, slots=True)
class DispatcherStats:
    """Counters since the dispatcher was built: ``submitted`` alerts (after mapping),
    ``deduplicated`` ones left out as repeats, ``rejected`` ones submitted after close, and
    each channel's `ChannelStats`."""

    submitted: int
    deduplicated: int
    rejected: int
    channels: Mapping[str, ChannelStats]


class AlertDispatcher:
    """Fans alerts out to channels with de-duplication, rate limits, queues and retries."""

    def __init__(
        self,
        *,
        dedup_window_s: float = 300.0,
        dedup_max_keys: int = 10_000,
        queue_size: int = 1_000,
        retry: RetryConfig | None = None,
        drain_timeout_s: float = 5.0,
        mapper: Callable[[Message], Alert | None] = from_event,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        if type(queue_size) is not int or queue_size < 1:
            raise ConfigError(f"alert queue_size must be an int >= 1, got {queue_size!r}")
        if dedup_window_s < 0:
            raise ConfigError(f"dedup_window_s must be >= 0, got {dedup_window_s!r}")
        self._dedup = Deduplicator(round(dedup_window_s * NANOS_PER_SECOND), dedup_max_keys)
        self._queue_size = queue_size
        self._retry = retry if retry is not None else RetryConfig()
        self._drain_timeout_s = drain_timeout_s
        self._mapper = mapper
        self._monotonic_ns = monotonic_ns
        self._lanes: dict[str, Lane] = {}
        self._started = False
        self._closed = False
        self._submitted = 0
        self._deduplicated = 0
        self._rejected = 0

    @classmethod
    def from_config(
        cls, config: AlertsConfig, *, mapper: Callable[[Message], Alert | None] = from_event
    ) -> AlertDispatcher:
        """A dispatcher with the policies of ``config`` and no channels yet; ``mapper`` turns
        bus messages into alerts (a live node adds its own messages to `from_event`'s)."""
        return cls(
            dedup_window_s=config.dedup_window_s,
            dedup_max_keys=config.dedup_max_keys,
            queue_size=config.queue_size,
            retry=config.retry,
            drain_timeout_s=config.drain_timeout_s,
            mapper=mapper,
        )

    # ---- wiring ---------------------------------------------------------------------------------
    def add_channel(self, channel: Channel, policy: LanePolicy | None = None) -> None:
        """Add a channel (names must be unique); before or after `start`."""
        if self._closed:
            raise StateError("the alert dispatcher is closed; build a new one")
        if channel.name in self._lanes:
            raise ConfigError(f"alert channel {channel.name!r} is added twice")
        lane = Lane(
            channel,
            policy if policy is not None else LanePolicy(),
            self._retry,
            self._queue_size,
            self._monotonic_ns,
        )
        self._lanes[channel.name] = lane
        if self._started:
            lane.start()

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(self._lanes)

    # ---- producer side --------------------------------------------------------------------------
    def submit(self, alert: Alert) -> bool:
        """Queue ``alert`` for every channel that takes it; False when it was left out as a
        repeat of the same key or because the dispatcher is closed. Never raises for a channel.
        """
        if self._closed:
            self._rejected += 1
            return False
        repeats = self._dedup.admit(alert.dedup_key, self._monotonic_ns())
        if repeats is None:
            self._deduplicated += 1
            return False
        if repeats:
            alert = alert.with_fields(repeats=f"{repeats} more since the last alert")
        self._submitted += 1
        for lane in self._lanes.values():
            lane.accept(alert)
        return True

    async def send(self, alert: Alert) -> None:
        """`Notifier.send`: queues and returns at once (see `submit`)."""
        self.submit(alert)

    def on_message(self, message: Message) -> None:
        """Bus handler: maps a domain event to an alert (`formatting.from_event`) and submits it.

        Mapping errors are logged, not raised: a malformed event must not break the bus
        dispatch of the handlers after this one.
        """
        try:
            alert = self._mapper(message)
        except Exception:
            _log.exception("could not turn %s into an alert", type(message).__name__)
            return
        if alert is not None:
            self.submit(alert)

    # ---- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the channel workers on the running loop; alerts submitted before are kept."""
        if self._closed:
            raise StateError("the alert dispatcher is closed; build a new one")
        self._started = True
        for lane in self._lanes.values():
            lane.start()

    async def drain(self, timeout_s: float) -> bool:
        """Wait until every queue is empty and nothing is in flight or pending (suppression
        summaries included); False when ``timeout_s`` ran out first."""
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*(lane.wait_idle() for lane in self._lanes.values()))
        except TimeoutError:
            return False
        return True

    async def close(self, timeout_s: float | None = None) -> None:
        """Stop taking alerts, send what is queued (pending suppression summaries at once)
        for up to ``timeout_s`` (default: the configured drain timeout), then stop the workers
        and close the channels. Idempotent."""
        if self._closed:
            return
        self._closed = True
        wait = self._drain_timeout_s if timeout_s is None else timeout_s
        if self._started:
            for lane in self._lanes.values():
                lane.flush_summaries()
            if not await self.drain(wait):
                left = {name: lane.stats().queued for name, lane in self._lanes.items()}
                _log.warning("alert dispatcher closed with alerts still queued: %s", left)
        for lane in self._lanes.values():
            await lane.stop()
            try:
                await lane.channel.aclose()
            except Exception:
                _log.exception("closing alert channel %s failed", lane.name)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def stats(self) -> DispatcherStats:
        return DispatcherStats(
            submitted=self._submitted,
            deduplicated=self._deduplicated,
            rejected=self._rejected,
            channels={name: lane.stats() for name, lane in self._lanes.items()},
        )

    def __repr__(self) -> str:
        return f"AlertDispatcher(channels={list(self._lanes)!r}, closed={self._closed})"
