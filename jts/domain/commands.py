"""Trading commands: requests a strategy (or a person, through the API) makes of the system.

A command may be refused (risk denies it, the venue rejects it); what actually happened is told
by the events it leads to. Each command has a ``command_id`` (a ULID string) so a retried
request can be recognised, and ``ts_init`` when it was made.
"""

from __future__ import annotations

from typing import Final

from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderInitialized, check_timestamp
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TraderId,
    VenueOrderId,
)
from jts.domain.messages import Message
from jts.domain.values import Price, Quantity


# ``gc=False``: immutable values and events only, no reference cycle possible (see `OrderEvent`)
class TradingCommand(Message, frozen=True, kw_only=True, gc=False):
    """Fields every trading command carries; never sent itself."""

    trader_id: TraderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    command_id: str
    ts_init: int

    def __post_init__(self) -> None:
        command_id, ts_init = self.command_id, self.ts_init
        if (
            type(ts_init) is not int
            or ts_init < 0
            or not isinstance(command_id, str)
            or not command_id.strip()
        ):
            self._check_command()

    def _check_command(self) -> None:
        """The checks of `__post_init__` with their messages (taken only when one fails, so a
        valid command never builds a message)."""
        if not isinstance(self.command_id, str) or not self.command_id.strip():
            raise InvalidInputError(
                f"command_id must be a non-empty string, got {self.command_id!r}"
            )
        check_timestamp("ts_init", self.ts_init, f"{type(self).__name__} {self.command_id}")


class SubmitOrder(TradingCommand, frozen=True, kw_only=True):
    """Send a new order. ``order`` is its `OrderInitialized` event, so the OMS can build the
    order (and journal its first event) from the command alone."""

    order: OrderInitialized
    position_id: PositionId | None = None
    account_id: AccountId | None = None

    def __post_init__(self) -> None:
        command_id, ts_init = self.command_id, self.ts_init  # `TradingCommand`'s checks, inlined
        if (
            type(ts_init) is not int
            or ts_init < 0
            or not isinstance(command_id, str)
            or not command_id.strip()
        ):
            self._check_command()
        order = self.order
        if (
            order.instrument_id == self.instrument_id
            and order.strategy_id == self.strategy_id
            and order.trader_id == self.trader_id
        ):
            return
        for name in ("trader_id", "strategy_id", "instrument_id"):
            if getattr(self.order, name) != getattr(self, name):
                raise InvalidInputError(
                    f"SubmitOrder {self.command_id}: {name} {getattr(self, name)} differs from "
                    f"the order's {getattr(self.order, name)} (order {self.order.client_order_id})"
                )

    @property
    def client_order_id(self) -> ClientOrderId:
        return self.order.client_order_id


class ModifyOrder(TradingCommand, frozen=True, kw_only=True):
    """Change a working order. ``quantity`` is the new total order quantity; ``None`` fields
    stay as they are, and at least one must change."""

    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None = None
    quantity: Quantity | None = None
    price: Price | None = None
    trigger_price: Price | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        where = f"ModifyOrder {self.command_id} for order {self.client_order_id}"
        if self.quantity is None and self.price is None and self.trigger_price is None:
            raise InvalidInputError(f"{where} changes nothing: give a quantity or a price")
        if self.quantity is not None and not self.quantity.is_positive():
            raise InvalidQuantityError(f"{where}: quantity must be positive, got {self.quantity}")
        for name in ("price", "trigger_price"):
            value: Price | None = getattr(self, name)
            if value is not None and not value.is_positive():
                raise InvalidPriceError(f"{where}: {name} must be positive, got {value}")


class CancelOrder(TradingCommand, frozen=True, kw_only=True):
    """Cancel the unfilled rest of one order."""

    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None = None


class CancelAllOrders(TradingCommand, frozen=True, kw_only=True):
    """Cancel every open order of the strategy in the instrument; ``order_side`` None = both."""

    order_side: OrderSide | None = None


COMMAND_TYPES: Final[tuple[type[TradingCommand], ...]] = (
    SubmitOrder,
    ModifyOrder,
    CancelOrder,
    CancelAllOrders,
)
