"""Telegram Bot API channel: ``POST {api_base}/bot<token>/sendMessage``.

The message is sent with ``parse_mode: "HTML"``: of Telegram's formats it needs the least
escaping (``&``, ``<``, ``>``), so arbitrary alert text (a venue's rejection reason) cannot break
the markup. A message may hold at most 4,096 characters as Telegram counts them (UTF-16 code
units, after the markup is parsed); the body is cut to fit before escaping, so an entity is
never cut in half.

Telegram answers ``{"ok": false, "description": ..., "parameters": {"retry_after": n}}`` on
errors; the description goes into the `DeliveryError` and ``retry_after`` into its wait. The bot
token is part of the URL, so it is scrubbed from every error text.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
import msgspec

from jts.adapters.notify.config import TelegramConfig
from jts.adapters.notify.render import format_kst, severity_label, truncate
from jts.adapters.notify.transport import JsonPoster, Scrubber
from jts.ports.notifier import Alert, DeliveryError, Severity

__all__ = ["TelegramChannel", "escape_html", "telegram_payload", "telegram_text"]

MESSAGE_LIMIT: Final = 4_096
TITLE_LIMIT: Final = 256
FIELD_NAME_LIMIT: Final = 64
FIELD_VALUE_LIMIT: Final = 512
MAX_FIELDS: Final = 30
#: What the body may take before fields get room (see `telegram_text`).
BODY_SHARE: Final = 2_000

MARKER: Final = {
    Severity.INFO: "ℹ️",
    Severity.WARNING: "⚠️",
    Severity.ERROR: "❌",
    Severity.CRITICAL: "🚨",
}


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> str:
    """``text`` cut (with an ellipsis) to at most ``limit`` UTF-16 code units."""
    cut = truncate(text, limit) if limit >= 1 else ""
    while cut and _units(cut) > limit:
        size = len(cut) - (_units(cut) - limit)  # strictly shorter: the excess is >= 1
        cut = truncate(text, size) if size >= 1 else ""
    return cut


def telegram_text(alert: Alert, source: str = "jts") -> str:
    """The alert as Telegram HTML, at most `MESSAGE_LIMIT` units once parsed.

    Room is shared in order of importance: the title line and the time line always; then the
    body up to `BODY_SHARE`; then as many whole field lines as fit; then the rest of the body.
    """
    head = _fit(f"{MARKER[alert.severity]} {severity_label(alert)}: {alert.title}", TITLE_LIMIT)
    tail = f"{format_kst(alert.ts_ns)} · {source}"
    # Each part after the first is preceded by a blank line (two units).
    room = MESSAGE_LIMIT - _units(head) - 2 - _units(tail)
    body_room = min(_units(alert.body), BODY_SHARE) + 2 if alert.body else 0
    lines: list[tuple[str, str]] = []
    used = 2  # the blank line before the fields
    for name, value in list(alert.fields.items())[:MAX_FIELDS]:
        pair = (_fit(name, FIELD_NAME_LIMIT), _fit(value, FIELD_VALUE_LIMIT))
        size = _units(pair[0]) + 2 + _units(pair[1]) + (1 if lines else 0)
        if used + size > room - body_room:
            break
        lines.append(pair)
        used += size
    body = _fit(alert.body, room - (used if lines else 0) - 2) if alert.body else ""
    parts = [f"<b>{escape_html(head)}</b>"]
    if body:
        parts.append(escape_html(body))
    if lines:
        parts.append(
            "\n".join(f"<b>{escape_html(name)}</b>: {escape_html(value)}" for name, value in lines)
        )
    parts.append(f"<i>{escape_html(tail)}</i>")
    return "\n\n".join(parts)


def telegram_payload(
    alert: Alert, *, chat_id: str, source: str = "jts", silent_below: Severity = Severity.WARNING
) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "text": telegram_text(alert, source),
        "parse_mode": "HTML",
        "disable_notification": not alert.severity.at_least(silent_below),
        "link_preview_options": {"is_disabled": True},
    }


class _Answer(msgspec.Struct):
    ok: bool = False
    description: str = ""
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)


def _answer(content: bytes) -> _Answer | None:
    try:
        return msgspec.json.decode(content, type=_Answer)
    except msgspec.DecodeError:
        return None


class TelegramChannel:
    """Sends each alert to one chat through the configured bot."""

    def __init__(
        self,
        config: TelegramConfig,
        *,
        name: str = "telegram",
        source: str = "jts",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._source = source
        token = config.bot_token.get_secret_value()
        self._url = f"{config.api_base}/bot{token}/sendMessage"
        self._scrub = Scrubber((token,))
        self._poster = JsonPoster(
            name, timeout_s=config.timeout_s, scrub=self._scrub, transport=transport
        )

    async def send(self, alert: Alert) -> None:
        payload = telegram_payload(
            alert,
            chat_id=self.config.chat_id,
            source=self._source,
            silent_below=self.config.silent_below,
        )
        response = await self._poster.post(self._url, payload)
        answer = _answer(response.content)
        retry_after: float | None = None
        if answer is not None:
            value = answer.parameters.get("retry_after")
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                retry_after = float(value)
        self._poster.raise_for_status(
            response,
            detail=answer.description if answer is not None and answer.description else None,
            retry_after_s=retry_after,
        )
        if answer is None or not answer.ok:
            detail = answer.description if answer is not None else "not a Bot API answer"
            raise DeliveryError(f"{self.name}: refused: {self._scrub(detail)}", retryable=False)

    async def aclose(self) -> None:
        await self._poster.aclose()

    def __repr__(self) -> str:
        return f"TelegramChannel(name={self.name!r}, chat_id={self.config.chat_id!r})"
