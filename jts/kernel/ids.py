"""Where the kernel's identifiers come from.

Live nodes mint client order ids as ULIDs (unique across processes and restarts). Backtests
must be byte-for-byte reproducible, so they use `SequentialIdFactory`, whose ids depend only on
the order in which they were asked for.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from jts.domain.identifiers import (
    ClientOrderId,
    ClientOrderIdGenerator,
    Identifier,
    TradeId,
    VenueOrderId,
)

_Id = TypeVar("_Id", bound=Identifier)


class IdFactory(Protocol):
    def client_order_id(self) -> ClientOrderId: ...

    def command_id(self) -> str: ...


class LiveIdFactory:
    """ULID-based ids: sortable by creation, never reused after a restart."""

    def __init__(self) -> None:
        self._orders = ClientOrderIdGenerator()
        self._commands = ClientOrderIdGenerator()

    def client_order_id(self) -> ClientOrderId:
        return self._orders.generate()

    def command_id(self) -> str:
        return "C-" + self._commands.generate()[2:]


def _trusted(kind: type[_Id], text: str) -> _Id:
    """An id whose text is valid by construction (a checked prefix and a counter), made
    without running the identifier's checks again: a backtest makes one per order and fill."""
    return str.__new__(kind, text)


class SequentialIdFactory:
    """Deterministic ids: ``O-<prefix>-00000001``, ``C-<prefix>-00000001``, ..."""

    def __init__(self, prefix: str = "BT") -> None:
        ClientOrderId(f"O-{prefix}-{0:012d}")  # the prefix makes valid ids, or this raises
        self._prefix = prefix
        self._orders = 0
        self._commands = 0
        # `str.zfill` of a counter is what ``:08d`` gives, at half the cost of the format
        self._order_head = f"O-{prefix}-"
        self._command_head = f"C-{prefix}-"

    def client_order_id(self) -> ClientOrderId:
        self._orders += 1
        return _trusted(ClientOrderId, self._order_head + str(self._orders).zfill(8))

    def command_id(self) -> str:
        self._commands += 1
        return self._command_head + str(self._commands).zfill(8)


class VenueIdFactory:
    """Deterministic venue-side ids for simulated venues."""

    def __init__(self, prefix: str) -> None:
        VenueOrderId(f"{prefix}-{0:012d}")  # the prefix makes valid ids, or this raises
        TradeId(f"{prefix}-T{0:012d}")
        self._prefix = prefix
        self._orders = 0
        self._trades = 0
        self._order_head = f"{prefix}-"
        self._trade_head = f"{prefix}-T"

    def venue_order_id(self) -> VenueOrderId:
        self._orders += 1
        return _trusted(VenueOrderId, self._order_head + str(self._orders).zfill(8))

    def trade_id(self) -> TradeId:
        self._trades += 1
        return _trusted(TradeId, self._trade_head + str(self._trades).zfill(8))
