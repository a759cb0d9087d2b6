"""The cost port: what one fill costs in commission and tax.

Venues charge differently (KRX brokers: a commission rate both ways plus the seller's
securities transaction tax by market and settlement date; Upbit: a fee rate), and users
override rates per account. The simulated venues ask a `CostModel` for every fill and put the
answer into `OrderFilled.commission` / `.tax`, so the portfolio books what a real venue would.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from jts.domain.enums import OrderSide
from jts.domain.instruments import Instrument
from jts.domain.values import Money, Price, Quantity


@runtime_checkable
class CostModel(Protocol):
    def commission(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money: ...

    def tax(
        self, instrument: Instrument, side: OrderSide, price: Price, quantity: Quantity, ts_ns: int
    ) -> Money: ...
