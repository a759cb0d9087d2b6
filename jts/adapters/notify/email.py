"""E-mail channel: one plain-text message per alert through an SMTP relay.

We use the standard library's smtplib in a worker thread (``asyncio.to_thread``) rather than an
async SMTP client: an alert is a handful of commands on one connection, the thread is bounded
by the socket timeout, and it costs no extra dependency. One connection per alert keeps the
channel stateless (relays drop idle connections anyway), and alerts are rate-limited upstream.

Failures are classified by SMTP reply code: 4xx is temporary (retry), 5xx permanent (a refused
login, sender or recipient does not get better by retrying); network trouble and timeouts are
retryable, certificate failures are not (the configuration is wrong). The password is scrubbed
from every error text and smtplib's debug output stays off (it would print the AUTH exchange).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jts.adapters.notify.config import EmailConfig
from jts.adapters.notify.render import plain_text, severity_label
from jts.adapters.notify.transport import Scrubber
from jts.core.time import ns_to_dt
from jts.ports.notifier import Alert, DeliveryError

__all__ = ["EmailChannel", "email_message"]

_log = logging.getLogger(__name__)


def email_message(alert: Alert, config: EmailConfig, source: str = "jts") -> EmailMessage:
    """The message for one alert: ``[JTS] [WARNING] title``, plain-text body, UTF-8."""
    message = EmailMessage()
    prefix = f"{config.subject_prefix} " if config.subject_prefix else ""
    # A header must stay on one line: a title with a line break would be refused by smtplib.
    title = " ".join(alert.title.split())
    message["Subject"] = f"{prefix}[{severity_label(alert)}] {title}"
    message["From"] = config.sender
    message["To"] = ", ".join(config.recipients)
    message["Date"] = format_datetime(ns_to_dt(alert.ts_ns))
    # The domain is given so that make_msgid does not look up this host's name in DNS.
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2])
    message["X-JTS-Alert-Kind"] = alert.kind.value
    message["X-JTS-Source"] = source
    message.set_content(plain_text(alert) + "\n")
    return message


class EmailChannel:
    """Sends each alert to the configured recipients."""

    def __init__(self, config: EmailConfig, *, name: str = "email", source: str = "jts") -> None:
        self.name = name
        self.config = config
        self._source = source
        self._scrub = Scrubber((config.password.get_secret_value(),))

    async def send(self, alert: Alert) -> None:
        message = email_message(alert, self.config, self._source)
        await asyncio.to_thread(self._deliver, message)

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = str(self.config.ca_file) if self.config.ca_file is not None else None
        return ssl.create_default_context(cafile=ca_file)

    def _deliver(self, message: EmailMessage) -> None:
        try:
            self._converse(message)
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"{self.name}: every recipient was refused ({self._scrub(_reply(exc))})",
                retryable=all(400 <= code < 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            # Authentication, sender and data refusals: the reply code says if it is temporary.
            raise DeliveryError(
                f"{self.name}: {type(exc).__name__} {exc.smtp_code}: "
                f"{self._scrub(_text(exc.smtp_error))}",
                retryable=400 <= exc.smtp_code < 500,
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(
                f"{self.name}: the server does not support {self._scrub(str(exc))}",
                retryable=False,
            ) from None
        except ssl.SSLCertVerificationError as exc:
            reason = getattr(exc, "verify_message", "") or str(exc)
            raise DeliveryError(
                f"{self.name}: the server's certificate was not accepted "
                f"({reason}); check host and ca_file",
                retryable=False,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnects, refused connections, socket timeouts, TLS hiccups.
            reason = self._scrub(str(exc)) or type(exc).__name__
            raise DeliveryError(
                f"{self.name}: {type(exc).__name__}: {reason}", retryable=True
            ) from None

    def _converse(self, message: EmailMessage) -> None:
        config = self.config
        local_hostname = config.local_hostname or None
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(
                config.host,
                config.port,
                local_hostname=local_hostname,
                timeout=config.timeout_s,
                context=self._tls_context(),
            )
        else:
            smtp = smtplib.SMTP(
                config.host, config.port, local_hostname=local_hostname, timeout=config.timeout_s
            )
        with smtp:
            smtp.ehlo()
            if config.security == "starttls":
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if config.username:
                smtp.login(config.username, config.password.get_secret_value())
            refused = smtp.send_message(message)
        if refused:
            _log.warning(
                "alert %r e-mailed, but the server refused some recipients: %s",
                message["Subject"],
                ", ".join(sorted(refused)),
            )

    def __repr__(self) -> str:
        return f"EmailChannel(name={self.name!r}, host={self.config.host!r})"

    async def aclose(self) -> None:
        """Nothing to release: each alert uses its own connection."""


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _reply(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(
        f"{address}: {code} {_text(text)}" for address, (code, text) in exc.recipients.items()
    )
