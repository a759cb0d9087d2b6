"""Webhook, Slack and Telegram channels on the wire, against a local aiohttp server."""

from __future__ import annotations

import pytest

from jts.adapters.notify.config import RetryConfig, SlackConfig, TelegramConfig, WebhookConfig
from jts.adapters.notify.dispatcher import AlertDispatcher
from jts.adapters.notify.slack import SlackChannel
from jts.adapters.notify.telegram import TelegramChannel
from jts.adapters.notify.webhook import WebhookChannel
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Severity
from tests.integration.notify.receivers import Answer, HttpReceiver, free_port

T0 = 1_704_153_601_000_000_000
TOKEN = "123456789:AAHtelegramSECRET"
ALERT = Alert(
    kind=AlertKind.FILL,
    severity=Severity.INFO,
    title="Filled: BUY 10 005930.KRX @ 70,100 KRW",
    body="BUY 10 005930.KRX @ 70,100 KRW (notional 701,000 KRW)",
    key="fill:O-1:T-1",
    ts_ns=T0,
    fields={"strategy": "SMA-01", "commission": "105 KRW"},
)
TG_OK = Answer(json={"ok": True, "result": {"message_id": 7}})


def telegram(receiver: HttpReceiver, **changes: object) -> TelegramChannel:
    config = TelegramConfig(
        bot_token=TOKEN,
        chat_id="-1001234",
        api_base=receiver.url(""),
        **changes,
    )
    return TelegramChannel(config, source="JTS-001")


async def test_webhook_wire_format(http_receiver: HttpReceiver) -> None:
    config = WebhookConfig(url=http_receiver.url("/hook?key=abc"), authorization="Bearer tok")
    channel = WebhookChannel(config, source="JTS-001")
    try:
        await channel.send(ALERT)
    finally:
        await channel.aclose()
    (request,) = http_receiver.at("/hook")
    assert request.method == "POST"
    assert request.query == "key=abc"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer tok"
    assert request.json() == {
        "source": "JTS-001",
        "kind": "fill",
        "severity": "info",
        "title": "Filled: BUY 10 005930.KRX @ 70,100 KRW",
        "body": "BUY 10 005930.KRX @ 70,100 KRW (notional 701,000 KRW)",
        "key": "fill:O-1:T-1",
        "ts_ns": T0,
        "ts": "2024-01-02T00:00:01.000000000Z",
        "fields": {"strategy": "SMA-01", "commission": "105 KRW"},
    }


async def test_slack_wire_format(http_receiver: HttpReceiver) -> None:
    http_receiver.script("/services/T0/B0/XYZ", default=Answer(text="ok"))
    channel = SlackChannel(SlackConfig(webhook_url=http_receiver.url("/services/T0/B0/XYZ")))
    try:
        await channel.send(ALERT)
    finally:
        await channel.aclose()
    (request,) = http_receiver.at("/services/T0/B0/XYZ")
    body = request.json()
    assert body["text"] == (
        ":information_source: *Filled: BUY 10 005930.KRX @ 70,100 KRW*\n"
        "BUY 10 005930.KRX @ 70,100 KRW (notional 701,000 KRW)"
    )
    assert body["blocks"][0]["type"] == "header"


async def test_telegram_wire_format(http_receiver: HttpReceiver) -> None:
    path = f"/bot{TOKEN}/sendMessage"
    http_receiver.script(path, default=TG_OK)
    channel = telegram(http_receiver)
    try:
        await channel.send(ALERT)
    finally:
        await channel.aclose()
    (request,) = http_receiver.at(path)
    body = request.json()
    assert body["chat_id"] == "-1001234"
    assert body["parse_mode"] == "HTML"
    assert body["disable_notification"] is True  # INFO is silent by default
    assert body["text"].startswith("<b>ℹ️ INFO: Filled: BUY 10 005930.KRX @ 70,100 KRW</b>")
    assert "<b>commission</b>: 105 KRW" in body["text"]


async def test_telegram_errors_come_back_with_their_description(
    http_receiver: HttpReceiver,
) -> None:
    path = f"/bot{TOKEN}/sendMessage"
    http_receiver.script(
        path,
        Answer(
            status=400,
            json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
        ),
        Answer(
            status=429,
            json={
                "ok": False,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 3},
            },
        ),
    )
    channel = telegram(http_receiver)
    try:
        with pytest.raises(DeliveryError, match="chat not found") as info:
            await channel.send(ALERT)
        assert not info.value.retryable
        with pytest.raises(DeliveryError, match="Too Many Requests") as info:
            await channel.send(ALERT)
        assert info.value.retryable
        assert info.value.retry_after_s == 3.0
    finally:
        await channel.aclose()


async def test_a_slow_receiver_times_out_as_retryable(http_receiver: HttpReceiver) -> None:
    http_receiver.script("/slow", Answer(delay_s=2.0))
    channel = WebhookChannel(WebhookConfig(url=http_receiver.url("/slow"), timeout_s=0.2))
    try:
        with pytest.raises(DeliveryError, match=r"no answer within 0\.2 s") as info:
            await channel.send(ALERT)
        assert info.value.retryable
    finally:
        await channel.aclose()


async def test_a_receiver_that_is_down_is_retryable() -> None:
    channel = WebhookChannel(WebhookConfig(url=f"http://127.0.0.1:{free_port()}/hook"))
    try:
        with pytest.raises(DeliveryError, match="ConnectError") as info:
            await channel.send(ALERT)
        assert info.value.retryable
    finally:
        await channel.aclose()


async def test_retry_then_success_through_the_dispatcher(http_receiver: HttpReceiver) -> None:
    http_receiver.script(
        "/hook", Answer(status=503, text="busy"), Answer(status=502), Answer(status=200)
    )
    dispatcher = AlertDispatcher(retry=RetryConfig(attempts=4, backoff_base_s=0.02))
    dispatcher.add_channel(WebhookChannel(WebhookConfig(url=http_receiver.url("/hook"))))
    async with dispatcher:
        dispatcher.submit(ALERT)
        assert await dispatcher.drain(5)
    assert len(http_receiver.at("/hook")) == 3
    stats = dispatcher.stats().channels["webhook"]
    assert (stats.delivered, stats.retries, stats.failed) == (1, 2, 0)


async def test_telegram_retry_after_is_waited_for(http_receiver: HttpReceiver) -> None:
    path = f"/bot{TOKEN}/sendMessage"
    http_receiver.script(
        path,
        Answer(
            status=429, json={"ok": False, "description": "slow", "parameters": {"retry_after": 1}}
        ),
        default=TG_OK,
    )
    # retry_after is in whole seconds; the cap keeps this test short.
    dispatcher = AlertDispatcher(retry=RetryConfig(backoff_base_s=0.01, retry_after_max_s=0.3))
    dispatcher.add_channel(telegram(http_receiver))
    async with dispatcher:
        dispatcher.submit(ALERT)
        assert await dispatcher.drain(5)
    assert len(http_receiver.at(path)) == 2
    assert dispatcher.stats().channels["telegram"].delivered == 1
