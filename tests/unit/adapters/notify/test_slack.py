"""Slack-compatible webhook: text fallback, blocks within Slack's limits, escaping."""

from __future__ import annotations

import json

import httpx
import pytest

from jts.adapters.notify.config import SlackConfig
from jts.adapters.notify.slack import SlackChannel, escape_mrkdwn, slack_payload
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Severity
from tests.unit.adapters.notify.events import T0


def alert(**overrides: object) -> Alert:
    values: dict[str, object] = {
        "kind": AlertKind.KILL_SWITCH,
        "severity": Severity.CRITICAL,
        "title": "Kill switch tripped on JTS-001",
        "body": "daily loss limit reached",
        "ts_ns": T0,
        "fields": {"trader": "JTS-001", "reason": "daily loss limit"},
    }
    values.update(overrides)
    return Alert(**values)  # type: ignore[arg-type]


def test_text_only_payload() -> None:
    payload = slack_payload(alert(), blocks=False)
    assert payload == {
        "text": ":rotating_light: *Kill switch tripped on JTS-001*\ndaily loss limit reached"
    }


def test_blocks_layout() -> None:
    payload = slack_payload(alert(), source="JTS-001")
    blocks = payload["blocks"]
    assert [block["type"] for block in blocks] == ["header", "section", "section", "context"]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": "CRITICAL: Kill switch tripped on JTS-001",
    }
    assert blocks[1]["text"]["text"] == "daily loss limit reached"
    assert blocks[2]["fields"][1] == {"type": "mrkdwn", "text": "*reason*\ndaily loss limit"}
    assert blocks[3]["elements"][0]["text"] == "kill_switch · 2024-01-02 09:00:01 KST · JTS-001"


def test_markup_in_alert_text_cannot_ping_a_channel() -> None:
    assert escape_mrkdwn("<!channel> a & b > c") == "&lt;!channel&gt; a &amp; b &gt; c"
    payload = slack_payload(alert(body="<!channel> reason & more", fields={"x": "<@U123>"}))
    text = json.dumps(payload)
    assert "<!channel>" not in text
    assert "<@U123>" not in text
    assert "&lt;!channel&gt; reason &amp; more" in payload["text"]


def test_limits_are_respected() -> None:
    fields = {f"field {i}": "v" * 3_000 for i in range(45)}
    payload = slack_payload(alert(title="T" * 500, body="B" * 10_000, fields=fields))
    blocks = payload["blocks"]
    assert len(payload["text"]) <= 3_000
    assert len(blocks[0]["text"]["text"]) == 150
    assert len(blocks[1]["text"]["text"]) == 3_000
    sections = [block for block in blocks if "fields" in block]
    assert len(sections) == 4
    assert all(len(block["fields"]) <= 10 for block in sections)
    assert all(len(item["text"]) <= 2_000 for block in sections for item in block["fields"])
    assert len(blocks) <= 50


def test_no_body_no_fields() -> None:
    payload = slack_payload(alert(body="", fields={}))
    assert [block["type"] for block in payload["blocks"]] == ["header", "context"]


async def test_send_and_failure() -> None:
    seen: list[httpx.Request] = []
    answers = iter([httpx.Response(200, text="ok"), httpx.Response(404, text="no_service")])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    url = "https://hooks.slack.com/services/T0/B0/SLACKKEY"
    channel = SlackChannel(SlackConfig(webhook_url=url), transport=httpx.MockTransport(handler))
    await channel.send(alert())
    assert str(seen[0].url) == url
    assert "blocks" in json.loads(seen[0].content)
    with pytest.raises(DeliveryError, match="HTTP 404: no_service") as info:
        await channel.send(alert())
    assert not info.value.retryable
    assert "SLACKKEY" not in repr(channel)
