"""Topic syntax and pattern matching, including a property test against a reference matcher."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.bus.topics import TopicPattern, validate_topic
from jts.core.errors import InvalidInputError
from jts.ports.bus import InvalidTopicError


@pytest.mark.parametrize(
    "topic",
    [
        "a",
        "events.order.005930.KRX",
        "data.trades.KRW-BTC.UPBIT",
        "commands.trading.SMACross-001",
        "accounts.KIS-12345678-01",
        "x.a/b.c:d.e_f.g@h.[i]",
        "a." * 255 + "b",  # 511 characters
    ],
)
def test_valid_topics(topic: str) -> None:
    assert validate_topic(topic) == topic


@pytest.mark.parametrize(
    "topic",
    ["", ".", "a.", ".a", "a..b", "a.*", "a.?", "a b", "a\tb", "a\n", "주문", "a.b\x7f", "a" * 513],
)
def test_invalid_topics_name_the_value(topic: str) -> None:
    with pytest.raises(InvalidTopicError) as info:
        validate_topic(topic)
    assert repr(topic[:40]) in str(info.value)


def test_topic_errors_are_invalid_input() -> None:
    assert issubclass(InvalidTopicError, InvalidInputError)
    with pytest.raises(InvalidTopicError, match="must be a string"):
        validate_topic(b"a.b")  # type: ignore[arg-type]


def test_endpoint_wording() -> None:
    with pytest.raises(InvalidTopicError, match="endpoint name"):
        validate_topic("svc..x", "endpoint name")


@pytest.mark.parametrize(
    "pattern", ["", "a..b", ".a", "a.", "a b", "a.**b", "**x", "a.***", "주문.*", "a" * 513]
)
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(InvalidTopicError):
        TopicPattern.compile(pattern)


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("a.b", "a.b", True),
        ("a.b", "a.bc", False),
        ("a.*", "a.b", True),
        ("a.*", "a", False),
        ("a.*", "a.b.c", False),
        ("a.*b", "a.b", True),  # * may match nothing
        ("a.*b", "a.xxb", True),
        ("a.?", "a.b", True),
        ("a.?", "a.bc", False),
        ("a.?", "a.", False),
        ("*", "anything", True),
        ("*", "a.b", False),
        ("**", "a.b.c", True),
        ("a.**", "a", True),
        ("**.a", "a", True),
        ("a.**.b", "a.b", True),
        ("a.**.b", "a.x.y.b", True),
        ("a.**.b", "a.x.y.c", False),
        ("a.**.**.b", "a.b", True),
        ("**.*.KRX", "KRX", False),
        ("**.*.KRX", "005930.KRX", True),
        ("a+b.c", "a+b.c", True),  # regex metacharacters are literal
        ("a+b.c", "aab.c", False),
        ("a.(x|y)", "a.x", False),
        ("a.[x]", "a.[x]", True),
    ],
)
def test_matching(pattern: str, topic: str, expected: bool) -> None:
    assert TopicPattern.compile(pattern).matches(topic) is expected


def test_literal_patterns_skip_the_regex() -> None:
    assert TopicPattern.compile("a.b").is_literal
    assert not TopicPattern.compile("a.*").is_literal
    assert TopicPattern.compile("a.b") == TopicPattern.compile("a.b")


# -- property: the compiled regex agrees with a direct segment-by-segment matcher -----------


def _segment_matches(pattern: str, text: str) -> bool:
    if not pattern:
        return not text
    head = pattern[0]
    if head == "*":
        return any(_segment_matches(pattern[1:], text[i:]) for i in range(len(text) + 1))
    if not text:
        return False
    return (head in ("?", text[0])) and _segment_matches(pattern[1:], text[1:])


def _reference(pattern: list[str], topic: list[str]) -> bool:
    if not pattern:
        return not topic
    if pattern[0] == "**":
        return any(_reference(pattern[1:], topic[i:]) for i in range(len(topic) + 1))
    if not topic:
        return False
    return _segment_matches(pattern[0], topic[0]) and _reference(pattern[1:], topic[1:])


_topic_segments = st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=5)
_pattern_segments = st.lists(
    st.one_of(
        st.just("**"), st.text("abc*?", min_size=1, max_size=3).filter(lambda s: "**" not in s)
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(pattern=_pattern_segments, topic=_topic_segments)
def test_matching_agrees_with_reference(pattern: list[str], topic: list[str]) -> None:
    compiled = TopicPattern.compile(".".join(pattern))
    assert compiled.matches(".".join(topic)) is _reference(pattern, topic)
