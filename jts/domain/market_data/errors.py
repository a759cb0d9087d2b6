"""The errors market data raises, in one place so callers can see the whole family.

Validation errors are `InvalidInputError`s: a tick, bar or book message that breaks a rule came
from outside (a venue feed, a file) and is refused at construction, with the object and the rule
named. Order book sequencing errors are `StateError`s: the message itself may be fine, but the
book's current state (its sequence number) cannot take it.
"""

from __future__ import annotations

from jts.core.errors import InvalidInputError, StateError


class InvalidMarketDataError(InvalidInputError):
    """A tick, book message or bar specification breaks a rule of its type."""


class CrossedQuoteError(InvalidMarketDataError):
    """A quote whose bid is above its ask, without the quote saying a crossed market is expected."""


class InvalidBarError(InvalidMarketDataError):
    """A bar whose prices or volume are inconsistent (high below open, negative volume, ...)."""


class OrderBookSequenceError(StateError):
    """A book update that the book's sequence number does not allow; the book needs a snapshot."""


class OrderBookGapError(OrderBookSequenceError):
    """A delta skipped one or more sequence numbers: updates were lost and the book is unreliable.

    ``expected`` is the sequence the book waited for and ``received`` the one that came.
    """

    def __init__(self, message: str, *, expected: int, received: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.received = received


class OrderBookStaleError(OrderBookSequenceError):
    """A delta arrived while the book still waits for the snapshot that repairs an earlier gap."""
