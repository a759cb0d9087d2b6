"""The kernel's read model: the latest state of everything a strategy or a rule may ask about.

One `Cache` per kernel. The engines write it (instruments at start, orders from the OMS,
positions and accounts from the portfolio, last prices from the data engine); strategies and
risk rules only read it. It is a plain in-memory structure: durability is the journal's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from jts.core.errors import UnknownInstrumentError
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId, VenueOrderId
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, BarType, OrderBook, QuoteTick, TradeTick
from jts.domain.orders import Order
from jts.domain.values import Price


class Cache:
    """Instruments, orders, books and last prices, indexed for the kernel's hot paths."""

    def __init__(self) -> None:
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._orders: dict[ClientOrderId, Order] = {}
        self._open: dict[ClientOrderId, Order] = {}
        self._by_venue_id: dict[VenueOrderId, ClientOrderId] = {}
        self._last_trade: dict[InstrumentId, TradeTick] = {}
        self._last_quote: dict[InstrumentId, QuoteTick] = {}
        self._last_bar: dict[BarType, Bar] = {}
        self._last_price: dict[InstrumentId, Price] = {}
        self._books: dict[InstrumentId, OrderBook] = {}

    # ---- instruments --------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        self._instruments[instrument.id] = instrument

    def add_instruments(self, instruments: Iterable[Instrument]) -> None:
        for instrument in instruments:
            self._instruments[instrument.id] = instrument

    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        found = self._instruments.get(instrument_id)
        if found is None:
            raise UnknownInstrumentError(f"unknown instrument {instrument_id}")
        return found

    def find_instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self._instruments.get(instrument_id)

    def instruments(self) -> list[Instrument]:
        return list(self._instruments.values())

    # ---- orders -------------------------------------------------------------------------------
    def add_order(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self.update_order(order)

    def update_order(self, order: Order) -> None:
        """Re-index after the order changed (status, venue id)."""
        client_id = order.client_order_id
        venue_id = order.venue_order_id
        if venue_id is not None:
            self._by_venue_id[venue_id] = client_id
        if order.status.is_closed:
            self._open.pop(client_id, None)
        else:
            self._open[client_id] = order

    def order(self, client_order_id: ClientOrderId) -> Order | None:
        return self._orders.get(client_order_id)

    def order_by_venue_id(self, venue_order_id: VenueOrderId) -> Order | None:
        client_id = self._by_venue_id.get(venue_order_id)
        return None if client_id is None else self._orders.get(client_id)

    def orders(self) -> list[Order]:
        return list(self._orders.values())

    def open_orders(
        self,
        instrument_id: InstrumentId | None = None,
        strategy_id: StrategyId | None = None,
    ) -> list[Order]:
        """Open orders in the order they were created (dicts keep insertion order)."""
        return [
            o
            for o in self._open.values()
            if (instrument_id is None or o.instrument_id == instrument_id)
            and (strategy_id is None or o.strategy_id == strategy_id)
        ]

    def open_order_count(self) -> int:
        return len(self._open)

    def iter_open_orders(self) -> Iterator[Order]:
        """Every open order, oldest first, without building a list (the risk engine walks
        them on each order); do not change orders while iterating."""
        return iter(self._open.values())

    # ---- market data --------------------------------------------------------------------------
    def update_trade(self, tick: TradeTick) -> None:
        self._last_trade[tick.instrument_id] = tick
        self._last_price[tick.instrument_id] = tick.price

    def update_quote(self, quote: QuoteTick) -> None:
        self._last_quote[quote.instrument_id] = quote

    def update_bar(self, bar: Bar) -> None:
        self._last_bar[bar.bar_type] = bar
        self._last_price[bar.bar_type.instrument_id] = bar.close

    def bar_tables(self) -> tuple[dict[BarType, Bar], dict[InstrumentId, Price]]:
        """The two tables `update_bar` writes (last bar by type, last price by instrument),
        for the kernel to update without a call per bar; nobody else writes them."""
        return self._last_bar, self._last_price

    def set_book(self, book: OrderBook) -> None:
        self._books[book.instrument_id] = book

    def last_trade(self, instrument_id: InstrumentId) -> TradeTick | None:
        return self._last_trade.get(instrument_id)

    def last_quote(self, instrument_id: InstrumentId) -> QuoteTick | None:
        return self._last_quote.get(instrument_id)

    def last_bar(self, bar_type: BarType) -> Bar | None:
        return self._last_bar.get(bar_type)

    def last_price(self, instrument_id: InstrumentId) -> Price | None:
        """The most recent trade or bar close; the mark for PnL and the fat-finger band."""
        return self._last_price.get(instrument_id)

    def book(self, instrument_id: InstrumentId) -> OrderBook | None:
        return self._books.get(instrument_id)
