"""Orders journaled but never sent (issue 6 §1): the node dies after the OMS journaled an order
and before the venue got it; the restarted node closes it as never sent, through the kernel
(journaled), and its positions and cash still equal the simulator's books.

The node and the simulator are separate processes (`jts up` against `jts sim kis`, as in the
crash test). The crash is a SIGKILL; the order the dead process "was about to send" is written
to its journal while it is down, exactly as the OMS writes it: `OrderInitialized` then
`OrderSubmitted` (the send comes after both), and a second order with `OrderInitialized` only
(the process died between the two appends).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from jts.adapters.kis.simulator.config import load_config
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderInitialized, OrderRejected, OrderSubmitted
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TraderId
from jts.domain.values import Quantity
from jts.live.reconciliation import NEVER_SENT
from jts.live.venue import target_from_simulator
from jts.storage import Storage
from tests.integration.live.test_crash import CrashReport, _journal, _Session, compare

pytestmark = pytest.mark.slow

SUBMITTED_ID = ClientOrderId("O-NEVERSENT-1")
INITIALIZED_ID = ClientOrderId("O-NEVERSENT-2")


def _account(session: _Session) -> AccountId:
    config = load_config(session.config_path)
    return target_from_simulator(
        config, session.port, session.ws_port, where="test"
    ).account.account_id


def _journal_unsent_orders(data_dir: Path, account: AccountId) -> None:
    """What the OMS had written when the process died: see the module docstring."""
    now = time.time_ns()
    common = {
        "trader_id": TraderId("JTS-001"),
        "strategy_id": StrategyId("SMACross-001"),
        "instrument_id": InstrumentId("005930.KRX"),
    }
    with Storage.open(f"sqlite:///{data_dir / 'jts.db'}") as storage:
        for client_order_id in (SUBMITTED_ID, INITIALIZED_ID):
            storage.journal.append(
                OrderInitialized(
                    **common,
                    client_order_id=client_order_id,
                    side=OrderSide.BUY,
                    order_type=OrderType.MARKET,
                    quantity=Quantity(1),
                    ts_event=now,
                    ts_init=now,
                ),
                order_seq=1,
            )
        storage.journal.append(
            OrderSubmitted(
                **common,
                client_order_id=SUBMITTED_ID,
                account_id=account,
                ts_event=now + 1,
                ts_init=now + 1,
            ),
            order_seq=2,
        )


def test_an_order_journaled_but_never_sent_is_closed_after_a_restart(tmp_path: Path) -> None:
    session = _Session(tmp_path, tick_interval_s=0.05)
    try:
        session.start_sim()
        (summary,) = session.admin("GET", "/sim/state").json()["accounts"].values()
        start_cash = int(summary["cash"])
        session.start_node()
        session.wait_started()
        time.sleep(4)
        session.kill_node()  # the crash: between the journal and the send, as far as it knows
        _journal_unsent_orders(session.data_dir, _account(session))

        session.start_node()
        session.wait_started()
        time.sleep(3)
        session.stop_node()
        books = session.venue_books()
    finally:
        session.close()

    orders = {str(o.client_order_id): o for o in _journal(session.data_dir)}
    submitted = orders[SUBMITTED_ID]
    assert submitted.status is OrderStatus.REJECTED
    rejected = submitted.events[-1]
    assert isinstance(rejected, OrderRejected)
    assert rejected.reason.startswith(NEVER_SENT)
    initialized = orders[INITIALIZED_ID]
    assert initialized.status is OrderStatus.CANCELED
    assert NEVER_SENT in str(getattr(initialized.events[-1], "reason", ""))
    assert not [o for o in orders.values() if o.status is OrderStatus.SUBMITTED]

    report = CrashReport()
    compare(list(orders.values()), books, report)
    assert report.problems == []
    cash = start_cash + report.cash_change_journal  # type: ignore[attr-defined]
    assert Decimal(books.accounts[0].cash) == cash

    # the recorder wrote the closing event into the orders table too
    with Storage.open(f"sqlite:///{session.data_dir / 'jts.db'}") as storage:
        assert storage.orders.get(SUBMITTED_ID).status is OrderStatus.REJECTED
        assert storage.orders.get(INITIALIZED_ID).status is OrderStatus.CANCELED
    # and the console showed why (the activity log of the restarted node)
    node_log = (tmp_path / "node-2.log").read_text()
    assert f'"id": "{SUBMITTED_ID}", "reason": "{NEVER_SENT}' in node_log
    assert '"never_sent": 2' in node_log  # the reconciliation's summary line counts them
