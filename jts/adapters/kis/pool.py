"""A pool of app keys: queries spread by remaining capacity, failing keys benched for a while.

Each app key has its own rate limit (20/s real, 2/s paper), so quotes and other account-free
queries go to the key with the most tokens left. A key that fails repeatedly (transport errors,
5xx, or at once for authentication errors) is benched: skipped for ``bench_base_s``, doubling on
every new bench up to ``bench_max_s``, and used again after that (one success clears it).
When every key is benched the one whose bench ends first is used rather than failing outright.

Account-bound requests (orders, balance, fills) cannot move: KIS ties an account to the app key
it was registered with, so they go to `AppKeyPool.client` for that key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from jts.adapters.kis.config import KisClientConfig
from jts.adapters.kis.endpoints import Endpoint
from jts.adapters.kis.errors import KisAuthError, KisError, KisServerError, KisTransportError
from jts.adapters.kis.http import KisReply, KisRestClient
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.rate_limit import Priority
from jts.adapters.kis.schemas import Envelope
from jts.core.errors import ConfigError
from jts.core.time import NANOS_PER_SECOND

__all__ = ["AppKeyPool"]

_log = logging.getLogger(__name__)
T = TypeVar("T", bound=Envelope)


@dataclass(slots=True)
class _Health:
    failures: int = 0
    benches: int = 0
    benched_until_ns: int = 0


class AppKeyPool:
    def __init__(
        self,
        clients: Sequence[KisRestClient],
        config: KisClientConfig,
        *,
        metrics: KisMetrics | None = None,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        if not clients:
            raise ConfigError("an app key pool needs at least one app key")
        keys = [c.app.app_key for c in clients]
        if len(set(keys)) != len(keys):
            raise ConfigError("an app key is in the pool twice")
        self._clients = {c.app.app_key: c for c in clients}
        self._health = {key: _Health() for key in keys}
        self._config = config
        self._metrics = metrics or KisMetrics()
        self._now = monotonic_ns

    @property
    def clients(self) -> list[KisRestClient]:
        return list(self._clients.values())

    def client(self, app_key: str) -> KisRestClient:
        try:
            return self._clients[app_key]
        except KeyError:
            raise ConfigError("that app key is not in the KIS pool") from None

    def is_benched(self, app_key: str) -> bool:
        return self._health[app_key].benched_until_ns > self._now()

    def pick(self, exclude: Collection[str] = ()) -> KisRestClient:
        """The healthy key with the most tokens left; if all are benched, the soonest back."""
        candidates = [c for key, c in self._clients.items() if key not in exclude]
        if not candidates:
            candidates = list(self._clients.values())
        now = self._now()
        healthy = [c for c in candidates if self._health[c.app.app_key].benched_until_ns <= now]
        if healthy:
            return max(healthy, key=lambda c: c.limiter.available())
        return min(candidates, key=lambda c: self._health[c.app.app_key].benched_until_ns)

    def record_success(self, app_key: str) -> None:
        health = self._health[app_key]
        health.failures = 0
        health.benches = 0
        health.benched_until_ns = 0

    def record_failure(self, app_key: str, error: Exception) -> None:
        """Count a failure of the key itself (not a business rejection); bench when due."""
        health = self._health[app_key]
        health.failures += 1
        if isinstance(error, KisAuthError) or health.failures >= self._config.bench_after_failures:
            health.benches += 1
            seconds = min(
                self._config.bench_max_s, self._config.bench_base_s * (1 << (health.benches - 1))
            )
            health.benched_until_ns = self._now() + int(seconds * NANOS_PER_SECOND)
            health.failures = 0
            self._metrics.benched_keys.inc(self._clients[app_key].app.label)
            _log.warning(
                "KIS app key %s benched for %.0f s after %r",
                self._clients[app_key].app.label,
                seconds,
                error,
            )

    async def request(
        self,
        endpoint: Endpoint,
        reply_type: type[T],
        *,
        params: Mapping[str, str] | None = None,
        priority: Priority = Priority.QUERY,
    ) -> KisReply[T]:
        """An account-free query on the best key, moving to the next key when one fails."""
        tried: list[str] = []
        last: KisError | None = None
        for _ in range(len(self._clients)):
            client = self.pick(exclude=tried)
            key = client.app.app_key
            tried.append(key)
            try:
                reply = await client.request(endpoint, reply_type, params=params, priority=priority)
            except (KisTransportError, KisServerError, KisAuthError) as exc:
                self.record_failure(key, exc)
                last = exc
                continue
            self.record_success(key)
            return reply
        assert last is not None
        raise last

    async def pages(
        self,
        endpoint: Endpoint,
        reply_type: type[T],
        params: Mapping[str, str],
        *,
        priority: Priority = Priority.QUERY,
    ) -> AsyncIterator[KisReply[T]]:
        """Paged query on one key (continuation keys belong to the conversation)."""
        client = self.pick()
        key = client.app.app_key
        try:
            async for reply in client.pages(endpoint, reply_type, params, priority=priority):
                yield reply
        except (KisTransportError, KisServerError, KisAuthError) as exc:
            self.record_failure(key, exc)
            raise
        self.record_success(key)
