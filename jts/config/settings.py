"""The one settings model of a JTS node.

Layers, lowest to highest: built-in defaults, the profile's defaults, the TOML file, ``JTS_*``
environment variables (nested keys joined by ``__``: ``JTS_DATABASE__URL``), and command-line
options. `jts.config.loading.load_config` assembles the layers; constructing ``Settings()``
directly reads defaults and the environment only, as pydantic-settings does.

Profiles exist so that the zero-configuration start (``make run``) and a real deployment need
no shared guesswork:

* ``embedded`` (default): SQLite file ``<data_dir>/jts.db``, in-process bus, console logs.
* ``production``: Redis bus and JSON logs by default, and no database default at all: it
  refuses to start unless ``database.url`` is a PostgreSQL URL, because a production node that
  silently fell back to a local SQLite file would lose its journal with its container.

``data_dir`` defaults to ``./var`` (relative to the working directory, and made absolute when
the settings are loaded, so a later ``chdir`` cannot move it). We chose this over the platform's
user data directory because the quick start runs from the repository root and should keep
everything it creates there, visible and git-ignored; a deployment sets ``data_dir`` explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from jts.adapters.notify.config import AlertsConfig
from jts.config.components import (
    BrokersConfig,
    BusConfig,
    DatabaseConfig,
    LoggingConfig,
    NodeConfig,
    lower_text,
)
from jts.config.risk import RiskConfig
from jts.config.routing import RoutingConfig
from jts.config.urls import database_dialect, mask_url_password, url_password_values

Profile = Literal["embedded", "production"]

ENV_PREFIX: Final = "JTS_"
ENV_NESTED_DELIMITER: Final = "__"
DEFAULT_DATA_DIR: Final = Path("var")
SQLITE_FILE_NAME: Final = "jts.db"

#: What the production profile changes, as (section, key) -> value. The database is not here:
#: production has no default database, it demands PostgreSQL.
PRODUCTION_DEFAULTS: Final[Mapping[tuple[str, str], str]] = {
    ("bus", "backend"): "redis",
    ("logging", "format"): "json",
}


def _data_dir(value: object) -> object:
    if isinstance(value, str | Path) and not str(value).strip():
        raise ValueError("data_dir must not be empty")
    return value


def absolute_dir(value: str | Path) -> Path:
    """``~`` expanded and made absolute against the working directory ('..' folded away)."""
    return Path(os.path.abspath(Path(value).expanduser()))


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (four slashes for an absolute path)."""
    return f"sqlite:///{path.as_posix()}"


def default_database_url(data_dir: str | Path) -> str:
    """The embedded profile's database: ``<data_dir>/jts.db``."""
    return sqlite_url(absolute_dir(data_dir) / SQLITE_FILE_NAME)


def _production_database_error(url: str | None) -> ValidationError:
    if url is None:
        problem = "none is set"
    else:
        problem = f"got {database_dialect(url) or 'no dialect'} ({mask_url_password(url)!r})"
    detail = InitErrorDetails(
        type=PydanticCustomError(
            "production_database",
            "the production profile needs a PostgreSQL database URL such as "
            "postgresql+psycopg://user@host:5432/jts; {problem}",
            {"problem": problem},
        ),
        loc=("database", "url"),
        input=mask_url_password(url) if url is not None else None,
    )
    return ValidationError.from_exception_data("Settings", [detail])


def _section(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A mutable copy of a section given as a mapping; None when given as a model (keep it)."""
    value = data.get(name, {})
    if isinstance(value, Mapping):
        copy = dict(value)
        data[name] = copy
        return copy
    return None


class Settings(BaseSettings):
    """Effective configuration of one JTS node (frozen; build a new one to change it)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        case_sensitive=False,
        extra="forbid",
        frozen=True,
        # pydantic's own error text would print the input, secrets included; our
        # `jts.config.errors` message decides what to echo.
        hide_input_in_errors=True,
    )

    profile: Annotated[Profile, BeforeValidator(lower_text)] = "embedded"
    data_dir: Annotated[Path, BeforeValidator(_data_dir)] = DEFAULT_DATA_DIR
    database: DatabaseConfig
    bus: BusConfig = BusConfig()
    logging: LoggingConfig = LoggingConfig()
    node: NodeConfig = NodeConfig()
    brokers: BrokersConfig = BrokersConfig()
    alerts: AlertsConfig = AlertsConfig()
    risk: RiskConfig = RiskConfig()
    routing: RoutingConfig = RoutingConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then ``JTS_*`` variables; no ``.env`` or secrets directory.

        A ``.env`` file picked up from whatever directory the process starts in would be a
        second, invisible configuration file; the TOML file is the one place for settings.
        """
        return (init_settings, env_settings)

    @model_validator(mode="before")
    @classmethod
    def _apply_profile_defaults(cls, data: Any) -> Any:
        """Fill the defaults that depend on the profile (and on ``data_dir``) where unset."""
        if not isinstance(data, Mapping):
            return data
        values = dict(data)
        profile = lower_text(values.get("profile", "embedded"))
        database = _section(values, "database")
        if profile == "production":
            for (section_name, key), default in PRODUCTION_DEFAULTS.items():
                section = _section(values, section_name)
                if section is not None:
                    section.setdefault(key, default)
            if database is not None and "url" not in database:
                raise _production_database_error(None)
        elif database is not None and "url" not in database:
            raw_dir = values.get("data_dir", DEFAULT_DATA_DIR)
            if not isinstance(raw_dir, str | Path) or not str(raw_dir).strip():
                raw_dir = DEFAULT_DATA_DIR  # data_dir's own error is reported, not a second one
            database["url"] = default_database_url(raw_dir)
        return values

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return absolute_dir(value)

    @model_validator(mode="after")
    def _check_production_database(self) -> Settings:
        if self.profile == "production" and self.database.dialect != "postgresql":
            raise _production_database_error(self.database.url)
        return self

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret as text: `SecretStr` values and passwords inside URLs.

        The log masker scrubs these from every line as a second line of defence, should one
        ever reach a log message despite being a `SecretStr`.
        """
        found: dict[str, None] = {}
        for value in _walk_values(self):
            if isinstance(value, SecretStr):
                text = value.get_secret_value()
                if text:
                    found[text] = None
            elif isinstance(value, str) and "://" in value:
                found.update(dict.fromkeys(url_password_values(value)))
        return tuple(found)


def _walk_values(model: BaseModel) -> Iterator[object]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _walk_values(value)
        else:
            yield value


def secret_paths(model: type[BaseModel] = Settings, prefix: str = "") -> frozenset[str]:
    """Dotted names of the `SecretStr` fields: their input is never echoed in an error."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        annotation = field.annotation
        if annotation is SecretStr:
            paths.add(dotted)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths |= secret_paths(annotation, f"{dotted}.")
    return frozenset(paths)
