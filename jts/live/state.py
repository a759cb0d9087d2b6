"""Strategy state across restarts: what each strategy's `on_save` returned, in one JSON file.

A file under the data dir rather than a table: the state is small, opaque to JTS, written on a
timer and at shutdown, and must be replaced atomically (write a temporary file, then rename),
which a file does with no schema of its own. Orders and positions never live here: they are
rebuilt from the journal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jts.core.errors import StateError
from jts.kernel.strategy.strategy import Strategy

__all__ = ["StrategyStateError", "StrategyStateFile"]

STATE_FILE = "strategy-state.json"


class StrategyStateError(StateError):
    """The strategy state file cannot be read or a strategy's state cannot be encoded."""


class StrategyStateFile:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STATE_FILE

    def load(self) -> dict[str, dict[str, Any]]:
        """Saved state by strategy id; empty when nothing was saved yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StrategyStateError(f"cannot read {self.path}: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StrategyStateError(f"{self.path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise StrategyStateError(f"{self.path} must map strategy ids to objects")
        return data

    def restore(self, strategies: Iterable[Strategy]) -> list[str]:
        """Hand each strategy its saved state (before `on_start`); returns who got some."""
        saved = self.load()
        restored = []
        for strategy in strategies:
            state: Mapping[str, Any] | None = saved.get(str(strategy.id))
            if state:
                strategy.on_load(state)
                restored.append(str(strategy.id))
        return restored

    def save(self, strategies: Iterable[Strategy]) -> None:
        """Write every strategy's `on_save` at once, replacing the file atomically."""
        data = {str(s.id): s.on_save() for s in strategies}
        try:
            text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise StrategyStateError(f"strategy state is not JSON-compatible: {exc}") from exc
        temporary = self.path.with_suffix(".tmp")
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:
            raise StrategyStateError(f"cannot write {self.path}: {exc}") from exc
