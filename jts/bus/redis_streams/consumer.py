"""Reading the bus stream in a consumer group: dispatch, acknowledge, retry, dead-letter.

The loop, in one task:

1. On start, this consumer's own pending entries (read before a crash or restart but never
   acknowledged) are claimed and handled first, oldest first.
2. Then it reads new entries (``XREADGROUP >``), dispatches each to the local subscriptions
   (same order and error isolation as in-process) and acknowledges every entry whose handlers
   all succeeded. The XACK of a batch travels in one pipeline with the next XREADGROUP, so a
   batch costs one round trip, not two (on stop the last acknowledgements are sent alone).
3. Every ``claim_idle_ms / 2`` it scans the group's pending entries idle for at least
   ``claim_idle_ms``: entries of this consumer whose handler failed, and entries of consumers
   that died. Each is claimed (which counts a delivery) and dispatched again, or, once it has
   been delivered ``max_deliveries`` times, moved to the dead-letter stream and acknowledged.

A retried entry goes only to the handlers that failed on it in this process (handlers that
succeeded are remembered by subscription), so one failing subscriber does not make the others
see a message twice; after a restart that memory is gone and all handlers see it again.

Entries that cannot be handled at all (no topic or payload, a malformed topic, bytes the codec
rejects) are dead-lettered at once: retrying cannot fix them. Entries no local subscription
matches are acknowledged without being decoded. Nothing an entry contains can stop the loop;
Redis errors are logged and retried with backoff.

A retried entry is handled after entries that arrived later: ordering holds for successful
first deliveries only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jts.bus.redis_streams import wire
from jts.bus.subscriptions import SubscriptionTable
from jts.core.errors import InvalidInputError
from jts.domain.messages import Message
from jts.ports.codec import Codec

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

_BACKOFF_START_S = 0.05
_BACKOFF_MAX_S = 2.0
_MAX_REMEMBERED_RETRIES = 10_000


@dataclass(slots=True)
class Counters:
    """Mutable counters the bus reports through `BusStats`."""

    handler_errors: int = 0
    dead_lettered: int = 0


@dataclass(frozen=True, slots=True)
class ConsumerSettings:
    stream: str
    dead_letter_stream: str
    group: str
    consumer: str
    group_start: str
    read_count: int
    block_ms: int
    claim_idle_ms: int
    max_deliveries: int
    dead_letter_maxlen: int


class _Batch:
    """What one batch of handled entries asks of Redis: acks and dead letters."""

    __slots__ = ("acks", "dead")

    def __init__(self) -> None:
        self.acks: list[bytes] = []
        self.dead: list[tuple[bytes, wire.Fields, str, str, int]] = []


class GroupConsumer:
    """The reader of one consumer group on the bus stream, dispatching to a subscription table."""

    def __init__(
        self,
        settings: ConsumerSettings,
        table: SubscriptionTable,
        codec: Codec,
        counters: Counters,
    ) -> None:
        self._s = settings
        self._table = table
        self._codec = codec
        self._counters = counters
        # entry id -> subscription sequences that already handled it (only for failed entries)
        self._succeeded: dict[bytes, set[int]] = {}
        self._stopping = False
        self._unacked: list[bytes] = []  # handled, to be acknowledged with the next read
        self._reads_started = 0
        self._reads_done = 0
        self._consumed: tuple[int, int] = (0, 0)
        self._progress = asyncio.Condition()

    # -- lifecycle ---------------------------------------------------------------------------

    async def prepare(self, client: Redis) -> None:
        """Create the group (and stream) if missing; an existing group keeps its position."""
        await ensure_group(client, self._s.stream, self._s.group, self._s.group_start)

    def stop(self) -> None:
        """Ask the loop to return after its current read (at most ``block_ms``)."""
        self._stopping = True

    async def run(self, client: Redis) -> None:
        s = self._s
        backoff = _BACKOFF_START_S
        recovered_own = False
        next_scan = 0.0
        while not self._stopping:
            try:
                if not recovered_own:
                    await self._recover(client, own_only=True, min_idle_ms=0)
                    recovered_own = True
                now = time.monotonic()
                if now >= next_scan:
                    await self._recover(client, own_only=False, min_idle_ms=s.claim_idle_ms)
                    next_scan = now + s.claim_idle_ms / 2000
                await self._read_new(client)
                backoff = _BACKOFF_START_S
            except Exception as exc:
                if "NOGROUP" in str(exc):
                    logger.warning("bus group %s on %s vanished; recreating", s.group, s.stream)
                    await self._retry_prepare(client)
                    continue
                logger.warning("bus consumer %s/%s: %s; retrying", s.group, s.consumer, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX_S)
        await self._send_acks(client)

    async def _send_acks(self, client: Redis) -> None:
        acks, self._unacked = self._unacked, []
        if not acks:
            return
        try:
            await client.xack(self._s.stream, self._s.group, *acks)
        except Exception as exc:  # they stay pending and are redelivered: at least once
            logger.warning("bus consumer: %d acknowledgements not sent (%s)", len(acks), exc)

    async def _retry_prepare(self, client: Redis) -> None:
        try:
            await self.prepare(client)
        except Exception as exc:
            logger.warning("bus consumer: cannot recreate group %s (%s)", self._s.group, exc)
            await asyncio.sleep(_BACKOFF_START_S)

    async def wait_consumed(self, entry_id: bytes) -> None:
        """Wait until every entry up to ``entry_id`` has been delivered to this group and those
        delivered to this consumer are dispatched.

        Either this consumer dispatched an entry at or past ``entry_id``, or a read that began
        after this call has completed (then the group had nothing older left to deliver).
        """
        target = wire.entry_id_key(entry_id)
        async with self._progress:
            started = self._reads_started
            await self._progress.wait_for(
                lambda: self._consumed >= target or self._reads_done > started
            )

    # -- reading -----------------------------------------------------------------------------

    async def _read_new(self, client: Redis) -> None:
        s = self._s
        self._reads_started += 1
        number = self._reads_started
        acks, self._unacked = self._unacked, []
        pipe = client.pipeline(transaction=False)
        if acks:
            pipe.xack(s.stream, s.group, *acks)
        pipe.xreadgroup(s.group, s.consumer, {s.stream: ">"}, count=s.read_count, block=s.block_ms)
        try:
            results = await pipe.execute()
        except BaseException:
            self._unacked[:0] = acks  # try again with the next read
            raise
        reply = results[-1]
        batch = _Batch()
        last: tuple[int, int] | None = None
        for _stream, entries in wire.stream_entries(reply):
            for entry_id, fields in entries:
                self._handle(entry_id, fields, 1, batch)
                last = wire.entry_id_key(entry_id)
        if batch.dead:
            await self._commit(client, batch)
        else:
            self._unacked.extend(batch.acks)
        async with self._progress:
            if last is not None and last > self._consumed:
                self._consumed = last
            self._reads_done = number
            self._progress.notify_all()

    async def _recover(self, client: Redis, *, own_only: bool, min_idle_ms: int) -> None:
        """One pass over the pending entries (own, or the whole group's), oldest first."""
        s = self._s
        start = "-"
        while not self._stopping:
            pending: list[dict[str, Any]] = await client.xpending_range(
                s.stream,
                s.group,
                start,
                "+",
                s.read_count,
                consumername=s.consumer if own_only else None,
                idle=min_idle_ms,
            )
            if not pending:
                return
            deliveries = {p["message_id"]: int(p["times_delivered"]) for p in pending}
            claimed: list[tuple[bytes, wire.Fields | None]] = await client.xclaim(  # type: ignore[assignment]
                s.stream, s.group, s.consumer, min_idle_ms, list(deliveries)
            )
            batch = _Batch()
            for entry_id, fields in claimed:
                if fields is None:  # deleted from the stream (trimmed) before it was handled
                    continue
                previous = deliveries.get(entry_id, 0)
                if previous >= s.max_deliveries:
                    batch.dead.append(
                        (entry_id, fields, "max-deliveries", "handler kept failing", previous)
                    )
                    self._succeeded.pop(entry_id, None)
                else:
                    self._handle(entry_id, fields, previous + 1, batch)
            await self._commit(client, batch)
            if len(pending) < s.read_count:
                return
            start = "(" + pending[-1]["message_id"].decode()

    # -- handling ----------------------------------------------------------------------------

    def _handle(self, entry_id: bytes, fields: wire.Fields, delivery: int, batch: _Batch) -> None:
        """Dispatch one entry; record whether to acknowledge it, leave it pending or dead-letter."""
        raw_topic = fields.get(wire.TOPIC)
        data = fields.get(wire.DATA)
        if raw_topic is None or data is None:
            batch.dead.append(
                (entry_id, fields, "malformed", "entry lacks topic or data", delivery)
            )
            return
        try:
            topic = raw_topic.decode("ascii")
            subscriptions = self._table.subscriptions_for(topic)
        except (UnicodeDecodeError, InvalidInputError) as exc:
            batch.dead.append((entry_id, fields, "bad-topic", str(exc), delivery))
            return
        if not subscriptions:
            batch.acks.append(entry_id)
            return
        try:
            message = self._codec.decode(data)
        except Exception as exc:
            batch.dead.append(
                (entry_id, fields, "decode", f"{type(exc).__name__}: {exc}", delivery)
            )
            return
        done = self._succeeded.get(entry_id)
        failed: list[int] | None = None
        for sub in subscriptions:
            if done is not None and sub.sequence in done:
                continue
            if not _call(sub.handler, message, topic, entry_id, self._counters):
                if failed is None:
                    failed = []
                failed.append(sub.sequence)
        if failed is None:
            self._succeeded.pop(entry_id, None)
            batch.acks.append(entry_id)
            return
        succeeded = {sub.sequence for sub in subscriptions}.difference(failed)
        if done is not None:
            succeeded |= done
        self._remember(entry_id, succeeded)

    def _remember(self, entry_id: bytes, succeeded: set[int]) -> None:
        self._succeeded.pop(entry_id, None)
        if len(self._succeeded) >= _MAX_REMEMBERED_RETRIES:
            del self._succeeded[next(iter(self._succeeded))]  # forget the oldest
        self._succeeded[entry_id] = succeeded

    async def _commit(self, client: Redis, batch: _Batch) -> None:
        s = self._s
        if not batch.acks and not batch.dead:
            return
        pipe = client.pipeline(transaction=False)
        for entry_id, fields, reason, error, deliveries in batch.dead:
            logger.error(
                "bus: entry %s of %s dead-lettered to %s (%s: %s)",
                entry_id,
                s.stream,
                s.dead_letter_stream,
                reason,
                error,
            )
            dead_fields: dict[Any, Any] = {
                key: value for key, value in fields.items() if not key.startswith(b"dead.")
            }
            dead_fields[wire.DEAD_REASON] = reason.encode()
            dead_fields[wire.DEAD_ERROR] = error.encode("utf-8", "replace")
            dead_fields[wire.DEAD_ID] = entry_id
            dead_fields[wire.DEAD_GROUP] = s.group.encode()
            dead_fields[wire.DEAD_CONSUMER] = s.consumer.encode()
            dead_fields[wire.DEAD_DELIVERIES] = str(deliveries).encode()
            pipe.xadd(
                s.dead_letter_stream, dead_fields, maxlen=s.dead_letter_maxlen, approximate=True
            )
            batch.acks.append(entry_id)
        pipe.xack(s.stream, s.group, *batch.acks)
        await pipe.execute()
        self._counters.dead_lettered += len(batch.dead)


def _call(
    handler: Callable[[Message], object],
    message: Message,
    topic: str,
    entry_id: bytes,
    counters: Counters,
) -> bool:
    try:
        handler(message)
    except Exception:
        counters.handler_errors += 1
        logger.exception(
            "bus handler %r raised on topic %s (entry %s); it will be retried",
            handler,
            topic,
            entry_id,
        )
        return False
    return True


async def ensure_group(client: Redis, stream: str, group: str, start: str) -> None:
    """Create ``group`` on ``stream`` (and the stream) unless it exists; BUSYGROUP is fine."""
    try:
        await client.xgroup_create(stream, group, id=start, mkstream=True)
    except Exception as exc:
        if "BUSYGROUP" not in str(exc):
            raise
