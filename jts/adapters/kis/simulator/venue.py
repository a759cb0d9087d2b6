"""The simulated broker-and-exchange: order rules, execution, balances and notices.

REST handlers translate wire requests into calls here; this module knows KRX and KIS rules, not
HTTP. Every accepted order, modify and cancel produces an acknowledgement notice, and every fill
a fill notice, handed to a `VenueListener` (the WebSocket hub encrypts and sends them).

Execution model (documented so clients know what to expect):
- marketable orders (market, best-limit, IOC/FOK kinds, and limits at or through the opposite
  best) fill at once and in full at the best opposite price; the synthetic book is deep; the
  fill prints on the tape, unless the tape is replayed history (which knew no such order);
- other limit orders rest and fill when a later print trades through them, matched by the
  shared engine `jts.matching.engine.MatchingEngine` (see `matching` for the wrapper);
- auctions are not modelled: the pre-open and closing auction phases behave as continuous
  trading; off-hours kinds (05-07, real env only) are accepted and rest without filling;
- orders still open when the KST day changes expire silently, as DAY orders do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

from jts.adapters.kis.simulator.codes import Codes, KisRequestError, invalid_input
from jts.adapters.kis.simulator.hours import MarketHours
from jts.adapters.kis.simulator.market import Side, SyntheticMarket, TradePrint
from jts.adapters.kis.simulator.matching import BookSide, EngineBook, MatchFill, RestingBook
from jts.adapters.kis.simulator.state import (
    AccountRecord,
    FillRecord,
    HoldingRecord,
    OrderRecord,
    SimState,
)
from jts.core.clock import Clock
from jts.core.errors import InvalidPriceError
from jts.core.time import KST, kst_date, ns_to_dt
from jts.domain.enums import OrderSide
from jts.domain.fees import KrxSellTax
from jts.domain.instruments import InstrumentKind, Market
from jts.domain.values import KRW, Money, Price
from jts.ports.calendar import SessionPhase

__all__ = ["ExecutionNotice", "OrderRequest", "SimVenue", "VenueListener", "VenueRules"]

ORDER_KINDS = frozenset(
    {"00", "01", "02", "03", "04", "05", "06", "07", "11", "12", "13", "14", "15", "16"}
)
#: Not offered on the paper server (python-kis's table, brokers.md §1.7).
PAPER_UNSUPPORTED = frozenset({"05", "06", "07", "11", "12", "13", "14", "15", "16"})
_LIMIT_KINDS = frozenset({"00", "02", "07", "11", "12"})
_AT_BEST_KINDS = frozenset({"01", "03", "13", "14", "15", "16"})
_SELL_TAX = KrxSellTax()
_IMMEDIATE_KINDS = frozenset({"11", "12", "13", "14", "15", "16"})
_OFF_HOURS_KINDS = frozenset({"05", "06", "07"})
#: ODER_COND of the notice: 0 none, 1 IOC, 2 FOK.
_CONDITION = {"11": "1", "13": "1", "15": "1", "12": "2", "14": "2", "16": "2"}
_BRANCH = "91252"  # KRX_FWDG_ORD_ORGNO: the order-receiving branch, fixed in the simulator


@dataclass(frozen=True, slots=True)
class VenueRules:
    env: str
    commission_rate: Decimal
    sell_tax_rate: Decimal | None  # None: the KRX tax table by settlement date
    fill_on_touch: bool = False

    def sell_tax(self, amount: int, trade_day: str) -> int:
        """The seller's tax on ``amount`` KRW traded on ``trade_day`` (YYYYMMDD, KST)."""
        if self.sell_tax_rate is not None:
            return _floor(amount, self.sell_tax_rate)
        trade_date = dt.datetime.strptime(trade_day, "%Y%m%d").date()  # noqa: DTZ007 - a KST date
        settles = trade_date
        for _ in range(2):  # T+2 weekdays, as the client adapter assumes without a calendar
            settles += dt.timedelta(days=1)
            while settles.weekday() >= 5:
                settles += dt.timedelta(days=1)
        tax = _SELL_TAX.tax(
            OrderSide.SELL, Money(amount, KRW), Market.KOSPI, InstrumentKind.STOCK, settles
        )
        return tax.raw


@dataclass(frozen=True, slots=True)
class OrderRequest:
    account: AccountRecord
    side: str  # "01" sell / "02" buy
    symbol: str
    ord_dvsn: str
    qty: int
    price: int
    cond_price: int = 0
    excg: str = "KRX"


@dataclass(frozen=True, slots=True)
class ExecutionNotice:
    """One H0STCNI0/9 record before formatting (brokers.md §2 field meanings)."""

    hts_id: str
    account_no: str
    odno: str
    orgn_odno: str
    side: str
    rctf_cls: str  # 0 new, 1 modify, 2 cancel
    ord_dvsn: str
    condition: str
    symbol: str
    cntg_qty: int
    cntg_unpr: int
    hhmmss: str
    rejected: bool
    cntg_yn: str  # 1 ack, 2 fill
    acpt_yn: str  # 1 accepted, 2 confirmed, 3 IOC/FOK remainder cancelled
    branch: str
    ord_qty: int
    account_name: str
    name: str
    ord_price: int
    cond_price: int
    excg: str


class VenueListener(Protocol):
    def on_trades(self, symbol: str, prints: Sequence[TradePrint]) -> None: ...

    def on_notice(self, notice: ExecutionNotice) -> None: ...


def _floor(amount: int, rate: Decimal) -> int:
    return int((Decimal(amount) * rate).to_integral_value(rounding=ROUND_FLOOR))


class SimVenue:
    def __init__(
        self,
        *,
        state: SimState,
        market: SyntheticMarket,
        hours: MarketHours,
        clock: Clock,
        rules: VenueRules,
        listener: VenueListener,
    ) -> None:
        self.state = state
        self.market = market
        self._hours = hours
        self._clock = clock
        self._rules = rules
        self._listener = listener
        self._books: dict[str, RestingBook] = {}
        self._rebuild_books()

    def _book(self, symbol: str) -> RestingBook:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = EngineBook(
                self.market.instrument(symbol),
                self._clock,
                fill_on_touch=self._rules.fill_on_touch,
                base_price=lambda: self.market.state(symbol).base,
            )
        return book

    def _rebuild_books(self) -> None:
        """Put today's open orders of a restored state back on the books (earlier days' are
        expired by `roll_day` before any print can reach them, and today's limits may refuse
        their prices)."""
        today = kst_date(self._clock.timestamp_ns()).strftime("%Y%m%d")
        for order in self.state.orders.values():
            if order.ord_dt < today:
                continue
            if order.remaining > 0 and order.price > 0 and order.ord_dvsn not in _OFF_HOURS_KINDS:
                side: BookSide = "buy" if order.is_buy else "sell"
                self._book(order.symbol).add(order.odno, side, order.price, order.remaining)

    def set_hours(self, hours: MarketHours) -> None:
        """Switch the trading hours at run time (the admin endpoint's market-hours switch)."""
        self._hours = hours

    def active_symbols(self) -> set[str]:
        """Symbols with resting orders: the market must keep printing them."""
        return {symbol for symbol, book in self._books.items() if len(book)}

    # ---- time -----------------------------------------------------------------------------------
    def _now(self) -> tuple[int, str, str]:
        now = self._clock.timestamp_ns()
        local = ns_to_dt(now, KST)
        return now, local.strftime("%Y%m%d"), local.strftime("%H%M%S")

    def roll_day(self) -> None:
        """Expire the open orders of earlier days and reset the accounts' daily counters."""
        today = kst_date(self._clock.timestamp_ns()).strftime("%Y%m%d")
        for order in self.state.orders.values():
            if order.ord_dt < today and order.remaining > 0:
                self._release(order, order.remaining)
                order.expired_qty += order.remaining
        for account in self.state.accounts.values():
            if account.today != today:
                for holding in account.holdings.values():
                    holding.prev_buy_qty, holding.prev_sell_qty = (
                        holding.today_buy_qty,
                        holding.today_sell_qty,
                    )
                    holding.today_buy_qty = holding.today_sell_qty = 0
                account.today_buy_amount = account.today_sell_amount = account.today_fees = 0
                account.today = today

    # ---- placing --------------------------------------------------------------------------------
    def place(self, req: OrderRequest) -> OrderRecord:
        """Validate and accept an order (ack notice), then execute what is marketable."""
        self.roll_day()
        self._check_kind_and_session(req.ord_dvsn)
        state = self.market.state(req.symbol)
        if req.qty <= 0:
            raise KisRequestError(Codes.BAD_QTY, f"주문수량이 올바르지 않습니다 ({req.qty})")
        price = self._order_price(req.symbol, req.side, req.ord_dvsn, req.price)
        reserve_price = price if price > 0 else state.upper
        if req.side == "02":
            self._check_cash(req.account, reserve_price * req.qty)
        else:
            holding = req.account.holdings.get(req.symbol)
            if holding is None or holding.sellable < req.qty:
                have = holding.sellable if holding else 0
                detail = f"{Codes.NO_SHARES.msg1} (가능 {have}, 주문 {req.qty})"
                raise KisRequestError(Codes.NO_SHARES, detail)
        now, day, hhmmss = self._now()
        order = OrderRecord(
            odno=self.state.new_odno(),
            orgno=_BRANCH,
            account=req.account.key,
            symbol=req.symbol,
            name=state.name,
            side=req.side,
            ord_dvsn=req.ord_dvsn,
            qty=req.qty,
            price=req.price if req.ord_dvsn in _LIMIT_KINDS else 0,
            ord_dt=day,
            ord_tmd=hhmmss,
            ts_ns=now,
            cond_price=req.cond_price,
            excg=req.excg,
        )
        self._accept(order, req.account, reserve_price)
        self._notice(order, req.account, rctf="0", cntg_yn="1", acpt_yn="1", qty=order.qty)
        self._execute(order, req.account, price)
        return order

    def _check_kind_and_session(self, ord_dvsn: str) -> None:
        if ord_dvsn not in ORDER_KINDS:
            raise invalid_input("ORD_DVSN")
        if self._rules.env == "paper" and ord_dvsn in PAPER_UNSUPPORTED:
            raise KisRequestError(Codes.PAPER_UNSUPPORTED)
        phase = self._hours.phase(self._clock.timestamp_ns())
        if phase is SessionPhase.CLOSED:
            raise KisRequestError(Codes.MARKET_CLOSED)
        if (phase is SessionPhase.AFTER_HOURS) != (ord_dvsn in _OFF_HOURS_KINDS):
            raise KisRequestError(Codes.MARKET_CLOSED)

    def _order_price(self, symbol: str, side: str, ord_dvsn: str, price: int) -> int:
        """The price the order works at: its limit (validated), the best opposite price for
        at-best kinds, the best same-side price for 04, 0 for off-hours kinds."""
        state = self.market.state(symbol)
        if ord_dvsn in _LIMIT_KINDS:
            if price <= 0:
                raise KisRequestError(Codes.OFF_TICK, f"주문단가가 올바르지 않습니다 ({price})")
            try:
                state.instrument.check_order_price(Price(price), state.trading_date)
            except InvalidPriceError as exc:
                raise KisRequestError(Codes.OFF_TICK, f"{Codes.OFF_TICK.msg1} ({exc})") from None
            if not state.lower <= price <= state.upper:
                raise KisRequestError(
                    Codes.PRICE_LIMIT,
                    f"{Codes.PRICE_LIMIT.msg1} ({price}; {state.lower}~{state.upper})",
                )
            return price
        if ord_dvsn in _AT_BEST_KINDS:
            return self.market.best_ask(symbol) if side == "02" else self.market.best_bid(symbol)
        if ord_dvsn == "04":
            return self.market.best_bid(symbol) if side == "02" else self.market.best_ask(symbol)
        return 0

    def _check_cash(self, account: AccountRecord, amount: int) -> None:
        need = amount + _floor(amount, self._rules.commission_rate)
        if need > account.orderable_cash:
            raise KisRequestError(
                Codes.NO_CASH,
                f"주문가능금액을 초과 했습니다 (가능 {account.orderable_cash}, 필요 {need})",
            )

    def _accept(self, order: OrderRecord, account: AccountRecord, reserve_price: int) -> None:
        self.state.orders[order.odno] = order
        if order.is_buy:
            order.reserve_price = reserve_price
            amount = reserve_price * order.remaining
            order.reserved_cash = amount + _floor(amount, self._rules.commission_rate)
            account.reserved_cash += order.reserved_cash
        else:
            account.holdings[order.symbol].reserved_qty += order.remaining

    def _release(self, order: OrderRecord, qty: int) -> None:
        """Free what an order held for ``qty`` of its open remainder (cancel, modify, expiry)."""
        account = self.state.accounts[order.account]
        if order.is_buy:
            if qty >= order.remaining:
                released = order.reserved_cash
            else:
                amount = order.reserve_price * qty
                held = amount + _floor(amount, self._rules.commission_rate)
                released = min(order.reserved_cash, held)
            order.reserved_cash -= released
            account.reserved_cash -= released
        else:
            holding = account.holdings.get(order.symbol)
            if holding is not None:
                holding.reserved_qty -= min(qty, holding.reserved_qty)
        self._book(order.symbol).reduce(order.odno, qty)

    def _execute(self, order: OrderRecord, account: AccountRecord, price: int) -> None:
        kind = order.ord_dvsn
        if kind in _OFF_HOURS_KINDS:
            return
        best = (
            self.market.best_ask(order.symbol)
            if order.is_buy
            else self.market.best_bid(order.symbol)
        )
        marketable = kind in _AT_BEST_KINDS or (price >= best if order.is_buy else price <= best)
        if marketable:
            if not self.market.is_replayed(order.symbol):
                side: Side = "1" if order.is_buy else "5"
                trade = self.market.record_trade(order.symbol, best, order.remaining, side)
                self._listener.on_trades(order.symbol, [trade])
            self._fill(order, order.remaining, best)
            return
        if kind in _IMMEDIATE_KINDS:
            cancelled = order.remaining
            self._release(order, cancelled)
            order.moved_qty += cancelled
            self._notice(order, account, rctf="0", cntg_yn="1", acpt_yn="3", qty=cancelled)
            return
        self._book(order.symbol).add(
            order.odno, "buy" if order.is_buy else "sell", price, order.remaining
        )

    # ---- fills ----------------------------------------------------------------------------------
    def _fill(self, order: OrderRecord, qty: int, price: int) -> None:
        account = self.state.accounts[order.account]
        amount = qty * price
        commission = _floor(amount, self._rules.commission_rate)
        tax = 0 if order.is_buy else self._rules.sell_tax(amount, self._now()[1])
        holding = account.holdings.get(order.symbol)
        if order.is_buy:
            # release the reservation of the filled part at the reserve price
            reserved_part = order.reserve_price * qty
            released = min(
                order.reserved_cash,
                reserved_part + _floor(reserved_part, self._rules.commission_rate),
            )
            if qty == order.remaining:
                released = order.reserved_cash
            order.reserved_cash -= released
            account.reserved_cash -= released
            account.cash -= amount + commission
            account.today_buy_amount += amount
            if holding is None:
                holding = account.holdings[order.symbol] = HoldingRecord(symbol=order.symbol)
            holding.qty += qty
            holding.cost += amount
            holding.today_buy_qty += qty
        else:
            assert holding is not None  # a sell was accepted against a holding
            cost_part = holding.cost * qty // holding.qty
            holding.cost -= cost_part
            holding.qty -= qty
            holding.reserved_qty -= min(qty, holding.reserved_qty)
            holding.today_sell_qty += qty
            account.cash += amount - commission - tax
            account.today_sell_amount += amount
        account.today_fees += commission + tax
        order.filled_qty += qty
        order.filled_amount += amount
        now, day, _ = self._now()
        self.state.fills.append(
            FillRecord(
                seq=self.state.new_fill_seq(),
                odno=order.odno,
                account=account.key,
                symbol=order.symbol,
                side=order.side,
                qty=qty,
                price=price,
                ts_ns=now,
                trade_date=day,
                commission=commission,
                tax=tax,
            )
        )
        self._notice(order, account, rctf="0", cntg_yn="2", acpt_yn="2", qty=qty, price=price)

    def on_prints(self, symbol: str, prints: Sequence[TradePrint]) -> None:
        """Fill the resting orders that the new prints trade through."""
        book = self._books.get(symbol)
        if book is None or not len(book):
            return
        for trade in prints:
            fills: list[MatchFill] = book.match_print(trade.price, trade.qty)
            for fill in fills:
                order = self.state.orders[fill.order_id]
                self._fill(order, fill.qty, fill.price)

    def step(self, symbols: Sequence[str]) -> dict[str, list[TradePrint]]:
        """Advance the market one step for ``symbols``: publish the prints, then match them."""
        if self._hours.phase(self._clock.timestamp_ns()) is SessionPhase.CLOSED:
            return {}
        self.roll_day()
        out: dict[str, list[TradePrint]] = {}
        for symbol in symbols:
            prints = self.market.step(symbol)
            out[symbol] = prints
            self._listener.on_trades(symbol, prints)
            self.on_prints(symbol, prints)
        return out

    def inject_trade(self, symbol: str, price: int, qty: int, side: Side) -> TradePrint:
        """A print forced by a test (``POST /sim/trade``): on the grid, inside the limits."""
        state = self.market.state(symbol)
        try:
            state.instrument.check_order_price(Price(price), state.trading_date)
        except InvalidPriceError as exc:
            raise KisRequestError(Codes.OFF_TICK, str(exc)) from None
        if not state.lower <= price <= state.upper:
            raise KisRequestError(
                Codes.PRICE_LIMIT, f"print {price} outside {state.lower}..{state.upper}"
            )
        if qty <= 0:
            raise KisRequestError(Codes.BAD_QTY, f"print quantity must be positive, got {qty}")
        self.roll_day()
        trade = self.market.record_trade(symbol, price, qty, side)
        self._listener.on_trades(symbol, [trade])
        self.on_prints(symbol, [trade])
        return trade

    # ---- modify / cancel ------------------------------------------------------------------------
    def modify_or_cancel(
        self,
        account: AccountRecord,
        *,
        orgn_odno: str,
        orgno: str,
        rvse_cncl: str,
        ord_dvsn: str,
        qty: int,
        price: int,
        qty_all: bool,
    ) -> OrderRecord:
        """``RVSE_CNCL_DVSN_CD`` 01 modify / 02 cancel of (part of) an open order; the request
        gets its own order number and the original's remainder shrinks accordingly."""
        self.roll_day()
        original = self.state.order(account.key, orgn_odno)
        if original is None or original.kind == "cancel" or (orgno and orgno != original.orgno):
            raise KisRequestError(Codes.ORDER_NOT_FOUND)
        if original.remaining <= 0:
            raise KisRequestError(Codes.NOTHING_TO_CANCEL)
        if rvse_cncl not in ("01", "02"):
            raise invalid_input("RVSE_CNCL_DVSN_CD")
        amount = original.remaining if qty_all or qty == 0 else qty
        if not 0 < amount <= original.remaining:
            raise KisRequestError(
                Codes.BAD_QTY, f"정정/취소 수량 {qty}이 잔량 {original.remaining}을 초과합니다"
            )
        now, day, hhmmss = self._now()
        if rvse_cncl == "02":
            self._release(original, amount)
            original.moved_qty += amount
            request = OrderRecord(
                odno=self.state.new_odno(),
                orgno=_BRANCH,
                account=account.key,
                symbol=original.symbol,
                name=original.name,
                side=original.side,
                ord_dvsn=original.ord_dvsn,
                qty=amount,
                price=original.price,
                ord_dt=day,
                ord_tmd=hhmmss,
                ts_ns=now,
                kind="cancel",
                orgn_odno=original.odno,
                excg=original.excg,
            )
            self.state.orders[request.odno] = request
            self._notice(request, account, rctf="2", cntg_yn="1", acpt_yn="2", qty=amount)
            return request
        self._check_kind_and_session(ord_dvsn)
        new_price = self._order_price(original.symbol, original.side, ord_dvsn, price)
        reserve_price = new_price if new_price > 0 else self.market.state(original.symbol).upper
        self._release(original, amount)
        original.moved_qty += amount
        if original.is_buy:
            try:
                self._check_cash(account, reserve_price * amount)
            except KisRequestError:
                original.moved_qty -= amount  # undo: the original keeps working
                self._accept_back(original, account, amount)
                raise
        request = OrderRecord(
            odno=self.state.new_odno(),
            orgno=_BRANCH,
            account=account.key,
            symbol=original.symbol,
            name=original.name,
            side=original.side,
            ord_dvsn=ord_dvsn,
            qty=amount,
            price=price if ord_dvsn in _LIMIT_KINDS else 0,
            ord_dt=day,
            ord_tmd=hhmmss,
            ts_ns=now,
            kind="modify",
            orgn_odno=original.odno,
            excg=original.excg,
        )
        self._accept(request, account, reserve_price)
        self._notice(request, account, rctf="1", cntg_yn="1", acpt_yn="2", qty=amount)
        self._execute(request, account, new_price)
        return request

    def _accept_back(self, order: OrderRecord, account: AccountRecord, qty: int) -> None:
        amount = order.reserve_price * qty
        held = amount + _floor(amount, self._rules.commission_rate)
        order.reserved_cash += held
        account.reserved_cash += held
        book = self._book(order.symbol)
        book.remove(order.odno)
        if order.price > 0:
            book.add(order.odno, "buy" if order.is_buy else "sell", order.price, order.remaining)

    # ---- notices --------------------------------------------------------------------------------
    def _notice(
        self,
        order: OrderRecord,
        account: AccountRecord,
        *,
        rctf: str,
        cntg_yn: str,
        acpt_yn: str,
        qty: int,
        price: int | None = None,
    ) -> None:
        _, _, hhmmss = self._now()
        self._listener.on_notice(
            ExecutionNotice(
                hts_id=account.hts_id,
                account_no=account.cano + account.product,
                odno=order.odno,
                orgn_odno=order.orgn_odno,
                side=order.side,
                rctf_cls=rctf,
                ord_dvsn=order.ord_dvsn,
                condition=_CONDITION.get(order.ord_dvsn, "0"),
                symbol=order.symbol,
                cntg_qty=qty,
                cntg_unpr=order.price if price is None else price,
                hhmmss=hhmmss,
                rejected=False,
                cntg_yn=cntg_yn,
                acpt_yn=acpt_yn,
                branch=order.orgno,
                ord_qty=order.qty,
                account_name=account.name,
                name=order.name,
                ord_price=order.price,
                cond_price=order.cond_price,
                excg=order.excg,
            )
        )
