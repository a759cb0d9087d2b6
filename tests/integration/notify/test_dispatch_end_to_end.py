"""The alert path as the node wires it: bus events -> dispatcher -> all four channels ->
local receivers; a dead channel beside live ones; secrets absent from every log line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from jts.adapters.notify import AlertsConfig, build_dispatcher, reconciliation_alert
from jts.bus.inprocess import InProcessMessageBus
from jts.kernel import topics
from jts.ports.notifier import Alert, AlertKind, Severity
from tests.integration.notify.receivers import Answer, HttpReceiver, SmtpReceiver, free_port
from tests.unit.adapters.notify import events

TOKEN = "987654321:AAtelegramTOKENsecret"
SLACK_PATH = "/services/T0/B0/SLACKsecretKEY"
HOOK_KEY = "HOOKsecretKEY"
AUTH = "Bearer AUTHsecretVALUE"
PASSWORD = "SMTPsecretPASSWORD"
SECRETS = (TOKEN, "TOKENsecret", "SLACKsecretKEY", HOOK_KEY, "AUTHsecretVALUE", PASSWORD)
FAST_RETRY = {"attempts": 2, "backoff_base_s": 0.02, "attempt_timeout_s": 5.0}


def config(receiver: HttpReceiver, **overrides: object) -> AlertsConfig:
    values: dict[str, object] = {
        "retry": FAST_RETRY,
        "webhook": {"url": receiver.url(f"/hook?key={HOOK_KEY}"), "authorization": AUTH},
        "slack": {"webhook_url": receiver.url(SLACK_PATH)},
        "telegram": {"bot_token": TOKEN, "chat_id": "-100", "api_base": receiver.url("")},
    }
    values.update(overrides)
    return AlertsConfig(**values)


def answer_telegram(receiver: HttpReceiver) -> None:
    receiver.script(f"/bot{TOKEN}/sendMessage", default=Answer(json={"ok": True, "result": {}}))


async def test_bus_events_reach_every_channel(
    http_receiver: HttpReceiver, smtp_receiver: Callable[..., SmtpReceiver]
) -> None:
    smtp = smtp_receiver()
    answer_telegram(http_receiver)
    settings = config(
        http_receiver,
        email={
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "none",
            "sender": "jts@example.com",
            "recipients": ["ops@example.com"],
            "local_hostname": "jts-test",
        },
    )
    dispatcher = build_dispatcher(settings, source="JTS-001")
    assert dispatcher.channel_names == ("webhook", "slack", "telegram", "email")
    bus = InProcessMessageBus()
    bus.subscribe("events.order.**", dispatcher.on_message)
    bus.subscribe(topics.risk_events(), dispatcher.on_message)
    async with dispatcher:
        fill = events.filled()
        bus.publish(topics.order_events(fill.instrument_id), fill)
        bus.publish(topics.order_events(fill.instrument_id), fill)  # redelivered: alerts once
        bus.publish(topics.risk_events(), events.tripped())
        assert await dispatcher.drain(5)
    summary = "BUY 10 005930.KRX @ 70,100 KRW"

    hooks = http_receiver.at("/hook")
    assert [h.json()["kind"] for h in hooks] == ["fill", "kill_switch"]
    assert hooks[0].json()["source"] == "JTS-001"
    assert hooks[0].json()["fields"]["notional"] == "701,000 KRW"
    assert hooks[0].headers["authorization"] == AUTH

    slack = http_receiver.at(SLACK_PATH)
    assert len(slack) == 2
    assert summary in slack[0].json()["text"]
    assert slack[1].json()["text"].startswith(":rotating_light: *Kill switch tripped")

    telegram = http_receiver.at(f"/bot{TOKEN}/sendMessage")
    assert len(telegram) == 2
    assert summary in telegram[0].json()["text"]
    assert telegram[1].json()["disable_notification"] is False

    assert [m.message["Subject"] for m in smtp.mail] == [
        f"[JTS] [INFO] Filled: {summary}",
        "[JTS] [CRITICAL] Kill switch tripped on JTS-001",
    ]
    stats = dispatcher.stats()
    assert stats.deduplicated == 1
    assert all(channel.delivered == 2 for channel in stats.channels.values())


async def test_a_dead_channel_never_holds_up_the_others_and_no_secret_is_logged(
    http_receiver: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore, asyncio
    answer_telegram(http_receiver)
    # Slack answers 500 with a body echoing its own URL; the webhook's receiver is down.
    http_receiver.script(
        SLACK_PATH, default=Answer(status=500, text=f"error at {http_receiver.url(SLACK_PATH)}")
    )
    dead = f"http://127.0.0.1:{free_port()}/hook?key={HOOK_KEY}"
    settings = config(
        http_receiver,
        webhook={"url": dead, "authorization": AUTH},
        email={
            "host": "127.0.0.1",
            "port": free_port(),
            "security": "none",
            "username": "jts",
            "password": PASSWORD,
            "sender": "jts@example.com",
            "recipients": ["ops@example.com"],
            "local_hostname": "jts-test",
        },
    )
    dispatcher = build_dispatcher(settings)
    async with dispatcher:
        for trade in range(3):
            dispatcher.on_message(events.filled(trade_id=f"T-{trade}"))
        # Telegram delivers at once although webhook, Slack and e-mail are failing.
        await http_receiver.wait_for(f"/bot{TOKEN}/sendMessage", 3, timeout_s=2)
        assert await dispatcher.drain(5)
    stats = dispatcher.stats().channels
    assert stats["telegram"].delivered == 3
    for name in ("webhook", "slack", "email"):
        assert (stats[name].failed, stats[name].retries) == (3, 3), name

    shown = "\n".join(
        [caplog.text, *(r.getMessage() for r in caplog.records), repr(dispatcher), repr(stats)]
    )
    assert "not delivered by slack" in shown
    assert "not delivered by webhook" in shown
    assert "not delivered by email" in shown
    for secret in SECRETS:
        assert secret not in shown, secret
    # The libraries' own DEBUG lines were captured too, so a leak there would have shown.
    assert any(record.name.startswith("httpcore") for record in caplog.records)


async def test_a_hanging_receiver_cannot_grow_memory(http_receiver: HttpReceiver) -> None:
    http_receiver.script("/hook", default=Answer(delay_s=5.0))
    settings = AlertsConfig(
        queue_size=4,
        dedup_window_s=0,
        retry={"attempts": 1},
        webhook={"url": http_receiver.url("/hook"), "timeout_s": 10.0},
    )
    dispatcher = build_dispatcher(settings)
    await dispatcher.start()
    try:
        for i in range(50):
            dispatcher.submit(
                Alert(kind=AlertKind.INFO, severity=Severity.INFO, title=f"a{i}", ts_ns=0)
            )
            await asyncio.sleep(0)
        stats = dispatcher.stats().channels["webhook"]
        assert stats.queued == 4
        # 20 took a token (the default limit); one is in flight, 4 wait, 15 were dropped;
        # the other 30 found no token and are only counted.
        assert (stats.dropped, stats.rate_limited) == (15, 30)
    finally:
        await dispatcher.close(timeout_s=0.1)


async def test_dedup_and_rate_limit_end_to_end(http_receiver: HttpReceiver) -> None:
    settings = AlertsConfig(
        slack={
            "webhook_url": http_receiver.url(SLACK_PATH),
            "rate_limit": {"count": 2, "period_s": 0.4},
        },
    )
    dispatcher = build_dispatcher(settings)
    async with dispatcher:
        for _ in range(5):  # the same difference found again and again: one alert
            dispatcher.submit(
                reconciliation_alert(
                    account="SIM-001", subject="position 005930.KRX", ours="10", venue="12", ts_ns=0
                )
            )
        for trade in range(4):
            dispatcher.on_message(events.filled(trade_id=f"T-{trade}"))
        assert await dispatcher.drain(5)
    texts = [request.json()["text"] for request in http_receiver.at(SLACK_PATH)]
    assert len(texts) == 3
    assert "Reconciliation difference on SIM-001" in texts[0]
    assert "Filled: BUY 10 005930.KRX" in texts[1]
    assert "*3 more alerts suppressed*" in texts[2]
    assert dispatcher.stats().deduplicated == 4
