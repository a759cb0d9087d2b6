"""Telegram Bot API channel: HTML text within 4,096 units, answers, secrets scrubbed."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.adapters.notify.config import TelegramConfig
from jts.adapters.notify.telegram import (
    MESSAGE_LIMIT,
    TelegramChannel,
    escape_html,
    telegram_payload,
    telegram_text,
)
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Severity
from tests.unit.adapters.notify.events import T0

TOKEN = "123456:TOKENSECRETxyz"


def alert(**overrides: object) -> Alert:
    values: dict[str, object] = {
        "kind": AlertKind.DENIAL,
        "severity": Severity.WARNING,
        "title": "Order denied: 005930.KRX (SMA-01)",
        "body": "price 70,150 is off the tick grid (50 KRW) <tick>",
        "ts_ns": T0,
        "fields": {"reason": "a < b & c"},
    }
    values.update(overrides)
    return Alert(**values)  # type: ignore[arg-type]


def parsed_length(html: str) -> int:
    """What Telegram counts: tags removed, entities decoded, UTF-16 code units."""
    import re

    text = re.sub(r"</?[bi]>", "", html)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return len(text.encode("utf-16-le")) // 2


def test_html_text() -> None:
    text = telegram_text(alert(), "JTS-001")
    assert text == (
        "<b>⚠️ WARNING: Order denied: 005930.KRX (SMA-01)</b>\n\n"
        "price 70,150 is off the tick grid (50 KRW) &lt;tick&gt;\n\n"
        "<b>reason</b>: a &lt; b &amp; c\n\n"
        "<i>2024-01-02 09:00:01 KST · JTS-001</i>"
    )
    assert escape_html("<a&b>") == "&lt;a&amp;b&gt;"


def test_payload_and_silence_below_warning() -> None:
    payload = telegram_payload(alert(), chat_id="-100123")
    assert payload["chat_id"] == "-100123"
    assert payload["parse_mode"] == "HTML"
    assert payload["disable_notification"] is False
    quiet = telegram_payload(alert(severity=Severity.INFO), chat_id="1")
    assert quiet["disable_notification"] is True


@pytest.mark.parametrize("filler", ["x", "가", "🚨", "&<>"])
def test_long_messages_fit_in_4096_units_and_keep_entities_whole(filler: str) -> None:
    text = telegram_text(
        alert(body=filler * 5_000, fields={f"f{i}": filler * 800 for i in range(40)})
    )
    assert parsed_length(text) <= MESSAGE_LIMIT
    # No entity was cut in half: every '&' starts a complete entity.
    for index in [i for i, ch in enumerate(text) if ch == "&"]:
        assert text[index:].startswith(("&lt;", "&gt;", "&amp;"))


def channel(handler: Callable[[httpx.Request], httpx.Response]) -> TelegramChannel:
    settings = TelegramConfig(bot_token=TOKEN, chat_id="-100123", api_base="https://tg.example")
    return TelegramChannel(settings, source="JTS-001", transport=httpx.MockTransport(handler))


async def test_send_posts_to_the_bot_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True, "result": {"message_id": 1}})

    await channel(handler).send(alert())
    (request,) = seen
    assert str(request.url) == f"https://tg.example/bot{TOKEN}/sendMessage"
    body = json.loads(request.content)
    assert body["chat_id"] == "-100123"
    assert body["text"].startswith("<b>⚠️ WARNING")


async def test_rate_limit_answer_carries_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 5",
                "parameters": {"retry_after": 5},
            },
        )

    with pytest.raises(DeliveryError) as info:
        await channel(handler).send(alert())
    assert info.value.retryable
    assert info.value.retry_after_s == 5.0
    assert "Too Many Requests" in str(info.value)


async def test_bad_request_is_permanent_and_never_shows_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400,
            json={"ok": False, "description": f"Bad Request: chat not found ({request.url})"},
        )

    with pytest.raises(DeliveryError) as info:
        await channel(handler).send(alert())
    assert not info.value.retryable
    assert "chat not found" in str(info.value)
    assert "TOKENSECRET" not in str(info.value)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"ok": False, "description": "odd"}),
        httpx.Response(200, text="<html>proxy page</html>"),
    ],
)
async def test_a_200_without_ok_is_not_a_delivery(answer: httpx.Response) -> None:
    with pytest.raises(DeliveryError, match="refused") as info:
        await channel(lambda request: answer).send(alert())
    assert not info.value.retryable


async def test_server_errors_are_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    with pytest.raises(DeliveryError, match="HTTP 502") as info:
        await channel(handler).send(alert())
    assert info.value.retryable
    assert "TOKENSECRET" not in repr(channel(handler))


_TEXT = st.text(alphabet=st.sampled_from("a가🚨&<> \n"), max_size=3_000)


@given(
    title=_TEXT.filter(lambda t: t.strip()),
    body=_TEXT,
    fields=st.dictionaries(st.text("abc가", min_size=1, max_size=80), _TEXT, max_size=35),
)
@settings(max_examples=60, deadline=None)
def test_any_alert_fits_and_keeps_title_and_time(
    title: str, body: str, fields: dict[str, str]
) -> None:
    text = telegram_text(alert(title=title, body=body, fields=fields))
    assert parsed_length(text) <= MESSAGE_LIMIT
    assert text.endswith("<i>2024-01-02 09:00:01 KST · jts</i>")
    if body and len(body.encode("utf-16-le")) // 2 <= 2_000:
        assert escape_html(body) in text


def test_short_alerts_are_never_cut() -> None:
    short = alert(body="b" * 100, fields={f"f{i}": "v" * 20 for i in range(10)})
    text = telegram_text(short)
    assert "…" not in text
    assert all(f"<b>f{i}</b>: {'v' * 20}" in text for i in range(10))
