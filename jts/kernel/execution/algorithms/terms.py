"""The vocabulary of a parent order's terms: quantities accepted, what a denial does, what
the end of the window does, and the tag that ties a child to its algorithm."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from jts.core.errors import InvalidInputError
from jts.domain.values import Quantity

__all__ = [
    "PARENT_TAG",
    "DenialPolicy",
    "EndAction",
    "QtyLike",
    "as_qty",
    "check_ns",
    "parent_of",
]

QtyLike = Quantity | int | str | Decimal

#: Children carry ``exec_algorithm=<algorithm id>`` in their tags.
PARENT_TAG: Final = "exec_algorithm="


def parent_of(tags: Iterable[str]) -> str | None:
    """The id of the algorithm that sent an order, from the order's tags; None if none did."""
    for tag in tags:
        if tag.startswith(PARENT_TAG):
            return tag[len(PARENT_TAG) :]
    return None


class DenialPolicy(enum.Enum):
    """What a denied or venue-rejected child does to its algorithm (rules in `base`)."""

    SKIP = "SKIP"
    RETRY = "RETRY"
    STOP = "STOP"


class EndAction(enum.Enum):
    """What happens to the unfilled remainder when the window ends."""

    LEAVE = "LEAVE"  # report it, send nothing more
    SWEEP = "SWEEP"  # one market child for it once the resting children are canceled


def as_qty(value: object, what: str) -> Quantity:
    if isinstance(value, bool) or not isinstance(value, Quantity | int | str | Decimal):
        raise InvalidInputError(
            f"{what} must be a Quantity, int, str or Decimal, got {type(value).__name__} {value!r}"
        )
    return Quantity(value)


def check_ns(name: str, value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise InvalidInputError(
            f"{name} must be None or non-negative int nanoseconds, got {value!r}"
        )
