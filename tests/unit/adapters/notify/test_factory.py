"""Building the dispatcher and channels from the ``[alerts]`` settings."""

from __future__ import annotations

import logging

import httpx
import pytest

from jts.adapters.notify import (
    AlertsConfig,
    EmailChannel,
    SlackChannel,
    TelegramChannel,
    WebhookChannel,
    build_channels,
    build_dispatcher,
)
from jts.ports.notifier import AlertKind, Severity
from tests.unit.adapters.notify.fakes import make_alert

FULL = AlertsConfig(
    webhook={"url": "https://hooks.example/x", "min_severity": "error"},
    slack={
        "webhook_url": "https://hooks.slack.example/s",
        "rate_limit": {"count": 5, "period_s": 10},
    },
    telegram={"bot_token": "1:abc", "chat_id": "1", "kinds": ["kill_switch"]},
    email={"host": "smtp.example.com", "sender": "a@b.c", "recipients": ["d@e.f"]},
)


def test_every_configured_channel_is_built_with_its_policy() -> None:
    built = build_channels(FULL, source="JTS-001")
    channels = [channel for channel, _ in built]
    assert [type(c) for c in channels] == [
        WebhookChannel,
        SlackChannel,
        TelegramChannel,
        EmailChannel,
    ]
    policies = {channel.name: policy for channel, policy in built}
    assert policies["webhook"].min_severity is Severity.ERROR
    assert (policies["slack"].rate_count, policies["slack"].rate_period_s) == (5, 10.0)
    assert policies["telegram"].kinds == frozenset({AlertKind.KILL_SWITCH})
    assert policies["email"].rate_count == 20


def test_nothing_configured_nothing_built() -> None:
    assert build_channels(AlertsConfig()) == []
    assert build_dispatcher(AlertsConfig()).channel_names == ()


async def test_disabled_alerts_accept_and_send_nothing() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    config = FULL.model_copy(update={"enabled": False})
    dispatcher = build_dispatcher(config, transport=transport)
    assert dispatcher.channel_names == ()
    async with dispatcher:
        assert dispatcher.submit(make_alert("x"))
        assert await dispatcher.drain(1)
    assert seen == []


async def test_dispatcher_policies_come_from_the_config(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    config = AlertsConfig(
        dedup_window_s=60,
        slack={"webhook_url": "https://hooks.slack.example/s"},
        telegram={"bot_token": "1:abc", "chat_id": "1"},
    )
    caplog.set_level(logging.INFO, logger="jts.adapters.notify")
    dispatcher = build_dispatcher(config, transport=httpx.MockTransport(handler))
    assert "alert channels: slack, telegram" in caplog.text
    async with dispatcher:
        dispatcher.submit(make_alert("x", key="k"))
        dispatcher.submit(make_alert("x", key="k"))
        assert await dispatcher.drain(2)
    assert sorted(str(r.url) for r in seen) == [
        "https://api.telegram.org/bot1:abc/sendMessage",
        "https://hooks.slack.example/s",
    ]
    assert dispatcher.stats().deduplicated == 1
