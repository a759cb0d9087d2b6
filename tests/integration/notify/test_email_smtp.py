"""The e-mail channel against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jts.adapters.notify.config import EmailConfig
from jts.adapters.notify.email import EmailChannel
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Severity
from tests.integration.notify.receivers import Certificate, SmtpReceiver, free_port

T0 = 1_704_153_601_000_000_000
PASSWORD = "SMTP-PASSWORD-SECRET"
ALERT = Alert(
    kind=AlertKind.KILL_SWITCH,
    severity=Severity.CRITICAL,
    title="Kill switch tripped on JTS-001",
    body="일일 손실 한도 1,000,000 KRW 도달",
    ts_ns=T0,
    fields={"trader": "JTS-001"},
)


def config(port: int, **changes: object) -> EmailConfig:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "jts@example.com",
        "recipients": ("ops@example.com", "lead@example.com"),
        "local_hostname": "jts-test",
        "timeout_s": 5.0,
    }
    values.update(changes)
    return EmailConfig(**values)


async def test_plain_smtp_delivery(smtp_receiver: Callable[..., SmtpReceiver]) -> None:
    server = smtp_receiver()
    await EmailChannel(config(server.port), source="JTS-001").send(ALERT)
    (mail,) = server.mail
    assert mail.mail_from == "jts@example.com"
    assert mail.rcpt_tos == ("ops@example.com", "lead@example.com")
    message = mail.message
    assert message["Subject"] == "[JTS] [CRITICAL] Kill switch tripped on JTS-001"
    assert message["X-JTS-Source"] == "JTS-001"
    body = message.get_content()
    assert "일일 손실 한도 1,000,000 KRW 도달" in body
    assert "trader: JTS-001" in body


async def test_starttls_and_login_with_a_private_ca(
    smtp_receiver: Callable[..., SmtpReceiver], certificate: Certificate
) -> None:
    server = smtp_receiver(tls="starttls", certificate=certificate, login=("jts", PASSWORD))
    channel = EmailChannel(
        config(
            server.port,
            security="starttls",
            username="jts",
            password=PASSWORD,
            ca_file=certificate.cert_file,
        )
    )
    await channel.send(ALERT)
    assert server.logins == [("jts", PASSWORD)]
    assert len(server.mail) == 1


async def test_implicit_tls(
    smtp_receiver: Callable[..., SmtpReceiver], certificate: Certificate
) -> None:
    server = smtp_receiver(tls="tls", certificate=certificate)
    channel = EmailChannel(config(server.port, security="tls", ca_file=certificate.cert_file))
    await channel.send(ALERT)
    assert len(server.mail) == 1


async def test_a_wrong_password_is_permanent_and_not_shown(
    smtp_receiver: Callable[..., SmtpReceiver], certificate: Certificate
) -> None:
    server = smtp_receiver(tls="starttls", certificate=certificate, login=("jts", "right"))
    channel = EmailChannel(
        config(
            server.port,
            security="starttls",
            username="jts",
            password=PASSWORD,
            ca_file=certificate.cert_file,
        )
    )
    with pytest.raises(DeliveryError) as info:
        await channel.send(ALERT)
    assert not info.value.retryable
    assert "535" in str(info.value)
    assert PASSWORD not in str(info.value)
    assert server.mail == []


async def test_an_untrusted_certificate_is_refused(
    smtp_receiver: Callable[..., SmtpReceiver], certificate: Certificate
) -> None:
    server = smtp_receiver(tls="starttls", certificate=certificate)
    channel = EmailChannel(config(server.port, security="starttls"))  # system CAs only
    with pytest.raises(DeliveryError, match="certificate was not accepted") as info:
        await channel.send(ALERT)
    assert not info.value.retryable
    assert server.mail == []


async def test_a_server_without_starttls_is_refused_rather_than_sent_in_clear(
    smtp_receiver: Callable[..., SmtpReceiver],
) -> None:
    server = smtp_receiver()
    channel = EmailChannel(config(server.port, security="starttls"))
    with pytest.raises(DeliveryError, match="STARTTLS") as info:
        await channel.send(ALERT)
    assert not info.value.retryable
    assert server.mail == []


async def test_a_server_that_is_down_is_retryable() -> None:
    channel = EmailChannel(config(free_port(), timeout_s=2.0))
    with pytest.raises(DeliveryError) as info:
        await channel.send(ALERT)
    assert info.value.retryable
    assert "ConnectionRefusedError" in str(info.value)
