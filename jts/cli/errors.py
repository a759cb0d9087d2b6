"""How a failing command ends: one clear line on stderr and a non-zero exit, no traceback.

An operator who typed a wrong database URL needs the key and the reason, not forty lines of
stack. ``--debug`` (or ``JTS_DEBUG=1``) lets the exception propagate, so the traceback is
there when a developer needs it. Every line shown is passed through the secret masker first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import typer
from typer.core import TyperGroup

from jts.cli.state import CliState
from jts.config import mask_url_password
from jts.core.errors import ConfigError, JtsError

EXIT_FAILURE: Final = 1
#: sysexits.h EX_CONFIG: service managers can tell "fix the config" from "try again later".
EXIT_CONFIG: Final = 78
DEBUG_ENV_VAR: Final = "JTS_DEBUG"


#: Usage errors and the like, which the CLI framework reports itself. Found through a public
#: subclass because typer keeps it in ``click`` or, since it vendors click, in a private module.
_CLICK_EXCEPTION: Final[type[BaseException]] = next(
    cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException"
)
_FRAMEWORK: Final[tuple[type[BaseException], ...]] = (_CLICK_EXCEPTION, typer.Exit, typer.Abort)


class CommandError(JtsError):
    """A command could not do its job for a reason outside JTS (database down, disk full)."""


def describe(exc: BaseException) -> str:
    """The one-line text for an error: ours as written, anything else with its type."""
    if isinstance(exc, JtsError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def exit_code(exc: BaseException) -> int:
    return EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_FAILURE


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn driver and OS errors from touching the database into one `CommandError` line."""
    import sqlalchemy.exc  # noqa: PLC0415 - only commands that touch the database pay for it

    shown = mask_url_password(url)
    try:
        yield
    except sqlalchemy.exc.DBAPIError as exc:
        reason = describe(exc.orig) if exc.orig is not None else describe(exc)
        raise CommandError(f"database {shown}: {reason}") from exc
    except ModuleNotFoundError as exc:
        hint = " (install it: pip install 'jts[postgres]')" if "psycopg" in str(exc) else ""
        raise CommandError(f"database {shown}: driver not installed: {exc.name}{hint}") from exc
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise CommandError(f"database {shown}:{where} {exc.strerror or exc}") from exc


class JtsGroup(TyperGroup):
    """The top-level group: catches what a command raised and reports it in one line."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _FRAMEWORK:
            raise
        except Exception as exc:
            state = ctx.find_object(CliState)
            if state is not None and state.debug:  # --debug or JTS_DEBUG=1
                raise
            line = describe(exc)
            if state is not None:
                line = state.masker().mask_text(line)
            prefix = "" if isinstance(exc, ConfigError) else "error: "
            typer.echo(f"jts: {prefix}{line}", err=True)
            raise typer.Exit(exit_code(exc)) from None
