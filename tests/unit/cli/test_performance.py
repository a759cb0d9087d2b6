"""``jts performance`` on a database filled the way a node fills it: a real kernel trading on a
scripted venue with the `SnapshotRecorder` writing fills and daily snapshots (five KST days),
plus synthetic snapshot rows of a second account and of other currencies."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jts.core.time import kst_to_ns
from jts.domain.identifiers import AccountId
from jts.domain.values import BTC, KRW, Money
from jts.ports.repositories import DailySnapshot, SnapshotReason
from jts.storage import Storage
from tests.unit.kernel.conftest import ACCOUNT
from tests.unit.live.test_snapshots import CASH, Node

DAYS = [dt.date(2024, 3, 4) + dt.timedelta(days=i) for i in range(5)]
#: (price at the close, what the trader does that day)
SCRIPT = [(70000, "buy 10"), (71000, ""), (69000, "sell 10"), (69500, "buy 5"), (70500, "")]


def _fill_database(db: Path) -> list[Decimal]:
    """Trade the script through the kernel and store each day's close; returns the equities."""
    node = Node(db, start_ns=kst_to_ns(DAYS[0], "090000"))
    equities: list[Decimal] = []
    try:
        node.fund()
        node.start()
        for day, (price, action) in zip(DAYS, SCRIPT, strict=True):
            node.clock.set_time(kst_to_ns(day, "100000"))
            node.price(price)
            if action:
                side, qty = action.split()
                tax = str(int(price) * int(qty) * 18 // 10000) if side == "sell" else "0"
                getattr(node, side)(int(qty), price, commission="100", tax=tax)
            close = kst_to_ns(day, "153000")
            node.clock.set_time(close)
            (snapshot,) = node.recorder.take_daily_snapshot(SnapshotReason.CLOSE, now=close)
            equities.append(snapshot.equity.as_decimal())
    finally:
        node.close()
    return equities


@pytest.fixture
def database(isolated: Path) -> list[Decimal]:
    return _fill_database(isolated / "var" / "jts.db")


def _run(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["performance", *args])
    return result.exit_code, result.stdout, result.stderr


def test_stats_and_report_of_the_whole_history(
    app: typer.Typer, runner: CliRunner, isolated: Path, database: list[Decimal]
) -> None:
    code, out, err = _run(app, runner, "--out", "report")
    assert code == 0, err
    assert "final_equity" in out
    assert "results written to" in out
    stats = json.loads((isolated / "report" / "stats.json").read_text())
    # the curve is the stored closes: day one opens at its own close
    assert Decimal(stats["final_equity"]) == database[-1]
    assert Decimal(stats["start_equity"]) == database[0]
    assert stats["days"] == 5
    assert stats["total_return"] == pytest.approx(float(database[-1] / database[0] - 1))
    peak_to_trough = min(float(e / max(database[: i + 1]) - 1) for i, e in enumerate(database))
    assert stats["max_drawdown"] == pytest.approx(peak_to_trough)
    # three fills; one round trip (bought 10 at 70000, sold at 69000), gross
    assert stats["trades"] == 3
    assert stats["round_trips"] == 1
    assert Decimal(stats["net_trade_pnl"]) == Decimal(-10_000)
    assert stats["commissions"] == "300"
    assert stats["taxes"] == str(69000 * 10 * 18 // 10000)
    assert stats["accounts"] == [str(ACCOUNT)]
    html = (isolated / "report" / "report.html").read_text()
    assert "JTS live performance" in html


def test_a_window_opens_at_the_previous_close(
    app: typer.Typer, runner: CliRunner, isolated: Path, database: list[Decimal]
) -> None:
    code, _, err = _run(app, runner, "--from", "2024-03-06", "--to", "2024-03-07", "--out", "w")
    assert code == 0, err
    stats = json.loads((isolated / "w" / "stats.json").read_text())
    assert stats["days"] == 2
    assert (stats["start_date"], stats["end_date"]) == ("2024-03-06", "2024-03-07")
    assert Decimal(stats["start_equity"]) == database[1]  # the close of 2024-03-05
    assert stats["total_return"] == pytest.approx(float(database[3] / database[1] - 1))
    assert stats["opening_from"] == "2024-03-05"
    assert stats["trades"] == 2  # the sell of the 6th and the buy of the 7th
    assert stats["round_trips"] == 1  # closed on the 6th, opened before the window


def test_accounts_are_summed_and_one_can_be_chosen(
    app: typer.Typer, runner: CliRunner, isolated: Path, database: list[Decimal]
) -> None:
    other = AccountId("SIM-002")
    with Storage.open(f"sqlite:///{isolated / 'var' / 'jts.db'}") as storage:
        for i, day in enumerate(DAYS):
            storage.daily_snapshots.save(_snapshot(other, day, 1_000_000 + 1_000 * i))
    code, _, err = _run(app, runner, "--out", "both")
    assert code == 0, err
    both = json.loads((isolated / "both" / "stats.json").read_text())
    assert Decimal(both["final_equity"]) == database[-1] + 1_004_000
    assert both["accounts"] == sorted([str(ACCOUNT), "SIM-002"])
    code, _, err = _run(app, runner, "--account", "SIM-002", "--out", "one")
    assert code == 0, err
    one = json.loads((isolated / "one" / "stats.json").read_text())
    assert Decimal(one["final_equity"]) == 1_004_000
    assert one["trades"] == 0  # the fills are the other account's


def test_accounts_in_other_currencies_need_a_choice(
    app: typer.Typer, runner: CliRunner, isolated: Path, database: list[Decimal]
) -> None:
    with Storage.open(f"sqlite:///{isolated / 'var' / 'jts.db'}") as storage:
        storage.daily_snapshots.save(_snapshot(AccountId("UPBIT-main"), DAYS[0], 1, BTC))
    code, _, err = _run(app, runner)
    assert code == 1
    assert "--account" in err
    code, _, err = _run(app, runner, "--account", str(ACCOUNT))
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-3-4x"], "--from must be a day YYYY-MM-DD"),
        (["--from", "2024-03-06", "--to", "2024-03-05"], "is before --from"),
        (["--from", "2025-01-01"], "no daily snapshots of any account (from 2025-01-01)"),
        (["--account", "KIS-00000000-01"], "no daily snapshots of account KIS-00000000-01"),
    ],
)
def test_bad_requests_get_one_clear_line(
    app: typer.Typer,
    runner: CliRunner,
    database: list[Decimal],
    args: list[str],
    message: str,
) -> None:
    code, _, err = _run(app, runner, *args)
    assert code == 1
    last = err.strip().splitlines()[-1]  # before it: the migration check's log lines
    assert last.startswith("jts: error: ")
    assert message in last


def test_without_a_database_it_says_so(app: typer.Typer, runner: CliRunner, isolated: Path) -> None:
    code, _, err = _run(app, runner)
    assert code == 1
    assert "no database at" in err
    assert not (isolated / "var" / "jts.db").exists()


def _snapshot(account: AccountId, day: dt.date, cash: int, currency: object = KRW) -> DailySnapshot:
    zero = Money(0, currency)  # type: ignore[arg-type]
    return DailySnapshot(
        account_id=account,
        day=day,
        cash_settled=Money(cash, currency),  # type: ignore[arg-type]
        cash_unsettled=zero,
        positions_value=zero,
        realized_pnl=zero,
        unrealized_pnl=zero,
        commissions=zero,
        taxes=zero,
        fills=0,
        ts_taken=kst_to_ns(day, "153000"),
        reason=SnapshotReason.CLOSE,
    )


def test_the_database_starts_from_the_funded_cash(database: list[Decimal]) -> None:
    """The fixture really traded: day one's equity is the cash less the costs paid."""
    assert database[0] == CASH - 100
