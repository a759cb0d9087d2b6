"""``jts dsl``: check and format strategy DSL files (docs/dsl.md).

``check`` reports every syntax and type error with file, line, column and a caret, and exits 1
when there is any; ``fmt`` prints the canonical form (``--write`` rewrites the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def check(
    file: Annotated[Path, typer.Argument(help="a .jts strategy file", dir_okay=False)],
) -> None:
    """Report every error in FILE (exit 1 if there is any)."""
    from jts.dsl import check_file, format_diagnostics  # noqa: PLC0415 - lark loads lazily

    diagnostics = check_file(file)
    if diagnostics:
        typer.echo(format_diagnostics(diagnostics), err=True)
        raise typer.Exit(1)
    typer.echo(f"{file}: ok")


def fmt(
    file: Annotated[Path, typer.Argument(help="a .jts strategy file", dir_okay=False)],
    write: Annotated[bool, typer.Option("--write", "-w", help="rewrite FILE in place")] = False,
) -> None:
    """Print FILE in canonical form."""
    from jts.dsl import DslError, format_file  # noqa: PLC0415

    try:
        text = format_file(file)
    except DslError as exc:
        typer.echo(exc.format(), err=True)
        raise typer.Exit(1) from None
    if write:
        file.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def build() -> typer.Typer:
    app = typer.Typer(help="Check and format strategy DSL files.", no_args_is_help=True)
    app.command("check")(check)
    app.command("fmt")(fmt)
    return app
