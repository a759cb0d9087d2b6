"""Access tokens and approval keys, cached for every process of one installation.

KIS issues an access token at most once a minute per app key (EGW00133 otherwise) and alerts
the account holder on every issue, so a token is precious: it is requested once, stored where
all processes find it (`FileTokenStore`: a JSON file per app key under the data directory,
guarded by an ``flock``; or `RedisTokenStore`), reused until ``refresh_margin`` before it
expires, and renewed then. The renewal happens under the store's lock after re-reading the
store, so when several processes notice at once only the first one asks KIS; the others find
its fresh token. The time of the last request is stored too, so no process asks again within
the minute even after a crash.

`TokenManager.invalidate` handles EGW00123 (expired) / EGW00121 (invalid): the next call gets
a new token, still respecting the one-a-minute rule (waiting for it when no usable token is
left, which is the only correct thing to do).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

import msgspec

from jts.adapters.kis.config import KisAppKey
from jts.adapters.kis.errors import KisError, KisTokenIssueRateError
from jts.adapters.kis.metrics import KisMetrics
from jts.core.time import NANOS_PER_SECOND

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "ACCESS_TOKEN",
    "APPROVAL_KEY",
    "FileTokenStore",
    "IssuedCredential",
    "MemoryTokenStore",
    "RedisTokenStore",
    "StoredCredential",
    "TokenManager",
    "TokenStore",
    "app_key_digest",
]

_log = logging.getLogger(__name__)

ACCESS_TOKEN: Final = "token"  # noqa: S105 - a kind name, not a secret
APPROVAL_KEY: Final = "approval"
_LOCK_POLL_S: Final = 0.02


class StoredCredential(msgspec.Struct, kw_only=True):
    """What the store keeps per app key and kind: the value, when it expires, and when KIS was
    last asked (answered or refused), which is what the one-a-minute rule counts from."""

    value: str = ""
    issued_ns: int = 0
    expires_ns: int = 0
    last_request_ns: int = 0


class IssuedCredential(msgspec.Struct, frozen=True, kw_only=True):
    """A fresh token or approval key as the issuer returns it."""

    value: str
    expires_ns: int


def app_key_digest(app_key: str) -> str:
    """Store keys are a digest of the app key: the key itself never lands in a file name."""
    return hashlib.sha256(app_key.encode()).hexdigest()[:32]


class TokenStore(Protocol):
    """Shared storage of credentials with a cross-process lock per app key and kind."""

    def lock(self, app_key: str, kind: str) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def load(self, app_key: str, kind: str) -> StoredCredential | None: ...

    async def save(self, app_key: str, kind: str, record: StoredCredential) -> None: ...


class MemoryTokenStore:
    """One process only (tests, scripts): a dict and an asyncio lock."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], StoredCredential] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def lock(self, app_key: str, kind: str) -> AsyncIterator[None]:
        async with self._locks.setdefault((app_key, kind), asyncio.Lock()):
            yield

    async def load(self, app_key: str, kind: str) -> StoredCredential | None:
        record = self._records.get((app_key, kind))
        return None if record is None else msgspec.structs.replace(record)

    async def save(self, app_key: str, kind: str, record: StoredCredential) -> None:
        self._records[(app_key, kind)] = msgspec.structs.replace(record)


class FileTokenStore:
    """``<directory>/kis-<digest>-<kind>.json`` (mode 0600) guarded by ``flock`` on a
    ``.lock`` file next to it. The lock is released by the kernel if a process dies, so a
    crashed process never blocks the others. Files are replaced atomically (write + rename)."""

    def __init__(self, directory: Path) -> None:
        self._dir = Path(directory)

    def _path(self, app_key: str, kind: str, suffix: str) -> Path:
        return self._dir / f"kis-{app_key_digest(app_key)}-{kind}{suffix}"

    @contextlib.asynccontextmanager
    async def lock(self, app_key: str, kind: str) -> AsyncIterator[None]:
        self._dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path(app_key, kind, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    await asyncio.sleep(_LOCK_POLL_S)  # never block the event loop
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    async def load(self, app_key: str, kind: str) -> StoredCredential | None:
        path = self._path(app_key, kind, ".json")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return msgspec.json.decode(data, type=StoredCredential)
        except msgspec.DecodeError:
            _log.warning("ignoring unreadable KIS credential cache %s", path)
            return None

    async def save(self, app_key: str, kind: str, record: StoredCredential) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._path(app_key, kind, ".json")
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(msgspec.json.encode(record))
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)


class RedisTokenStore:
    """Credentials in Redis under ``<prefix>:cred:<digest>:<kind>``, locked with redis-py's
    lock. The lock times out after ``lock_timeout_s`` so a dead holder cannot block forever;
    it must outlast the one-minute wait a holder may do, hence the default."""

    def __init__(
        self, redis: Redis, prefix: str = "jts:kis", lock_timeout_s: float = 120.0
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lock_timeout = lock_timeout_s

    def _key(self, app_key: str, kind: str, what: str) -> str:
        return f"{self._prefix}:{what}:{app_key_digest(app_key)}:{kind}"

    @contextlib.asynccontextmanager
    async def lock(self, app_key: str, kind: str) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._key(app_key, kind, "lock"), timeout=self._lock_timeout, sleep=_LOCK_POLL_S
        )
        await lock.acquire()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # expired meanwhile: nothing left to release
                await lock.release()

    async def load(self, app_key: str, kind: str) -> StoredCredential | None:
        data = await self._redis.get(self._key(app_key, kind, "cred"))
        if data is None:
            return None
        try:
            return msgspec.json.decode(data, type=StoredCredential)
        except msgspec.DecodeError:
            _log.warning("ignoring unreadable KIS credential in Redis for %s", kind)
            return None

    async def save(self, app_key: str, kind: str, record: StoredCredential) -> None:
        ttl_ms = max(1, (record.expires_ns - time.time_ns()) // 1_000_000) + 86_400_000
        await self._redis.set(
            self._key(app_key, kind, "cred"), msgspec.json.encode(record), px=ttl_ms
        )


Issuer = Callable[[KisAppKey], Awaitable[IssuedCredential]]


class TokenManager:
    """The access token (or the WebSocket approval key, ``kind=APPROVAL_KEY``) of one app key.

    ``min_issue_interval_s`` is KIS's one-a-minute rule for tokens; approval keys have no known
    limit, so pass 0 for them.
    """

    def __init__(
        self,
        app: KisAppKey,
        store: TokenStore,
        issuer: Issuer,
        *,
        kind: str = ACCESS_TOKEN,
        refresh_margin_s: float = 3_600.0,
        min_issue_interval_s: float = 60.0,
        issue_attempts: int = 3,
        metrics: KisMetrics | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._app = app
        self._store = store
        self._issuer = issuer
        self._kind = kind
        self._margin_ns = int(refresh_margin_s * NANOS_PER_SECOND)
        self._interval_ns = int(min_issue_interval_s * NANOS_PER_SECOND)
        self._attempts = issue_attempts
        self._metrics = metrics or KisMetrics()
        self._now = clock_ns
        self._sleep = sleep
        self._cached: StoredCredential | None = None
        self._rejected: set[str] = set()
        self._local = asyncio.Lock()

    @property
    def app(self) -> KisAppKey:
        return self._app

    def _fresh(self, record: StoredCredential | None, now: int) -> bool:
        return (
            record is not None
            and bool(record.value)
            and record.value not in self._rejected
            and now < record.expires_ns - self._margin_ns
        )

    def _usable(self, record: StoredCredential | None, now: int) -> bool:
        return (
            record is not None
            and bool(record.value)
            and record.value not in self._rejected
            and now < record.expires_ns
        )

    def cached(self) -> str | None:
        """The cached credential if it is fresh (outside the renewal margin), without waiting."""
        cached = self._cached
        if cached is not None and self._fresh(cached, self._now()):
            return cached.value
        return None

    async def get(self) -> str:
        """A valid credential: the cached one, another process's, or a new one."""
        cached = self._cached
        if cached is not None and self._fresh(cached, self._now()):
            return cached.value
        async with self._local:
            return await self._refresh()

    async def invalidate(self, value: str) -> None:
        """KIS refused ``value`` (expired or invalid): never use it again."""
        self._rejected.add(value)
        if self._cached is not None and self._cached.value == value:
            self._cached = None

    async def renew_if_due(self) -> bool:
        """For a periodic task: renew when inside the margin. True when a renewal ran."""
        cached = self._cached
        if cached is not None and self._fresh(cached, self._now()):
            return False
        await self.get()
        return True

    async def _refresh(self) -> str:
        now = self._now()
        if self._cached is not None and self._fresh(self._cached, now):
            return self._cached.value
        async with self._store.lock(self._app.app_key, self._kind):
            for _ in range(self._attempts):
                record = await self._store.load(self._app.app_key, self._kind)
                now = self._now()
                if record is not None and self._fresh(record, now):
                    self._cached = record
                    return record.value
                usable = record if self._usable(record, now) else None
                last = record.last_request_ns if record is not None else 0
                wait_ns = last + self._interval_ns - now if last else 0
                if wait_ns > 0:
                    if usable is not None:
                        # near expiry but valid: use it now, renew once the minute has passed
                        self._cached = usable
                        return usable.value
                    _log.info(
                        "KIS %s for %s: waiting %.1f s (one issue per minute)",
                        self._kind,
                        self._app.label,
                        wait_ns / 1e9,
                    )
                    await self._sleep(wait_ns / 1e9)
                    now = self._now()
                try:
                    issued = await self._issuer(self._app)
                except KisTokenIssueRateError:
                    # someone (another installation, a person) asked within the minute
                    stamp = record or StoredCredential()
                    stamp.last_request_ns = self._now()
                    await self._store.save(self._app.app_key, self._kind, stamp)
                    if usable is not None:
                        self._cached = usable
                        return usable.value
                    continue
                fresh = StoredCredential(
                    value=issued.value,
                    issued_ns=now,
                    expires_ns=issued.expires_ns,
                    last_request_ns=now,
                )
                await self._store.save(self._app.app_key, self._kind, fresh)
                self._metrics.tokens_issued.inc(f"{self._kind}:{self._app.label}")
                self._cached = fresh
                return fresh.value
        raise KisError(
            f"no KIS {self._kind} for app {self._app.label} after {self._attempts} attempts "
            "(KIS kept answering EGW00133: one issue per minute)"
        )
