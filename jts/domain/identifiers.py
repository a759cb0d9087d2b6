"""Typed identifiers.

Each identifier is a validated ``str`` subclass: as cheap as a string for hashing, sorting and
dict keys, readable in logs and storage, and still a distinct type for mypy and for the codec.
Construction validates, so a malformed id from outside fails at the edge with a clear message.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final, Self

from jts.core.errors import ParseError
from jts.core.ids import UlidGenerator


class Identifier(str):
    """Base of all identifiers: non-empty, no surrounding whitespace, optional pattern."""

    __slots__ = ()
    _pattern: ClassVar[re.Pattern[str] | None] = None
    _what: ClassVar[str] = "identifier"

    def __new__(cls, value: str) -> Self:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise ParseError(f"{cls._what} must be a string, got {type(value).__name__}")
        if not value or value.strip() != value:
            raise ParseError(f"{cls._what} must be non-empty without surrounding spaces: {value!r}")
        if cls._pattern is not None and not cls._pattern.fullmatch(value):
            raise ParseError(f"malformed {cls._what}: {value!r}")
        return str.__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"

    def __reduce__(self) -> tuple[type[Self], tuple[str]]:
        return (type(self), (str(self),))


class Venue(Identifier):
    """A trading venue: ``KRX``, ``NXT``, ``UPBIT``, ``SIM``."""

    __slots__ = ()
    _pattern = re.compile(r"[A-Z][A-Z0-9_]{1,15}")
    _what = "venue"


class Symbol(Identifier):
    """A venue-local symbol: ``005930``, ``KRW-BTC``."""

    __slots__ = ()
    _pattern = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-/]{0,31}")
    _what = "symbol"


class InstrumentId(Identifier):
    """``SYMBOL.VENUE``: ``005930.KRX``, ``KRW-BTC.UPBIT``. The venue is after the last dot."""

    __slots__ = ()
    _what = "instrument id"

    def __new__(cls, value: str) -> Self:
        if type(value) is cls:
            return value
        obj = super().__new__(cls, value)
        symbol, dot, venue = value.rpartition(".")
        if not dot:
            raise ParseError(f"instrument id must be SYMBOL.VENUE, got {value!r}")
        Symbol(symbol)
        Venue(venue)
        return obj

    @classmethod
    def of(cls, symbol: str, venue: str) -> InstrumentId:
        return cls(f"{symbol}.{venue}")

    # Both parts were checked when the id was made: they are cut out without checking them
    # again (the venue is asked for on every order's daily-limit and routing lookups).
    @property
    def symbol(self) -> Symbol:
        return str.__new__(Symbol, self.rpartition(".")[0])

    @property
    def venue(self) -> Venue:
        return str.__new__(Venue, self.rpartition(".")[2])


class AccountId(Identifier):
    """``VENUE-NUMBER``, e.g. ``KIS-12345678-01`` or ``SIM-001``."""

    __slots__ = ()
    _pattern = re.compile(r"[A-Z][A-Z0-9_]{1,15}-[0-9A-Za-z][0-9A-Za-z_\-]{0,63}")
    _what = "account id"

    @property
    def issuer(self) -> str:
        return self.partition("-")[0]


class StrategyId(Identifier):
    """``NAME-TAG``, e.g. ``SMACross-001``; the tag tells instances of one class apart."""

    __slots__ = ()
    _pattern = re.compile(r"[A-Za-z][0-9A-Za-z_]{0,63}-[0-9A-Za-z_]{1,32}")
    _what = "strategy id"


class TraderId(Identifier):
    """The node that trades: ``JTS-001``."""

    __slots__ = ()
    _pattern = re.compile(r"[A-Za-z][0-9A-Za-z_]{0,31}-[0-9A-Za-z_]{1,32}")
    _what = "trader id"


class ClientOrderId(Identifier):
    """Our id for an order, minted by `ClientOrderIdGenerator`: unique across processes and
    restarts, and sorting in creation order. Ids from elsewhere (external orders adopted during
    reconciliation) are accepted as long as they are printable ASCII."""

    __slots__ = ()
    _pattern = re.compile(r"[\x21-\x7e]{1,64}")
    _what = "client order id"


class VenueOrderId(Identifier):
    """The venue's id for an order (KIS ``ODNO``, Upbit ``uuid``)."""

    __slots__ = ()
    _pattern = re.compile(r"[\x21-\x7e]{1,64}")
    _what = "venue order id"


class TradeId(Identifier):
    """The venue's id for one execution; a fill's trade id is applied to an order at most once."""

    __slots__ = ()
    _pattern = re.compile(r"[\x21-\x7e]{1,64}")
    _what = "trade id"


class PositionId(Identifier):
    """A position: in netting mode ``INSTRUMENT-STRATEGY-ACCOUNT`` (one position per strategy,
    instrument and account; see `netting_position_id`)."""

    __slots__ = ()
    _pattern = re.compile(r"[\x21-\x7e]{1,128}")
    _what = "position id"


class ClientOrderIdGenerator:
    """Mints `ClientOrderId`s: ``O-`` + a monotonic ULID.

    ULIDs combine a millisecond timestamp with 80 random bits, so two processes (or a process
    and its restart) never mint the same id, and ids from one generator sort by creation.
    """

    PREFIX: Final = "O-"

    def __init__(self) -> None:
        self._ulids = UlidGenerator()

    def generate(self) -> ClientOrderId:
        return ClientOrderId(self.PREFIX + self._ulids.new())


def netting_position_id(
    instrument_id: InstrumentId, strategy_id: StrategyId, account_id: AccountId | None = None
) -> PositionId:
    """``INSTRUMENT-STRATEGY``, and ``-ACCOUNT`` when the position is held in an account: one
    strategy trading one instrument in two accounts holds two positions (the shares in one
    account cannot be sold from the other)."""
    if account_id is None:
        return PositionId(f"{instrument_id}-{strategy_id}")
    return PositionId(f"{instrument_id}-{strategy_id}-{account_id}")


KRX: Final = Venue("KRX")
NXT: Final = Venue("NXT")
UPBIT: Final = Venue("UPBIT")
SIM: Final = Venue("SIM")
