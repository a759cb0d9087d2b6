"""The installed ``jts up`` in a subprocess, exactly as ``make run`` calls it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from jts.domain.reference import load_reference_instruments

REFERENCE = load_reference_instruments()


def stored_by_venue(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT venue, COUNT(*) FROM instruments GROUP BY venue").fetchall()
    return dict(rows)


@pytest.mark.slow
def test_installed_command_end_to_end(isolated: Path) -> None:
    """The console script as `make run` calls it, in a fresh directory, twice."""
    jts = Path(sys.executable).with_name("jts")
    assert jts.is_file(), f"the jts console script is not installed next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("JTS_")}
    runs = [
        subprocess.run(
            [str(jts), "up", "--prepare-only"],
            cwd=isolated,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,  # the return code is asserted below, with stderr in the message
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert "JTS is up: profile embedded" in run.stdout
    db = isolated / "var" / "jts.db"
    assert db.is_file()
    assert stored_by_venue(db) == Counter(str(i.id.venue) for i in REFERENCE)
    with sqlite3.connect(db) as conn:
        ids = {row[0] for row in conn.execute("SELECT instrument_id FROM instruments")}
    assert ids == {str(i.id) for i in REFERENCE}
    assert "Running upgrade" in runs[0].stderr  # the first run created the schema...
    assert "Running upgrade" not in runs[1].stderr  # ...the second found it current
