"""Token buckets per app key, with priorities: a cancel never waits behind a burst of queries.

KIS allows 20 requests a second per app key on real accounts and 2 on paper [S: brokers.md
§1.5] and answers EGW00201 beyond. The adapter paces itself so the broker never has to:

- `TokenBucket` is the bucket of one process. Waiters are served strictly by priority
  (`Priority.CANCEL` before `ORDER` before `QUERY`), first come first served within one.
- `RedisTokenBucket` is the same bucket kept in Redis, for when several processes share an app
  key. The refill-and-take step is one Lua script using the Redis server's clock, so processes
  with different clocks agree. Priorities across processes: a query takes a token only when
  ``query_headroom`` more remain, so other processes' cancels and orders find one; in-process
  the waiters are ordered as in `TokenBucket`. One token is kept taken ahead for orders and
  cancels, so one can go out without a Redis round trip (`try_acquire`).

Arithmetic is in integers (tokens scaled by 10^9 against nanoseconds locally, 10^6 against
microseconds in Redis), so exactly one interval after a take the next token is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Protocol

from jts.core.errors import ConfigError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Priority", "RateLimiter", "RedisTokenBucket", "TokenBucket"]

_ONE: Final = 1_000_000_000  # one token, local scale (per nanosecond arithmetic)
_ONE_REDIS: Final = 1_000_000  # one token in Redis (per microsecond arithmetic)


class Priority(enum.IntEnum):
    """Lower value first."""

    CANCEL = 0
    ORDER = 1
    QUERY = 2


class RateLimiter(Protocol):
    """What the REST client needs: wait for a slot of the given priority."""

    async def acquire(self, priority: Priority) -> float:
        """Take one request slot; returns the seconds waited."""
        ...

    def available(self) -> float:
        """Tokens available now (an estimate for a shared bucket): spread load by it."""
        ...

    def try_acquire(self, priority: Priority) -> bool:
        """Take a slot now, without waiting, if one is free and nobody is queued; False when
        that cannot be known without waiting (a shared bucket)."""
        ...


Sleep = Callable[[float], Awaitable[None]]


class _PriorityGate:
    """The waiting room shared by both buckets: one dispatcher serves waiters by priority and
    asks ``take`` (which returns 0 when a token was taken, else nanoseconds to wait)."""

    def __init__(self, sleep: Sleep, monotonic_ns: Callable[[], int]) -> None:
        self._sleep = sleep
        self._now = monotonic_ns
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self.waits = 0

    async def _take(self, priority: Priority) -> int:
        raise NotImplementedError

    async def acquire(self, priority: Priority) -> float:
        start = self._now()
        if not self._heap and await self._take(priority) == 0:
            return 0.0
        self.waits += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (int(priority), next(self._seq), future))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        try:
            await future
        except asyncio.CancelledError:
            future.cancel()  # the dispatcher skips it
            raise
        return (self._now() - start) / 1e9

    def try_acquire(self, priority: Priority) -> bool:
        return False  # a remote bucket answers only asynchronously

    async def _dispatch(self) -> None:
        heap = self._heap
        while heap:
            priority, _, future = heap[0]
            if future.done():
                heapq.heappop(heap)
                continue
            wait_ns = await self._take(Priority(priority))
            if wait_ns == 0:
                heapq.heappop(heap)
                if future.done():  # cancelled while we asked: the token is lost, not reused
                    continue
                future.set_result(None)
                continue
            await self._sleep(wait_ns / 1e9)

    async def close(self) -> None:
        task, self._dispatcher = self._dispatcher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class TokenBucket(_PriorityGate):
    """A local bucket: ``burst`` tokens, refilled at ``rate`` per second."""

    def __init__(
        self,
        rate: int,
        burst: int,
        *,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if type(rate) is not int or rate <= 0 or type(burst) is not int or burst <= 0:
            raise ConfigError(f"rate and burst must be positive ints, got {rate!r} and {burst!r}")
        super().__init__(sleep, monotonic_ns)
        self.rate = rate
        self.burst = burst
        self._capacity = burst * _ONE
        self._tokens = self._capacity
        self._updated = monotonic_ns()

    def _refill(self) -> None:
        now = self._now()
        elapsed = now - self._updated
        if elapsed > 0:
            # elapsed ns x rate tokens/s = elapsed x rate x 10^-9 tokens = elapsed x rate scaled
            self._tokens = min(self._capacity, self._tokens + elapsed * self.rate)
            self._updated = now

    def try_take(self) -> int:
        """0 when a token was taken, else the nanoseconds until one is there."""
        self._refill()
        if self._tokens >= _ONE:
            self._tokens -= _ONE
            return 0
        return max(1, -(-(_ONE - self._tokens) // self.rate))

    async def _take(self, priority: Priority) -> int:
        return self.try_take()

    def try_acquire(self, priority: Priority) -> bool:
        return not self._heap and self.try_take() == 0

    def available(self) -> float:
        self._refill()
        return self._tokens / _ONE


#: KEYS[1] bucket; ARGV capacity, rate (tokens/s), needed (scaled), ttl_ms.
#: Returns {wait_us (0 = taken), tokens_left_scaled}.
_LUA: Final = """
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local needed = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
if tokens >= needed then
  tokens = tokens - 1000000
else
  wait = math.ceil((needed - tokens) / rate)
  if wait < 1 then wait = 1 end
end
redis.call('HSET', key, 'tokens', tokens, 'ts', ts)
redis.call('PEXPIRE', key, ttl)
return {wait, tokens}
"""


class RedisTokenBucket(_PriorityGate):
    """The bucket of an app key shared by every process through Redis (see module doc)."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        rate: int,
        burst: int,
        *,
        query_headroom: int = 1,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if type(rate) is not int or rate <= 0 or type(burst) is not int or burst <= 0:
            raise ConfigError(f"rate and burst must be positive ints, got {rate!r} and {burst!r}")
        if type(query_headroom) is not int or query_headroom < 0:
            raise ConfigError(f"query_headroom must be an int >= 0, got {query_headroom!r}")
        super().__init__(sleep, monotonic_ns)
        self.rate = rate
        self.burst = burst
        self._redis = redis
        self._key = key
        # a query may never need more than a full bucket, or it would wait forever
        self._headroom = min(query_headroom, burst - 1)
        self._script = redis.register_script(_LUA)
        self._last_tokens = float(burst)
        self._ttl_ms = max(10_000, 2_000 * burst // rate + 10_000)
        # One token taken from Redis ahead of need, for an order or cancel to use without a
        # round trip (`try_acquire`): taken, never borrowed, so the shared rate still holds;
        # refilled in the background after each use.
        self._lease = 0
        self._leasing: asyncio.Task[None] | None = None

    def try_acquire(self, priority: Priority) -> bool:
        if priority is Priority.QUERY or self._heap:
            return False
        return self._use_lease()

    def _use_lease(self) -> bool:
        """Take the token held ahead, if there is one; either way, ask for the next."""
        used = self._lease > 0
        if used:
            self._lease -= 1
        self._renew_lease()
        return used

    def _renew_lease(self) -> None:
        if self._leasing is None or self._leasing.done():
            self._leasing = asyncio.get_running_loop().create_task(self._take_lease())

    async def _take_lease(self) -> None:
        """Take one token for the lease if the bucket has one now; never waits for one (a
        waiting order or cancel is served by `acquire`, and the next use asks again)."""
        if self._lease:
            return
        with contextlib.suppress(Exception):  # Redis away: orders take the usual path
            if await self._take_from_redis(Priority.ORDER) == 0:
                self._lease += 1

    async def _take(self, priority: Priority) -> int:
        if self._lease and priority is not Priority.QUERY and self._use_lease():
            return 0
        return await self._take_from_redis(priority)

    async def _take_from_redis(self, priority: Priority) -> int:
        extra = self._headroom if priority is Priority.QUERY else 0
        needed = (1 + extra) * _ONE_REDIS
        result = await self._script(
            keys=[self._key],
            args=[self.burst * _ONE_REDIS, self.rate, needed, self._ttl_ms],
        )
        wait_us, tokens = int(result[0]), float(result[1])
        self._last_tokens = tokens / _ONE_REDIS
        return wait_us * 1_000

    def available(self) -> float:
        """The tokens left after this process's last take (other processes may have used some
        since) and the leased one: good enough to spread load over app keys."""
        return self._last_tokens + self._lease

    async def close(self) -> None:
        leasing, self._leasing = self._leasing, None
        if leasing is not None:
            leasing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leasing
        await super().close()
