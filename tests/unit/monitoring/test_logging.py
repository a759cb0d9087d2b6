"""structlog + stdlib logging through one renderer; JSON lines; idempotence; secret masking."""

from __future__ import annotations

import io
import json
import logging
import warnings

import pytest

from jts.core.errors import ConfigError
from jts.monitoring.logging import (
    SECRET_MASK,
    SecretMasker,
    configure_logging,
    get_logger,
)

SECRET = "kis-app-secret-0123456789"


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_from_structlog_and_stdlib() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    get_logger("jts.test").info("order_submitted", qty=10, price="71000")
    logging.getLogger("thirdparty").warning("disk at %d%%", 91)
    first, second = json_lines(out)
    assert first["event"] == "order_submitted"
    assert first["qty"] == 10
    assert first["price"] == "71000"
    assert first["level"] == "info"
    assert first["logger"] == "jts.test"
    assert str(first["timestamp"]).endswith("Z")
    assert second == {
        "event": "disk at 91%",
        "level": "warning",
        "logger": "thirdparty",
        "timestamp": second["timestamp"],
    }


def test_console_format_is_human_readable() -> None:
    out = io.StringIO()
    configure_logging("INFO", "console", stream=out)
    get_logger("jts.test").info("started", node="JTS-001")
    logging.getLogger("lib").error("plain stdlib")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "started" in lines[0]
    assert "node=JTS-001" in lines[0]
    assert "[info" in lines[0]
    assert "plain stdlib" in lines[1]
    assert "[error" in lines[1]
    assert "\x1b[" not in out.getvalue()  # no colours on a non-terminal
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])


def test_level_filters_both_kinds_of_loggers() -> None:
    out = io.StringIO()
    configure_logging("WARNING", "json", stream=out)
    get_logger("a").info("hidden")
    logging.getLogger("b").info("hidden too")
    get_logger("a").warning("shown")
    assert [line["event"] for line in json_lines(out)] == ["shown"]


def test_configure_is_idempotent_and_the_last_call_wins() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("INFO", "console", stream=first)
    configure_logging("DEBUG", "json", stream=second)
    configure_logging("DEBUG", "json", stream=second)
    logger = get_logger("x")
    logger.debug("once")
    assert first.getvalue() == ""
    assert [line["event"] for line in json_lines(second)] == ["once"]
    ours = [h for h in logging.getLogger().handlers if type(h).__name__ == "_JtsHandler"]
    assert len(ours) == 1


def test_logger_obtained_before_reconfiguration_follows_it() -> None:
    out = io.StringIO()
    configure_logging("INFO", "console", stream=io.StringIO())
    early = get_logger("early")
    early.info("warm up")
    configure_logging("INFO", "json", stream=out)
    early.info("after")
    assert json_lines(out)[0]["event"] == "after"


def test_default_stream_is_the_current_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    get_logger("x").info("to stderr")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["event"] == "to stderr"


def test_warnings_are_routed_through_logging() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("careful", UserWarning, stacklevel=1)
    (line,) = json_lines(out)
    assert line["logger"] == "py.warnings"
    assert "careful" in str(line["event"])


def test_exceptions_are_rendered_as_data_in_json() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    try:
        raise RuntimeError("broker down")
    except RuntimeError:
        get_logger("x").exception("failed")
    (line,) = json_lines(out)
    exc = line["exception"]
    assert isinstance(exc, list)
    assert exc[0]["exc_type"] == "RuntimeError"
    assert "locals" not in exc[0]["frames"][0]


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_configured_secrets_are_masked_everywhere(fmt: str) -> None:
    out = io.StringIO()
    configure_logging("DEBUG", fmt, secrets=[SECRET], stream=out)  # type: ignore[arg-type]
    log = get_logger("jts.leaky")
    log.info(f"token {SECRET}", header={"appsecret": SECRET}, items=[SECRET])
    log.info("object", obj=type("Leaky", (), {"__repr__": lambda _self: SECRET})())
    logging.getLogger("lib").debug("sent %s", SECRET)
    try:
        raise ValueError(f"bad secret {SECRET}")
    except ValueError:
        log.exception("boom")
        logging.getLogger("lib").exception("stdlib boom")
    text = out.getvalue()
    assert SECRET not in text
    assert text.count(SECRET_MASK) >= 7


def test_masker_matches_escaped_spellings_and_ignores_short_values() -> None:
    tricky = 'quo"te\\back'
    masker = SecretMasker([tricky, "abc", ""])
    assert masker.mask_text(json.dumps({"v": tricky})) == json.dumps({"v": SECRET_MASK})
    assert masker.mask_text(repr(tricky)) == repr(SECRET_MASK)
    assert masker.mask_text("abc abc") == "abc abc"  # too short to tell from text


def test_masker_masks_a_longer_secret_whole() -> None:
    masker = SecretMasker(["abcd", "abcdefgh"])
    assert masker.mask_text("x abcdefgh y") == f"x {SECRET_MASK} y"


def test_masker_processor_on_event_dicts() -> None:
    masker = SecretMasker([SECRET])
    event = {"event": "e", "nested": {"k": (SECRET, 1)}, "n": 5}
    assert masker(None, "info", event) == {
        "event": "e",
        "nested": {"k": (SECRET_MASK, 1)},
        "n": 5,
    }


@pytest.mark.parametrize(("level", "fmt"), [("LOUD", "json"), ("INFO", "xml")])
def test_bad_level_or_format(level: str, fmt: str) -> None:
    with pytest.raises(ConfigError, match="config error: logging"):
        configure_logging(level, fmt)  # type: ignore[arg-type]


def test_level_name_is_case_insensitive() -> None:
    configure_logging("debug", "json", stream=io.StringIO())
    assert logging.getLogger().level == logging.DEBUG


def test_library_chatter_is_quiet_unless_debugging() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    logging.getLogger("alembic.runtime.plugins").info("setup plugin x")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade")
    assert [line["event"] for line in json_lines(out)] == ["Running upgrade"]
    configure_logging("DEBUG", "json", stream=out)
    logging.getLogger("alembic.runtime.plugins").info("setup plugin y")
    assert json_lines(out)[-1]["event"] == "setup plugin y"
