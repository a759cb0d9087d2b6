"""``jts config show``: the effective configuration, secrets masked, with each value's source."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from jts.cli.state import state_of
from jts.config import LoadedConfig, masked_values, to_json, to_toml


class OutputFormat(enum.StrEnum):
    TOML = "toml"
    JSON = "json"


def render_config(loaded: LoadedConfig, fmt: OutputFormat, sources: bool) -> str:
    """The masked configuration as TOML (sources as trailing comments) or JSON."""
    values = masked_values(loaded.settings)
    if fmt is OutputFormat.JSON:
        return to_json(values, loaded.sources if sources else None)
    header = f"# config file: {loaded.config_file or 'none'}\n"
    return header + to_toml(values, loaded.sources if sources else None)


def show(
    ctx: typer.Context,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="toml (default) or json")
    ] = OutputFormat.TOML,
    sources: Annotated[
        bool | None,
        typer.Option(
            "--sources/--no-sources",
            help="say where each value came from (default: on for toml, off for json)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the effective configuration; secrets are always masked."""
    loaded = state_of(ctx).load()
    with_sources = sources if sources is not None else fmt is OutputFormat.TOML
    typer.echo(render_config(loaded, fmt, with_sources), nl=False)


def build() -> typer.Typer:
    group = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
    group.command("show")(show)
    return group
