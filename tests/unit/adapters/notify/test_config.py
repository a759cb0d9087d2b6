"""The ``[alerts]`` settings model: defaults, validation, secrets kept out of errors and reprs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from jts.adapters.notify.config import AlertsConfig, EmailConfig, TelegramConfig
from jts.adapters.notify.factory import lane_policy
from jts.config.errors import config_error
from jts.config.settings import Settings, secret_paths
from jts.ports.notifier import AlertKind, Severity
from tests.unit.adapters.notify.fakes import make_alert

SLACK_URL = "https://hooks.slack.example/services/T000/B000/SLACKSECRET123"
TOKEN = "123456789:TELEGRAMSECRETabc"


def test_default_configuration_sends_nowhere() -> None:
    config = AlertsConfig()
    assert config.enabled
    assert config.channels() == {}
    assert config.dedup_window_s == 300.0


def test_configured_channels_are_listed_by_name() -> None:
    config = AlertsConfig(
        slack={"webhook_url": SLACK_URL},
        telegram={"bot_token": TOKEN, "chat_id": "-1001234"},
        email={"host": "smtp.example.com", "sender": "jts@example.com", "recipients": ["a@b.c"]},
    )
    assert list(config.channels()) == ["slack", "telegram", "email"]


def test_choices_are_case_insensitive() -> None:
    config = AlertsConfig(
        slack={"webhook_url": SLACK_URL, "min_severity": "WARNING", "kinds": ["Fill", "DENIAL"]},
        email={
            "host": "smtp.example.com",
            "sender": "jts@example.com",
            "recipients": ["a@b.c"],
            "security": "TLS",
        },
    )
    assert config.slack.min_severity is Severity.WARNING
    assert config.slack.kinds == (AlertKind.FILL, AlertKind.DENIAL)
    policy = lane_policy(config.slack)
    assert policy.accepts(make_alert(kind=AlertKind.FILL, severity=Severity.WARNING))
    assert not policy.accepts(make_alert(kind=AlertKind.FILL, severity=Severity.INFO))
    assert not policy.accepts(make_alert(kind=AlertKind.KILL_SWITCH, severity=Severity.CRITICAL))
    assert config.email.security == "tls"


def test_frozen_and_unknown_keys_refused() -> None:
    config = AlertsConfig()
    with pytest.raises(ValidationError):
        config.enabled = False  # type: ignore[misc]
    with pytest.raises(ValidationError, match="webhok"):
        AlertsConfig(webhok={"url": "https://x.example"})  # type: ignore[call-arg]


def _all_text(exc: ValidationError) -> str:
    """What a person can see: pydantic's text and the settings loader's one-line error."""
    return f"{exc}\n{config_error(exc, secrets=secret_paths(AlertsConfig))}"


def test_a_bad_secret_url_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValidationError) as info:
        AlertsConfig(slack={"webhook_url": "ftp://hooks.example/SLACKSECRET123"})
    text = _all_text(info.value)
    assert "http:// or https://" in text
    assert "SLACKSECRET123" not in text
    with pytest.raises(ValidationError) as info:
        AlertsConfig(webhook={"url": "not a url SECRETPART"})
    assert "SECRETPART" not in _all_text(info.value)


def test_a_bad_token_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValidationError) as info:
        TelegramConfig(bot_token="123:ab/SECRETTOKEN", chat_id="1")
    text = _all_text(info.value)
    assert "bot_token" in text
    assert "SECRETTOKEN" not in text


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ({"bot_token": TOKEN}, "chat_id is empty"),
        ({"chat_id": "123"}, "bot_token is empty"),
        ({"bot_token": TOKEN, "chat_id": "general"}, "number or @channelname"),
        ({"bot_token": TOKEN, "chat_id": "1", "api_base": "api.telegram.org"}, "api_base"),
    ],
)
def test_telegram_rules(section: dict[str, str], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        TelegramConfig(**section)


def test_telegram_accepts_channel_names_and_group_ids() -> None:
    assert TelegramConfig(bot_token=TOKEN, chat_id="@jts_alerts").configured
    config = TelegramConfig(bot_token=TOKEN, chat_id=" -1001234 ", api_base="http://127.0.0.1:81/")
    assert config.chat_id == "-1001234"
    assert config.api_base == "http://127.0.0.1:81"


EMAIL = {"host": "smtp.example.com", "sender": "jts@example.com", "recipients": ["ops@example.com"]}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"sender": ""}, "sender is required"),
        ({"recipients": []}, "at least one recipient"),
        ({"recipients": ["ops"]}, "e-mail addresses"),
        ({"sender": "not an address"}, "e-mail address"),
        ({"password": "pw"}, "username is empty"),
        ({"username": "u", "password": "pw", "security": "none"}, "clear text"),
        ({"port": 0}, "port"),
        ({"security": "ssl"}, "security"),
    ],
)
def test_email_rules(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        EmailConfig(**{**EMAIL, **changes})


def test_clear_text_login_is_allowed_to_a_relay_on_this_machine() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        config = EmailConfig(
            **{**EMAIL, "host": host, "username": "u", "password": "pw", "security": "none"}
        )
        assert config.configured


def test_the_password_never_appears_in_errors() -> None:
    with pytest.raises(ValidationError) as info:
        EmailConfig(**{**EMAIL, "username": "u", "password": "PASSWORDSECRET", "security": "none"})
    assert "PASSWORDSECRET" not in _all_text(info.value)


def test_secrets_stay_out_of_repr_and_dumps() -> None:
    config = AlertsConfig(
        webhook={
            "url": "https://hooks.example/x?key=WEBHOOKSECRET",
            "authorization": "Bearer AUTHSECRET",
        },
        slack={"webhook_url": SLACK_URL},
        telegram={"bot_token": TOKEN, "chat_id": "1"},
        email={**EMAIL, "username": "u", "password": "PASSWORDSECRET"},
    )
    shown = f"{config!r} {config} {config.model_dump()} {config.model_dump_json()}"
    for secret in (
        "WEBHOOKSECRET",
        "AUTHSECRET",
        "SLACKSECRET123",
        "TELEGRAMSECRET",
        "PASSWORDSECRET",
    ):
        assert secret not in shown


def test_the_settings_machinery_finds_every_secret() -> None:
    """What the lead's ``alerts`` section relies on: nested sections are models, so the error
    formatter and the log masker know the secret fields."""
    assert secret_paths(AlertsConfig, "alerts.") >= {
        "alerts.webhook.url",
        "alerts.webhook.authorization",
        "alerts.slack.webhook_url",
        "alerts.telegram.bot_token",
        "alerts.email.password",
    }


def test_environment_variables_reach_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    class Root(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="JTS_", env_nested_delimiter="__")
        alerts: AlertsConfig = AlertsConfig()

    monkeypatch.setenv("JTS_ALERTS__TELEGRAM__BOT_TOKEN", TOKEN)
    monkeypatch.setenv("JTS_ALERTS__TELEGRAM__CHAT_ID", "-100")
    monkeypatch.setenv("JTS_ALERTS__SLACK__RATE_LIMIT__COUNT", "5")
    root = Root()
    assert root.alerts.telegram.bot_token.get_secret_value() == TOKEN
    assert root.alerts.telegram.chat_id == "-100"
    assert root.alerts.slack.rate_limit.count == 5


def test_ca_file_is_a_path() -> None:
    config = EmailConfig(**{**EMAIL, "ca_file": "/etc/ssl/private-ca.pem"})
    assert config.ca_file == Path("/etc/ssl/private-ca.pem")


def test_as_a_section_of_the_node_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The wiring the lead adds (``alerts: AlertsConfig`` in `Settings`), tried on a subclass:
    the log masker's list of secret values picks up every alert secret."""

    class WithAlerts(Settings):
        alerts: AlertsConfig = AlertsConfig()

    monkeypatch.setenv("JTS_ALERTS__SLACK__WEBHOOK_URL", SLACK_URL)
    monkeypatch.setenv("JTS_ALERTS__EMAIL__HOST", "smtp.example.com")
    monkeypatch.setenv("JTS_ALERTS__EMAIL__SENDER", "jts@example.com")
    monkeypatch.setenv("JTS_ALERTS__EMAIL__RECIPIENTS", '["ops@example.com"]')
    monkeypatch.setenv("JTS_ALERTS__EMAIL__USERNAME", "jts")
    monkeypatch.setenv("JTS_ALERTS__EMAIL__PASSWORD", "PASSWORDSECRET")
    settings = WithAlerts(data_dir=tmp_path)
    assert list(settings.alerts.channels()) == ["slack", "email"]
    assert {SLACK_URL, "PASSWORDSECRET"} <= set(settings.secret_values())
