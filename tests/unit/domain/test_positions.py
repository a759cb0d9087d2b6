"""Netting positions: average cost, exact realised PnL, flips through zero."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import CurrencyMismatchError, DuplicateFillError
from jts.domain.enums import OrderSide, PositionSide
from jts.domain.events import PositionChanged, PositionClosed, PositionOpened
from jts.domain.identifiers import InstrumentId, PositionId
from jts.domain.orders import ratio_to_decimal
from jts.domain.positions import Position, PositionMismatchError, fraction_to_money
from jts.domain.values import KRW, USDT, Money, Price
from tests.unit.domain.trading_builders import (
    ACCOUNT,
    INSTRUMENT,
    STRATEGY,
    TRADER,
    standalone_fill,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def new_position() -> Position:
    return Position(INSTRUMENT, STRATEGY, TRADER, KRW, account_id=ACCOUNT)


def test_new_position_is_flat_and_neither_open_nor_closed() -> None:
    position = new_position()
    assert position.side is PositionSide.FLAT
    # the account is part of the id: the same strategy may hold the instrument in two accounts
    assert position.position_id == PositionId("005930.KRX-SMACross-001-KIS-12345678-01")
    assert not position.is_open
    assert not position.is_closed
    assert position.avg_px_open is None
    assert position.realized_pnl == Money(0, KRW)
    assert position.unrealized_pnl(Price("70000")) == Money(0, KRW)
    assert "FLAT" in repr(position)


def test_opening_fill_emits_opened() -> None:
    position = new_position()
    (opened,) = position.apply(standalone_fill(BUY, 10, 70000, "T-1", ts=100))
    assert isinstance(opened, PositionOpened)
    assert opened.side is PositionSide.LONG
    assert opened.signed_qty == 10
    assert opened.avg_px_open == Decimal(70000)
    assert opened.entry is BUY
    assert opened.ts_opened == 100
    assert opened.account_id == ACCOUNT
    assert position.is_open
    assert position.quantity == 10
    assert position.opening_order_id == "O-0001"


def test_adding_averages_exactly() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 1, 100, "T-1"))
    (changed,) = position.apply(standalone_fill(BUY, 2, 101, "T-2"))
    assert isinstance(changed, PositionChanged)
    assert position.avg_px_open == ratio_to_decimal(Fraction(302, 3))
    assert position.peak_qty == 3
    # marked at the fill price 101: 3 x 101 - 302 = 1
    assert changed.unrealized_pnl == Money(1, KRW)


def test_reducing_realises_against_the_average() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 1, 100, "T-1"))
    position.apply(standalone_fill(BUY, 2, 101, "T-2"))
    (changed,) = position.apply(standalone_fill(SELL, 1, 102, "T-3"))
    assert isinstance(changed, PositionChanged)
    # 102 - 302/3 = 4/3 won, kept exactly, shown rounded to the won
    assert position.realized_pnl_exact == Fraction(4, 3)
    assert position.realized_pnl == Money(1, KRW)
    assert position.avg_px_open == ratio_to_decimal(Fraction(302, 3))
    assert position.avg_px_close == Decimal(102)
    assert position.quantity == 2
    assert position.peak_qty == 3
    position.apply(standalone_fill(SELL, 2, 102, "T-4"))
    # the rest realises 2 x (102 - 302/3) = 8/3: total 4 won exactly, no drift
    assert position.realized_pnl_exact == Fraction(4)
    assert position.realized_pnl == Money(4, KRW)


def test_closing_emits_closed_with_the_round_trip_figures() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 10, 70000, "T-1", ts=100))
    position.apply(standalone_fill(SELL, 4, 71000, "T-2", ts=200))
    (closed,) = position.apply(standalone_fill(SELL, 6, 72000, "T-3", ts=350))
    assert isinstance(closed, PositionClosed)
    assert closed.side is PositionSide.FLAT
    assert closed.quantity == 0
    assert closed.peak_qty == 10
    assert closed.avg_px_open == Decimal(70000)
    assert closed.avg_px_close == Decimal(71600)
    assert closed.realized_pnl == Money(4 * 1000 + 6 * 2000, KRW)
    assert closed.ts_closed == 350
    assert closed.duration_ns == 250
    assert position.is_closed
    assert position.avg_px_open is None
    assert position.ts_closed == 350


def test_flip_through_zero_closes_then_opens_at_the_fill_price() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 10, 70000, "T-1", order_id="O-1", ts=100))
    closed, opened = position.apply(standalone_fill(SELL, 25, 71000, "T-2", order_id="O-2", ts=200))
    assert isinstance(closed, PositionClosed)
    assert isinstance(opened, PositionOpened)
    assert closed.realized_pnl == Money(10_000, KRW)
    assert closed.avg_px_open == Decimal(70000)
    assert opened.side is PositionSide.SHORT
    assert opened.signed_qty == -15
    assert opened.avg_px_open == Decimal(71000)
    assert opened.entry is SELL
    assert opened.opening_order_id == "O-2"
    assert opened.ts_opened == 200
    assert opened.avg_px_close is None
    assert opened.peak_qty == 15
    assert position.side is PositionSide.SHORT
    assert position.ts_closed is None


def test_short_position_gains_when_price_falls() -> None:
    position = new_position()
    position.apply(standalone_fill(SELL, 10, 70000, "T-1"))
    assert position.side is PositionSide.SHORT
    assert position.signed_qty == -10
    assert position.unrealized_pnl(Price("69000")) == Money(10_000, KRW)
    assert position.unrealized_pnl(Price("71000")) == Money(-10_000, KRW)
    assert position.notional_value(Price("69000")) == Money(690_000, KRW)
    position.apply(standalone_fill(BUY, 4, 69500, "T-2"))
    assert position.realized_pnl == Money(2_000, KRW)
    assert position.total_pnl(Price("69000")) == Money(2_000 + 6 * 1_000, KRW)


def test_realised_pnl_is_cumulative_across_round_trips() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 1, 100, "T-1"))
    position.apply(standalone_fill(SELL, 1, 110, "T-2"))
    (reopened,) = position.apply(standalone_fill(BUY, 2, 120, "T-3"))
    assert isinstance(reopened, PositionOpened)
    assert reopened.realized_pnl == Money(10, KRW)
    assert reopened.peak_qty == 2
    position.apply(standalone_fill(SELL, 2, 115, "T-4"))
    assert position.realized_pnl == Money(0, KRW)


def test_commissions_and_taxes_and_net_pnl() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 10, 70000, "T-1", commission=Money(98, KRW)))
    position.apply(
        standalone_fill(SELL, 10, 71000, "T-2", commission=Money(99, KRW), tax=Money(1420, KRW))
    )
    position.apply(standalone_fill(BUY, 1, 70000, "T-3", commission=Money("0.1", USDT)))
    assert position.commissions == {KRW: Money(197, KRW), USDT: Money("0.1", USDT)}
    assert position.taxes == {KRW: Money(1420, KRW)}
    assert position.realized_pnl == Money(10_000, KRW)
    assert position.net_realized_pnl == Money(10_000 - 197 - 1420, KRW)


def test_crypto_quantities_at_mixed_precisions() -> None:
    btc = InstrumentId("KRW-BTC.UPBIT")
    position = Position(btc, STRATEGY, TRADER, KRW)
    position.apply(standalone_fill(BUY, "0.5", "95000000", "T-1", instrument=btc))
    position.apply(standalone_fill(BUY, "0.12345678", "96000000", "T-2", instrument=btc))
    assert position.quantity.precision == 8
    assert position.signed_qty == Decimal("0.62345678")
    position.apply(standalone_fill(SELL, "0.62345678", "97000000", "T-3", instrument=btc))
    expected = Fraction("0.5") * 2_000_000 + Fraction("0.12345678") * 1_000_000
    assert position.realized_pnl_exact == expected
    assert position.realized_pnl == fraction_to_money(expected, KRW)
    assert position.is_closed


def test_refusals_leave_the_position_unchanged() -> None:
    position = new_position()
    position.apply(standalone_fill(BUY, 10, 70000, "T-1"))
    with pytest.raises(DuplicateFillError, match="T-1"):
        position.apply(standalone_fill(SELL, 10, 70000, "T-1"))
    with pytest.raises(PositionMismatchError, match=r"000660\.KRX"):
        position.apply(
            standalone_fill(SELL, 10, 70000, "T-2", instrument=InstrumentId("000660.KRX"))
        )
    with pytest.raises(CurrencyMismatchError, match="USDT"):
        position.apply(standalone_fill(SELL, 10, 70000, "T-3", currency=USDT))
    assert position.quantity == 10
    assert position.trade_ids == {"T-1"}
    assert position.realized_pnl == Money(0, KRW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 2), 1),
        (Fraction(-1, 2), -1),
        (Fraction(3, 2), 2),
        (Fraction(-5, 3), -2),
        (Fraction(4, 3), 1),
        (Fraction(-4, 3), -1),
        (Fraction(0), 0),
    ],
)
def test_fraction_to_money_rounds_half_away_from_zero(value: Fraction, expected: int) -> None:
    assert fraction_to_money(value, KRW) == Money(expected, KRW)


def test_fraction_to_money_keeps_the_currency_precision() -> None:
    assert fraction_to_money(Fraction(1, 3), USDT) == Money("0.333333", USDT)


fills_strategy = st.lists(
    st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 50), st.integers(9_000, 11_000)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(fills_strategy, st.integers(9_000, 11_000))
def test_total_pnl_equals_cash_flow_plus_mark(
    fills: list[tuple[OrderSide, int, int]], mark: int
) -> None:
    """Average cost moves PnL between realised and unrealised, never creates or loses any."""
    position = new_position()
    cash = Fraction(0)
    net = 0
    for n, (side, qty, px) in enumerate(fills):
        events = position.apply(standalone_fill(side, qty, px, f"T-{n}"))
        cash -= side.sign * qty * px
        before, net = net, net + side.sign * qty
        assert position.signed_qty == net
        crossed = before != 0 and net != 0 and (before > 0) != (net > 0)
        assert len(events) == (2 if crossed else 1)
        if net == 0:
            assert isinstance(events[-1], PositionClosed)
        assert abs(position.signed_qty) <= position.peak_qty.as_decimal()
    expected = cash + net * mark
    assert position.total_pnl(Price(mark)) == fraction_to_money(expected, KRW)
    if net == 0:
        assert position.realized_pnl_exact == cash


class _FractionModel:
    """The average-cost rules written plainly with `Fraction`: the oracle for the integer
    arithmetic `Position` uses (the way it was computed before that was tuned for speed)."""

    def __init__(self) -> None:
        self.qty = Fraction(0)
        self.cost = Fraction(0)
        self.realized = Fraction(0)
        self.close_value = Fraction(0)
        self.close_qty = Fraction(0)

    def apply(self, side: OrderSide, qty: Fraction, px: Fraction) -> Fraction | None:
        """Returns the average open price of a round trip this fill closed."""
        delta = qty * side.sign
        if self.qty == 0:
            self._open(delta, px)
            return None
        if (self.qty > 0) == (delta > 0):
            self.cost += px * qty
            self.qty += delta
            return None
        closing = min(qty, abs(self.qty))
        average = self.cost / abs(self.qty)
        direction = 1 if self.qty > 0 else -1
        self.realized += (px - average) * closing * direction
        self.cost -= average * closing
        self.close_value += px * closing
        self.close_qty += closing
        self.qty -= closing * direction
        if self.qty == 0 and qty > closing:
            self._open((qty - closing) * side.sign, px)
        return average if self.qty == 0 or qty > closing else None

    def _open(self, delta: Fraction, px: Fraction) -> None:
        self.qty = delta
        self.cost = px * abs(delta)
        self.close_value = Fraction(0)
        self.close_qty = Fraction(0)


exotic_fills = st.lists(
    st.tuples(
        st.sampled_from([BUY, SELL]),
        st.integers(1, 400).map(lambda n: Fraction(n, 4)),  # 0.25 steps: finer than shares
        st.integers(1, 3).map(lambda n: Fraction(n, 10**n)),  # a quantity unit per fill
        st.integers(90_000, 110_000).map(lambda n: Fraction(n, 100)),
    ),
    min_size=1,
    max_size=30,
)


def _text(value: Fraction, places: int) -> str:
    scaled = value * 10**places
    assert scaled.denominator == 1
    return str(Decimal(scaled.numerator).scaleb(-places))


@settings(max_examples=200, deadline=None)
@given(exotic_fills, st.integers(90_000, 110_000))
def test_integer_arithmetic_matches_the_fraction_rules(
    fills: list[tuple[OrderSide, Fraction, Fraction, Fraction]], mark: int
) -> None:
    """Mixed quantity precisions, partial reductions, flips: every exact figure and every
    average equals what plain `Fraction` arithmetic gives."""
    position = Position(INSTRUMENT, STRATEGY, TRADER, USDT)
    model = _FractionModel()
    for n, (side, lots, unit, px) in enumerate(fills):
        qty = lots * unit
        places = max(len(str(unit.denominator)) - 1, 2)
        fill = standalone_fill(side, _text(qty, places + 2), _text(px, 2), f"T-{n}", currency=USDT)
        events = position.apply(fill)
        average = model.apply(side, qty, px)
        assert position.signed_qty == Decimal(model.qty.numerator) / model.qty.denominator
        assert position.realized_pnl_exact == model.realized
        if model.qty:
            assert position.avg_px_open == ratio_to_decimal(model.cost / abs(model.qty))
        if model.close_qty:
            assert position.avg_px_close == ratio_to_decimal(model.close_value / model.close_qty)
        if average is not None:
            closed = next(e for e in events if isinstance(e, PositionClosed))
            assert closed.avg_px_open == ratio_to_decimal(average)
        unrealized = Fraction(mark) * model.qty - model.cost * (1 if model.qty >= 0 else -1)
        assert position.unrealized_pnl(Price(mark)) == fraction_to_money(unrealized, USDT)
        assert position.total_pnl(Price(mark)) == fraction_to_money(
            model.realized + unrealized, USDT
        )
    assert position.realized_pnl == fraction_to_money(model.realized, USDT)


def test_kinds_limit_the_events_built_but_not_what_the_position_does() -> None:
    fills = [
        standalone_fill(BUY, 10, 70000, "T-1", ts=100),
        standalone_fill(BUY, 5, 71000, "T-2", ts=200),
        standalone_fill(SELL, 20, 72000, "T-3", ts=300),  # closes, then opens short
        standalone_fill(BUY, 5, 69000, "T-4", ts=400),
    ]
    everything, closes_only = new_position(), new_position()
    all_events = [e for f in fills for e in everything.apply(f)]
    closes = [e for f in fills for e in closes_only.apply(f, kinds={PositionClosed})]
    assert [type(e) for e in all_events] == [
        PositionOpened,
        PositionChanged,
        PositionClosed,
        PositionOpened,
        PositionClosed,
    ]
    assert closes == [e for e in all_events if isinstance(e, PositionClosed)]
    assert closes_only.apply(standalone_fill(BUY, 1, 1, "T-5"), kinds=()) == ()
    everything.apply(standalone_fill(BUY, 1, 1, "T-5"))
    for name in ("signed_qty", "realized_pnl_exact", "avg_px_open", "avg_px_close", "peak_qty"):
        assert getattr(closes_only, name) == getattr(everything, name)
