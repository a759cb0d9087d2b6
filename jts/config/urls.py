"""Connection URLs in the configuration: which ones JTS accepts, and how to show them safely.

Database and Redis URLs may carry a password (``postgresql://jts:s3cret@db/jts``). They stay
plain strings, because the storage and bus adapters need them verbatim, but every place that
shows a URL to a person (repr, ``jts config show``, start-up summaries, logs) goes through
`mask_url_password`, and the password joins the secret values the log masker scrubs.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import SplitResult, unquote, urlsplit

MASK: Final = "***"

#: SQLAlchemy ``dialect[+driver]`` names the storage layer is built and tested for: the
#: standard-library sqlite3 module and psycopg 3 (what ``jts.storage.engine`` accepts).
DATABASE_DRIVERS: Final = {"sqlite": ("", "pysqlite"), "postgresql": ("", "psycopg")}
DATABASE_DIALECTS: Final = tuple(DATABASE_DRIVERS)
REDIS_SCHEMES: Final = ("redis", "rediss", "unix")


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None


def database_dialect(url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql``; empty text when there is no scheme."""
    scheme = url.partition("://")[0] if "://" in url else ""
    return scheme.partition("+")[0].lower()


def check_database_url(url: str) -> str:
    """Accept a SQLAlchemy URL for a supported dialect; refuse anything else with the reason.

    Raises ``ValueError`` so pydantic reports it under the field's dotted name.
    """
    text = url.strip()
    if not text:
        raise ValueError(
            "no database URL is set; give one such as sqlite:///var/jts.db or "
            "postgresql+psycopg://user@host:5432/jts"
        )
    dialect = database_dialect(text)
    if not dialect:
        shown = mask_url_password(text)
        raise ValueError(f"not a database URL (expected dialect://...): {shown!r}")
    if dialect not in DATABASE_DIALECTS:
        raise ValueError(
            f"unsupported database {dialect!r}; JTS supports {' and '.join(DATABASE_DIALECTS)}"
        )
    driver = text.partition("://")[0].partition("+")[2].lower()
    if driver not in DATABASE_DRIVERS[dialect]:
        supported = " or ".join(
            f"{dialect}+{name}" if name else dialect for name in DATABASE_DRIVERS[dialect]
        )
        raise ValueError(f"unsupported driver {driver!r} for {dialect}; use {supported}")
    if _split(text) is None:
        raise ValueError(f"malformed database URL: {mask_url_password(text)!r}")
    return text


def check_redis_url(url: str) -> str:
    """Accept ``redis://``, ``rediss://`` (TLS) and ``unix://`` URLs with a location."""
    text = url.strip()
    parts = _split(text)
    if parts is None or parts.scheme.lower() not in REDIS_SCHEMES:
        raise ValueError(
            f"not a Redis URL (expected redis://host:port/db, rediss://... or unix://...): "
            f"{mask_url_password(text)!r}"
        )
    if parts.scheme.lower() == "unix":
        if not parts.path:
            raise ValueError(f"a unix:// Redis URL needs a socket path: {text!r}")
    elif not parts.hostname:
        raise ValueError(f"Redis URL has no host: {mask_url_password(text)!r}")
    return text


def mask_url_password(url: str) -> str:
    """The URL with its password replaced by ``***`` (user, host and path stay readable)."""
    parts = _split(url)
    if parts is None or parts.password is None:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:{MASK}@{hostinfo}").geturl()


def url_password_values(url: str) -> tuple[str, ...]:
    """The password of a URL as written and percent-decoded (both can end up in a log line)."""
    parts = _split(url)
    if parts is None or not parts.password:
        return ()
    raw = parts.password
    decoded = unquote(raw)
    return (raw,) if decoded == raw else (raw, decoded)
