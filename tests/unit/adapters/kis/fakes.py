"""Small fakes for the adapter's unit tests: a controllable clock and an in-memory issuer."""

from __future__ import annotations

import asyncio

from jts.adapters.kis.config import KisAppKey
from jts.adapters.kis.errors import KisTokenIssueRateError
from jts.adapters.kis.tokens import IssuedCredential


class FakeTime:
    """Monotonic and wall time in ns that only `sleep` moves; sleeps are recorded."""

    def __init__(self, start_ns: int = 1_800_000_000_000_000_000) -> None:
        self.ns = start_ns
        self.sleeps: list[float] = []

    def now(self) -> int:
        return self.ns

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.ns += int(seconds * 1e9)
        await asyncio.sleep(0)


class Issuer:
    """Issues numbered tokens living ``lifetime_s``; refuses with EGW00133 when asked again
    within ``interval_s`` of the last request (KIS's rule), like the real service."""

    def __init__(self, time: FakeTime, lifetime_s: int = 86_400, interval_s: int = 60) -> None:
        self.time = time
        self.lifetime_ns = lifetime_s * 1_000_000_000
        self.interval_ns = interval_s * 1_000_000_000
        self.calls = 0
        self.issued = 0
        self.last: int | None = None

    async def __call__(self, app: KisAppKey) -> IssuedCredential:
        self.calls += 1
        now = self.time.now()
        if self.last is not None and now - self.last < self.interval_ns:
            raise KisTokenIssueRateError("EGW00133", "1분당 1회", status=403)
        self.last = now
        self.issued += 1
        return IssuedCredential(value=f"token-{self.issued}", expires_ns=now + self.lifetime_ns)


def rest_client(
    handler, app: KisAppKey, *, time: FakeTime | None = None, rate: int = 1000, **config_kw
):
    """A `KisRestClient` over an ``httpx.MockTransport`` with an in-memory token (no waits)."""
    import httpx

    from jts.adapters.kis.config import KisClientConfig, KisHosts
    from jts.adapters.kis.http import KisRestClient
    from jts.adapters.kis.rate_limit import TokenBucket
    from jts.adapters.kis.tokens import MemoryTokenStore, TokenManager

    time = time or FakeTime()
    config = KisClientConfig(hosts=KisHosts("http://kis.test", "ws://kis.test"), **config_kw)
    tokens = TokenManager(
        app, MemoryTokenStore(), Issuer(time, interval_s=0), clock_ns=time.now, sleep=time.sleep
    )
    return KisRestClient(
        config,
        app,
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        tokens=tokens,
        limiter=TokenBucket(rate, rate),
        sleep=time.sleep,
    )
