"""Slack-compatible incoming webhook: ``{"text": ..., "blocks": [...]}``.

``text`` is always sent: it is what notifications and receivers without Block Kit show
(Mattermost and Rocket.Chat accept the same payload). ``blocks`` lays the alert out as a header,
the body, the fields two by two and a context line, within Slack's limits (header 150
characters, section text 3,000, 10 fields a section, 2,000 characters a field, 50 blocks).

Slack's mrkdwn treats ``&``, ``<`` and ``>`` as markup (``<!channel>`` pings everyone), so every
piece of alert text is escaped: a rejection reason from a venue cannot ping a channel.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from jts.adapters.notify.config import SlackConfig
from jts.adapters.notify.render import format_kst, severity_label, truncate
from jts.adapters.notify.transport import JsonPoster, Scrubber
from jts.ports.notifier import Alert, Severity

__all__ = ["SlackChannel", "escape_mrkdwn", "slack_payload"]

HEADER_LIMIT: Final = 150
SECTION_LIMIT: Final = 3_000
FIELD_LIMIT: Final = 2_000
FIELDS_PER_SECTION: Final = 10
TEXT_LIMIT: Final = 3_000
MAX_FIELD_SECTIONS: Final = 4

EMOJI: Final = {
    Severity.INFO: ":information_source:",
    Severity.WARNING: ":warning:",
    Severity.ERROR: ":x:",
    Severity.CRITICAL: ":rotating_light:",
}


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack reads as markup (the ampersand first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fallback_text(alert: Alert) -> str:
    text = f"{EMOJI[alert.severity]} *{escape_mrkdwn(alert.title)}*"
    if alert.body:
        text += f"\n{escape_mrkdwn(alert.body)}"
    return truncate(text, TEXT_LIMIT)


def _blocks(alert: Alert, source: str) -> list[dict[str, Any]]:
    header = f"{severity_label(alert)}: {alert.title}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(header, HEADER_LIMIT)},
        }
    ]
    if alert.body:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate(escape_mrkdwn(alert.body), SECTION_LIMIT),
                },
            }
        )
    items = [
        {
            "type": "mrkdwn",
            "text": truncate(f"*{escape_mrkdwn(name)}*\n{escape_mrkdwn(value)}", FIELD_LIMIT),
        }
        for name, value in alert.fields.items()
    ][: FIELDS_PER_SECTION * MAX_FIELD_SECTIONS]
    for start in range(0, len(items), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": items[start : start + FIELDS_PER_SECTION]})
    context = f"{alert.kind.value} · {format_kst(alert.ts_ns)} · {escape_mrkdwn(source)}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return blocks


def slack_payload(alert: Alert, *, source: str = "jts", blocks: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": _fallback_text(alert)}
    if blocks:
        payload["blocks"] = _blocks(alert, source)
    return payload


class SlackChannel:
    """Posts each alert to a Slack incoming webhook URL (which is the secret)."""

    def __init__(
        self,
        config: SlackConfig,
        *,
        name: str = "slack",
        source: str = "jts",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._source = source
        self._url = config.webhook_url.get_secret_value()
        self._poster = JsonPoster(
            name, timeout_s=config.timeout_s, scrub=Scrubber((self._url,)), transport=transport
        )

    async def send(self, alert: Alert) -> None:
        payload = slack_payload(alert, source=self._source, blocks=self.config.blocks)
        response = await self._poster.post(self._url, payload)
        self._poster.raise_for_status(response)

    async def aclose(self) -> None:
        await self._poster.aclose()

    def __repr__(self) -> str:
        return f"SlackChannel(name={self.name!r})"
