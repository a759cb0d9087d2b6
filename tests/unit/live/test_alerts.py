"""`live_alert`: the node's own messages become the notify alerts people read; everything
else is mapped as the dispatcher's default mapper does."""

from __future__ import annotations

from jts.domain.events_risk import KillSwitchTripped
from jts.domain.identifiers import AccountId, TraderId
from jts.live.alerts import live_alert
from jts.live.messages import ConnectionLost, ConnectionRestored, ReconciliationDifference
from jts.live.node import DEFAULT_INSTRUMENT
from jts.ports.notifier import AlertKind, Severity

T0 = 1_700_000_000_000_000_000
TRADER = TraderId("JTS-001")


def test_a_reconciliation_difference_is_a_warning_naming_both_sides_and_the_action() -> None:
    alert = live_alert(
        ReconciliationDifference(
            trader_id=TRADER,
            account_id=AccountId("KIS-12345678-01"),
            subject=f"position {DEFAULT_INSTRUMENT}",
            ours="2",
            venue="3",
            action="logged",
            ts_event=T0,
            ts_init=T0,
        )
    )
    assert alert is not None
    assert (alert.kind, alert.severity) == (AlertKind.RECONCILIATION, Severity.WARNING)
    assert alert.body == f"position {DEFAULT_INSTRUMENT}: ours 2, venue 3. logged"
    assert alert.fields["account"] == "KIS-12345678-01"


def test_connections_lost_and_restored_are_disconnect_alerts() -> None:
    source = "KIS WebSocket sim"
    lost = live_alert(
        ConnectionLost(trader_id=TRADER, source=source, reason="dropped", ts_event=T0, ts_init=T0)
    )
    back = live_alert(
        ConnectionRestored(
            trader_id=TRADER, source=source, down_ns=3_000_000_000, ts_event=T0, ts_init=T0
        )
    )
    assert lost is not None
    assert back is not None
    assert (lost.kind, lost.severity, lost.title) == (
        AlertKind.DISCONNECT,
        Severity.WARNING,
        f"Disconnected: {source}",
    )
    assert (back.severity, back.fields["down for"]) == (Severity.INFO, "3 s")


def test_kernel_events_fall_back_to_the_default_mapping() -> None:
    alert = live_alert(KillSwitchTripped(trader_id=TRADER, reason="loss", ts_event=T0, ts_init=T0))
    assert alert is not None
    assert alert.kind is AlertKind.KILL_SWITCH
