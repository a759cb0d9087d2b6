"""Assemble the settings from their layers and remember where each value came from.

Precedence, lowest to highest: defaults (built-in, then the profile's), the TOML file, ``JTS_*``
environment variables, command-line overrides. The layers are merged here, explicitly, rather
than inside pydantic-settings, for two reasons: the file's path is only known at run time (a
``--config`` option), and `jts config show` and every error message can then say which layer a
value came from.

Which file: ``--config PATH``, else ``$JTS_CONFIG``, else ``./jts.toml`` when it exists, else
none. A file that is named explicitly but missing is an error; a missing ``./jts.toml`` is not.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError

from jts.config.errors import PREFIX, UNKNOWN_KEY, config_error
from jts.config.settings import (
    ENV_NESTED_DELIMITER,
    ENV_PREFIX,
    PRODUCTION_DEFAULTS,
    Settings,
    secret_paths,
)
from jts.core.errors import ConfigError

CONFIG_ENV_VAR: Final = "JTS_CONFIG"
DEFAULT_CONFIG_FILE: Final = Path("jts.toml")

_TOML_POSITION: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END: Final = re.compile(r"\s*\(at end of document\)\s*$")


@dataclass(frozen=True, slots=True)
class Override:
    """One value set on the command line: ``Override("logging.level", "DEBUG", "--log-level")``."""

    key: str
    value: object
    source: str


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """The settings plus, per dotted key, a label of the layer its value came from."""

    settings: Settings
    sources: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None


def locate_config_file(
    explicit: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The file to read, or None; an explicitly named file must exist."""
    env = os.environ if environ is None else environ
    named = explicit if explicit is not None else env.get(CONFIG_ENV_VAR) or None
    if named is not None:
        path = Path(named).expanduser()
        how = "--config" if explicit is not None else f"${CONFIG_ENV_VAR}"
        if not path.is_file():
            reason = "is a directory" if path.is_dir() else "does not exist"
            raise ConfigError(f"{PREFIX}config file {path} (from {how}) {reason}")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file, line and column."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{PREFIX}cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{PREFIX}{path}: not UTF-8 text (byte {exc.start}); TOML files must be UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        where = ""
        if match := _TOML_POSITION.search(reason):
            reason = reason[: match.start()]
            where = f" line {match.group(1)}, column {match.group(2)}:"
        elif match := _TOML_END.search(reason):
            reason = reason[: match.start()]
            where = f" line {text.count(chr(10)) + 1} (end of file):"
        raise ConfigError(f"{PREFIX}{path}:{where} invalid TOML: {reason}") from None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, anything else in ``top`` replaces ``base``."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = _merge(dict(below), value)
        else:
            merged[key] = value
    return merged


def _nest(key: str, value: object) -> dict[str, Any]:
    head, _, rest = key.partition(".")
    return {head: _nest(rest, value) if rest else value}


def _read_environment() -> dict[str, Any]:
    try:
        return EnvSettingsSource(Settings)()
    except SettingsError as exc:
        raise ConfigError(f"{PREFIX}environment: {exc}") from None


def env_var_name(key: str) -> str:
    """``database.url`` -> ``JTS_DATABASE__URL``."""
    return ENV_PREFIX + ENV_NESTED_DELIMITER.join(key.split(".")).upper()


class _Layers:
    """Answers "which layer set this key?" for sources and error messages."""

    def __init__(
        self,
        file_values: Mapping[str, Any],
        file_path: Path | None,
        env_values: Mapping[str, Any],
        overrides: Sequence[Override],
    ) -> None:
        self._file = _flatten(file_values)
        self._file_path = file_path
        self._env = _flatten(env_values)
        self._overrides = {o.key: o.source for o in overrides}
        self._env_names = {name.upper() for name in os.environ}

    @staticmethod
    def _covers(flat: Mapping[str, Any], key: str) -> bool:
        """The key itself, a table above it (set as a whole) or a key below it is present."""
        if key in flat:
            return True
        parts = key.split(".")
        if any(".".join(parts[:i]) in flat for i in range(1, len(parts))):
            return True
        return any(name.startswith(key + ".") for name in flat)

    def _env_label(self, key: str) -> str:
        parts = key.split(".")
        for i in range(len(parts), 0, -1):
            name = env_var_name(".".join(parts[:i]))
            if name in self._env_names:
                return f"env {name}"
        return f"env {env_var_name(key)}__*"  # set through keys below it

    def explicit(self, key: str) -> str | None:
        """The label of the highest layer that set ``key``, or None for a default."""
        if key in self._overrides:
            return f"option {self._overrides[key]}"
        if self._covers(self._env, key):
            return self._env_label(key)
        if self._covers(self._file, key):
            return f"file {self._file_path}"
        return None

    def label(self, key: str, profile: str) -> str:
        found = self.explicit(key)
        if found is not None:
            return found
        section, _, name = key.partition(".")
        if profile == "production" and (section, name) in PRODUCTION_DEFAULTS:
            return "default (production profile)"
        if key == "database.url" and profile == "embedded":
            return "default (SQLite file under data_dir)"
        return "default"


def load_config(
    config_file: str | Path | None = None, overrides: Sequence[Override] = ()
) -> LoadedConfig:
    """Read file, environment and overrides; validate once; raise `ConfigError` when invalid."""
    path = locate_config_file(config_file)
    file_values = read_config_file(path) if path is not None else {}
    env_values = _read_environment()
    merged = _merge(file_values, env_values)
    for override in overrides:
        merged = _merge(merged, _nest(override.key, override.value))
    layers = _Layers(file_values, path, env_values, overrides)
    for key in merged:
        # pydantic-settings silently drops keys named like its options (_secrets_dir...).
        if key.startswith("_"):
            raise ConfigError(f"{PREFIX}{key}: {UNKNOWN_KEY} (from {layers.explicit(key)})")
    try:
        # model_validate, not Settings(**merged): the environment is already merged in, and
        # keyword arguments named like pydantic-settings options (_env_file...) must stay data.
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise config_error(exc, layers.explicit, secret_paths()) from None
    effective = _flatten(settings.model_dump(mode="json"))
    sources = {key: layers.label(key, settings.profile) for key in effective}
    return LoadedConfig(settings=settings, sources=sources, config_file=path)


def load_settings(config_file: str | Path | None = None) -> Settings:
    """The validated settings for ``config_file`` (or the default file) plus the environment."""
    return load_config(config_file).settings
