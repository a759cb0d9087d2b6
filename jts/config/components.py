"""Per-component configuration: one frozen model per part of the system.

Each component (storage, bus, logging, a broker adapter) receives its own model and nothing
else, so a component cannot come to depend on settings it does not own, and a config object
handed to a component cannot be changed behind its back (all models are frozen). Unknown keys
are refused (``extra="forbid"``) because a typo such as ``databse.url`` would otherwise be
silently ignored and the default used.

Text choices (``bus.backend``, ``logging.format``...) are matched case-insensitively, since they
often arrive from environment variables typed by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from jts.config.urls import (
    check_database_url,
    check_redis_url,
    database_dialect,
    mask_url_password,
)
from jts.domain.identifiers import TraderId


def lower_text(value: object) -> object:
    """Before-validator for case-insensitive choices: text is stripped and lower-cased."""
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _trader_id(value: object) -> TraderId:
    if not isinstance(value, str):
        raise ValueError(f"trader id must be text such as 'JTS-001', got {type(value).__name__}")
    return TraderId(value)  # a ParseError is a ValueError: pydantic reports it under the key


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["console", "json"]
BusBackend = Literal["inprocess", "redis"]
#: ``all``: the whole node in one process; the others are one part of a split node each
#: (`jts.live.roles`), cooperating over the Redis bus.
NodeRole = Literal["all", "market-data", "strategy", "execution"]
KisEnv = Literal["paper", "real"]

_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
_KIS_ACCOUNT_RE: Final = re.compile(r"(\d{8})-?(\d{2})")


class ComponentConfig(BaseModel):
    """Base of the component configs: frozen, unknown keys refused, inputs kept out of
    pydantic's own error text (`jts.config.errors` decides what to echo)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class DatabaseConfig(ComponentConfig):
    """Where orders, fills and reference data are stored (a SQLAlchemy URL).

    The default (filled in by `jts.config.settings.Settings` from the profile) is a SQLite file
    under ``data_dir`` for the embedded profile; the production profile has no default and
    requires PostgreSQL.
    """

    url: str = Field(
        description="SQLAlchemy URL: sqlite:///path/jts.db or postgresql+psycopg://..."
    )
    #: PostgreSQL only. ``true`` (the default): a journal append returns once PostgreSQL has
    #: flushed it to its WAL on disk. ``false``: it returns before that flush, which takes the
    #: flush's wait (~0.2 to several ms a commit, twice per order) off the order path; a crash
    #: of the PostgreSQL *server* (or its machine) may then lose the last few hundred
    #: milliseconds of commits, the database staying consistent. A kill -9 of the node loses
    #: nothing either way. See docs/operations.md before turning it off.
    synchronous_commit: bool = Field(
        default=True,
        description="PostgreSQL: wait for the WAL flush on each commit (false: faster, may "
        "lose the last commits on a server crash)",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("synchronous_commit")
    @classmethod
    def _check_synchronous_commit(cls, value: bool, info: ValidationInfo) -> bool:
        url = info.data.get("url")
        if not value and url is not None and database_dialect(url) != "postgresql":
            raise ValueError(
                "false applies to PostgreSQL only; a SQLite journal commits with "
                "synchronous=NORMAL (safe against a crash of the node, not of the machine)"
            )
        return value

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return database_dialect(self.url)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "url", mask_url_password(self.url)
        yield "synchronous_commit", self.synchronous_commit


class BusConfig(ComponentConfig):
    """The message bus: in-process for one node, Redis Streams when components are split up."""

    backend: Annotated[BusBackend, BeforeValidator(lower_text)] = "inprocess"
    redis_url: str = "redis://127.0.0.1:6379/0"
    stream_prefix: str = Field(
        default="jts", description="prefix of every stream key, so several nodes can share Redis"
    )
    consumer_group: str = "jts"

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        return check_redis_url(value)

    @field_validator("stream_prefix", "consumer_group")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} must be 1-64 characters of letters, digits and _ . : - "
                "(starting with a letter or digit)"
            )
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_url_password(value) if name == "redis_url" else value


class LoggingConfig(ComponentConfig):
    """Log level and renderer: human-readable console lines, or JSON lines for collectors."""

    level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"
    format: Annotated[LogFormat, BeforeValidator(lower_text)] = "console"


class NodeConfig(ComponentConfig):
    """Identity of this trading node; it tags every order and event the node produces.

    ``role`` is the part of the node this process runs (``jts up --role`` overrides it), so a
    deployment can give each container its role through ``JTS_NODE__ROLE``.
    """

    trader_id: Annotated[
        TraderId, PlainValidator(_trader_id), PlainSerializer(str, return_type=str)
    ] = TraderId("JTS-001")
    role: Annotated[NodeRole, BeforeValidator(lower_text)] = "all"


def _kis_account(value: str) -> str:
    text = value.strip()
    if not text:
        return ""
    match = _KIS_ACCOUNT_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            "KIS account must be 8 digits, a dash and the 2-digit product code "
            f"(e.g. 12345678-01), got {text!r}"
        )
    return f"{match.group(1)}-{match.group(2)}"


class KisAccountConfig(ComponentConfig):
    """One more KIS account the node trades, with the app key KIS issued for it (``[[brokers.
    kis.accounts]]``): orders are routed between the accounts (``[routing]``)."""

    app_key: SecretStr
    app_secret: SecretStr
    account: Annotated[str, BeforeValidator(_kis_account)]

    @model_validator(mode="after")
    def _complete(self) -> KisAccountConfig:
        empty = [
            name
            for name, value in (
                ("app_key", self.app_key.get_secret_value()),
                ("app_secret", self.app_secret.get_secret_value()),
                ("account", self.account),
            )
            if not value
        ]
        if empty:
            raise ValueError(f"an extra KIS account needs {', '.join(empty)}")
        return self


class KisConfig(ComponentConfig):
    """Korea Investment & Securities Open API credentials.

    Paper and real trading use different app keys and accounts at KIS, so ``env`` says which
    kind these credentials are. Everything is empty by default: JTS runs without a broker.
    ``accounts`` adds accounts beyond the first, each with its own app key.
    """

    app_key: SecretStr = SecretStr("")
    app_secret: SecretStr = SecretStr("")
    account: Annotated[str, BeforeValidator(_kis_account)] = Field(
        default="", description="8-digit CANO + 2-digit product code: 12345678-01"
    )
    env: Annotated[KisEnv, BeforeValidator(lower_text)] = "paper"
    accounts: tuple[KisAccountConfig, ...] = ()

    @model_validator(mode="after")
    def _check_pair(self) -> KisConfig:
        has_key = bool(self.app_key.get_secret_value())
        has_secret = bool(self.app_secret.get_secret_value())
        if has_key != has_secret:
            missing = "app_secret" if has_key else "app_key"
            raise ValueError(f"app_key and app_secret go together; {missing} is empty")
        if self.accounts and not self.is_configured:
            raise ValueError("extra accounts need the first one: app_key, app_secret, account")
        names = [self.account, *(extra.account for extra in self.accounts)]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"an account is configured twice: {', '.join(twice)}")
        return self

    @property
    def is_configured(self) -> bool:
        """True when key, secret and account are all present (the adapter can log in)."""
        return bool(self.app_key.get_secret_value() and self.account)


class BrokersConfig(ComponentConfig):
    """Credentials per broker; a broker with empty credentials is simply not used."""

    kis: KisConfig = KisConfig()
