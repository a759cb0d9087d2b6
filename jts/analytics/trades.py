"""Round trips (closed trades) and the trade-level statistics built on them.

The return-based win rate and profit factor in `jts.analytics.ratios` count *days*; a trader
asking "how many of my trades made money" means *round trips*, so both exist and are reported
side by side. A round trip here is one netting position from flat back to flat: its PnL is what
the caller (or `round_trips_from_position_events`) says it is, exact, gross or net of costs as
given, and the statistics never round it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from jts.analytics.errors import AnalyticsInputError
from jts.core.errors import CurrencyMismatchError
from jts.core.time import ns_to_iso
from jts.domain.enums import OrderSide
from jts.domain.events_position import PositionClosed, PositionEvent
from jts.domain.values import Currency, Money, Quantity


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A position opened from flat and closed back to flat.

    ``side`` is the side of the opening fill (BUY: a long trade). Prices are averages, hence
    `Decimal` (an average of tick prices need not sit on a tick).
    """

    instrument_id: str
    side: OrderSide
    quantity: Quantity
    entry_ns: int
    exit_ns: int
    entry_price: Decimal
    exit_price: Decimal
    pnl: Money

    def __post_init__(self) -> None:
        def where() -> str:  # formatted only for a message: a run makes thousands of trips
            return f"round trip in {self.instrument_id} opened {ns_to_iso(self.entry_ns)}"

        if not self.quantity.is_positive():
            raise AnalyticsInputError(f"{where()}: quantity must be positive, got {self.quantity}")
        if self.exit_ns < self.entry_ns:
            raise AnalyticsInputError(
                f"{where()}: exit {ns_to_iso(self.exit_ns)} is before the entry"
            )
        for name, price in (("entry_price", self.entry_price), ("exit_price", self.exit_price)):
            if not price.is_finite() or price <= 0:
                raise AnalyticsInputError(f"{where()}: {name} must be positive, got {price}")

    @property
    def duration_ns(self) -> int:
        return self.exit_ns - self.entry_ns

    @property
    def return_fraction(self) -> float:
        """PnL over the entry value (``entry_price x quantity``)."""
        cost = Fraction(self.entry_price) * Fraction(self.quantity.as_decimal())
        return float(Fraction(self.pnl.as_decimal()) / cost)


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Counts and sums over round trips. A break-even trade is neither a win nor a loss and,
    as with the daily win rate, stays out of the win rate's denominator."""

    count: int
    wins: int
    losses: int
    win_rate: float
    profit_factor: float
    gross_profit: Decimal
    gross_loss: Decimal
    net_pnl: Decimal
    avg_win: float
    avg_loss: float
    currency: Currency | None


def trade_stats(trades: Sequence[RoundTrip]) -> TradeStats:
    currency: Currency | None = None
    profit = Decimal(0)
    loss = Decimal(0)
    wins = losses = 0
    for index, trade in enumerate(trades):
        if not isinstance(trade, RoundTrip):
            raise AnalyticsInputError(
                f"trade #{index} is a {type(trade).__name__}, expected RoundTrip"
            )
        if currency is None:
            currency = trade.pnl.currency
        elif trade.pnl.currency != currency:
            raise CurrencyMismatchError(
                f"trade #{index} has PnL in {trade.pnl.currency}, earlier trades in {currency}"
            )
        amount = trade.pnl.as_decimal()
        if amount > 0:
            wins += 1
            profit += amount
        elif amount < 0:
            losses += 1
            loss += amount
    decided = wins + losses
    factor = math.inf if profit else math.nan
    if loss:
        factor = float(Fraction(profit) / -Fraction(loss))
    return TradeStats(
        count=len(trades),
        wins=wins,
        losses=losses,
        win_rate=wins / decided if decided else math.nan,
        profit_factor=factor,
        gross_profit=profit,
        gross_loss=loss,
        net_pnl=profit + loss,
        avg_win=float(Fraction(profit) / wins) if wins else math.nan,
        avg_loss=float(Fraction(loss) / losses) if losses else math.nan,
        currency=currency,
    )


def round_trips_from_position_events(events: Iterable[PositionEvent]) -> tuple[RoundTrip, ...]:
    """Round trips from the portfolio's position events (only `PositionClosed` matters).

    ``realized_pnl`` on a position event is cumulative over the netting slot, so a round trip's
    PnL is the difference from the slot's previous close: gross of commissions and taxes, as the
    position events are. The quantity is the round trip's peak size.
    """
    realized_before: dict[str, Money] = {}
    trips: list[RoundTrip] = []
    for event in events:
        if not isinstance(event, PositionClosed):
            continue
        previous = realized_before.get(event.position_id)
        pnl = event.realized_pnl if previous is None else event.realized_pnl - previous
        realized_before[event.position_id] = event.realized_pnl
        if event.avg_px_close is None:
            raise AnalyticsInputError(
                f"closed position {event.position_id} at {ns_to_iso(event.ts_closed)} "
                "carries no average close price"
            )
        trips.append(
            RoundTrip(
                instrument_id=str(event.instrument_id),
                side=event.entry,
                quantity=event.peak_qty,
                entry_ns=event.ts_opened,
                exit_ns=event.ts_closed,
                entry_price=event.avg_px_open,
                exit_price=event.avg_px_close,
                pnl=pnl,
            )
        )
    return tuple(trips)
