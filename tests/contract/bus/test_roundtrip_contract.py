"""`MessageBus` contract: every message type arrives exactly as sent, on every backend."""

from __future__ import annotations

import pytest

from jts.domain.codec import registered_message_types
from jts.domain.messages import Message
from jts.ports.bus import (
    MessageBus,
)
from tests.contract.bus.domain_examples import examples
from tests.contract.bus.messages import Leg, Ping, Sample

pytestmark = pytest.mark.timeout(30)


# -- exact round trip ------------------------------------------------------------------------


def _domain_examples() -> list[Message]:
    return examples(registered_message_types())


def test_examples_cover_every_registered_domain_type() -> None:
    assert {type(m) for m in _domain_examples()} == set(registered_message_types())


async def test_every_message_type_round_trips_exactly(bus: MessageBus) -> None:
    sent: list[Message] = [
        *_domain_examples(),
        Sample(
            ts_event=1_704_153_600_123_456_789,
            name="삼성전자 우선주",
            raw=bytes(range(256)),
            big=2**64 - 1,
            note=None,
            legs=(Leg("005930", 10), Leg("000660", -3)),
            tags={"a": 1, "": -(2**63)},
            flag=True,
        ),
        Ping(seq=-(2**63), text=""),
    ]
    got: list[Message] = []
    bus.subscribe("rt.**", got.append)
    for index, message in enumerate(sent):
        bus.publish(f"rt.{type(message).__name__}.{index}", message)
    await bus.flush()
    assert got == sent
    # == on values could hide a lost trailing zero or a changed type; repr cannot
    assert [type(m) for m in got] == [type(m) for m in sent]
    assert [repr(m) for m in got] == [repr(m) for m in sent]


async def test_request_and_response_carry_domain_messages_exactly(bus: MessageBus) -> None:
    domain = _domain_examples()
    bus.register_endpoint("svc.mirror", lambda m: domain[(domain.index(m) + 1) % len(domain)])
    for index, message in enumerate(domain):
        response = await bus.request("svc.mirror", message, timeout=5)
        expected = domain[(index + 1) % len(domain)]
        assert repr(response) == repr(expected)
