"""The message codec: exact round trips for every message type, clear errors for bad input."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jts.domain.codec import (
    MESSAGE_TYPES,
    Codec,
)
from jts.domain.commands import ModifyOrder, SubmitOrder
from jts.domain.enums import (
    AccountType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from jts.domain.events import (
    AccountBalance,
    AccountState,
    OrderDenied,
    OrderFilled,
    OrderInitialized,
    OrderSubmitted,
    OrderUpdated,
    PositionChanged,
    PositionClosed,
    PositionOpened,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    Identifier,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.instruments import krx_equity, upbit_spot
from jts.domain.market_data import (
    AggregationSource,
    AggressorSide,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    BookAction,
    BookLevel,
    BookSide,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
    PriceType,
    QuoteTick,
    TradeTick,
)
from jts.domain.messages import Message
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.tick_rules import Market
from jts.domain.values import BTC, KRW, USD, USDT, Currency, Money, Price, Quantity


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec()


# ---- strategies -------------------------------------------------------------------------------

PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
timestamps = st.integers(0, 2**63 - 1)
positive_prices = st.builds(Price.from_raw, st.integers(1, 10**12), st.integers(0, 8))
any_prices = st.builds(Price.from_raw, st.integers(-(10**12), 10**12), st.integers(0, 8))
positive_qty = st.builds(Quantity.from_raw, st.integers(1, 10**12), st.integers(0, 8))
any_qty = st.builds(Quantity.from_raw, st.integers(0, 10**12), st.integers(0, 8))
currencies = st.sampled_from([KRW, USD, USDT, BTC])
money = st.builds(Money.from_raw, st.integers(-(10**15), 10**15), currencies)
decimals = st.decimals(allow_nan=False, allow_infinity=False)

# Ids with a pattern come from a fixed pool (regex generation is slow); the free-form ids are
# random printable text, which exercises the string encoding.
IDENTIFIERS: dict[type[Identifier], st.SearchStrategy[Any]] = {
    TraderId: st.sampled_from(["JTS-001", "node_2-B", "x-1"]),
    StrategyId: st.sampled_from(["SMACross-001", "Pairs_v2-a_1", "S-1"]),
    AccountId: st.sampled_from(["KIS-12345678-01", "SIM-001", "UPBIT-main_acct"]),
    InstrumentId: st.sampled_from(["005930.KRX", "KRW-BTC.UPBIT", "069500.NXT", "A_b/1.SIM"]),
    ClientOrderId: st.text(PRINTABLE, min_size=1, max_size=64),
    VenueOrderId: st.text(PRINTABLE, min_size=1, max_size=64),
    TradeId: st.text(PRINTABLE, min_size=1, max_size=64),
    PositionId: st.text(PRINTABLE, min_size=1, max_size=128),
}


def for_annotation(hint: Any) -> st.SearchStrategy[Any]:
    """A strategy for a field annotation: the building block of `auto`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        options = [for_annotation(a) for a in args if a is not type(None)]
        inner = st.one_of(*options)
        return st.none() | inner if type(None) in args else inner
    if origin is tuple:
        item, _ellipsis = typing.get_args(hint)
        return st.lists(for_annotation(item), max_size=3).map(tuple)
    if isinstance(hint, type):
        if issubclass(hint, Identifier):
            return IDENTIFIERS[hint].map(hint)
        if issubclass(hint, enum.Enum):
            return st.sampled_from(list(hint))
        if hint is bool:
            return st.booleans()
        if hint is int:
            return timestamps
        if hint is str:
            return st.text(max_size=40)
        if hint is float:  # the only float fields are bounded scores (signal strength)
            return st.floats(min_value=0.0, max_value=1.0)
        table: dict[type, st.SearchStrategy[Any]] = {
            Decimal: decimals,
            Price: any_prices,
            Quantity: any_qty,
            Money: money,
            Currency: currencies,
            dt.date: st.dates(),
        }
        if hint in table:
            return table[hint]
    raise NotImplementedError(f"no strategy for {hint!r}")


def auto(cls: type[Any], **overrides: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Build ``cls`` from strategies for every field, ``overrides`` for the constrained ones."""
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: overrides[f.name] if f.name in overrides else for_annotation(hints[f.name])
        for f in msgspec.structs.fields(cls)
    }
    unknown = set(overrides) - set(fields)
    assert not unknown, f"{cls.__name__} has no fields {unknown}"
    return st.fixed_dictionaries(fields).map(lambda kw: cls(**kw))


@st.composite
def order_initialized(draw: st.DrawFn) -> OrderInitialized:
    order_type = draw(st.sampled_from(list(OrderType)))
    tif = draw(st.sampled_from(sorted(order_type.allowed_time_in_force, key=lambda t: t.value)))
    result: OrderInitialized = draw(
        auto(
            OrderInitialized,
            order_type=st.just(order_type),
            time_in_force=st.just(tif),
            quantity=positive_qty,
            price=positive_prices if order_type.requires_price else st.none(),
            trigger_price=positive_prices if order_type.requires_trigger_price else st.none(),
            expire_time_ns=timestamps if tif is TimeInForce.GTD else st.none(),
            post_only=st.just(False),
            tags=st.lists(st.text(max_size=10), max_size=3).map(tuple),
        )
    )
    return result


@st.composite
def position_event(draw: st.DrawFn, cls: type[Any]) -> Any:
    precision = draw(st.integers(0, 8))
    if cls is PositionClosed:
        raw = 0
    else:
        raw = draw(st.integers(1, 10**10)) * draw(st.sampled_from([1, -1]))
    side = PositionSide.FLAT if raw == 0 else (PositionSide.LONG if raw > 0 else PositionSide.SHORT)
    quantity = Quantity.from_raw(abs(raw), precision)
    overrides: dict[str, st.SearchStrategy[Any]] = {
        "side": st.just(side),
        "signed_qty": st.just(Decimal(raw).scaleb(-precision)),
        "quantity": st.just(quantity),
        "ts_opened": st.integers(0, 2**62),
    }
    if cls is PositionClosed:
        opened = draw(st.integers(0, 2**62))
        duration = draw(st.integers(0, 2**61))
        overrides |= {
            "ts_opened": st.just(opened),
            "ts_closed": st.just(opened + duration),
            "duration_ns": st.just(duration),
        }
    return draw(auto(cls, **overrides))


@st.composite
def account_balance(draw: st.DrawFn, currency: Currency) -> AccountBalance:
    def amount(low: int) -> Money:
        return Money.from_raw(draw(st.integers(low, 10**15)), currency)

    return AccountBalance.of(amount(-(10**15)), amount(-(10**15)), amount(0))


@st.composite
def account_state(draw: st.DrawFn) -> AccountState:
    chosen = draw(st.lists(currencies, unique=True, max_size=4))
    balances = tuple(draw(account_balance(c)) for c in chosen)
    result: AccountState = draw(auto(AccountState, balances=st.just(balances)))
    return result


@st.composite
def submit_order(draw: st.DrawFn) -> SubmitOrder:
    order = draw(order_initialized())
    result: SubmitOrder = draw(
        auto(
            SubmitOrder,
            order=st.just(order),
            trader_id=st.just(order.trader_id),
            strategy_id=st.just(order.strategy_id),
            instrument_id=st.just(order.instrument_id),
            command_id=st.text(PRINTABLE, min_size=1, max_size=26),
        )
    )
    return result


@st.composite
def order_status_report(draw: st.DrawFn) -> OrderStatusReport:
    quantity = draw(positive_qty)
    filled = Quantity.from_raw(draw(st.integers(0, quantity.raw)), quantity.precision)
    result: OrderStatusReport = draw(
        auto(
            OrderStatusReport,
            report_id=st.text(PRINTABLE, min_size=1, max_size=20),
            quantity=st.just(quantity),
            filled_qty=st.just(filled),
            avg_px=st.none() | positive_prices.map(Price.as_decimal),
        )
    )
    return result


@st.composite
def position_report(draw: st.DrawFn) -> PositionReport:
    side = draw(st.sampled_from(list(PositionSide)))
    quantity = draw(positive_qty) if side is not PositionSide.FLAT else Quantity.zero(2)
    result: PositionReport = draw(
        auto(
            PositionReport,
            report_id=st.text(PRINTABLE, min_size=1, max_size=20),
            position_side=st.just(side),
            quantity=st.just(quantity),
        )
    )
    return result


COMMAND_ID = st.text(PRINTABLE, min_size=1, max_size=26)
REPORT_ID = st.text(PRINTABLE, min_size=1, max_size=26)
POSITIVE_FILL = {"last_qty": positive_qty, "last_px": positive_prices}

STRATEGIES: dict[type[Message], st.SearchStrategy[Any]] = {
    OrderInitialized: order_initialized(),
    OrderSubmitted: auto(OrderSubmitted, account_id=IDENTIFIERS[AccountId].map(AccountId)),
    OrderUpdated: auto(
        OrderUpdated,
        quantity=positive_qty,
        price=st.none() | positive_prices,
        trigger_price=st.none() | positive_prices,
    ),
    OrderFilled: auto(
        OrderFilled,
        **POSITIVE_FILL,
        tax=st.builds(Money.from_raw, st.integers(0, 10**9), currencies),
    ),
    PositionOpened: position_event(PositionOpened),
    PositionChanged: position_event(PositionChanged),
    PositionClosed: position_event(PositionClosed),
    AccountState: account_state(),
    SubmitOrder: submit_order(),
    ModifyOrder: auto(
        ModifyOrder,
        command_id=COMMAND_ID,
        quantity=positive_qty,
        price=st.none() | positive_prices,
        trigger_price=st.none() | positive_prices,
    ),
    OrderStatusReport: order_status_report(),
    FillReport: auto(FillReport, **POSITIVE_FILL, report_id=REPORT_ID),
    PositionReport: position_report(),
}


def strategy_for(cls: type[Message]) -> st.SearchStrategy[Any]:
    if cls in STRATEGIES:
        return STRATEGIES[cls]
    names = {f.name for f in msgspec.structs.fields(cls)}
    overrides: dict[str, st.SearchStrategy[Any]] = {}
    if "command_id" in names:
        overrides["command_id"] = COMMAND_ID
    if "report_id" in names:
        overrides["report_id"] = REPORT_ID
    return auto(cls, **overrides)


# Market data and instruments come from other modules with their own rules; a set of examples
# per type (built through their public constructors) is enough to pin the wire format.
def market_data_examples() -> list[Message]:
    iid = InstrumentId("005930.KRX")
    spec = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
    delta = OrderBookDelta(
        instrument_id=iid,
        action=BookAction.UPDATE,
        side=BookSide.BID,
        price=Price("70000"),
        size=Quantity("15"),
        sequence=7,
        ts_event=10,
        ts_init=11,
    )
    return [
        TradeTick(
            instrument_id=iid,
            price=Price("70100"),
            size=Quantity("3"),
            aggressor_side=AggressorSide.BUYER,
            trade_id=TradeId("20260302-000001"),
            ts_event=10,
            ts_init=11,
        ),
        QuoteTick(
            instrument_id=InstrumentId("KRW-BTC.UPBIT"),
            bid_price=Price("95000000.5"),
            ask_price=Price("95000001.0"),
            bid_size=Quantity("0.12345678"),
            ask_size=Quantity("0"),
            ts_event=10,
            ts_init=11,
        ),
        Bar(
            bar_type=BarType(iid, spec, AggregationSource.EXTERNAL),
            open=Price("70000"),
            high=Price("70500"),
            low=Price("69900"),
            close=Price("70100"),
            volume=Quantity("12345"),
            ts_event=60_000_000_000,
            ts_init=60_000_000_001,
        ),
        OrderBookSnapshot(
            instrument_id=iid,
            bids=(
                BookLevel(Price("70000"), Quantity("10")),
                BookLevel(Price("69900"), Quantity(5)),
            ),
            asks=(BookLevel(Price("70100"), Quantity("7")),),
            sequence=6,
            ts_event=10,
            ts_init=11,
        ),
        delta,
        OrderBookDelta(
            instrument_id=iid, action=BookAction.CLEAR, sequence=8, ts_event=12, ts_init=13
        ),
        OrderBookDeltas(instrument_id=iid, deltas=(delta,), ts_event=10, ts_init=11),
        krx_equity(
            "005930",
            "Samsung Electronics",
            Market.KOSPI,
            name_ko="삼성전자",
            isin="KR7005930003",
            listing_date=dt.date(1975, 6, 11),
        ),
        upbit_spot("KRW-BTC"),
    ]


EXAMPLE_TYPES = {type(m) for m in market_data_examples()}


def assert_exact_round_trip(codec: Codec, message: Message) -> None:
    for encode, decode in (
        (codec.encode, codec.decode),
        (codec.encode_json, codec.decode_json),
    ):
        data = encode(message)
        back = decode(data)
        assert type(back) is type(message)
        assert back == message
        assert encode(back) == data


# ---- round trips ------------------------------------------------------------------------------


def test_every_message_type_is_covered_by_a_round_trip_test() -> None:
    generated = set(MESSAGE_TYPES) - EXAMPLE_TYPES
    for cls in generated:
        strategy_for(cls)  # raises if a field has no strategy
    assert set(MESSAGE_TYPES) >= EXAMPLE_TYPES
    assert len(set(MESSAGE_TYPES)) == len(MESSAGE_TYPES)


@pytest.mark.parametrize(
    "cls",
    [c for c in MESSAGE_TYPES if c not in EXAMPLE_TYPES],
    ids=lambda c: c.__name__,
)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_messages_round_trip_exactly(
    codec: Codec, cls: type[Message], data: st.DataObject
) -> None:
    message = data.draw(strategy_for(cls))
    assert_exact_round_trip(codec, message)


@pytest.mark.parametrize("message", market_data_examples(), ids=lambda m: type(m).__name__)
def test_market_data_and_instruments_round_trip_exactly(codec: Codec, message: Message) -> None:
    assert_exact_round_trip(codec, message)


def test_wire_form_of_exact_values(codec: Codec) -> None:
    message = OrderDenied(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId("O-1"),
        ts_event=1,
        ts_init=2,
        reason="max notional",
    )
    assert msgspec.json.decode(codec.encode_json(message)) == {
        "type": "OrderDenied",
        "trader_id": "JTS-001",
        "strategy_id": "S-1",
        "instrument_id": "005930.KRX",
        "client_order_id": "O-1",
        "account_id": None,
        "ts_event": 1,
        "ts_init": 2,
        "reason": "max notional",
    }
    balance = AccountBalance.of(Money("1500", KRW))
    state = AccountState(
        account_id=AccountId("SIM-001"),
        account_type=AccountType.CASH,
        balances=(balance,),
        reported=True,
        ts_event=1,
        ts_init=1,
    )
    wire = msgspec.json.decode(codec.encode_json(state))
    assert wire["balances"][0]["total"] == "1500 KRW"
    assert wire["balances"][0]["currency"] == "KRW"
    assert wire["account_type"] == "CASH"
    report = OrderStatusReport(
        account_id=AccountId("SIM-001"),
        instrument_id=InstrumentId("KRW-BTC.UPBIT"),
        report_id="R",
        ts_init=1,
        venue_order_id=VenueOrderId("u-1"),
        order_side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        order_status=OrderStatus.ACCEPTED,
        quantity=Quantity("1.50"),
        filled_qty=Quantity("0.000"),
        price=Price("95000000.10"),
        avg_px=Decimal("95000000.100"),
        ts_accepted=1,
        ts_last=1,
    )
    wire = msgspec.json.decode(codec.encode_json(report))
    assert wire["quantity"] == "1.50"
    assert wire["filled_qty"] == "0.000"
    assert wire["price"] == "95000000.10"
    assert wire["avg_px"] == "95000000.100"
    back = codec.decode_json(codec.encode_json(report))
    assert isinstance(back, OrderStatusReport)
    assert str(back.quantity) == "1.50"
    assert str(back.avg_px) == "95000000.100"
    assert type(back.venue_order_id) is VenueOrderId
    assert type(back.account_id) is AccountId
