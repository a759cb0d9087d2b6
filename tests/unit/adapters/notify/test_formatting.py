"""Domain events and edge facts become alerts with exact KRW text and sensible keys."""

from __future__ import annotations

from jts.adapters.notify.formatting import (
    disconnect_alert,
    from_event,
    reconciliation_alert,
    reconnect_alert,
)
from jts.domain.enums import OrderSide
from jts.ports.notifier import AlertKind, Severity
from tests.unit.adapters.notify import events
from tests.unit.adapters.notify.events import T0


def test_fill_reads_like_a_trade_confirmation() -> None:
    alert = from_event(events.filled())
    assert alert is not None
    assert alert.kind is AlertKind.FILL
    assert alert.severity is Severity.INFO
    assert "BUY 10 005930.KRX @ 70,100 KRW" in alert.title
    assert "notional 701,000 KRW" in alert.body
    assert alert.fields["commission"] == "105 KRW"
    assert alert.fields["tax"] == "0 KRW"
    assert alert.fields["trade"] == "T-1"
    assert alert.fields["account"] == "SIM-001"
    assert alert.ts_ns == T0


def test_sell_fill_with_tax() -> None:
    alert = from_event(events.filled(side=OrderSide.SELL, qty="1500", px="1234000", tax="3702000"))
    assert alert is not None
    assert "SELL 1,500 005930.KRX @ 1,234,000 KRW" in alert.title
    assert alert.fields["notional"] == "1,851,000,000 KRW"
    assert alert.fields["tax"] == "3,702,000 KRW"


def test_crypto_fill_keeps_every_digit() -> None:
    alert = from_event(events.crypto_filled())
    assert alert is not None
    assert "BUY 0.00123456 KRW-BTC.UPBIT @ 95,000,000 KRW" in alert.title
    # 0.00123456 * 95,000,000 = 117,283.2 -> rounded to the won for display.
    assert alert.fields["notional"] == "117,283 KRW"


def test_fill_key_is_the_trade_so_a_redelivered_fill_alerts_once() -> None:
    first = from_event(events.filled(trade_id="T-1"))
    again = from_event(events.filled(trade_id="T-1"))
    other = from_event(events.filled(trade_id="T-2"))
    assert first is not None
    assert again is not None
    assert other is not None
    assert first.dedup_key == again.dedup_key
    assert first.dedup_key != other.dedup_key


def test_denial_and_venue_rejection() -> None:
    denial = from_event(events.denied())
    assert denial is not None
    assert denial.kind is AlertKind.DENIAL
    assert denial.severity is Severity.WARNING
    assert "denied" in denial.title
    assert "005930.KRX" in denial.title
    assert denial.body == "max order value 10,000,000 KRW exceeded: 12,000,000 KRW"
    rejection = from_event(events.rejected())
    assert rejection is not None
    assert rejection.kind is AlertKind.DENIAL
    assert "rejected" in rejection.title
    assert rejection.fields["reason"] == "APBK0919 주문가능금액 부족"
    assert denial.dedup_key != rejection.dedup_key
    # Same strategy, instrument and reason: one alert per window; another reason alerts again.
    assert from_event(events.denied()).dedup_key == denial.dedup_key  # type: ignore[union-attr]
    assert from_event(events.denied("restricted")).dedup_key != denial.dedup_key  # type: ignore[union-attr]


def test_kill_switch_trip_is_critical_and_reset_is_heard() -> None:
    trip = from_event(events.tripped())
    assert trip is not None
    assert trip.kind is AlertKind.KILL_SWITCH
    assert trip.severity is Severity.CRITICAL
    assert "daily loss limit 1,000,000 KRW reached" in trip.body
    later = from_event(events.tripped(ts=T0 + 1))
    assert later is not None
    assert later.dedup_key != trip.dedup_key
    reset = from_event(events.reset())
    assert reset is not None
    assert reset.kind is AlertKind.KILL_SWITCH
    assert reset.severity is Severity.WARNING
    assert "daily loss limit" in reset.body


def test_routine_events_make_no_alert() -> None:
    assert from_event(events.accepted()) is None


def test_reconciliation_difference() -> None:
    alert = reconciliation_alert(
        account="SIM-001",
        subject="position 005930.KRX",
        ours="10",
        venue="12",
        ts_ns=T0,
        action="applied the missing fill",
    )
    assert alert.kind is AlertKind.RECONCILIATION
    assert alert.body == "position 005930.KRX: ours 10, venue 12. applied the missing fill"
    assert alert.fields["action"] == "applied the missing fill"
    same = reconciliation_alert(
        account="SIM-001", subject="position 005930.KRX", ours="10", venue="12", ts_ns=T0 + 10
    )
    changed = reconciliation_alert(
        account="SIM-001", subject="position 005930.KRX", ours="10", venue="13", ts_ns=T0 + 20
    )
    assert same.dedup_key == alert.dedup_key
    assert changed.dedup_key != alert.dedup_key
    assert "action" not in same.fields


def test_disconnect_and_reconnect() -> None:
    down = disconnect_alert(source="KIS websocket", reason="connection reset", ts_ns=T0)
    assert down.kind is AlertKind.DISCONNECT
    assert down.severity is Severity.WARNING
    assert down.body == "connection reset. Reconnecting."
    gave_up = disconnect_alert(source="KIS websocket", reason="auth", ts_ns=T0, retrying=False)
    assert gave_up.severity is Severity.ERROR
    assert "manual action" in gave_up.body
    assert gave_up.dedup_key == down.dedup_key
    back = reconnect_alert(source="KIS websocket", ts_ns=T0, down_ns=42_500_000_000)
    assert back.severity is Severity.INFO
    assert back.fields["down for"] == "42 s"
    assert back.dedup_key != down.dedup_key
