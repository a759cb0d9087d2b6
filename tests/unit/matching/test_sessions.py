from __future__ import annotations

import datetime as dt

from jts.matching.sessions import BarWindow, SessionRules, TickPhase

from .matching_support import DAY, NEXT_DAY, FakeCalendar, at

MIN = 60_000_000_000
RULES = SessionRules(FakeCalendar(holidays=[dt.date(2024, 3, 6)]))
TODAY = RULES.day_of(at("1000"))


def window(start: str, end: str, previous: str | None = None) -> BarWindow | None:
    return RULES.bar_window(TODAY, at(start), at(end), None if previous is None else at(previous))


def test_day_of_knows_the_session_and_the_next_midnight() -> None:
    assert TODAY.date == DAY
    assert TODAY.end_ns == at("000000", NEXT_DAY)
    assert TODAY.regular_end_ns == at("1530")
    holiday = RULES.day_of(at("1000", dt.date(2024, 3, 6)))
    assert holiday.session is None
    assert holiday.regular_end_ns == -1


def test_bars_outside_regular_hours_match_nothing() -> None:
    assert window("0839", "0840") is None
    assert window("0859", "0900") is None  # ends at the open: the auction is not in it
    assert window("1530", "1531") is None
    assert window("1600", "1601") is None


def test_the_first_bar_opens_with_the_auction() -> None:
    assert window("0900", "0901", previous="0840") == BarWindow(
        at("0900"), at("0901"), True, False, False
    )
    # a later bar is continuous
    assert window("0901", "0902", previous="0901") == BarWindow(
        at("0901"), at("0902"), False, False, False
    )
    # data that starts late: its first bar still carries the opening auction
    assert window("0930", "0931", previous=None).open_auction  # type: ignore[union-attr]
    assert window("0930", "0931", previous="0840").open_auction  # type: ignore[union-attr]


def test_closing_auction_bars() -> None:
    assert window("1520", "1521") is None  # orders are collected
    assert window("1529", "1530") == BarWindow(at("1530"), at("1530"), False, True, True)
    # a 30-minute bar spanning continuous trading and the close ends in the auction
    assert window("1500", "1530", previous="1500") == BarWindow(
        at("1500"), at("1530"), False, True, False
    )


def test_a_daily_bar_stamped_at_the_close_covers_both_auctions() -> None:
    start = at("1530", dt.date(2024, 3, 1))
    assert RULES.bar_window(TODAY, start, at("1530"), start) == BarWindow(
        at("0900"), at("1530"), True, True, False
    )


def test_without_a_calendar_every_bar_is_continuous() -> None:
    rules = SessionRules(None)
    day = rules.day_of(at("0300"))
    assert day.regular_end_ns == day.end_ns - 1
    assert rules.bar_window(day, at("0300"), at("0301"), None) == BarWindow(
        at("0300"), at("0301"), False, False, False
    )
    assert rules.tick_phase(day, at("0300"), None) is TickPhase.CONTINUOUS
    assert rules.book_tradable(day, at("2359"))


def test_tick_phases() -> None:
    phase = RULES.tick_phase
    assert phase(TODAY, at("0850"), None) is None
    assert phase(TODAY, at("0900"), at("0840")) is TickPhase.OPENING_AUCTION
    assert phase(TODAY, at("090001"), at("0900")) is TickPhase.CONTINUOUS
    assert phase(TODAY, at("0901"), None) is TickPhase.OPENING_AUCTION
    # the closing print may be stamped after the close (random end)
    assert phase(TODAY, at("153012"), at("151959")) is TickPhase.CLOSING_AUCTION
    assert phase(TODAY, at("154000"), at("153012")) is None  # off-hours closing-price trading


def test_without_a_closing_auction_ticks_stop_at_the_close() -> None:
    rules = SessionRules(FakeCalendar(closing_auction=False))
    day = rules.day_of(at("1000"))
    assert rules.tick_phase(day, at("1525"), at("1524")) is TickPhase.CONTINUOUS
    assert rules.tick_phase(day, at("1530"), at("1525")) is None


def test_books_match_only_in_continuous_trading() -> None:
    assert not RULES.book_tradable(TODAY, at("0850"))
    assert RULES.book_tradable(TODAY, at("0900"))
    assert RULES.book_tradable(TODAY, at("151959"))
    assert not RULES.book_tradable(TODAY, at("1520"))


def test_day_orders_expire_at_the_close_of_their_session() -> None:
    assert RULES.day_order_expiry(at("1000")) == at("1530")
    assert RULES.day_order_expiry(at("0800")) == at("1530")
    # sent at or after the close: the next session (the 6th is a holiday)
    assert RULES.day_order_expiry(at("1530")) == at("1530", NEXT_DAY)
    assert RULES.day_order_expiry(at("1530", NEXT_DAY)) == at("1530", dt.date(2024, 3, 7))
    assert SessionRules(None).day_order_expiry(at("1000")) == at("000000", NEXT_DAY)


def test_trading_date_moves_to_the_next_session_after_the_close() -> None:
    assert RULES.trading_date(at("1000")) == (DAY, False)
    assert RULES.trading_date(at("1600")) == (NEXT_DAY, True)
    saturday = dt.date(2024, 3, 9)
    assert RULES.trading_date(at("1000", saturday)) == (dt.date(2024, 3, 11), True)
    assert SessionRules(None).trading_date(at("2300")) == (DAY, False)
