"""Accounts, orders, fills and holdings of the simulated broker, and their persistence.

Records are msgspec structs so the whole state can be written to a file and read back: a
restarted simulator continues with the same orders, order numbers and balances, which is what
lets a client prove it loses no fill across a broker restart. Amounts are whole won (``int``),
exact; average prices are derived from exact totals only when they are printed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import msgspec

from jts.adapters.kis.simulator.auth import AuthSnapshot
from jts.adapters.kis.simulator.codes import Codes, KisRequestError
from jts.adapters.kis.simulator.config import SimulatorConfig
from jts.core.errors import ParseError

__all__ = [
    "AccountRecord",
    "FillRecord",
    "HoldingRecord",
    "OrderRecord",
    "SimState",
    "StateFile",
    "load_state",
    "save_state",
]


class OrderRecord(msgspec.Struct, kw_only=True):
    """An order, or a modify/cancel request (``kind``), as the daily-order inquiry lists it.

    ``moved_qty`` is the quantity taken away by modify/cancel requests; ``expired_qty`` what
    the day's end removed. ``reserved_cash`` is the cash held for a buy's open remainder at
    ``reserve_price`` per share.
    """

    odno: str
    orgno: str
    account: str
    symbol: str
    name: str
    side: str  # "01" sell, "02" buy
    ord_dvsn: str
    qty: int
    price: int
    ord_dt: str
    ord_tmd: str
    ts_ns: int
    kind: str = "new"  # new | modify | cancel
    orgn_odno: str = ""
    excg: str = "KRX"
    cond_price: int = 0
    filled_qty: int = 0
    filled_amount: int = 0
    moved_qty: int = 0
    expired_qty: int = 0
    rejected_qty: int = 0
    reserve_price: int = 0
    reserved_cash: int = 0

    @property
    def is_buy(self) -> bool:
        return self.side == "02"

    @property
    def remaining(self) -> int:
        if self.kind == "cancel":
            return 0
        return self.qty - self.filled_qty - self.moved_qty - self.expired_qty - self.rejected_qty


class FillRecord(msgspec.Struct, kw_only=True):
    seq: int
    odno: str
    account: str
    symbol: str
    side: str
    qty: int
    price: int
    ts_ns: int
    trade_date: str
    commission: int
    tax: int


class HoldingRecord(msgspec.Struct, kw_only=True):
    """A position: ``cost`` is the exact purchase amount of the shares still held."""

    symbol: str
    qty: int = 0
    cost: int = 0
    reserved_qty: int = 0  # promised to open sell orders
    today_buy_qty: int = 0
    today_sell_qty: int = 0
    prev_buy_qty: int = 0
    prev_sell_qty: int = 0

    @property
    def sellable(self) -> int:
        return self.qty - self.reserved_qty


class AccountRecord(msgspec.Struct, kw_only=True):
    key: str
    cano: str
    product: str
    hts_id: str
    name: str
    cash: int
    reserved_cash: int = 0
    holdings: dict[str, HoldingRecord] = {}
    today_buy_amount: int = 0
    today_sell_amount: int = 0
    today_fees: int = 0
    today: str = ""

    @property
    def orderable_cash(self) -> int:
        return self.cash - self.reserved_cash


class StateFile(msgspec.Struct, kw_only=True):
    """Everything a restart keeps; ``market`` is opaque here (see `SyntheticMarket`)."""

    version: int = 1
    env: str
    accounts: list[AccountRecord]
    orders: list[OrderRecord]
    fills: list[FillRecord]
    next_odno: int
    next_fill: int
    auth: AuthSnapshot
    market: list[msgspec.Raw] = []


class SimState:
    """The broker's books in memory; the venue mutates it, the REST handlers read it."""

    def __init__(self, accounts: dict[str, AccountRecord]) -> None:
        self.accounts = accounts
        self.orders: dict[str, OrderRecord] = {}
        self.fills: list[FillRecord] = []
        self.next_odno = 1
        self.next_fill = 1

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> SimState:
        accounts: dict[str, AccountRecord] = {}
        for acc in config.accounts:
            holdings = {
                h.symbol: HoldingRecord(symbol=h.symbol, qty=h.qty, cost=h.qty * h.avg_price)
                for h in acc.holdings
            }
            accounts[acc.key] = AccountRecord(
                key=acc.key,
                cano=acc.cano,
                product=acc.product,
                hts_id=acc.hts_id,
                name=acc.name,
                cash=acc.cash,
                holdings=holdings,
            )
        return cls(accounts)

    def account(self, cano: str, product: str) -> AccountRecord:
        """The account for CANO + ACNT_PRDT_CD, or the input error the broker gives."""
        record = self.accounts.get(f"{cano}-{product}")
        if record is None:
            raise KisRequestError(Codes.INPUT_ACCOUNT)
        return record

    def new_odno(self) -> str:
        """Order numbers as KIS prints them: ten digits, zero-padded, increasing."""
        odno = f"{self.next_odno:010d}"
        self.next_odno += 1
        return odno

    def new_fill_seq(self) -> int:
        seq = self.next_fill
        self.next_fill += 1
        return seq

    def order(self, account: str, odno: str) -> OrderRecord | None:
        record = self.orders.get(odno.strip().zfill(10))
        return record if record is not None and record.account == account else None

    def to_file(self, env: str, auth: AuthSnapshot, market: list[bytes]) -> StateFile:
        return StateFile(
            env=env,
            accounts=list(self.accounts.values()),
            orders=list(self.orders.values()),
            fills=list(self.fills),
            next_odno=self.next_odno,
            next_fill=self.next_fill,
            auth=auth,
            market=[msgspec.Raw(raw) for raw in market],
        )

    @classmethod
    def from_file(cls, data: StateFile) -> SimState:
        state = cls({acc.key: acc for acc in data.accounts})
        state.orders = {order.odno: order for order in data.orders}
        state.fills = list(data.fills)
        state.next_odno = data.next_odno
        state.next_fill = data.next_fill
        return state


def save_state(path: str | Path, data: StateFile) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a state file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(msgspec.json.encode(data))
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: str | Path) -> StateFile | None:
    """The saved state, None when the file does not exist; a corrupt file is an error."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return msgspec.json.decode(data, type=StateFile)
    except msgspec.DecodeError as exc:
        raise ParseError(f"simulator state file {source} is unreadable: {exc}") from exc
