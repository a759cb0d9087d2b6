"""`settled_heap`: start-up's objects frozen out of collections while the node trades."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from jts.live.heap import settled_heap


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_what_exists_is_frozen_for_the_block_and_thawed_after() -> None:
    kept = [object() for _ in range(10)]
    thresholds = gc.get_threshold()
    with settled_heap() as frozen:
        assert frozen > 0
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0
    assert kept


def test_a_heap_frozen_before_stays_frozen() -> None:
    gc.freeze()
    before = gc.get_freeze_count()
    with settled_heap():
        assert gc.get_freeze_count() >= before
    assert gc.get_freeze_count() >= before


def test_thawed_even_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), settled_heap():
        raise RuntimeError("node failed")
    assert gc.get_freeze_count() == 0
