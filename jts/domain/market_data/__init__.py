"""Market data: trade and quote ticks, bars and their types, and the price-level order book.

Everything a feed produces is an immutable, validated `Message`; the `OrderBook` is the one
mutable aggregate, built from `OrderBookSnapshot` / `OrderBookDelta` / `OrderBookDeltas`.
Import from here; the submodules are an implementation detail.
"""

from jts.domain.market_data.bars import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    PriceType,
)
from jts.domain.market_data.book_updates import (
    BookAction,
    BookLevel,
    BookSide,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
)
from jts.domain.market_data.errors import (
    CrossedQuoteError,
    InvalidBarError,
    InvalidMarketDataError,
    OrderBookGapError,
    OrderBookSequenceError,
    OrderBookStaleError,
)
from jts.domain.market_data.order_book import OrderBook
from jts.domain.market_data.ticks import AggressorSide, QuoteTick, TradeTick, mid_price

__all__ = [
    "AggregationSource",
    "AggressorSide",
    "Bar",
    "BarAggregation",
    "BarSpecification",
    "BarType",
    "BookAction",
    "BookLevel",
    "BookSide",
    "CrossedQuoteError",
    "InvalidBarError",
    "InvalidMarketDataError",
    "OrderBook",
    "OrderBookDelta",
    "OrderBookDeltas",
    "OrderBookGapError",
    "OrderBookSequenceError",
    "OrderBookSnapshot",
    "OrderBookStaleError",
    "PriceType",
    "QuoteTick",
    "TradeTick",
    "mid_price",
]
