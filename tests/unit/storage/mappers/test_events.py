from __future__ import annotations

import pytest

from jts.core.errors import DecodeError
from jts.domain.codec import Codec
from jts.domain.orders import Order
from jts.domain.values import Price, Quantity
from jts.storage.mappers.events import (
    event_from_text,
    event_to_text,
    events_from_text,
    events_to_text,
    first_event_from_text,
)
from tests.contract.storage.builders import account_state, filled, samsung, working_order


@pytest.fixture
def codec() -> Codec:
    return Codec()


def _order() -> Order:
    order = working_order(samsung())
    order.apply(filled(order, Quantity(2), Price("70100")))
    return order


def test_one_event_is_the_codecs_json(codec: Codec) -> None:
    event = _order().events[-1]
    text = event_to_text(codec, event)
    assert text == codec.encode_json(event).decode()
    assert '"type":"OrderFilled"' in text
    assert event_from_text(codec, text) == event


def test_a_history_is_a_json_array_of_events(codec: Codec) -> None:
    order = _order()
    text = events_to_text(codec, order.events)
    assert text.startswith("[{")
    assert text.endswith("}]")
    assert events_from_text(codec, text) == list(order.events)
    assert first_event_from_text(codec, text) == order.init


def test_empty_history(codec: Codec) -> None:
    assert events_to_text(codec, []) == "[]"
    assert events_from_text(codec, "[]") == []
    assert first_event_from_text(codec, "[]") is None


@pytest.mark.parametrize("text", ["", "{}", "[1", "not json"])
def test_a_history_that_is_not_an_array_is_a_decode_error(codec: Codec, text: str) -> None:
    with pytest.raises(DecodeError):
        events_from_text(codec, text)


def test_a_stored_message_that_is_not_an_order_event_is_a_decode_error(codec: Codec) -> None:
    text = codec.encode_json(account_state()).decode()
    with pytest.raises(DecodeError, match="AccountState"):
        event_from_text(codec, text)
