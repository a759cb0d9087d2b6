"""Checks shared by the market data constructors.

They run on every tick a feed delivers, so the passing path is a couple of comparisons; the
message is only built on failure, and it names the object (instrument or bar type and time),
the field, the value and the rule.
"""

from __future__ import annotations

from jts.core.time import ns_to_iso
from jts.domain.market_data.errors import InvalidMarketDataError
from jts.domain.values import Price, Quantity


def describe(owner: object) -> str:
    """``TradeTick 005930.KRX at 2024-01-02T00:00:00.000000000Z`` for error messages."""
    subject = getattr(owner, "bar_type", None) or getattr(owner, "instrument_id", None)
    text = type(owner).__name__ if subject is None else f"{type(owner).__name__} {subject}"
    if hasattr(owner, "ts_event"):
        ts_event = owner.ts_event
        valid = type(ts_event) is int and ts_event >= 0
        text += f" at {ns_to_iso(ts_event)}" if valid else f" at ts_event={ts_event!r}"
    return text


def fail(
    owner: object, rule: str, error: type[InvalidMarketDataError] = InvalidMarketDataError
) -> InvalidMarketDataError:
    """The error to raise: ``raise fail(self, "price must be positive, got 0")``."""
    return error(f"{describe(owner)}: {rule}")


def check_timestamps(
    owner: object,
    ts_event: object,
    ts_init: object,
    error: type[InvalidMarketDataError] = InvalidMarketDataError,
) -> None:
    """Both timestamps are int nanoseconds since the epoch, never negative.

    ``ts_init`` before ``ts_event`` is allowed: venue clocks and ours are not synchronised.
    """
    for name, value in (("ts_event", ts_event), ("ts_init", ts_init)):
        if type(value) is not int or value < 0:
            raise fail(owner, f"{name} must be non-negative int nanoseconds, got {value!r}", error)


def check_price(
    owner: object,
    name: str,
    value: object,
    error: type[InvalidMarketDataError] = InvalidMarketDataError,
) -> None:
    """A positive `Price`: every instrument JTS trades (KRX stocks, ETFs, crypto spot) has
    positive prices, so zero or below is a feed error (e.g. an empty KIS level sent as 0)."""
    if not isinstance(value, Price):
        raise fail(owner, f"{name} must be a Price, got {type(value).__name__} {value!r}", error)
    if value.raw <= 0:
        raise fail(owner, f"{name} must be positive, got {value}", error)


def check_size(
    owner: object,
    name: str,
    value: object,
    *,
    positive: bool,
    error: type[InvalidMarketDataError] = InvalidMarketDataError,
) -> None:
    """A `Quantity` (never negative by construction); ``positive`` also refuses zero."""
    if not isinstance(value, Quantity):
        raise fail(owner, f"{name} must be a Quantity, got {type(value).__name__} {value!r}", error)
    if positive and value.raw == 0:
        raise fail(owner, f"{name} must be positive, got {value}", error)


def check_type(
    owner: object,
    name: str,
    value: object,
    expected: type,
    error: type[InvalidMarketDataError] = InvalidMarketDataError,
) -> None:
    """Refuse a plain ``str`` where an identifier type belongs, an int for an enum, and so on;
    msgspec checks types when decoding but not when code constructs a struct."""
    if not isinstance(value, expected):
        raise fail(
            owner,
            f"{name} must be a {expected.__name__}, got {type(value).__name__} {value!r}",
            error,
        )
