"""Configuration of the alert channels and of the dispatcher in front of them.

One fixed section per channel kind (``[alerts.slack]``, ``[alerts.telegram]``...) rather than a
list of channels: the settings machinery finds the `SecretStr` fields of nested sections (so
they are masked in logs and never echoed in errors) and environment variables can reach every
key (``JTS_ALERTS__TELEGRAM__BOT_TOKEN``). A channel whose credentials are empty is simply not
used, as with brokers, so the default configuration sends nothing anywhere.

Models are frozen and refuse unknown keys (a typo such as ``webhok`` must not silently disable
alerts). Validation errors never quote a secret: the URL and token checks say what is wrong
without repeating the value.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from jts.ports.notifier import AlertKind, Severity

__all__ = [
    "AlertsConfig",
    "ChannelConfig",
    "EmailConfig",
    "RateLimitConfig",
    "RetryConfig",
    "SlackConfig",
    "TelegramConfig",
    "WebhookConfig",
]

DEFAULT_TELEGRAM_API: Final = "https://api.telegram.org"
SmtpSecurity = Literal["starttls", "tls", "none"]


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _check_http_url(value: str, what: str, *, secret: bool) -> str:
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        shown = "" if secret else f", got {text!r}"
        raise ValueError(f"{what} must be an http:// or https:// URL with a host{shown}")
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class RateLimitConfig(_Model):
    """A token bucket: at most ``count`` alerts, refilled evenly over ``period_s``.

    Alerts beyond it are not queued but counted, and one "N more alerts suppressed" message
    goes out as soon as the bucket has a token again. CRITICAL alerts are never suppressed.
    """

    count: int = Field(default=20, ge=1, le=10_000)
    period_s: float = Field(default=60.0, gt=0, le=86_400)


class RetryConfig(_Model):
    """Retries of one delivery on retryable failures (timeouts, 5xx, 429), with exponential
    backoff ``base * 2**n`` capped at ``backoff_max_s``; a wait the receiver asks for
    (Retry-After) is honoured up to ``retry_after_max_s``."""

    attempts: int = Field(default=4, ge=1, le=20)
    backoff_base_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=30.0, gt=0)
    retry_after_max_s: float = Field(default=60.0, ge=0)
    #: Upper bound of one attempt whatever the channel does (the channels' own timeouts should
    #: fire first; this catches a channel that hangs anyway).
    attempt_timeout_s: float = Field(default=30.0, gt=0)


Kinds = tuple[Annotated[AlertKind, BeforeValidator(_lower)], ...]


class ChannelConfig(_Model):
    """What every channel has: which alerts it takes, how many, and how long a send may take."""

    min_severity: Annotated[Severity, BeforeValidator(_lower)] = Severity.INFO
    #: Alert kinds this channel takes; empty means all.
    kinds: Kinds = ()
    rate_limit: RateLimitConfig = RateLimitConfig()
    timeout_s: float = Field(default=10.0, gt=0, le=300)

    @property
    def configured(self) -> bool:
        """True when the channel has what it needs to send (else it is not built)."""
        return False


class WebhookConfig(ChannelConfig):
    """A generic webhook: the alert as JSON, POSTed to ``url``.

    ``authorization`` is sent verbatim as the Authorization header (``Bearer ...``).
    """

    url: SecretStr = SecretStr("")
    authorization: SecretStr = SecretStr("")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if not text.strip():
            return SecretStr("")
        return SecretStr(_check_http_url(text, "the webhook url", secret=True))

    @property
    def configured(self) -> bool:
        return bool(self.url.get_secret_value())


class SlackConfig(ChannelConfig):
    """A Slack incoming webhook (or a compatible receiver: Mattermost, Rocket.Chat...).

    The URL carries the key, so it is a secret. ``blocks`` adds a Block Kit layout next to the
    ``text`` fallback; receivers that only read ``text`` can turn it off.
    """

    webhook_url: SecretStr = SecretStr("")
    blocks: bool = True

    @field_validator("webhook_url")
    @classmethod
    def _check_url(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if not text.strip():
            return SecretStr("")
        return SecretStr(_check_http_url(text, "the Slack webhook_url", secret=True))

    @property
    def configured(self) -> bool:
        return bool(self.webhook_url.get_secret_value())


class TelegramConfig(ChannelConfig):
    """A Telegram bot: ``POST {api_base}/bot<token>/sendMessage`` to ``chat_id``.

    ``chat_id`` is a number (negative for groups) or ``@channelname``. ``api_base`` is
    configurable for a self-hosted Bot API server, and so tests can point it at a local one.
    """

    bot_token: SecretStr = SecretStr("")
    chat_id: str = ""
    api_base: str = DEFAULT_TELEGRAM_API
    #: Alerts below this severity arrive without a sound on the phone.
    silent_below: Annotated[Severity, BeforeValidator(_lower)] = Severity.WARNING

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value().strip()
        if text and any(ch.isspace() or ch in "/?#" for ch in text):
            raise ValueError(
                "the Telegram bot_token must be the token BotFather gave (digits, a colon and "
                "letters), without spaces, '/', '?' or '#'"
            )
        return SecretStr(text)

    @field_validator("chat_id")
    @classmethod
    def _check_chat(cls, value: str) -> str:
        text = value.strip()
        if text and not (text.lstrip("-").isdigit() or text.startswith("@")):
            raise ValueError(f"the Telegram chat_id must be a number or @channelname, got {text!r}")
        return text

    @field_validator("api_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        return _check_http_url(value, "the Telegram api_base", secret=False).rstrip("/")

    @model_validator(mode="after")
    def _check_pair(self) -> TelegramConfig:
        if bool(self.bot_token.get_secret_value()) != bool(self.chat_id):
            missing = "chat_id" if self.bot_token.get_secret_value() else "bot_token"
            raise ValueError(f"bot_token and chat_id go together; {missing} is empty")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.bot_token.get_secret_value())


class EmailConfig(ChannelConfig):
    """E-mail through an SMTP relay (the standard library's smtplib, run in a thread).

    ``security``: ``starttls`` (port 587, the default), ``tls`` (implicit TLS, port 465) or
    ``none``. A password is only sent over TLS, except to a relay on this machine: a password
    crossing the network in clear text is refused at start rather than leaked at the first alert.
    ``ca_file`` is the CA bundle to trust instead of the system's (a relay with a private CA).
    """

    host: str = ""
    port: int = Field(default=587, ge=1, le=65_535)
    security: Annotated[SmtpSecurity, BeforeValidator(_lower)] = "starttls"
    username: str = ""
    password: SecretStr = SecretStr("")
    sender: str = ""
    recipients: tuple[str, ...] = ()
    ca_file: Path | None = None
    subject_prefix: str = "[JTS]"
    #: Name given in EHLO; empty asks the operating system (a DNS lookup).
    local_hostname: str = ""

    @field_validator("sender")
    @classmethod
    def _check_sender(cls, value: str) -> str:
        text = value.strip()
        if text and not _looks_like_address(text):
            raise ValueError(
                f"sender must be an e-mail address such as jts@example.com, got {text!r}"
            )
        return text

    @field_validator("recipients")
    @classmethod
    def _check_recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(item.strip() for item in value)
        bad = [item for item in cleaned if not _looks_like_address(item)]
        if bad:
            raise ValueError(f"recipients must be e-mail addresses, got {bad!r}")
        return cleaned

    @model_validator(mode="after")
    def _check_complete(self) -> EmailConfig:
        if not self.host:
            return self
        if not self.sender:
            raise ValueError("sender is required when host is set")
        if not self.recipients:
            raise ValueError("at least one recipient is required when host is set")
        if bool(self.password.get_secret_value()) and not self.username:
            raise ValueError("password is set but username is empty")
        if (
            self.password.get_secret_value()
            and self.security == "none"
            and not _is_loopback(self.host)
        ):
            raise ValueError(
                f"refusing to send the SMTP password in clear text to {self.host}; "
                "set security to starttls or tls"
            )
        return self

    @property
    def configured(self) -> bool:
        return bool(self.host)


def _looks_like_address(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local and domain) and not any(ch.isspace() or ch in "<>," for ch in text)


class AlertsConfig(_Model):
    """The ``[alerts]`` section: channels and the dispatcher's policies.

    ``dedup_window_s``: alerts with the same key within this window are sent once (0 turns
    de-duplication off). ``queue_size``: alerts waiting per channel; when a channel is down and
    its queue is full, the oldest waiting alert is dropped and counted, so a dead receiver
    cannot grow memory. ``drain_timeout_s``: how long shutdown waits for queued alerts.
    """

    enabled: bool = True
    dedup_window_s: float = Field(default=300.0, ge=0)
    dedup_max_keys: int = Field(default=10_000, ge=1)
    queue_size: int = Field(default=1_000, ge=1, le=1_000_000)
    drain_timeout_s: float = Field(default=5.0, ge=0)
    retry: RetryConfig = RetryConfig()
    webhook: WebhookConfig = WebhookConfig()
    slack: SlackConfig = SlackConfig()
    telegram: TelegramConfig = TelegramConfig()
    email: EmailConfig = EmailConfig()

    def channels(self) -> dict[str, ChannelConfig]:
        """The configured channels by name (``webhook``, ``slack``, ``telegram``, ``email``)."""
        sections: dict[str, ChannelConfig] = {
            "webhook": self.webhook,
            "slack": self.slack,
            "telegram": self.telegram,
            "email": self.email,
        }
        return {name: section for name, section in sections.items() if section.configured}
