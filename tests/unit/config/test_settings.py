"""The settings model: defaults, profiles, validation of each section, masking in repr."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from jts.config import (
    BusConfig,
    DatabaseConfig,
    KisConfig,
    LoggingConfig,
    NodeConfig,
    Settings,
)
from jts.config.settings import secret_paths
from jts.domain.identifiers import TraderId

PG_URL = "postgresql+psycopg://jts:pg-pass-123@db.example:5432/jts"


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["msg"] for e in exc.value.errors()}


def test_embedded_defaults_need_no_configuration(isolated: Path) -> None:
    settings = Settings()
    assert settings.profile == "embedded"
    assert settings.data_dir == isolated / "var"
    assert settings.database.url == f"sqlite:///{isolated}/var/jts.db"
    assert settings.database.dialect == "sqlite"
    assert settings.bus == BusConfig()
    assert settings.bus.backend == "inprocess"
    assert settings.logging == LoggingConfig(level="INFO", format="console")
    assert settings.node.trader_id == TraderId("JTS-001")
    assert isinstance(settings.node.trader_id, TraderId)
    kis = settings.brokers.kis
    assert kis.app_key.get_secret_value() == ""
    assert kis.account == ""
    assert kis.env == "paper"
    assert not kis.is_configured


def test_database_default_follows_data_dir(isolated: Path) -> None:
    settings = Settings(data_dir="state/../data")
    assert settings.data_dir == isolated / "data"
    assert settings.database.url == f"sqlite:///{isolated}/data/jts.db"


def test_data_dir_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings(data_dir="~/jts").data_dir == tmp_path / "home" / "jts"


def test_empty_data_dir_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(data_dir="  ")
    assert errors_of(exc) == {"data_dir": "Value error, data_dir must not be empty"}


def test_explicit_database_url_wins_over_the_data_dir_default() -> None:
    settings = Settings(data_dir="elsewhere", database={"url": "sqlite:////srv/jts.db"})
    assert settings.database.url == "sqlite:////srv/jts.db"


def test_production_defaults_to_redis_and_json_logs() -> None:
    settings = Settings(profile="production", database={"url": PG_URL})
    assert settings.bus.backend == "redis"
    assert settings.logging.format == "json"
    assert settings.database.dialect == "postgresql"


def test_production_keeps_explicit_choices_over_its_defaults() -> None:
    settings = Settings(
        profile="production",
        database={"url": PG_URL},
        bus={"backend": "inprocess"},
        logging={"format": "console"},
    )
    assert settings.bus.backend == "inprocess"
    assert settings.logging.format == "console"


def test_production_refuses_to_start_without_a_database_url() -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(profile="production")
    message = errors_of(exc)["database.url"]
    assert "production profile needs a PostgreSQL database URL" in message
    assert "none is set" in message


@pytest.mark.parametrize("url", ["sqlite:////srv/jts.db", "sqlite://"])
def test_production_refuses_sqlite(url: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(profile="production", database={"url": url})
    assert "got sqlite" in errors_of(exc)["database.url"]


def test_profile_is_case_insensitive_and_checked() -> None:
    assert Settings(profile=" Production ", database={"url": PG_URL}).profile == "production"
    with pytest.raises(ValidationError) as exc:
        Settings(profile="staging")
    assert "'embedded' or 'production'" in errors_of(exc)["profile"]


def test_settings_and_sections_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.profile = "production"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        settings.database.url = "sqlite://"  # type: ignore[misc]


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Settings(databse={"url": "sqlite://"})  # type: ignore[call-arg]
    assert "databse" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        Settings(bus={"backnd": "redis"})
    assert "bus.backnd" in errors_of(exc)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "no database URL is set"),
        ("jts.db", "not a database URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://u@h/db", "unsupported driver 'asyncpg'"),
        ("postgresql://u@[::1/db", "malformed database URL"),
    ],
)
def test_bad_database_urls(url: str, reason: str) -> None:
    with pytest.raises(ValidationError) as exc:
        DatabaseConfig(url=url)
    assert reason in errors_of(exc)["url"]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///var/jts.db",
        "sqlite+pysqlite:////abs/jts.db",
        "postgresql://u@h/db",
        "postgresql+psycopg://u:p@h:5432/db",
    ],
)
def test_supported_database_urls(url: str) -> None:
    assert DatabaseConfig(url=url).url == url


def test_bus_choices_and_names() -> None:
    assert BusConfig(backend="REDIS").backend == "redis"
    assert BusConfig(redis_url="rediss://cache:6380/2").redis_url == "rediss://cache:6380/2"
    assert BusConfig(redis_url="unix:///run/redis.sock").redis_url == "unix:///run/redis.sock"
    for bad in ({"backend": "kafka"}, {"redis_url": "http://x"}, {"redis_url": "redis://"}):
        with pytest.raises(ValidationError):
            BusConfig(**bad)
    with pytest.raises(ValidationError) as exc:
        BusConfig(stream_prefix="has space")
    assert "1-64 characters" in errors_of(exc)["stream_prefix"]
    with pytest.raises(ValidationError):
        BusConfig(consumer_group="")


def test_logging_level_is_case_insensitive_and_checked() -> None:
    assert LoggingConfig(level="debug", format="JSON") == LoggingConfig(
        level="DEBUG", format="json"
    )
    with pytest.raises(ValidationError):
        LoggingConfig(level="VERBOSE")
    with pytest.raises(ValidationError):
        LoggingConfig(format="xml")


def test_trader_id_is_validated_as_a_domain_identifier() -> None:
    assert NodeConfig(trader_id="DESK-7").trader_id == TraderId("DESK-7")
    assert NodeConfig(trader_id="DESK-7").model_dump() == {"trader_id": "DESK-7", "role": "all"}
    for bad in ("JTS", "JTS 001", 5):
        with pytest.raises(ValidationError):
            NodeConfig(trader_id=bad)


def test_kis_account_is_normalised_and_checked() -> None:
    assert KisConfig(account="1234567801").account == "12345678-01"
    assert KisConfig(account=" 12345678-01 ").account == "12345678-01"
    with pytest.raises(ValidationError) as exc:
        KisConfig(account="1234-5678")
    assert "8 digits" in errors_of(exc)["account"]
    assert KisConfig(env="REAL").env == "real"
    with pytest.raises(ValidationError):
        KisConfig(env="live")


def test_kis_key_and_secret_go_together() -> None:
    with pytest.raises(ValidationError) as exc:
        KisConfig(app_key="only-the-key")
    assert "app_secret is empty" in errors_of(exc)[""]
    with pytest.raises(ValidationError):
        KisConfig(app_secret="only-the-secret")
    kis = KisConfig(app_key="k" * 36, app_secret="s" * 180, account="12345678-01")
    assert kis.is_configured


def test_repr_and_str_mask_secrets_and_url_passwords() -> None:
    settings = Settings(
        database={"url": PG_URL},
        bus={"redis_url": "redis://:redis-pass-456@cache:6379/0"},
        brokers={"kis": {"app_key": "kis-key-789", "app_secret": "kis-secret-000"}},
    )
    for text in (repr(settings), str(settings), repr(settings.database), repr(settings.bus)):
        for secret in ("pg-pass-123", "redis-pass-456", "kis-key-789", "kis-secret-000"):
            assert secret not in text
    assert "jts:***@db.example" in repr(settings)


def test_secret_values_lists_every_configured_secret() -> None:
    settings = Settings(
        database={"url": "postgresql://jts:p%40ss@db/jts"},
        brokers={"kis": {"app_key": "kis-key-789", "app_secret": "kis-secret-000"}},
    )
    assert set(settings.secret_values()) == {"p%40ss", "p@ss", "kis-key-789", "kis-secret-000"}
    assert Settings().secret_values() == ()


def test_secret_paths_are_the_secret_fields() -> None:
    assert secret_paths() == {
        "brokers.kis.app_key",
        "brokers.kis.app_secret",
        "alerts.webhook.url",
        "alerts.webhook.authorization",
        "alerts.slack.webhook_url",
        "alerts.telegram.bot_token",
        "alerts.email.password",
    }


def test_secrets_are_secret_str() -> None:
    kis = Settings(brokers={"kis": {"app_key": "abcd", "app_secret": "efgh"}}).brokers.kis
    assert isinstance(kis.app_key, SecretStr)
    assert kis.app_secret.get_secret_value() == "efgh"


def test_direct_construction_reads_the_environment_and_keywords_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JTS_BUS__BACKEND", "redis")
    monkeypatch.setenv("JTS_NODE__TRADER_ID", "ENV-1")
    settings = Settings(node={"trader_id": "KW-1"})
    assert settings.bus.backend == "redis"
    assert settings.node.trader_id == "KW-1"


def test_dotenv_files_are_not_read(isolated: Path) -> None:
    (isolated / ".env").write_text("JTS_BUS__BACKEND=redis\n", encoding="utf-8")
    assert Settings().bus.backend == "inprocess"


def test_more_kis_accounts_each_need_their_own_complete_key() -> None:
    first = {"app_key": "k1", "app_secret": "s1", "account": "11111111-01"}
    config = KisConfig(
        **first, accounts=[{"app_key": "k2", "app_secret": "s2", "account": "2222222201"}]
    )
    assert [a.account for a in config.accounts] == ["22222222-01"]
    with pytest.raises(ValidationError, match="needs app_secret"):
        KisConfig(**first, accounts=[{"app_key": "k2", "app_secret": "", "account": "22222222-01"}])
    with pytest.raises(ValidationError, match="configured twice: 11111111-01"):
        KisConfig(
            **first, accounts=[{"app_key": "k2", "app_secret": "s", "account": "11111111-01"}]
        )
    with pytest.raises(ValidationError, match="need the first one"):
        KisConfig(accounts=[{"app_key": "k2", "app_secret": "s2", "account": "22222222-01"}])
