"""Generic webhook channel: the alert as one JSON object, POSTed to a URL.

The payload is stable and flat so that any receiver (an incident tool, a script, a chat
bridge) can use it without knowing JTS::

    {"source": "JTS-001", "kind": "fill", "severity": "info", "title": "...", "body": "...",
     "key": "fill:O-1:T-1", "ts_ns": 1704153601000000000, "ts": "2024-01-02T00:00:01.000000000Z",
     "fields": {"strategy": "SMA-01", ...}}

``ts_ns`` is exact; ``ts`` is there for receivers whose JSON numbers are doubles (JavaScript),
which cannot hold nanoseconds since 1970 exactly.
"""

from __future__ import annotations

from typing import Any

import httpx

from jts.adapters.notify.config import WebhookConfig
from jts.adapters.notify.transport import JsonPoster, Scrubber
from jts.core.time import ns_to_iso
from jts.ports.notifier import Alert

__all__ = ["WebhookChannel", "webhook_payload"]


def webhook_payload(alert: Alert, source: str) -> dict[str, Any]:
    return {
        "source": source,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "title": alert.title,
        "body": alert.body,
        "key": alert.key,
        "ts_ns": alert.ts_ns,
        "ts": ns_to_iso(alert.ts_ns),
        "fields": dict(alert.fields),
    }


class WebhookChannel:
    """Posts each alert to the configured URL (with an Authorization header when set)."""

    def __init__(
        self,
        config: WebhookConfig,
        *,
        name: str = "webhook",
        source: str = "jts",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._source = source
        self._url = config.url.get_secret_value()
        self._authorization = config.authorization.get_secret_value()
        scrub = Scrubber((self._url, self._authorization))
        self._poster = JsonPoster(
            name, timeout_s=config.timeout_s, scrub=scrub, transport=transport
        )

    async def send(self, alert: Alert) -> None:
        headers = {"Authorization": self._authorization} if self._authorization else None
        response = await self._poster.post(self._url, webhook_payload(alert, self._source), headers)
        self._poster.raise_for_status(response)

    async def aclose(self) -> None:
        await self._poster.aclose()

    def __repr__(self) -> str:
        return f"WebhookChannel(name={self.name!r})"
