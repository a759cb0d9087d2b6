"""Deterministic ids keep their exact text: journals, reports and pinned results quote them."""

from __future__ import annotations

import pytest

from jts.core.errors import ParseError
from jts.domain.identifiers import ClientOrderId, TradeId, VenueOrderId
from jts.kernel.ids import SequentialIdFactory, VenueIdFactory


def test_sequential_ids_are_zero_padded_counters() -> None:
    ids = SequentialIdFactory("BT")
    first = ids.client_order_id()
    assert first == "O-BT-00000001"
    assert type(first) is ClientOrderId
    assert ids.command_id() == "C-BT-00000001"
    assert ids.client_order_id() == "O-BT-00000002"
    ids._orders = 99_999_999  # past eight digits the counter simply grows, as ``:08d`` does
    assert ids.client_order_id() == "O-BT-100000000"


def test_venue_ids() -> None:
    ids = VenueIdFactory("SIM")
    order, trade = ids.venue_order_id(), ids.trade_id()
    assert (order, trade) == ("SIM-00000001", "SIM-T00000001")
    assert (type(order), type(trade)) == (VenueOrderId, TradeId)


def test_a_prefix_that_makes_invalid_ids_is_refused() -> None:
    with pytest.raises(ParseError):
        SequentialIdFactory("bad prefix")
