"""Errors and warnings of historical data files, in one place.

Every error is an `InvalidInputError` (a data file is input from outside) and names where the
problem is: the file, the 1-based data row (the header is not counted) and, where it applies,
the column, followed by the value and the rule it broke. A backtest that stops on bad data must
tell the user which line of which file to fix, not just that "the data is bad".

Problems that do not make the data wrong (a gap inside a session, bars outside the sessions
that were dropped on request, duplicates removed by ``repair``) are reported once per file and
kind as a `DataQualityWarning` carrying the count, never silently.
"""

from __future__ import annotations

from jts.core.errors import InvalidInputError, InvalidPriceError, PrecisionError

__all__ = [
    "DataFileError",
    "DataGapError",
    "DataPrecisionError",
    "DataPriceError",
    "DataQualityWarning",
    "DataValueError",
    "DuplicateRowError",
    "FeedOptionError",
    "InconsistentBarError",
    "MissingColumnsError",
    "NoDataFilesError",
    "OutsideSessionError",
    "UnknownDataInstrumentError",
    "UnsortedDataError",
]


class DataFileError(InvalidInputError):
    """A data file breaks the documented schema (docs/data-format.md).

    ``file``, ``row`` (1-based data row) and ``column`` are kept as attributes so tools can
    point at the spot; the message starts with them so a person can too.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.reason = message
        where = [part for part in (file, _row_text(row), _column_text(column)) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


def _row_text(row: int | None) -> str | None:
    return None if row is None else f"row {row}"


def _column_text(column: str | None) -> str | None:
    return None if column is None else f"column {column!r}"


class NoDataFilesError(DataFileError):
    """The path does not exist, is an empty folder, or holds no file of a known format."""


class MissingColumnsError(DataFileError):
    """Required columns are missing (or misnamed); the message lists missing and found ones."""


class DataValueError(DataFileError):
    """A value cannot be parsed or breaks a rule of its column (empty, not a number, ...)."""


class DataPrecisionError(DataValueError, PrecisionError):
    """A price or volume has more decimals than the instrument allows; nothing is rounded."""


class DataPriceError(DataValueError, InvalidPriceError):
    """A price is zero or negative."""


class UnknownDataInstrumentError(DataValueError):
    """An instrument id in a file that the instruments given to the reader do not contain."""


class InconsistentBarError(DataFileError):
    """OHLC values contradict each other (high below low, open above high, ...)."""


class UnsortedDataError(DataFileError):
    """Timestamps go backwards; ``repair`` sorts the file instead (with a warning)."""


class DuplicateRowError(DataFileError):
    """Two rows for the same instrument and timestamp; ``repair`` drops exact duplicates only."""


class DataGapError(DataFileError):
    """Bars are missing inside a session and gaps were asked to be errors."""


class OutsideSessionError(DataFileError):
    """A bar or tick lies outside the venue's sessions and such rows were asked to be errors."""


class FeedOptionError(InvalidInputError):
    """An option of a reader, feed, generator or importer is invalid; the message names it."""


class DataQualityWarning(UserWarning):
    """Something in a data file was tolerated, repaired or dropped: count and first row."""
