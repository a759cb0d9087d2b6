"""What the global options hand to every command: where the config is, and how to log.

The settings are loaded on first use, not in the global callback, so ``jts --help`` and
``jts version`` work even when the configuration is broken, and a broken configuration is
reported by the command that needed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import typer

from jts.config import LoadedConfig, Override, load_config
from jts.monitoring.logging import SecretMasker, configure_logging


@dataclass
class CliState:
    """Global options of one ``jts`` invocation (stored as the click context object)."""

    config_file: Path | None = None
    log_level: str | None = None
    log_format: str | None = None
    debug: bool = False
    _loaded: LoadedConfig | None = field(default=None, repr=False, init=False)

    def overrides(self) -> list[Override]:
        """Command-line options that override a setting (the highest layer)."""
        found = []
        if self.log_level is not None:
            found.append(Override("logging.level", self.log_level, "--log-level"))
        if self.log_format is not None:
            found.append(Override("logging.format", self.log_format, "--log-format"))
        return found

    def load(self, extra: Sequence[Override] = ()) -> LoadedConfig:
        """Load and validate the settings once, then configure logging from them; ``extra``
        are a command's own overrides (``jts up --profile``), above the global ones."""
        if self._loaded is None:
            loaded = load_config(self.config_file, [*self.overrides(), *extra])
            log = loaded.settings.logging
            configure_logging(log.level, log.format, secrets=loaded.settings.secret_values())
            self._loaded = loaded
        return self._loaded

    def masker(self) -> SecretMasker:
        """Masks configured secrets in text shown to the user (error lines included)."""
        secrets = self._loaded.settings.secret_values() if self._loaded is not None else ()
        return SecretMasker(secrets)


def state_of(ctx: typer.Context) -> CliState:
    """The state the global callback stored, or defaults when a command runs on its own."""
    found = ctx.find_object(CliState)
    if found is None:
        found = CliState()
        ctx.obj = found
    return found
