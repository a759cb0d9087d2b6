"""E-mail channel: the message, and SMTP failures classified by reply code.

The SMTP conversation itself is tested against a real local server in
tests/integration/notify; here a scripted stand-in for smtplib's client raises each failure.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any, ClassVar

import pytest

from jts.adapters.notify.config import EmailConfig
from jts.adapters.notify.email import EmailChannel, email_message
from jts.ports.notifier import Alert, AlertKind, DeliveryError, Severity
from tests.unit.adapters.notify.events import T0

PASSWORD = "SMTPPASSWORDSECRET"
CONFIG = EmailConfig(
    host="smtp.example.com",
    sender="jts@example.com",
    recipients=("ops@example.com", "lead@example.com"),
    username="jts",
    password=PASSWORD,
    local_hostname="jts-test",
)
ALERT = Alert(
    kind=AlertKind.RECONCILIATION,
    severity=Severity.WARNING,
    title="Reconciliation difference on SIM-001:\nposition 005930.KRX",
    body="ours 10, venue 12",
    ts_ns=T0,
    fields={"ours": "10", "venue": "12"},
)


def test_message() -> None:
    message = email_message(ALERT, CONFIG, source="JTS-001")
    assert message["Subject"] == (
        "[JTS] [WARNING] Reconciliation difference on SIM-001: position 005930.KRX"
    )
    assert message["From"] == "jts@example.com"
    assert message["To"] == "ops@example.com, lead@example.com"
    assert message["Date"] == "Tue, 02 Jan 2024 00:00:01 +0000"
    assert message["Message-ID"].endswith("@example.com>")
    assert message["X-JTS-Alert-Kind"] == "reconciliation"
    assert message["X-JTS-Source"] == "JTS-001"
    body = message.get_content()
    assert "ours 10, venue 12" in body
    assert "venue: 12" in body
    assert "2024-01-02 09:00:01 KST" in body


def test_korean_text_survives() -> None:
    alert = Alert(
        kind=AlertKind.DENIAL,
        severity=Severity.WARNING,
        title="주문 거부",
        body="주문가능금액 부족",
        ts_ns=T0,
    )
    message = email_message(alert, CONFIG.model_copy(update={"subject_prefix": ""}))
    assert message["Subject"] == "[WARNING] 주문 거부"
    assert "주문가능금액 부족" in message.get_content()


class ScriptedSMTP:
    """Stands in for smtplib.SMTP: records the conversation, raises what the test says."""

    fail_at: ClassVar[str] = ""
    error: ClassVar[BaseException | None] = None
    refused: ClassVar[dict[str, tuple[int, bytes]]] = {}
    calls: ClassVar[list[str]] = []

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        self.calls.append(f"connect {host}:{port} {kwargs.get('local_hostname')}")
        self._step("connect")

    def _step(self, name: str) -> None:
        if self.fail_at == name and self.error is not None:
            raise self.error

    def __enter__(self) -> ScriptedSMTP:
        return self

    def __exit__(self, *args: object) -> None:
        self.calls.append("quit")

    def ehlo(self) -> None:
        self.calls.append("ehlo")

    def starttls(self, context: ssl.SSLContext) -> None:
        self.calls.append("starttls")
        self._step("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")
        self._step("login")

    def send_message(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        self.calls.append("send")
        self._step("send")
        return self.refused


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> type[ScriptedSMTP]:
    class Fresh(ScriptedSMTP):
        calls: ClassVar[list[str]] = []
        refused: ClassVar[dict[str, tuple[int, bytes]]] = {}

    monkeypatch.setattr(smtplib, "SMTP", Fresh)
    return Fresh


async def test_conversation_order(smtp: type[ScriptedSMTP]) -> None:
    await EmailChannel(CONFIG).send(ALERT)
    assert smtp.calls == [
        "connect smtp.example.com:587 jts-test",
        "ehlo",
        "starttls",
        "ehlo",
        "login jts",
        "send",
        "quit",
    ]


async def test_no_tls_no_login(smtp: type[ScriptedSMTP]) -> None:
    config = EmailConfig(
        host="127.0.0.1", port=25, security="none", sender="a@b.c", recipients=("d@e.f",)
    )
    await EmailChannel(config).send(ALERT)
    assert smtp.calls == ["connect 127.0.0.1:25 None", "ehlo", "send", "quit"]


@pytest.mark.parametrize(
    ("step", "error", "retryable", "fragment"),
    [
        ("connect", ConnectionRefusedError(111, "Connection refused"), True, "refused"),
        ("connect", TimeoutError("timed out"), True, "TimeoutError"),
        ("send", smtplib.SMTPServerDisconnected("gone"), True, "SMTPServerDisconnected"),
        (
            "login",
            smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials " + PASSWORD.encode()),
            False,
            "535",
        ),
        ("login", smtplib.SMTPAuthenticationError(454, b"4.7.0 try later"), True, "454"),
        ("send", smtplib.SMTPSenderRefused(550, b"not allowed", "jts@example.com"), False, "550"),
        ("send", smtplib.SMTPDataError(451, b"local error"), True, "451"),
        (
            "send",
            smtplib.SMTPRecipientsRefused({"ops@example.com": (550, b"no such user")}),
            False,
            "ops@example.com: 550 no such user",
        ),
        (
            "send",
            smtplib.SMTPRecipientsRefused({"ops@example.com": (450, b"mailbox busy")}),
            True,
            "every recipient",
        ),
        ("starttls", smtplib.SMTPNotSupportedError("STARTTLS extension"), False, "support"),
        (
            "starttls",
            ssl.SSLCertVerificationError(1, "certificate verify failed"),
            False,
            "certificate",
        ),
    ],
)
async def test_failures_are_classified(
    smtp: type[ScriptedSMTP],
    step: str,
    error: BaseException,
    retryable: bool,
    fragment: str,
) -> None:
    smtp.fail_at, smtp.error = step, error
    with pytest.raises(DeliveryError) as info:
        await EmailChannel(CONFIG).send(ALERT)
    assert info.value.retryable is retryable
    assert fragment in str(info.value)
    assert str(info.value).startswith("email: ")
    assert PASSWORD not in str(info.value)
    assert info.value.__cause__ is None


async def test_partly_refused_recipients_is_a_delivery_with_a_warning(
    smtp: type[ScriptedSMTP], caplog: pytest.LogCaptureFixture
) -> None:
    smtp.refused = {"lead@example.com": (550, b"no such user")}
    await EmailChannel(CONFIG).send(ALERT)
    assert "lead@example.com" in caplog.text
    assert PASSWORD not in caplog.text


def test_repr_has_no_password() -> None:
    assert PASSWORD not in repr(EmailChannel(CONFIG))
