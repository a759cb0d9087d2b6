"""Every config test starts in an empty directory with no JTS_* settings in the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Variables the test harness itself uses; they are not settings and may stay.
_HARNESS = ("JTS_REQUIRE_SERVICES", "JTS_TEST_")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.upper().startswith("JTS_") and not name.upper().startswith(_HARNESS):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path
