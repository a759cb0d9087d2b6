"""The package's public names, and a settings import that stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jts.adapters import notify


def test_every_public_name_resolves() -> None:
    for name in notify.__all__:
        assert getattr(notify, name) is not None
    assert set(dir(notify)) >= set(notify.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = notify.Nope


def test_importing_the_config_does_not_load_the_channels() -> None:
    """The settings model imports the config on every command; the HTTP client is not needed."""
    code = (
        "import sys, jts.adapters.notify.config\n"
        "print(sorted(m for m in ('httpx', 'jts.adapters.notify.dispatcher', "
        "'jts.adapters.notify.telegram', 'smtplib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
