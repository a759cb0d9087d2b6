"""Strategy state file: round trip, atomic replace, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jts.kernel.strategy.strategy import Strategy
from jts.live.state import StrategyStateError, StrategyStateFile


class _Counter(Strategy):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count = 0
        self.loaded: dict[str, Any] | None = None

    def on_save(self) -> dict[str, Any]:
        return {"count": self.count}

    def on_load(self, state) -> None:
        self.loaded = dict(state)
        self.count = int(state["count"])


def test_saved_state_is_restored_by_strategy_id(tmp_path: Path) -> None:
    store = StrategyStateFile(tmp_path)
    a, b = _Counter(strategy_id="S-A"), _Counter(strategy_id="S-B")
    a.count = 7
    store.save([a, b])
    fresh_a, fresh_c = _Counter(strategy_id="S-A"), _Counter(strategy_id="S-C")
    assert store.restore([fresh_a, fresh_c]) == ["S-A"]
    assert fresh_a.count == 7
    assert fresh_c.loaded is None
    assert not store.path.with_suffix(".tmp").exists()


def test_no_file_means_no_state(tmp_path: Path) -> None:
    assert StrategyStateFile(tmp_path).load() == {}


def test_a_corrupt_file_is_refused_with_its_name(tmp_path: Path) -> None:
    store = StrategyStateFile(tmp_path)
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StrategyStateError, match=r"strategy-state\.json"):
        store.load()
    store.path.write_text('{"S-A": 3}', encoding="utf-8")
    with pytest.raises(StrategyStateError, match="map strategy ids"):
        store.load()


def test_state_that_is_not_json_is_refused_and_the_old_file_kept(tmp_path: Path) -> None:
    store = StrategyStateFile(tmp_path)
    good = _Counter(strategy_id="S-A")
    good.count = 1
    store.save([good])

    class _Bad(Strategy):
        def on_save(self) -> dict[str, Any]:
            return {"x": object()}

    with pytest.raises(StrategyStateError, match="JSON"):
        store.save([_Bad(strategy_id="S-X")])
    assert store.load() == {"S-A": {"count": 1}}
