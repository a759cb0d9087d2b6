"""Layers (defaults < file < env < options), the config file, errors naming key and source."""

from __future__ import annotations

from pathlib import Path

import pytest

from jts.config import CONFIG_ENV_VAR, Override, env_var_name, load_config, locate_config_file
from jts.core.errors import ConfigError

PG_URL = "postgresql+psycopg://jts@db.example:5432/jts"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_and_no_env_gives_the_defaults(isolated: Path) -> None:
    loaded = load_config()
    assert loaded.config_file is None
    assert loaded.settings.database.url == f"sqlite:///{isolated}/var/jts.db"
    assert loaded.sources["profile"] == "default"
    assert loaded.sources["database.url"] == "default (SQLite file under data_dir)"


def test_precedence_defaults_file_env_option(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(isolated / "jts.toml", '[logging]\nlevel = "WARNING"\nformat = "json"\n')
    assert load_config(path).settings.logging.level == "WARNING"  # file over default

    monkeypatch.setenv("JTS_LOGGING__LEVEL", "ERROR")
    loaded = load_config(path)
    assert loaded.settings.logging.level == "ERROR"  # env over file
    assert loaded.settings.logging.format == "json"  # the file's other key survives
    assert loaded.sources["logging.level"] == "env JTS_LOGGING__LEVEL"
    assert loaded.sources["logging.format"] == f"file {path}"

    loaded = load_config(path, [Override("logging.level", "DEBUG", "--log-level")])
    assert loaded.settings.logging.level == "DEBUG"  # option over env
    assert loaded.sources["logging.level"] == "option --log-level"


def test_file_and_env_merge_table_by_table(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        isolated / "jts.toml",
        'data_dir = "state"\n[bus]\nstream_prefix = "desk1"\nconsumer_group = "g1"\n',
    )
    monkeypatch.setenv("JTS_BUS__CONSUMER_GROUP", "g2")
    bus = load_config(path).settings.bus
    assert (bus.stream_prefix, bus.consumer_group, bus.backend) == ("desk1", "g2", "inprocess")
    assert load_config(path).settings.data_dir == isolated / "state"


def test_env_can_set_a_whole_table_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_NODE", '{"trader_id": "DESK-9"}')
    loaded = load_config()
    assert loaded.settings.node.trader_id == "DESK-9"
    assert loaded.sources["node.trader_id"] == "env JTS_NODE"


def test_env_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("jts_bus__backend", "redis")
    assert load_config().settings.bus.backend == "redis"


def test_production_profile_from_env_with_file_database(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(isolated / "prod.toml", f'[database]\nurl = "{PG_URL}"\n')
    monkeypatch.setenv("JTS_PROFILE", "production")
    loaded = load_config(path)
    assert loaded.settings.database.url == PG_URL
    assert loaded.sources["bus.backend"] == "default (production profile)"
    assert loaded.sources["logging.format"] == "default (production profile)"


def test_production_without_database_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_PROFILE", "production")
    with pytest.raises(ConfigError) as exc:
        load_config()
    assert str(exc.value).startswith("config error: database.url: the production profile needs")


def test_bad_env_value_names_key_value_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_BUS__BACKEND", "kafka")
    with pytest.raises(ConfigError) as exc:
        load_config()
    assert str(exc.value) == (
        "config error: bus.backend: Input should be 'inprocess' or 'redis' "
        "(got 'kafka'; from env JTS_BUS__BACKEND)"
    )


def test_bad_env_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_DATABASE__URL", "mysql://root:hunter22@db/jts")
    with pytest.raises(ConfigError) as exc:
        load_config()
    message = str(exc.value)
    assert message.startswith("config error: database.url: unsupported database 'mysql'")
    assert message.endswith("(from env JTS_DATABASE__URL)")


def test_bad_file_value_names_key_and_file(isolated: Path) -> None:
    path = write(isolated / "jts.toml", '[node]\ntrader_id = "not valid"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    message = str(exc.value)
    assert message.startswith("config error: node.trader_id: malformed trader id: 'not valid'")
    assert f"from file {path}" in message


def test_wrong_type_in_file(isolated: Path) -> None:
    path = write(isolated / "jts.toml", "[logging]\nlevel = 10\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "logging.level:" in str(exc.value)
    assert "got 10" in str(exc.value)


def test_unknown_key_in_file_is_named(isolated: Path) -> None:
    path = write(isolated / "jts.toml", '[databse]\nurl = "sqlite://"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value) == (
        f"config error: databse: unknown key; check the spelling against `jts config show` "
        f"(from file {path})"
    )


def test_every_problem_is_reported_at_once(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(isolated / "jts.toml", '[bus]\nbackend = "kafka"\n')
    monkeypatch.setenv("JTS_LOGGING__FORMAT", "xml")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "bus.backend:" in str(exc.value)
    assert "logging.format:" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_secret_values_are_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_BROKERS__KIS__APP_KEY", "kis-key-never-shown")
    with pytest.raises(ConfigError) as exc:
        load_config()
    message = str(exc.value)
    assert "brokers.kis: app_key and app_secret go together; app_secret is empty" in message
    assert "kis-key-never-shown" not in message
    assert exc.value.__cause__ is None  # pydantic's own report (with inputs) is not chained


def test_url_passwords_are_masked_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_BUS__REDIS_URL", "http://:redis-pw-1@cache")
    monkeypatch.setenv("JTS_PROFILE", "production")
    monkeypatch.setenv("JTS_DATABASE__URL", "sqlite:////srv/x.db")
    with pytest.raises(ConfigError) as exc:
        load_config()
    assert "redis-pw-1" not in str(exc.value)
    assert "http://:***@cache" in str(exc.value)


def test_malformed_json_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_DATABASE", '{"url": ')
    with pytest.raises(ConfigError) as exc:
        load_config()
    assert str(exc.value).startswith("config error: environment:")
    assert "database" in str(exc.value)


def test_malformed_toml_names_file_line_and_column(isolated: Path) -> None:
    path = write(isolated / "jts.toml", 'profile = "embedded"\n\n[database\nurl = "x"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value) == (
        f"config error: {path}: line 3, column 10: invalid TOML: "
        "Expected ']' at the end of a table declaration"
    )


def test_toml_error_at_end_of_file(isolated: Path) -> None:
    path = write(isolated / "jts.toml", 'profile = "embedded"\nkey =')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert f"{path}: line 2" in str(exc.value)
    assert "invalid TOML" in str(exc.value)


def test_non_utf8_file(isolated: Path) -> None:
    path = isolated / "jts.toml"
    path.write_bytes(b'profile = "\xff"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "not UTF-8" in str(exc.value)
    assert str(path) in str(exc.value)


def test_named_file_must_exist(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(isolated / "missing.toml")
    assert "missing.toml (from --config) does not exist" in str(exc.value)
    monkeypatch.setenv(CONFIG_ENV_VAR, str(isolated))
    with pytest.raises(ConfigError) as exc:
        load_config()
    assert f"(from ${CONFIG_ENV_VAR}) is a directory" in str(exc.value)


def test_which_file_is_read(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert locate_config_file() is None  # no ./jts.toml: fine, defaults
    local = write(isolated / "jts.toml", "")
    assert locate_config_file() == Path("jts.toml")
    named = write(isolated / "named.toml", '[node]\ntrader_id = "ENV-1"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(named))
    assert locate_config_file() == named  # $JTS_CONFIG over ./jts.toml
    assert locate_config_file(local) == local  # --config over $JTS_CONFIG
    assert load_config().settings.node.trader_id == "ENV-1"
    assert locate_config_file(environ={}) == Path("jts.toml")


def test_env_var_names() -> None:
    assert env_var_name("database.url") == "JTS_DATABASE__URL"
    assert env_var_name("brokers.kis.app_key") == "JTS_BROKERS__KIS__APP_KEY"


def test_toml_keys_named_like_settings_options_stay_data(isolated: Path) -> None:
    path = write(isolated / "jts.toml", '_secrets_dir = "/"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith("config error: _secrets_dir: unknown key")
    assert str(exc.value).endswith(f"(from file {path})")
