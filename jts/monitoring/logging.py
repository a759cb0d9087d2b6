"""Structured logging: structlog in front, the standard library's `logging` underneath.

Our code logs through structlog (``get_logger(__name__).info("order_submitted", id=...)``);
libraries and our own bus backends log through the standard library. Both reach one handler on
the root logger whose `structlog.stdlib.ProcessorFormatter` renders every record the same way:
human-readable console lines by default, one JSON object per line for log collectors
(``fmt="json"``, the production profile's default). Rendering happens once, at the handler, so a
third-party record and one of ours look alike and carry the same timestamp format (ISO-8601 UTC).

Secrets are `SecretStr` and never formatted into messages; as a second line of defence the
formatter masks every configured secret value (``configure_logging(secrets=...)``) in the event
fields before rendering and in the rendered line afterwards, which also covers an object's repr
or a traceback that happened to contain one. Values shorter than `MIN_SECRET_LENGTH` are not
masked: they cannot be told apart from ordinary text and would blank out random letters.

`configure_logging` is idempotent: calling it again (a CLI command after the global options, a
test) replaces the handler it installed before instead of adding a second one.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any, Final, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from jts.core.errors import ConfigError

LogFormat = Literal["console", "json"]

SECRET_MASK: Final = "**********"  # noqa: S105 - the mask, not a password
MIN_SECRET_LENGTH: Final = 4
LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: Library loggers whose INFO lines are start-up chatter, not events: raised to WARNING unless
#: the configured level is DEBUG.
CHATTY_LOGGERS: Final = ("alembic.runtime.plugins",)
FORMATS: Final = ("console", "json")


class SecretMasker:
    """Processor replacing configured secret values with ``**********``.

    Accepts an event dict (masks string values, nested ones included) or, placed after the
    renderer, the rendered line. Each secret is also matched in its JSON- and repr-escaped
    spelling, the forms in which renderers write strings.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                forms.update((secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]))
        # Longest first, so a secret containing another is masked whole.
        self._forms = tuple(sorted(forms, key=len, reverse=True))

    def mask_text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, SECRET_MASK)
        return text

    def _mask(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, dict):
            return {key: self._mask(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._mask(item) for item in value)
        return value

    def __call__(
        self, logger: WrappedLogger, method_name: str, event: EventDict | str
    ) -> EventDict | str:
        if not self._forms:
            return event
        if isinstance(event, str):
            return self.mask_text(event)
        for key, value in event.items():
            event[key] = self._mask(value)
        return event


class _JtsHandler(logging.Handler):
    """Writes formatted records to a stream; without one, to whatever ``sys.stderr`` is *now*.

    Looking ``sys.stderr`` up per record (as `logging.lastResort` does) keeps logging working
    when a test runner or ``CliRunner`` swaps the stream after configuration.
    """

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = self._stream if self._stream is not None else sys.stderr
            stream.write(line + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def _check(level: str, fmt: str) -> str:
    name = level.strip().upper() if isinstance(level, str) else level
    if name not in LEVELS:
        raise ConfigError(f"config error: logging.level: must be one of {LEVELS}, got {level!r}")
    if fmt not in FORMATS:
        raise ConfigError(f"config error: logging.format: must be one of {FORMATS}, got {fmt!r}")
    return name


def configure_logging(
    level: str = "INFO",
    fmt: LogFormat = "console",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Route structlog and standard-library logging through one renderer on the root logger.

    ``stream`` defaults to the current ``sys.stderr`` (looked up per record), keeping standard
    output free for command results.
    """
    level_name = _check(level, fmt)
    masker = SecretMasker(secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
        # Tracebacks as data; local variables left out, they are where credentials sit.
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
    else:
        colors = _is_tty(stream if stream is not None else sys.stderr)
        renderer = structlog.dev.ConsoleRenderer(
            colors=colors,
            exception_formatter=(
                structlog.dev.RichTracebackFormatter(show_locals=False)
                if colors
                else structlog.dev.plain_traceback
            ),
        )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            masker,
            renderer,
            masker,  # again on the rendered line: reprs and tracebacks
        ],
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a later configure_logging call must reach loggers already handed out.
        cache_logger_on_first_use=False,
    )
    handler = _JtsHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _JtsHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level_name)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if level_name == "DEBUG" else "WARNING")
    logging.captureWarnings(True)


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        return False


def get_logger(name: str | None = None, **initial: Any) -> structlog.stdlib.BoundLogger:
    """A structlog logger bound to the standard-library logger ``name``."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name, **initial)
    return logger
