"""Turn pydantic's validation report into one `ConfigError` a person can act on.

pydantic's own text spans several lines per problem and links to its website; an operator
starting a node needs the key, the reason and where the bad value came from:
``config error: database.url: unsupported database 'mysql'; ... (from env JTS_DATABASE__URL)``.
Values of secret keys are never echoed, and URLs are shown with their password masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from jts.config.urls import mask_url_password
from jts.core.errors import ConfigError

PREFIX: Final = "config error: "

UNKNOWN_KEY: Final = "unknown key; check the spelling against `jts config show`"

#: Error types whose message already says what the value was (our own validators).
_SELF_DESCRIBING: Final = frozenset({"value_error", "assertion_error", "production_database"})


def dotted(loc: Iterable[int | str]) -> str:
    """``("brokers", "kis", "app_key")`` -> ``brokers.kis.app_key``."""
    return ".".join(str(part) for part in loc)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return UNKNOWN_KEY
    if kind == "missing":
        return "required, and has no default"
    message = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _shown_input(value: Any) -> str | None:
    if isinstance(value, str):
        return repr(mask_url_password(value))
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return None  # tables and lists would drown the message


def format_error(
    error: ErrorDetails, source_of: Callable[[str], str | None], secrets: frozenset[str]
) -> str:
    """One problem as ``key: reason (got value; from source)``."""
    key = dotted(error["loc"]) or "(top level)"
    parts = []
    if error["type"] not in _SELF_DESCRIBING and key not in secrets:
        shown = _shown_input(error.get("input"))
        if shown is not None:
            parts.append(f"got {shown}")
    source = source_of(key)
    if source is not None:
        parts.append(f"from {source}")
    suffix = f" ({'; '.join(parts)})" if parts else ""
    return f"{key}: {_message(error)}{suffix}"


def config_error(
    exc: ValidationError,
    source_of: Callable[[str], str | None] = lambda _key: None,
    secrets: frozenset[str] = frozenset(),
) -> ConfigError:
    """Every problem in ``exc`` on one line, separated by ``; ``, prefixed ``config error:``."""
    problems = [format_error(error, source_of, secrets) for error in exc.errors()]
    return ConfigError(PREFIX + "; ".join(problems))
