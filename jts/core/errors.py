"""One exception tree for the whole system.

Callers catch the family they can handle (`InvalidInputError` for bad data from outside,
`StateError` for a request the current state forbids) without importing the module that raised
it. Every error carries a message that names the offending value and the rule it broke.
"""

from __future__ import annotations


class JtsError(Exception):
    """Root of every error JTS raises on purpose."""


class InvalidInputError(JtsError, ValueError):
    """Data from outside (a broker string, a config value, a file row) is malformed or invalid."""


class ParseError(InvalidInputError):
    """A text could not be parsed into the type asked for."""


class PrecisionError(InvalidInputError):
    """A value carries more decimal places than its type allows; nothing is silently rounded."""


class InvalidPriceError(InvalidInputError):
    """A price is negative, off the tick grid or outside the daily limits."""


class InvalidQuantityError(InvalidInputError):
    """A quantity is negative, zero where it must be positive, or not a multiple of the lot."""


class CurrencyMismatchError(InvalidInputError):
    """Arithmetic between amounts of different currencies."""


class UnknownInstrumentError(JtsError, KeyError):
    """An instrument id that no provider or repository knows."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown instrument"


class StateError(JtsError):
    """A request that the object's current state does not allow."""


class InvalidStateTransitionError(StateError):
    """An order (or other state machine) was asked to make a transition its table forbids."""


class OverfillError(StateError):
    """A fill would take the filled quantity past the order quantity."""


class DuplicateFillError(StateError):
    """A fill whose trade id was already applied to the order."""


class DecodeError(InvalidInputError):
    """A serialized message could not be decoded into a known type."""


class ConfigError(InvalidInputError):
    """The configuration is invalid; the message names the key and the reason."""
