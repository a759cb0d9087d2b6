"""Tick size tables (호가가격단위) as data, and exact arithmetic on the price grid they define.

A venue's tick table changes by decree (KRX unified its tables on 2023-01-25; Upbit changed its
KRW market on 2024-01-29 and 2025-07-31), and back-tests must use the table of the day they
replay. So each table is an immutable `TickScheme` value with its effective dates, not an
if-chain in code, and `tick_scheme_for` picks the one in force for (venue, market, kind, date).

The grid rule (krx.md §3): a price is valid when it is a positive multiple of the tick of the
band the price itself falls in. Every band's lower bound is required to be a multiple of its
own tick, which makes each bound a valid price and lets rounding cross band boundaries exactly
(4,999 rounded up under the 2023 KRX table is 5,000, not 5,005).

Sources and certainty ([S] seen in a source, [M] from memory, unverified):
- KRX equities from 2023-01-25, all markets [S: krx.md §3].
- KOSPI and KOSDAQ tables before 2023-01-25 [M: krx.md §3]; KONEX is assumed to have used the
  KOSDAQ table [M]. Both old tables are applied to every date before 2023-01-25 although KRX
  changed tables around 2010 [M]: back-data before that may differ.
- ETF/ETN/ELW 5 KRW [S]; whether low-priced ETFs (< 2,000 KRW) trade in 1 KRW ticks is
  unverified [M], hence the ``etp_tick_below_2000`` option of `tick_scheme_for`.
- Upbit KRW market: before 2024-01-29 [S: docs.upbit.com v1.4.1], 2024-01-29 to 2025-07-30
  [S: docs.upbit.com v1.4.5], from 2025-07-31 [S: docs.upbit.com krw-market-info]; two
  per-coin exceptions in between [S: Upbit changelog]: 16 coins traded 100-1,000 KRW in 1 KRW
  ticks from 2024-10-01 (one later page says 2024-10-14), and USDT/USDC used 0.5 KRW ticks in
  1,000-10,000 KRW from 2025-03-21. Whether that stablecoin exception outlived the 2025-07-31
  table is not known; the general table is used from then on. Changes take effect during a
  maintenance window on the day; the day itself gets the new table.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from jts.core.errors import InvalidInputError, InvalidPriceError
from jts.domain.identifiers import KRX, NXT, UPBIT
from jts.domain.values import KRW, Currency, FixedPoint, Price, Rounding

__all__ = [
    "KOSDAQ_BEFORE_2023",
    "KOSPI_BEFORE_2023",
    "KRX_EQUITY_2023",
    "KRX_ETP",
    "KRX_UNIFIED_TICKS_FROM",
    "UPBIT_KRW_2024",
    "UPBIT_KRW_2024_COIN_EXCEPTION",
    "UPBIT_KRW_2025",
    "UPBIT_KRW_BEFORE_2024",
    "UPBIT_KRW_STABLECOIN_EXCEPTION",
    "UPBIT_TICK_EXCEPTION_COINS",
    "InstrumentKind",
    "Market",
    "NoTickSchemeError",
    "TickBand",
    "TickScheme",
    "format_number",
    "krx_etp_scheme",
    "tick_scheme_for",
]


class Market(enum.Enum):
    """The KRX market segment a security is listed on (ETFs, ETNs and ELWs list on KOSPI).

    Defined here rather than in `jts.domain.instruments` because it is part of the tick table
    key and instruments build on tick rules, not the other way round.
    """

    KOSPI = "KOSPI"
    KOSDAQ = "KOSDAQ"
    KONEX = "KONEX"


class InstrumentKind(enum.Enum):
    """What is traded: the other half of the tick table key (ETF ticks differ from stocks)."""

    STOCK = "STOCK"
    ETF = "ETF"
    ETN = "ETN"
    ELW = "ELW"
    SPOT = "SPOT"


class NoTickSchemeError(InvalidInputError):
    """No tick table is known for the (venue, market, kind, date) asked for."""


def format_number(value: FixedPoint | Decimal | int) -> str:
    """``70050`` -> ``"70,050"``, ``Price("0.00010")`` -> ``"0.0001"``: numbers in messages."""
    number = value.as_decimal() if isinstance(value, FixedPoint) else Decimal(value)
    return format(number.normalize(), ",f")


@dataclass(frozen=True, slots=True)
class TickBand:
    """Prices from ``lower`` (inclusive) up to the next band's lower bound move by ``tick``."""

    lower: Price
    tick: Price


def _check_date(on_date: dt.date) -> None:
    # datetime is a date subclass, but comparing one with a date raises TypeError deep inside
    if isinstance(on_date, dt.datetime) or not isinstance(on_date, dt.date):
        raise InvalidInputError(f"expected a calendar date, got {on_date!r}")


@dataclass(frozen=True, slots=True)
class TickScheme:
    """One tick table: ordered bands, the quote precision, and the dates it is in force.

    ``effective_from`` and ``effective_to`` are inclusive KST dates; None means open-ended.
    Results of `round`, `next_up` and `next_down` are at the scheme's ``precision``.
    """

    name: str
    currency: Currency
    precision: int
    bands: tuple[TickBand, ...]
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    # Band bounds and ticks as integers at ``precision``: the grid arithmetic runs on these.
    _lows: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _ticks: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"tick scheme {self.name!r}"
        if type(self.precision) is not int or not 0 <= self.precision <= 18:
            raise InvalidInputError(f"{where}: precision must be an int in 0..18")
        if not self.bands:
            raise InvalidInputError(f"{where}: needs at least one band")
        lows: list[int] = []
        ticks: list[int] = []
        for band in self.bands:
            if band.lower.precision > self.precision or band.tick.precision > self.precision:
                raise InvalidInputError(
                    f"{where}: band {band.lower}/{band.tick} has more decimals than the "
                    f"scheme precision {self.precision}"
                )
            low, tick = band.lower.raw_at(self.precision), band.tick.raw_at(self.precision)
            if tick <= 0:
                raise InvalidInputError(f"{where}: tick {band.tick} must be positive")
            if low % tick:
                raise InvalidInputError(
                    f"{where}: band bound {band.lower} is not a multiple of its tick {band.tick}"
                )
            if lows and low <= lows[-1]:
                raise InvalidInputError(
                    f"{where}: band bounds must increase, {band.lower} does not"
                )
            lows.append(low)
            ticks.append(tick)
        if lows[0] != 0:
            raise InvalidInputError(f"{where}: the first band must start at 0")
        if (
            self.effective_from is not None
            and self.effective_to is not None
            and self.effective_from > self.effective_to
        ):
            raise InvalidInputError(f"{where}: effective_from is after effective_to")
        object.__setattr__(self, "_lows", tuple(lows))
        object.__setattr__(self, "_ticks", tuple(ticks))

    @classmethod
    def from_table(
        cls,
        name: str,
        currency: Currency,
        precision: int,
        table: Sequence[tuple[str | int, str | int]],
        *,
        effective_from: dt.date | None = None,
        effective_to: dt.date | None = None,
    ) -> TickScheme:
        """Build from ``(lower bound, tick)`` rows written as in the source table."""
        bands = tuple(TickBand(Price(lower), Price(tick)) for lower, tick in table)
        return cls(name, currency, precision, bands, effective_from, effective_to)

    # ---- dates --------------------------------------------------------------------------------
    def applies_on(self, on_date: dt.date) -> bool:
        """Whether this table is in force on ``on_date`` (a KST calendar date)."""
        _check_date(on_date)
        if self.effective_from is not None and on_date < self.effective_from:
            return False
        return self.effective_to is None or on_date <= self.effective_to

    # ---- lookups ------------------------------------------------------------------------------
    def _scaled(self, price: Price) -> tuple[int, int]:
        """The price as an integer at the working precision, and the factor from the scheme's
        precision to it (1 unless the price carries more decimals than the scheme)."""
        if price.raw <= 0:
            raise InvalidPriceError(f"price {format_number(price)} must be positive ({self.name})")
        if price.precision <= self.precision:
            return price.raw * 10 ** (self.precision - price.precision), 1
        return price.raw, 10 ** (price.precision - self.precision)

    def _band_index(self, x: int, factor: int) -> int:
        # A bound L (an integer at scheme precision) is <= x/factor exactly when L <= x//factor.
        return bisect_right(self._lows, x // factor) - 1

    def _price(self, x: int, factor: int) -> Price:
        return Price.from_raw(x // factor, self.precision)

    def band_at(self, price: Price) -> TickBand:
        """The band the price itself falls in."""
        x, factor = self._scaled(price)
        return self.bands[self._band_index(x, factor)]

    def tick_at(self, price: Price) -> Price:
        """The tick of the band the price falls in: the step an order at this price must use."""
        return self.band_at(price).tick

    def min_price(self) -> Price:
        """The smallest valid price (one tick of the first band)."""
        return Price.from_raw(self._ticks[0], self.precision)

    def describe_band(self, index: int) -> str:
        """``"50,000-200,000"``, ``"below 2,000"``, ``"500,000 and above"`` for messages."""
        low = format_number(self.bands[index].lower)
        if len(self.bands) == 1:
            return "all prices"
        if index == len(self.bands) - 1:
            return f"{low} and above"
        high = format_number(self.bands[index + 1].lower)
        return f"below {high}" if index == 0 else f"{low}-{high}"

    # ---- validity -----------------------------------------------------------------------------
    def is_valid(self, price: Price) -> bool:
        """Positive and a multiple of the tick of its own band."""
        if price.raw <= 0:
            return False
        x, factor = self._scaled(price)
        return x % (self._ticks[self._band_index(x, factor)] * factor) == 0

    def check(self, price: Price) -> None:
        """Raise `InvalidPriceError` naming the tick and band when ``price`` is off the grid."""
        x, factor = self._scaled(price)
        index = self._band_index(x, factor)
        if x % (self._ticks[index] * factor):
            raise InvalidPriceError(
                f"price {format_number(price)} is off the {format_number(self.bands[index].tick)} "
                f"{self.currency.code} tick for {self.describe_band(index)} ({self.name})"
            )

    # ---- moving on the grid -------------------------------------------------------------------
    def _up(self, x: int, factor: int, n: int) -> int:
        """The n-th grid price strictly above ``x`` (working precision)."""
        index = self._band_index(x, factor)
        last = len(self._lows) - 1
        while True:
            tick = self._ticks[index] * factor
            first = x // tick + 1  # index of the first multiple of tick above x
            if index == last:
                return (first + n - 1) * tick
            bound = self._lows[index + 1] * factor
            available = max(0, (bound - 1) // tick - first + 1)  # multiples in (x, bound)
            if n <= available:
                return (first + n - 1) * tick
            n -= available
            # the next band's bound is a multiple of its own tick: continue just below it
            x = bound - 1
            index += 1

    def _down(self, x: int, factor: int, n: int, price: Price) -> int:
        """The n-th grid price strictly below ``x``; there is none below the minimum price."""
        index = self._band_index(x, factor)
        requested = n
        while True:
            tick = self._ticks[index] * factor
            low = self._lows[index] * factor
            top = (x - 1) // tick  # index of the largest multiple of tick below x
            bottom = max(low // tick, 1)  # zero is not a price
            available = max(0, top - bottom + 1)
            if n <= available:
                return (top - n + 1) * tick
            n -= available
            if index == 0:
                raise InvalidPriceError(
                    f"no valid price {requested} tick(s) below {format_number(price)}: the "
                    f"lowest price is {format_number(self.min_price())} ({self.name})"
                )
            x = low
            index -= 1

    def next_up(self, price: Price, n: int = 1) -> Price:
        """The n-th valid price strictly above ``price`` (which need not be on the grid)."""
        _check_steps(n)
        x, factor = self._scaled(price)
        return self._price(self._up(x, factor, n), factor)

    def next_down(self, price: Price, n: int = 1) -> Price:
        """The n-th valid price strictly below ``price``; `InvalidPriceError` below the minimum."""
        _check_steps(n)
        x, factor = self._scaled(price)
        return self._price(self._down(x, factor, n, price), factor)

    def round(self, price: Price, mode: Rounding) -> Price:
        """Bring ``price`` onto the grid: UP/DOWN to the next valid price on that side,
        NEAREST to the closer one (a tie goes up, away from zero, as `Rounding` defines).

        DOWN below the minimum price raises `InvalidPriceError` (there is no price there);
        NEAREST below it gives the minimum, the only valid neighbour.
        """
        x, factor = self._scaled(price)
        if x % (self._ticks[self._band_index(x, factor)] * factor) == 0:
            return self._price(x, factor)
        if mode is Rounding.UP:
            return self._price(self._up(x, factor, 1), factor)
        if mode is Rounding.DOWN:
            return self._price(self._down(x, factor, 1, price), factor)
        above = self._up(x, factor, 1)
        if x < self._ticks[0] * factor:
            return self._price(above, factor)
        below = self._down(x, factor, 1, price)
        return self._price(above if above - x <= x - below else below, factor)


def _check_steps(n: int) -> None:
    if type(n) is not int or n < 1:
        raise InvalidInputError(f"the number of ticks to move must be an int >= 1, got {n!r}")


# ---- the tables -------------------------------------------------------------------------------

#: The day KRX unified the KOSPI/KOSDAQ/KONEX tables and cut three ticks (krx.md §3).
KRX_UNIFIED_TICKS_FROM: Final = dt.date(2023, 1, 25)
_BEFORE_KRX_UNIFIED: Final = dt.date(2023, 1, 24)

KRX_EQUITY_2023: Final = TickScheme.from_table(
    "krx-equity-2023",
    KRW,
    0,
    [
        (0, 1),
        (2_000, 5),
        (5_000, 10),
        (20_000, 50),
        (50_000, 100),
        (200_000, 500),
        (500_000, 1_000),
    ],
    effective_from=KRX_UNIFIED_TICKS_FROM,
)

KOSPI_BEFORE_2023: Final = TickScheme.from_table(
    "kospi-before-2023",
    KRW,
    0,
    [
        (0, 1),
        (1_000, 5),
        (5_000, 10),
        (10_000, 50),
        (50_000, 100),
        (100_000, 500),
        (500_000, 1_000),
    ],
    effective_to=_BEFORE_KRX_UNIFIED,
)

KOSDAQ_BEFORE_2023: Final = TickScheme.from_table(
    "kosdaq-before-2023",
    KRW,
    0,
    [(0, 1), (1_000, 5), (5_000, 10), (10_000, 50), (50_000, 100)],
    effective_to=_BEFORE_KRX_UNIFIED,
)

#: ETF, ETN and ELW: one 5 KRW tick at every price, unchanged by the 2023 reform.
KRX_ETP: Final = TickScheme.from_table("krx-etp", KRW, 0, [(0, 5)])


def krx_etp_scheme(tick_below_2000: Price | None = None) -> TickScheme:
    """The ETF/ETN table, optionally with another tick below 2,000 KRW.

    Whether low-priced ETFs trade in 1 KRW ticks is unverified [M]; the default keeps the
    documented flat 5 KRW. Pass ``Price(1)`` once verified (KIS ``aspr_unit`` reports the tick).
    """
    if tick_below_2000 is None or tick_below_2000 == 5:
        return KRX_ETP
    return TickScheme(
        f"krx-etp-below-2000-tick-{format_number(tick_below_2000)}",
        KRW,
        0,
        (TickBand(Price(0), tick_below_2000), TickBand(Price(2_000), Price(5))),
    )


_UPBIT_PRECISION: Final = 8

UPBIT_KRW_BEFORE_2024: Final = TickScheme.from_table(
    "upbit-krw-before-2024",
    KRW,
    _UPBIT_PRECISION,
    [
        ("0", "0.0001"),
        ("0.1", "0.001"),
        ("1", "0.01"),
        ("10", "0.1"),
        ("100", "1"),
        ("1000", "5"),
        ("10000", "10"),
        ("100000", "50"),
        ("500000", "100"),
        ("1000000", "500"),
        ("2000000", "1000"),
    ],
    effective_to=dt.date(2024, 1, 28),
)

_UPBIT_2024_ROWS: Final = (
    ("0", "0.00000001"),
    ("0.0001", "0.0000001"),
    ("0.001", "0.000001"),
    ("0.01", "0.00001"),
    ("0.1", "0.0001"),
    ("1", "0.001"),
    ("10", "0.01"),
    ("100", "0.1"),
    ("1000", "1"),
    ("10000", "10"),
    ("100000", "50"),
    ("500000", "100"),
    ("1000000", "500"),
    ("2000000", "1000"),
)

UPBIT_KRW_2024: Final = TickScheme.from_table(
    "upbit-krw-2024",
    KRW,
    _UPBIT_PRECISION,
    _UPBIT_2024_ROWS,
    effective_from=dt.date(2024, 1, 29),
    effective_to=dt.date(2025, 7, 30),
)

#: The 16 coins whose 100-1,000 KRW band moved from 0.1 to 1 KRW on 2024-10-01.
UPBIT_TICK_EXCEPTION_COINS: Final = frozenset(
    {
        "ADA",
        "ALGO",
        "BLUR",
        "CELO",
        "ELF",
        "EOS",
        "GRS",
        "GRT",
        "ICX",
        "MANA",
        "MINA",
        "POL",
        "SAND",
        "SEI",
        "STG",
        "TRX",
    }
)

UPBIT_KRW_2024_COIN_EXCEPTION: Final = TickScheme.from_table(
    "upbit-krw-2024-16-coins",
    KRW,
    _UPBIT_PRECISION,
    [(low, "1") if low == "100" else (low, tick) for low, tick in _UPBIT_2024_ROWS],
    effective_from=dt.date(2024, 10, 1),
    effective_to=dt.date(2025, 7, 30),
)

_UPBIT_STABLECOINS: Final = frozenset({"USDT", "USDC"})

UPBIT_KRW_STABLECOIN_EXCEPTION: Final = TickScheme.from_table(
    "upbit-krw-2025-usdt-usdc",
    KRW,
    _UPBIT_PRECISION,
    [(low, "0.5") if low == "1000" else (low, tick) for low, tick in _UPBIT_2024_ROWS],
    effective_from=dt.date(2025, 3, 21),
    effective_to=dt.date(2025, 7, 30),
)

UPBIT_KRW_2025: Final = TickScheme.from_table(
    "upbit-krw-2025",
    KRW,
    _UPBIT_PRECISION,
    [
        ("0", "0.00000001"),
        ("0.00001", "0.0000001"),
        ("0.0001", "0.000001"),
        ("0.001", "0.00001"),
        ("0.01", "0.0001"),
        ("0.1", "0.001"),
        ("1", "0.01"),
        ("10", "0.1"),
        ("100", "1"),
        ("1000", "1"),
        ("5000", "5"),
        ("10000", "10"),
        ("50000", "50"),
        ("100000", "100"),
        ("500000", "500"),
        ("1000000", "1000"),
        ("2000000", "1000"),
    ],
    effective_from=dt.date(2025, 7, 31),
)

_UPBIT_KRW_GENERAL: Final = (UPBIT_KRW_2025, UPBIT_KRW_2024, UPBIT_KRW_BEFORE_2024)
_KRX_VENUES: Final = frozenset({KRX, NXT})  # NXT trades KRX listings on the KRX grid [M]


def _first_applying(schemes: Sequence[TickScheme], on_date: dt.date, what: str) -> TickScheme:
    for scheme in schemes:
        if scheme.applies_on(on_date):
            return scheme
    raise NoTickSchemeError(f"no tick table known for {what} on {on_date.isoformat()}")


@functools.lru_cache(maxsize=1024)
def tick_scheme_for(
    venue: str,
    market: Market | None,
    kind: InstrumentKind,
    on_date: dt.date,
    *,
    quote: Currency = KRW,
    base: Currency | None = None,
    etp_tick_below_2000: Price | None = None,
) -> TickScheme:
    """The tick table in force for an instrument on a KST calendar date.

    ``market`` matters only for KRX stocks before 2023-01-25; ``base`` only for the Upbit
    per-coin exceptions. ``etp_tick_below_2000`` overrides the unverified ETF/ETN tick below
    2,000 KRW (see `krx_etp_scheme`). Unknown combinations raise `NoTickSchemeError`.
    """
    _check_date(on_date)
    what = f"{venue} {market.value if market else '-'} {kind.value} {quote.code}"
    if venue in _KRX_VENUES:
        if quote != KRW:
            raise NoTickSchemeError(f"no tick table for {what}: KRX quotes in KRW")
        if kind is InstrumentKind.STOCK:
            if KRX_EQUITY_2023.applies_on(on_date):
                return KRX_EQUITY_2023
            if market is Market.KOSPI:
                return KOSPI_BEFORE_2023
            if market in (Market.KOSDAQ, Market.KONEX):
                return KOSDAQ_BEFORE_2023
            raise NoTickSchemeError(
                f"no tick table for {what} on {on_date.isoformat()}: before "
                f"{KRX_UNIFIED_TICKS_FROM.isoformat()} the table depends on the market"
            )
        if kind in (InstrumentKind.ETF, InstrumentKind.ETN):
            return krx_etp_scheme(etp_tick_below_2000)
        if kind is InstrumentKind.ELW:
            return KRX_ETP
        raise NoTickSchemeError(f"no tick table for {what}: not a KRX product kind")
    if venue == UPBIT:
        if kind is not InstrumentKind.SPOT or quote != KRW:
            raise NoTickSchemeError(f"no tick table for {what}: only the Upbit KRW spot market")
        code = base.code if base is not None else None
        if code in UPBIT_TICK_EXCEPTION_COINS and UPBIT_KRW_2024_COIN_EXCEPTION.applies_on(on_date):
            return UPBIT_KRW_2024_COIN_EXCEPTION
        if code in _UPBIT_STABLECOINS and UPBIT_KRW_STABLECOIN_EXCEPTION.applies_on(on_date):
            return UPBIT_KRW_STABLECOIN_EXCEPTION
        return _first_applying(_UPBIT_KRW_GENERAL, on_date, what)
    raise NoTickSchemeError(f"no tick table for {what}: unknown venue {venue!r}")
