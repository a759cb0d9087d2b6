"""When a live fill's cash settles: T+2 on XKRX sessions for KRX, at once for crypto.

The kernel books a fill's cash on the date its `SettlementPolicy` names (None: at once), as the
backtest does; the node passes this policy so the live account splits cash into settled and
unsettled like the broker (sale proceeds arrive two sessions later, yet fund buys at once).

Two cases a backtest never meets: a fill on a day that is not a session (the simulator with
``market_hours = "always"`` trades on weekends and holidays) settles as if traded on the next
session; and a calendar that cannot answer (a date beyond its span) must not lose the fill,
so the cash is booked at once and the error logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from jts.core.errors import JtsError
from jts.core.time import kst_date
from jts.domain.accounts import Account
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import AccountId
from jts.domain.instruments import AssetClass, Instrument
from jts.domain.values import Money
from jts.ports.calendar import TradingCalendar

__all__ = ["KRX_SETTLEMENT_DAYS", "KrxSettlement", "opening_account"]

log = logging.getLogger(__name__)

KRX_SETTLEMENT_DAYS = 2


class KrxSettlement:
    """A `jts.kernel.portfolio.portfolio.SettlementPolicy` over a trading calendar."""

    def __init__(self, calendar: TradingCalendar, *, days: int = KRX_SETTLEMENT_DAYS) -> None:
        self._calendar = calendar
        self._days = days
        self._by_trade_date: dict[dt.date, dt.date | None] = {}

    def __call__(self, instrument: Instrument, ts_ns: int) -> dt.date | None:
        if instrument.asset_class is AssetClass.CRYPTO:
            return None
        return self.for_trade_date(kst_date(ts_ns))

    def for_trade_date(self, trade_date: dt.date) -> dt.date | None:
        if trade_date in self._by_trade_date:  # one calendar lookup per day, not per fill
            return self._by_trade_date[trade_date]
        calendar = self._calendar
        try:
            session = trade_date
            if not calendar.is_session(trade_date):
                session = calendar.next_session(trade_date).date
            settles: dt.date | None = calendar.settlement_date(session, self._days)
        except JtsError as exc:
            log.error(
                "no settlement date for trades of %s (booked as settled): %s", trade_date, exc
            )
            settles = None
        self._by_trade_date[trade_date] = settles
        return settles


def opening_account(
    account_id: AccountId,
    cash: Money,
    fills: Iterable[OrderFilled],
    settles_on: Callable[[OrderFilled], dt.date | None],
    today: dt.date,
) -> Account:
    """The account as the node starts it: the venue's ``cash`` in all, of which the node's own
    fills not settled by ``today`` (from the journal) are unsettled, due on their dates.

    The venue's total is taken as it is (it already counts those trades); only its split comes
    from the journal, since a broker reports one unsettled sum (KIS: D+2 minus deposit) and the
    simulator none. A split that would leave negative settled cash (the journal and the venue
    disagree) is not guessed at: everything is booked settled, and the error logged.
    """
    account = Account(account_id)
    currency = cash.currency
    pending: list[tuple[OrderFilled, dt.date]] = []
    for fill in fills:
        day = settles_on(fill) if fill.currency == currency else None
        if day is not None and day > today:
            pending.append((fill, day))
    unsettled = Account(account_id)  # what the pending fills alone do to an empty account
    for fill, day in pending:
        unsettled.apply_fill(fill, settlement_date=day, allow_negative=True)
    settled = cash - unsettled.total(currency)
    if settled.raw < 0:
        log.error(
            "venue cash %s is less than the journal's unsettled %s: all booked as settled",
            cash,
            unsettled.total(currency),
        )
        settled, pending = cash, []
    if settled.raw > 0:
        account.deposit(settled)
    for fill, day in pending:
        account.apply_fill(fill, settlement_date=day, allow_negative=True)
    return account
