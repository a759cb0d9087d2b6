"""`KisNode`: builds the shared parts of the KIS adapter once and hands out the clients.

Several clients of one process must share some things: the HTTP connection pool, each app
key's rate limiter (the broker counts per key, whoever sends), its token (one issue a minute),
and its one WebSocket session. The node owns those and creates `KisExecutionClient`s (one per
account) and a `KisMarketDataClient` on top of them; `start` begins the token renewal loop and
`close` releases everything.

Credentials are cached (`TokenConfig`) in Redis when ``tokens.redis_url`` is set or a Redis
client is passed, else in files under ``tokens.cache_dir`` (default ``./var/kis``, next to the
default data directory); the same Redis, when present, also holds the shared rate buckets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from jts.adapters.kis.auth import KisAuthApi
from jts.adapters.kis.config import KisAccount, KisAppKey, KisClientConfig
from jts.adapters.kis.costs import FillCosts
from jts.adapters.kis.data import KisMarketDataClient
from jts.adapters.kis.execution import KisExecutionClient
from jts.adapters.kis.http import KisRestClient
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.order_wire import OrderWire
from jts.adapters.kis.pool import AppKeyPool
from jts.adapters.kis.rate_limit import RedisTokenBucket, TokenBucket
from jts.adapters.kis.streams import KisStreamManager
from jts.adapters.kis.tokens import (
    ACCESS_TOKEN,
    APPROVAL_KEY,
    FileTokenStore,
    RedisTokenStore,
    TokenManager,
    TokenStore,
    app_key_digest,
)
from jts.adapters.kis.ws import MarketOpen, always_open
from jts.core.errors import ConfigError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DEFAULT_TOKEN_DIR", "KisNode"]

_log = logging.getLogger(__name__)
DEFAULT_TOKEN_DIR = Path("var") / "kis"


class KisNode:
    def __init__(
        self,
        config: KisClientConfig,
        apps: Sequence[KisAppKey],
        accounts: Sequence[KisAccount] = (),
        *,
        metrics: KisMetrics | None = None,
        market_open: MarketOpen = always_open,
        transport: httpx.AsyncBaseTransport | None = None,
        redis: Redis | None = None,
        store: TokenStore | None = None,
    ) -> None:
        if not apps:
            raise ConfigError("KIS needs at least one app key")
        keys = {app.app_key for app in apps}
        for account in accounts:
            if account.app.app_key not in keys:
                raise ConfigError(
                    f"KIS account {account.account_id} uses an app key that is not configured"
                )
        self.config = config
        self.metrics = metrics or KisMetrics()
        self._accounts = list(accounts)
        self._owns_redis = False
        if redis is None and config.tokens.redis_url:
            redis = _redis_from_url(config.tokens.redis_url)
            self._owns_redis = True
        self._redis = redis
        self.store = store or self._default_store(redis)
        # Orders go on the node's own kept-alive connections (`order_wire`: written in the call
        # that makes them), unless the environment names a proxy (every request then goes
        # through httpx's client, which honours it) or a transport is given (tests that watch or
        # fake the wire): then order requests are handed to that transport directly.
        proxied = bool(urllib.request.getproxies())
        self.transport = transport or httpx.AsyncHTTPTransport()
        self.http = httpx.AsyncClient(transport=self.transport, timeout=config.retry.timeout_s)
        direct = None if proxied else self.transport
        self.order_wire: OrderWire | None = None
        if transport is None and not proxied:
            self.order_wire = OrderWire(
                config.resolved_hosts.rest_url, timeout_s=config.retry.timeout_s
            )
        self.auth = KisAuthApi(
            self.http,
            config.resolved_hosts,
            approval_lifetime_s=config.tokens.approval_lifetime_s,
            metrics=self.metrics,
        )
        self.tokens: dict[str, TokenManager] = {}
        self.approvals: dict[str, TokenManager] = {}
        rests = []
        for app in apps:
            tokens = TokenManager(
                app,
                self.store,
                self.auth.issue_token,
                kind=ACCESS_TOKEN,
                refresh_margin_s=config.tokens.refresh_margin_s,
                min_issue_interval_s=config.tokens.min_issue_interval_s,
                issue_attempts=config.tokens.issue_attempts,
                metrics=self.metrics,
            )
            self.tokens[app.app_key] = tokens
            self.approvals[app.app_key] = TokenManager(
                app,
                self.store,
                self.auth.approval_key,
                kind=APPROVAL_KEY,
                refresh_margin_s=config.tokens.approval_refresh_margin_s,
                min_issue_interval_s=1.0,
                metrics=self.metrics,
            )
            rests.append(
                KisRestClient(
                    config,
                    app,
                    client=self.http,
                    orders_transport=direct,
                    order_wire=self.order_wire,
                    tokens=tokens,
                    limiter=self._limiter(app),
                    auth=self.auth,
                    metrics=self.metrics,
                )
            )
        self.pool = AppKeyPool(rests, config, metrics=self.metrics)
        self.streams = KisStreamManager(
            config, list(self.approvals.values()), metrics=self.metrics, market_open=market_open
        )
        self._renewal: asyncio.Task[None] | None = None

    def _default_store(self, redis: Redis | None) -> TokenStore:
        if redis is not None:
            return RedisTokenStore(redis, self.config.tokens.key_prefix)
        directory = self.config.tokens.cache_dir or DEFAULT_TOKEN_DIR
        return FileTokenStore(Path(directory).absolute())

    def _limiter(self, app: KisAppKey) -> TokenBucket | RedisTokenBucket:
        rate, burst = self.config.rate_per_s, self.config.burst
        if self._redis is None or not self.config.rate_limit.shared:
            return TokenBucket(rate, burst)
        key = f"{self.config.tokens.key_prefix}:rate:{app_key_digest(app.app_key)}"
        return RedisTokenBucket(
            self._redis,
            key,
            rate,
            burst,
            query_headroom=self.config.rate_limit.query_headroom,
        )

    def rest(self, app_key: str) -> KisRestClient:
        return self.pool.client(app_key)

    def execution_client(
        self, account: KisAccount, *, costs: FillCosts | None = None
    ) -> KisExecutionClient:
        return KisExecutionClient(
            self.config,
            account,
            self.rest(account.app.app_key),
            streams=self.streams,
            costs=costs,
            metrics=self.metrics,
        )

    def data_client(
        self, *, in_auction: Callable[[int], bool] | None = None
    ) -> KisMarketDataClient:
        if in_auction is None:
            return KisMarketDataClient(self.config, self.pool, self.streams, metrics=self.metrics)
        return KisMarketDataClient(
            self.config, self.pool, self.streams, metrics=self.metrics, in_auction=in_auction
        )

    async def start(self) -> None:
        """Begin renewing tokens before they expire (checked every ``renewal_check_s``)."""
        if self._renewal is None or self._renewal.done():
            self._renewal = asyncio.create_task(self._renew_loop(), name="kis-token-renewal")

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.tokens.renewal_check_s)
            for manager in self.tokens.values():
                try:
                    await manager.renew_if_due()
                except Exception as exc:
                    _log.warning("KIS token renewal for %s failed: %s", manager.app.label, exc)

    async def close(self) -> None:
        task, self._renewal = self._renewal, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.streams.stop()
        for client in self.pool.clients:
            close = getattr(client.limiter, "close", None)
            if close is not None:
                await close()
        await self.http.aclose()
        if self.order_wire is not None:
            await self.order_wire.aclose()
        if self._owns_redis and self._redis is not None:
            await self._redis.aclose()

    async def __aenter__(self) -> KisNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _redis_from_url(url: str) -> Redis:
    try:
        from redis.asyncio import Redis  # noqa: PLC0415 - optional dependency (extra "redis")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(f"tokens.redis_url is set but redis is not installed: {exc}") from exc
    return Redis.from_url(url)
