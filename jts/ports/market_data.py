"""The market data port: live and simulated feeds push data into the kernel through a sink.

Subscriptions are idempotent (subscribing twice delivers once). A feed that loses its
connection re-subscribes everything itself after reconnecting; the kernel only sees a gap.
Data arrives on the kernel's thread, in the order the venue sent it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from jts.domain.identifiers import InstrumentId, Venue
from jts.domain.instruments import Instrument
from jts.domain.market_data import (
    Bar,
    BarType,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)

MarketData = TradeTick | QuoteTick | Bar | OrderBookSnapshot | OrderBookDeltas
MarketDataSink = Callable[[MarketData], None]


@runtime_checkable
class MarketDataClient(Protocol):
    @property
    def venue(self) -> Venue: ...

    def bind(self, sink: MarketDataSink) -> None: ...

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    def subscribe_trade_ticks(self, instrument_id: InstrumentId) -> None: ...

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None: ...

    def subscribe_order_book(self, instrument_id: InstrumentId, depth: int = 10) -> None: ...

    def subscribe_bars(self, bar_type: BarType) -> None: ...

    def unsubscribe(self, instrument_id: InstrumentId) -> None: ...

    async def request_bars(
        self, bar_type: BarType, start_ns: int, end_ns: int
    ) -> Sequence[Bar]: ...


@runtime_checkable
class InstrumentProvider(Protocol):
    """Where instrument definitions come from (reference data, a venue's listing, storage)."""

    def load_all(self) -> Sequence[Instrument]: ...

    def find(self, instrument_id: InstrumentId) -> Instrument | None: ...
