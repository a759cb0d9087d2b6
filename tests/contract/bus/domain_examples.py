"""One valid instance of every message type the domain codec knows, for round-trip tests.

Built generically from each type's fields, so a message type added to the domain is covered
without editing this file; values that a field's type cannot tell (which enum member, whether
an optional is set) are chosen to be non-trivial: optionals are filled, text carries Korean,
timestamps use all nine digits. `OVERRIDES` fixes the few fields whose valid
values depend on each other (a position's side and signed quantity, a bar's high and low).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import inspect as mi

from jts.domain.enums import OrderType, PositionSide, TimeInForce
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    Identifier,
    InstrumentId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)
from jts.domain.market_data.book_updates import BookAction
from jts.domain.messages import Message
from jts.domain.reference import load_reference_instruments
from jts.domain.values import KRW, Currency, Money, Price, Quantity

_IDENTIFIERS: dict[type[Identifier], str] = {
    TraderId: "JTS-001",
    StrategyId: "SMACross-001",
    InstrumentId: "005930.KRX",
    ClientOrderId: "O-01HZX3K4J5M6N7P8Q9R0S1T2V3",
    VenueOrderId: "0000117057",
    TradeId: "T-20240102-000123",
    PositionId: "005930.KRX-SMACross-001",
    AccountId: "KIS-12345678-01",
    Venue: "KRX",
    Symbol: "005930",
}

TS = 1_704_153_600_123_456_789  # 2024-01-02 00:00:00.123456789 UTC, all nine digits used


def _value(t: mi.Type, path: str) -> Any:
    if isinstance(t, mi.UnionType):
        options = [o for o in t.types if not isinstance(o, mi.NoneType)]
        return _value(options[0], path)
    if isinstance(t, mi.IntType):
        return TS
    if isinstance(t, mi.StrType):
        return f"{path} 삼성전자"
    if isinstance(t, mi.BoolType):
        return True
    if isinstance(t, mi.FloatType):
        return 0.1  # not exactly representable in binary: must survive as the same double
    if isinstance(t, mi.LiteralType):
        return t.values[-1]
    if isinstance(t, mi.FrozenSetType):
        return frozenset({_value(t.item_type, path)})
    if isinstance(t, mi.SetType):
        return {_value(t.item_type, path)}
    if isinstance(t, mi.DictType):
        return {_value(t.key_type, path): _value(t.value_type, path)}
    if isinstance(t, mi.DateType):
        return dt.date(2024, 1, 2)
    if isinstance(t, mi.DecimalType):
        return Decimal("70000.125")
    if isinstance(t, mi.EnumType):
        return list(t.cls)[-1]
    if isinstance(t, mi.VarTupleType | mi.ListType):
        return (_value(t.item_type, path),)
    if isinstance(t, mi.StructType):
        return build(t.cls)
    if isinstance(t, mi.CustomType):
        cls = t.cls
        if issubclass(cls, Identifier):
            return cls(_IDENTIFIERS.get(cls, "X-1"))
        if cls is Price:
            return Price("70000")
        if cls is Quantity:
            return Quantity("10")
        if cls is Money:
            return Money("1050", KRW)
        if cls is Currency:
            return KRW
    raise NotImplementedError(f"no example value for {path}: {t!r}")


def build(cls: type[msgspec.Struct], **overrides: Any) -> Any:
    fields = {}
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        if field.name in overrides:
            continue
        fields[field.name] = _value(field.type, f"{cls.__name__}.{field.name}")
    fields.update(OVERRIDES.get(cls.__name__, {}))
    fields.update(overrides)
    return cls(**fields)


def _money(amount: str) -> Money:
    return Money(amount, KRW)


_SHORT_POSITION = {"signed_qty": Decimal("-10"), "quantity": Quantity("10"), "side": None}

#: Fields whose valid values depend on other fields, by type name (nested structs included).
OVERRIDES: dict[str, dict[str, Any]] = {
    "OrderInitialized": {"order_type": OrderType.STOP_LIMIT, "time_in_force": TimeInForce.GTD},
    "PositionOpened": {**_SHORT_POSITION, "side": PositionSide.SHORT},
    "PositionChanged": {**_SHORT_POSITION, "side": PositionSide.SHORT},
    "PositionClosed": {
        "signed_qty": Decimal("0"),
        "quantity": Quantity("0"),
        "side": PositionSide.FLAT,
        "ts_opened": TS - 5_000_000_000,
        "ts_closed": TS,
        "duration_ns": 5_000_000_000,
    },
    "AccountBalance": {
        "total": _money("1000000"),
        "locked": _money("250000"),
        "free": _money("750000"),
        "settled": _money("900000"),
        "unsettled": _money("100000"),
    },
    "OrderBookDelta": {"action": BookAction.UPDATE},
}


def _instruments() -> list[Message]:
    """Instruments have many cross-field rules: take real ones (a KRX stock, an Upbit pair)."""
    loaded = load_reference_instruments()
    krx = next(i for i in loaded if i.id.venue == "KRX")
    upbit = next(i for i in loaded if i.id.venue == "UPBIT")
    return [krx, upbit]


#: Types built by a function rather than field by field.
FACTORIES: dict[str, Callable[[], list[Message]]] = {"Instrument": _instruments}


def examples(types: tuple[type[Message], ...]) -> list[Message]:
    """At least one instance of each type in ``types``, in that order."""
    out: list[Message] = []
    for cls in types:
        factory = FACTORIES.get(cls.__name__)
        out.extend(factory() if factory is not None else [build(cls)])
    return out
