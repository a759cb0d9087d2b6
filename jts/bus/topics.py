"""Topic and pattern syntax (documented in `jts.ports.bus`) and pattern matching.

Patterns compile once to a regular expression over the topic with a leading dot prepended, so
the multi-segment wildcard ``**`` can absorb its separator and match zero segments without a
special case: ``events.**`` becomes ``\\.events(?:\\.[^.]+)*`` matched against ``.events.x``.
Patterns without wildcards skip the regex and compare strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from jts.ports.bus import InvalidTopicError

MULTI_SEGMENT: Final = "**"
_SEGMENT_CHARS: Final = r"[\x21-\x29\x2b-\x2d\x2f-\x3e\x40-\x7e]"  # printable ASCII minus . * ?
_TOPIC_RE: Final = re.compile(rf"{_SEGMENT_CHARS}+(?:\.{_SEGMENT_CHARS}+)*")
_PATTERN_SEGMENT_RE: Final = re.compile(r"[\x21-\x2d\x2f-\x7e]+")  # wildcards allowed
_MAX_LENGTH: Final = 512


def validate_topic(topic: str, what: str = "topic") -> str:
    """``topic`` itself if it is a valid topic (or endpoint name); else `InvalidTopicError`."""
    if not isinstance(topic, str):
        raise InvalidTopicError(f"{what} must be a string, got {type(topic).__name__}")
    if len(topic) > _MAX_LENGTH:
        raise InvalidTopicError(f"{what} is longer than {_MAX_LENGTH} chars: {topic[:40]!r}...")
    if not _TOPIC_RE.fullmatch(topic):
        raise InvalidTopicError(
            f"malformed {what} {topic!r}: dot-separated non-empty segments of printable ASCII "
            "without spaces, '*' or '?'"
        )
    return topic


def _segment_regex(segment: str, pattern: str) -> str:
    if segment == MULTI_SEGMENT:
        return r"(?:\.[^.]+)*"
    if MULTI_SEGMENT in segment:
        raise InvalidTopicError(
            f"pattern {pattern!r}: '**' must be a whole segment, got segment {segment!r}"
        )
    body = "".join(
        "[^.]*" if char == "*" else "[^.]" if char == "?" else re.escape(char) for char in segment
    )
    return r"\." + body


@dataclass(frozen=True, slots=True)
class TopicPattern:
    """A compiled subscription pattern."""

    text: str
    _regex: re.Pattern[str] | None = field(repr=False, compare=False)

    @classmethod
    def compile(cls, pattern: str) -> TopicPattern:
        if not isinstance(pattern, str):
            raise InvalidTopicError(f"pattern must be a string, got {type(pattern).__name__}")
        if len(pattern) > _MAX_LENGTH:
            raise InvalidTopicError(f"pattern longer than {_MAX_LENGTH} characters")
        segments = pattern.split(".")
        for segment in segments:
            if not _PATTERN_SEGMENT_RE.fullmatch(segment):
                raise InvalidTopicError(
                    f"malformed pattern {pattern!r}: segment {segment!r} is empty or has "
                    "characters other than printable ASCII"
                )
        if "*" not in pattern and "?" not in pattern:
            return cls(pattern, None)
        regex = "".join(_segment_regex(segment, pattern) for segment in segments)
        return cls(pattern, re.compile(regex))

    @property
    def is_literal(self) -> bool:
        return self._regex is None

    def matches(self, topic: str) -> bool:
        """Whether a (valid) topic matches; the caller validates the topic once."""
        if self._regex is None:
            return topic == self.text
        return self._regex.fullmatch("." + topic) is not None
