"""Fixtures: local HTTP and SMTP receivers, torn down after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.notify.receivers import Certificate, HttpReceiver, SmtpReceiver, self_signed


@pytest.fixture
async def http_receiver() -> AsyncIterator[HttpReceiver]:
    receiver = HttpReceiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return self_signed(tmp_path)


@pytest.fixture
def smtp_receiver() -> Iterator[Callable[..., SmtpReceiver]]:
    started: list[SmtpReceiver] = []

    def start(**kwargs: object) -> SmtpReceiver:
        receiver = SmtpReceiver(**kwargs)  # type: ignore[arg-type]
        receiver.start()
        started.append(receiver)
        return receiver

    try:
        yield start
    finally:
        for receiver in started:
            receiver.stop()
