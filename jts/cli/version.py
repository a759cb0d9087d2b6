"""``jts version``: what is running, for bug reports."""

from __future__ import annotations

import platform
import sys

import typer

import jts


def version_lines() -> list[str]:
    """Package version, Python and platform, one per line."""
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return [
        f"jts {jts.__version__}",
        f"python {python} ({sys.executable})",
        f"platform {platform.platform()}",
    ]


def version() -> None:
    """Show the JTS version, the Python running it and the platform."""
    for line in version_lines():
        typer.echo(line)
