"""Message codec: encode and decode rate of a realistic `OrderFilled` (domain msgpack codec).

Every message that crosses the Redis bus or lands in the journal pays one encode and one
decode, so this rate bounds the cross-process bus per core.
"""

from __future__ import annotations

import time

from jts.domain.codec import Codec
from jts.domain.enums import LiquiditySide, OrderSide, OrderType
from jts.domain.events import OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.values import KRW, Money, Price, Quantity

N = 20_000


def order_filled(seq: int = 0) -> OrderFilled:
    """A KRX sell fill as the OMS publishes it: every field set, tax and commission included."""
    return OrderFilled(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("SMACross-001"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId("O-01HZX3K4J5M6N7P8Q9R0S1T2V3"),
        account_id=AccountId("KIS-12345678-01"),
        ts_event=1_704_153_600_123_456_789 + seq,
        ts_init=1_704_153_600_123_999_000 + seq,
        venue_order_id=VenueOrderId("0000117057"),
        trade_id=TradeId(f"T-20240102-{seq:06d}"),
        order_side=OrderSide.SELL,
        order_type=OrderType.LIMIT,
        last_qty=Quantity("37"),
        last_px=Price("71200"),
        currency=KRW,
        commission=Money("395", KRW),
        tax=Money("4741", KRW),
        liquidity_side=LiquiditySide.TAKER,
        position_id=PositionId("005930.KRX-SMACross-001"),
    )


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} /s  ({seconds / count * 1e6:.2f} us each)"


def main() -> None:
    codec = Codec()
    message = order_filled()
    data = codec.encode(message)
    assert codec.decode(data) == message

    started = time.perf_counter()
    for _ in range(N):
        codec.encode(message)
    encode_s = time.perf_counter() - started

    started = time.perf_counter()
    for _ in range(N):
        codec.decode(data)
    decode_s = time.perf_counter() - started

    started = time.perf_counter()
    for _ in range(N):
        codec.decode(codec.encode(message))
    both_s = time.perf_counter() - started

    print(f"message: OrderFilled from the domain codec (msgpack), {len(data)} bytes")
    print(f"encode          {_rate(N, encode_s)}")
    print(f"decode          {_rate(N, decode_s)}")
    print(f"encode+decode   {_rate(N, both_s)}")


if __name__ == "__main__":
    main()
