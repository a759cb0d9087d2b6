"""Generic webhook channel: payload shape and delivery through a mock transport."""

from __future__ import annotations

import json

import httpx
import pytest

from jts.adapters.notify.config import WebhookConfig
from jts.adapters.notify.webhook import WebhookChannel, webhook_payload
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Notifier, Severity
from tests.unit.adapters.notify.events import T0

ALERT = Alert(
    kind=AlertKind.FILL,
    severity=Severity.INFO,
    title="Filled: BUY 10 005930.KRX @ 70,100 KRW",
    body="BUY 10 005930.KRX @ 70,100 KRW (notional 701,000 KRW)",
    key="fill:O-1:T-1",
    ts_ns=T0 + 123,
    fields={"notional": "701,000 KRW"},
)


def test_payload_is_flat_and_exact() -> None:
    assert webhook_payload(ALERT, "JTS-001") == {
        "source": "JTS-001",
        "kind": "fill",
        "severity": "info",
        "title": "Filled: BUY 10 005930.KRX @ 70,100 KRW",
        "body": "BUY 10 005930.KRX @ 70,100 KRW (notional 701,000 KRW)",
        "key": "fill:O-1:T-1",
        "ts_ns": T0 + 123,
        "ts": "2024-01-02T00:00:01.000000123Z",
        "fields": {"notional": "701,000 KRW"},
    }


async def test_send_posts_the_payload_with_authorization() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    config = WebhookConfig(url="https://hooks.example/in?key=K", authorization="Bearer AUTH")
    channel = WebhookChannel(config, source="JTS-001", transport=httpx.MockTransport(handler))
    assert isinstance(channel, Notifier)
    await channel.send(ALERT)
    (request,) = seen
    assert str(request.url) == "https://hooks.example/in?key=K"
    assert request.headers["authorization"] == "Bearer AUTH"
    assert json.loads(request.content)["ts_ns"] == T0 + 123
    assert "K" not in repr(channel).replace("WebhookChannel", "")


async def test_no_authorization_header_when_unset_and_errors_are_scrubbed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(403, text=f"forbidden: {request.url}")

    config = WebhookConfig(url="https://hooks.example/in?key=WEBHOOKKEY")
    channel = WebhookChannel(config, transport=httpx.MockTransport(handler))
    with pytest.raises(DeliveryError) as info:
        await channel.send(ALERT)
    assert "authorization" not in seen[0].headers
    assert not info.value.retryable
    assert "WEBHOOKKEY" not in str(info.value)
    assert str(info.value).startswith("webhook: HTTP 403")
