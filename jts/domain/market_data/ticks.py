"""Trade and quote ticks: the two kinds of top-of-market fact a venue reports.

Both are immutable messages (msgspec structs tagged with the class name), validated at
construction and again when decoded, so a malformed tick from a feed fails at the edge.
"""

from __future__ import annotations

import enum

from jts.core.errors import PrecisionError
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.market_data._validation import (
    check_price,
    check_size,
    check_timestamps,
    check_type,
    fail,
)
from jts.domain.market_data.errors import CrossedQuoteError
from jts.domain.messages import Message
from jts.domain.values import MAX_PRECISION, Price, Quantity


class AggressorSide(enum.Enum):
    """Which side crossed the spread to make the trade.

    KIS reports it per tick (``CCLD_DVSN`` 1 buy / 5 sell), Upbit as ``ask_bid``; auction
    uncrossings and venues that do not say are `NO_AGGRESSOR`.
    """

    BUYER = "BUYER"
    SELLER = "SELLER"
    NO_AGGRESSOR = "NO_AGGRESSOR"


def mid_price(bid: Price, ask: Price) -> Price:
    """``(bid + ask) / 2`` exactly, as a `Price` with one decimal more than the finer input.

    Halving a sum of integers needs at most one more decimal digit (``70000`` and ``70100`` give
    ``70050.0``; ``100`` and ``101`` give ``100.5``), so the result is exact and its precision
    does not depend on the values, which keeps downstream arithmetic predictable. At the maximum
    precision there is no extra digit left: an even sum is returned at that precision and an odd
    one raises `PrecisionError` rather than round.
    """
    precision = max(bid.precision, ask.precision)
    total = bid.raw_at(precision) + ask.raw_at(precision)
    if precision < MAX_PRECISION:
        return Price.from_raw(total * 5, precision + 1)
    if total % 2:
        raise PrecisionError(f"mid of {bid} and {ask} needs more than {MAX_PRECISION} decimals")
    return Price.from_raw(total // 2, precision)


class TradeTick(Message, frozen=True, kw_only=True):
    """One execution at the venue: ``size`` traded at ``price``.

    ``trade_id`` is the venue's execution id (or one the adapter derives deterministically from
    the feed), so a tick replayed after a reconnect can be recognised as a duplicate.
    """

    instrument_id: InstrumentId
    price: Price
    size: Quantity
    aggressor_side: AggressorSide
    trade_id: TradeId
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        check_type(self, "instrument_id", self.instrument_id, InstrumentId)
        check_timestamps(self, self.ts_event, self.ts_init)
        check_price(self, "price", self.price)
        check_size(self, "size", self.size, positive=True)
        check_type(self, "aggressor_side", self.aggressor_side, AggressorSide)
        check_type(self, "trade_id", self.trade_id, TradeId)


class QuoteTick(Message, frozen=True, kw_only=True):
    """The best bid and ask with their sizes at one instant.

    ``bid_price <= ask_price`` is enforced (a locked quote, bid == ask, is allowed) because a
    crossed quote in a continuous market means a broken feed. During call auctions (KRX 08:30-09:00
    and 15:20-15:30) the displayed book can legitimately cross; a parser that knows it is in an
    auction sets ``allow_crossed=True``, which travels with the message so it decodes again.

    A size of zero means that side shows no quantity; a side without any price (KRX at the daily
    limit) cannot be a quote at all, use the `OrderBook` for one-sided markets.
    """

    instrument_id: InstrumentId
    bid_price: Price
    ask_price: Price
    bid_size: Quantity
    ask_size: Quantity
    ts_event: int
    ts_init: int
    allow_crossed: bool = False

    def __post_init__(self) -> None:
        check_type(self, "instrument_id", self.instrument_id, InstrumentId)
        check_timestamps(self, self.ts_event, self.ts_init)
        check_price(self, "bid_price", self.bid_price)
        check_price(self, "ask_price", self.ask_price)
        check_size(self, "bid_size", self.bid_size, positive=False)
        check_size(self, "ask_size", self.ask_size, positive=False)
        if not self.allow_crossed and self.bid_price > self.ask_price:
            raise fail(
                self,
                f"bid_price {self.bid_price} is above ask_price {self.ask_price} "
                "(a crossed quote needs allow_crossed=True)",
                CrossedQuoteError,
            )

    def is_crossed(self) -> bool:
        """Bid above ask (only possible with ``allow_crossed``); a locked quote is not crossed."""
        return self.bid_price > self.ask_price

    def mid(self) -> Price:
        """The exact mid price, one decimal finer than the quotes (see `mid_price`)."""
        return mid_price(self.bid_price, self.ask_price)

    def spread(self) -> Price:
        """``ask - bid``, exact; negative only for an allowed crossed quote."""
        return self.ask_price - self.bid_price
