"""The node's real-time risk: the kernel's `RiskMonitor` fed from the bus, tripping the kill
switch on a loss limit, sampling equity for the metrics and publishing them.

It listens on the bus like any outside consumer (fills on ``events.order.**``, prices on
``data.trades.**`` and ``data.bars.**``) rather than inside the kernel: the kernel stays
unchanged, the in-process bus delivers synchronously (a losing fill trips the switch before the
next tick is processed), and an execution role that hears its prices over Redis is fed the
same way. The monitor's books start from the portfolio after recovery (`RiskMonitor.sync`),
today's journaled fills included, so a restart does not forget the day's losses.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from jts.config.risk import RiskConfig
from jts.domain.events_order import OrderFilled
from jts.domain.events_risk import RiskMetricsUpdated
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import Bar, TradeTick
from jts.domain.messages import Message
from jts.kernel import topics
from jts.kernel.kernel import Kernel
from jts.kernel.risk.monitor import Breach, RiskMonitor, RiskSnapshot
from jts.ports.bus import MessageBus

__all__ = ["RiskWatch"]


class RiskWatch:
    def __init__(self, kernel: Kernel, config: RiskConfig, *, log: Any) -> None:
        self._kernel = kernel
        self._config = config
        self._log = log
        self._bus: MessageBus | None = None
        self.monitor = RiskMonitor(
            config.loss_limits(),
            currency=kernel.portfolio.cash().currency,  # the portfolio's base currency
            window=config.metrics.window,
        )
        self.published = 0

    # ---- wiring -------------------------------------------------------------------------------
    def attach(self, bus: MessageBus) -> None:
        """Start from the portfolio as recovered, then follow the bus."""
        self._bus = bus
        self.sync()
        bus.subscribe("events.order.**", self.on_order_event)
        bus.subscribe("data.trades.**", self.on_market_data)
        bus.subscribe("data.bars.**", self.on_market_data)

    def sync(self) -> None:
        """Re-read the portfolio (cash, net positions, last prices, every fill of the books)."""
        kernel = self._kernel
        portfolio = kernel.portfolio
        cash = portfolio.total_cash()  # every account's: the positions are every account's
        positions: dict[InstrumentId, Decimal] = {}
        for position in portfolio.positions(open_only=True):
            if position.currency == cash.currency:
                iid = position.instrument_id
                positions[iid] = positions.get(iid, Decimal(0)) + position.signed_qty
        marks: dict[InstrumentId, Decimal] = {}
        for iid in positions:
            last = kernel.cache.last_price(iid)
            if last is not None:
                marks[iid] = last.as_decimal()
        fills = [
            event
            for order in kernel.cache.orders()
            for event in order.events
            if isinstance(event, OrderFilled)
        ]
        now = kernel.clock.timestamp_ns()
        self._act(self.monitor.sync(now, cash.as_decimal(), positions, marks, fills))

    # ---- bus handlers -------------------------------------------------------------------------
    def on_order_event(self, message: Message) -> None:
        if isinstance(message, OrderFilled):
            self._act(self.monitor.on_fill(message))

    def on_market_data(self, message: Message) -> None:
        if isinstance(message, TradeTick):
            breach = self.monitor.on_price(message.instrument_id, message.price, message.ts_event)
        elif isinstance(message, Bar) and not message.bar_type.is_internal:
            # internal bars are built from the trades this watch already heard
            iid = message.bar_type.instrument_id
            breach = self.monitor.on_price(iid, message.close, message.ts_event)
        else:
            return
        self._act(breach)

    def _act(self, breach: Breach | None) -> None:
        if breach is None:
            return
        reason = str(breach)
        cancels = self._kernel.trip_kill_switch(reason)
        self._log.warning("risk_limit_breached", limit=breach.limit, reason=reason, cancels=cancels)

    # ---- metrics ------------------------------------------------------------------------------
    async def run(self) -> None:
        """Every ``risk.metrics.interval_s``: sample equity, publish the figures."""
        interval = self._config.metrics.interval_s
        while True:
            await asyncio.sleep(interval)
            try:
                self.tick()
            except Exception as exc:  # a metrics failure must not stop the node's loops
                self._log.error("risk_metrics_failed", error=str(exc))

    def tick(self) -> RiskSnapshot:
        now = self._kernel.clock.timestamp_ns()
        self.monitor.sample(now)
        snapshot = self.monitor.snapshot(now)
        if self._config.metrics.publish and self._bus is not None:
            self._bus.publish(topics.risk_metrics(), _event(self._kernel, snapshot))
            self.published += 1
        return snapshot

    def report(self) -> dict[str, Any]:
        """The control API's ``GET /risk``: the monitor's figures and the kill switch."""
        kernel = self._kernel
        snapshot = self.monitor.snapshot(kernel.clock.timestamp_ns())
        data = snapshot.as_dict()
        data["kill_switch"] = kernel.risk.kill_switch_reason
        data["orders_checked"] = kernel.risk.checked
        data["orders_denied"] = kernel.risk.denied
        data["interval_s"] = self._config.metrics.interval_s
        return data


def _event(kernel: Kernel, snapshot: RiskSnapshot) -> RiskMetricsUpdated:
    conc = snapshot.concentration
    return RiskMetricsUpdated(
        trader_id=kernel.trader_id,
        currency=snapshot.currency,
        equity=snapshot.equity,
        daily_pnl=snapshot.daily_pnl,
        drawdown=snapshot.drawdown,
        max_drawdown_pct=snapshot.max_drawdown_pct,
        gross_exposure=snapshot.gross_exposure,
        net_exposure=snapshot.net_exposure,
        largest_position_share=None if conc is None else conc.largest_share,
        volatility=snapshot.volatility,
        var_95=snapshot.var(0.95),
        expected_shortfall_95=snapshot.expected_shortfall(0.95),
        var_99=snapshot.var(0.99),
        expected_shortfall_99=snapshot.expected_shortfall(0.99),
        returns=snapshot.returns,
        ts_event=snapshot.ts_ns,
        ts_init=snapshot.ts_ns,
    )
