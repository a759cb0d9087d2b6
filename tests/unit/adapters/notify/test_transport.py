"""JSON posting for the HTTP channels: status classification and secret scrubbing."""

from __future__ import annotations

import json

import httpx
import pytest

from jts.adapters.notify.transport import MASK, JsonPoster, Scrubber
from jts.ports.notifier import DeliveryError

URL = "https://hooks.example/services/KEYSECRET"


def poster(handler: httpx.MockTransport | None = None) -> JsonPoster:
    return JsonPoster("test", timeout_s=2.0, scrub=Scrubber(["KEYSECRET"]), transport=handler)


def answering(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body, headers=headers)

    return httpx.MockTransport(handler), seen


def raising(exc: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handler)


def test_scrubber_masks_longest_first() -> None:
    scrub = Scrubber(["abc", "abcdef", ""])
    assert scrub("x abcdef y abc") == f"x {MASK} y {MASK}"


async def test_posts_json_with_headers() -> None:
    transport, seen = answering(200, b"ok")
    sender = poster(transport)
    response = await sender.post(URL, {"text": "안녕 70,100 KRW"}, {"Authorization": "Bearer x"})
    sender.raise_for_status(response)
    (request,) = seen
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer x"
    assert request.headers["user-agent"] == "jts-alerts"
    assert json.loads(request.content) == {"text": "안녕 70,100 KRW"}
    assert response.content == b"ok"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (408, True),
        (410, False),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
    ],
)
async def test_status_classification(status: int, retryable: bool) -> None:
    transport, _ = answering(status, b"nope")
    sender = poster(transport)
    response = await sender.post(URL, {})
    with pytest.raises(DeliveryError) as info:
        sender.raise_for_status(response)
    assert info.value.retryable is retryable
    assert f"HTTP {status}: nope" in str(info.value)


async def test_redirects_are_not_followed() -> None:
    transport, seen = answering(302, headers={"Location": "https://elsewhere.example/"})
    sender = poster(transport)
    response = await sender.post(URL, {})
    with pytest.raises(DeliveryError, match="redirects are not followed") as info:
        sender.raise_for_status(response)
    assert not info.value.retryable
    assert len(seen) == 1


async def test_retry_after_header_is_kept() -> None:
    transport, _ = answering(429, b"slow down", {"Retry-After": "7"})
    sender = poster(transport)
    with pytest.raises(DeliveryError) as info:
        sender.raise_for_status(await sender.post(URL, {}))
    assert info.value.retry_after_s == 7.0
    transport, _ = answering(429, b"", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    sender = poster(transport)
    with pytest.raises(DeliveryError) as info:
        sender.raise_for_status(await sender.post(URL, {}))
    assert info.value.retry_after_s is None


async def test_an_error_body_echoing_the_url_is_scrubbed() -> None:
    transport, _ = answering(404, f"no such hook {URL}".encode())
    sender = poster(transport)
    with pytest.raises(DeliveryError) as info:
        sender.raise_for_status(await sender.post(URL, {}))
    assert "KEYSECRET" not in str(info.value)
    assert MASK in str(info.value)


@pytest.mark.parametrize(
    ("exc", "fragment"),
    [
        (httpx.ReadTimeout("timed out"), "no answer within 2 s"),
        (httpx.ConnectTimeout("timed out"), "no answer within 2 s"),
        (httpx.ConnectError(f"cannot reach {URL}"), "ConnectError: cannot reach"),
        (httpx.RemoteProtocolError("peer closed"), "RemoteProtocolError"),
    ],
)
async def test_network_failures_are_retryable_and_scrubbed(exc: Exception, fragment: str) -> None:
    sender = poster(raising(exc))
    with pytest.raises(DeliveryError) as info:
        await sender.post(URL, {})
    assert info.value.retryable
    assert fragment in str(info.value)
    assert "KEYSECRET" not in str(info.value)
    # Raised from None: the original exception (which holds the URL) is not chained.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


async def test_an_invalid_url_is_a_permanent_error() -> None:
    sender = poster(answering(200)[0])
    for url in ("not a url", "ftp://host/x", "http:///path"):
        with pytest.raises(DeliveryError, match="not a valid http") as info:
            await sender.post(url, {})
        assert not info.value.retryable


async def test_a_handed_in_transport_is_not_closed() -> None:
    closed: list[bool] = []

    class Transport(httpx.MockTransport):
        async def aclose(self) -> None:
            closed.append(True)

    sender = poster(Transport(lambda request: httpx.Response(200)))
    await sender.aclose()
    assert closed == []
    own = JsonPoster("own", timeout_s=1.0, scrub=Scrubber([]))
    await own.aclose()  # closes its own pool without error
