"""Errors of the analytics package.

Everything here is bad input from the caller (an unsorted curve, a float where an exact amount
belongs, a sweep grid of the wrong shape), so each class is an `InvalidInputError`: a caller that
already handles bad data from outside needs no new except clause.
"""

from __future__ import annotations

from jts.core.errors import InvalidInputError


class AnalyticsInputError(InvalidInputError):
    """An equity curve, benchmark, trade list, fill list or report input is malformed."""
