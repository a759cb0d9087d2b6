"""Where the kernel's identifiers come from.

Live nodes mint client order ids as ULIDs (unique across processes and restarts). Backtests
must be byte-for-byte reproducible, so they use `SequentialIdFactory`, whose ids depend only on
the order in which they were asked for.
"""

from __future__ import annotations

from typing import Protocol

from jts.domain.identifiers import ClientOrderId, ClientOrderIdGenerator, TradeId, VenueOrderId


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


class SequentialIdFactory:
    """Deterministic ids: ``O-<prefix>-00000001``, ``C-<prefix>-00000001``, ..."""

    def __init__(self, prefix: str = "BT") -> None:
        self._prefix = prefix
        self._orders = 0
        self._commands = 0

    def client_order_id(self) -> ClientOrderId:
        self._orders += 1
        return ClientOrderId(f"O-{self._prefix}-{self._orders:08d}")

    def command_id(self) -> str:
        self._commands += 1
        return f"C-{self._prefix}-{self._commands:08d}"


class VenueIdFactory:
    """Deterministic venue-side ids for simulated venues."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._orders = 0
        self._trades = 0

    def venue_order_id(self) -> VenueOrderId:
        self._orders += 1
        return VenueOrderId(f"{self._prefix}-{self._orders:08d}")

    def trade_id(self) -> TradeId:
        self._trades += 1
        return TradeId(f"{self._prefix}-T{self._trades:08d}")
