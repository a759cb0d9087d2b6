"""The dispatcher with in-memory channels: fan-out, de-duplication, rate limits and their
summary, retries, failure isolation, bounded queues and shutdown.

Times are short and real (tenths of a second) where the worker's own waiting is under test,
and a fake clock where only the de-duplication window is.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from jts.adapters.notify.config import AlertsConfig, RetryConfig
from jts.adapters.notify.dispatcher import AlertDispatcher
from jts.adapters.notify.lane import LanePolicy, backoff_s
from jts.core.errors import ConfigError, StateError
from jts.ports.notifier import AlertKind, DeliveryError, Notifier, Severity
from tests.unit.adapters.notify import events
from tests.unit.adapters.notify.fakes import FakeClock, Recorder, make_alert

FAST_RETRY = RetryConfig(attempts=3, backoff_base_s=0.01, backoff_max_s=0.05, attempt_timeout_s=2)


def dispatcher(**kwargs: object) -> AlertDispatcher:
    kwargs.setdefault("retry", FAST_RETRY)
    return AlertDispatcher(**kwargs)  # type: ignore[arg-type]


def retryable(message: str = "HTTP 503") -> DeliveryError:
    return DeliveryError(message, retryable=True)


async def test_fans_out_to_every_channel() -> None:
    a, b = Recorder("a"), Recorder("b")
    d = dispatcher()
    d.add_channel(a)
    d.add_channel(b)
    assert isinstance(d, Notifier)
    async with d:
        await d.send(make_alert("one"))
        assert await d.drain(2)
    assert a.titles == b.titles == ["one"]
    stats = d.stats()
    assert stats.submitted == 1
    assert stats.channels["a"].delivered == stats.channels["b"].delivered == 1
    assert a.closed
    assert b.closed


async def test_alerts_submitted_before_start_are_kept() -> None:
    rec = Recorder()
    d = dispatcher()
    d.add_channel(rec)
    assert d.submit(make_alert("early"))
    await d.start()
    assert await d.drain(2)
    assert rec.titles == ["early"]
    await d.close()


async def test_duplicates_within_the_window_alert_once_then_say_how_many() -> None:
    clock = FakeClock()
    rec = Recorder()
    d = dispatcher(dedup_window_s=300, monotonic_ns=clock)
    d.add_channel(rec, LanePolicy(rate_count=100))
    async with d:
        results = []
        for _ in range(5):  # the same reconciliation difference every 10 s
            results.append(d.submit(make_alert("diff", key="recon:A")))
            clock.advance(10)
        assert results == [True, False, False, False, False]
        assert d.submit(make_alert("other", key="recon:B"))
        clock.advance(300)
        assert d.submit(make_alert("diff", key="recon:A"))
        assert await d.drain(2)
    assert rec.titles == ["diff", "other", "diff"]
    assert "repeats" not in rec.sent[0].fields
    assert rec.sent[2].fields["repeats"] == "4 more since the last alert"
    assert d.stats().deduplicated == 4


async def test_rate_limit_suppresses_and_summarises_when_the_window_reopens() -> None:
    rec = Recorder()
    d = dispatcher(dedup_window_s=0)
    # Two alerts per 0.4 s: a token every 0.2 s.
    d.add_channel(rec, LanePolicy(rate_count=2, rate_period_s=0.4))
    async with d:
        start = time.monotonic()
        for i in range(6):
            d.submit(make_alert(f"fill {i}", kind=AlertKind.FILL))
        d.submit(make_alert("denied", kind=AlertKind.DENIAL, severity=Severity.WARNING))
        assert await d.drain(3)
    assert rec.titles[:2] == ["fill 0", "fill 1"]
    assert rec.titles[2] == "5 more alerts suppressed"
    assert len(rec.sent) == 3
    summary = rec.sent[2]
    assert summary.kind is AlertKind.INFO
    assert summary.severity is Severity.WARNING  # the worst of what was left out
    assert summary.fields["suppressed"] == "5"
    assert summary.fields["fill"] == "4"
    assert summary.fields["denial"] == "1"
    assert "over the limit of 2 per 0.4 s" in summary.body
    assert "'fill 2'" in summary.body
    # Not before a token was there again (one every 0.2 s).
    assert rec.sent_at[2] - start >= 0.15
    stats = d.stats().channels["rec"]
    assert (stats.delivered, stats.rate_limited, stats.summaries) == (3, 5, 1)


async def test_critical_alerts_pass_an_empty_bucket() -> None:
    rec = Recorder()
    d = dispatcher(dedup_window_s=0)
    d.add_channel(rec, LanePolicy(rate_count=1, rate_period_s=60))
    async with d:
        d.submit(make_alert("fill"))
        d.submit(make_alert("fill 2"))
        d.submit(make_alert("kill", kind=AlertKind.KILL_SWITCH, severity=Severity.CRITICAL))
        await asyncio.sleep(0.05)
        assert rec.titles == ["fill", "kill"]
        assert d.stats().channels["rec"].critical_bypass == 1
    # Closing sends the pending summary at once, without waiting a minute for a token.
    assert rec.titles == ["fill", "kill", "1 more alert suppressed"]


async def test_channels_take_only_what_their_policy_allows() -> None:
    everything, urgent, fills = Recorder("all"), Recorder("urgent"), Recorder("fills")
    d = dispatcher()
    d.add_channel(everything)
    d.add_channel(urgent, LanePolicy(min_severity=Severity.ERROR))
    d.add_channel(fills, LanePolicy(kinds=frozenset({AlertKind.FILL})))
    async with d:
        d.submit(make_alert("a fill", kind=AlertKind.FILL))
        d.submit(make_alert("warn", severity=Severity.WARNING))
        d.submit(make_alert("trip", kind=AlertKind.KILL_SWITCH, severity=Severity.CRITICAL))
        assert await d.drain(2)
    assert everything.titles == ["a fill", "warn", "trip"]
    assert urgent.titles == ["trip"]
    assert fills.titles == ["a fill"]
    assert d.stats().channels["urgent"].filtered == 2


async def test_retry_then_success() -> None:
    rec = Recorder(script=[retryable(), retryable()])
    d = dispatcher()
    d.add_channel(rec)
    async with d:
        d.submit(make_alert("x"))
        assert await d.drain(2)
    assert rec.titles == ["x"]
    assert len(rec.attempt_at) == 3
    # Exponential backoff: 0.01 then 0.02 s.
    assert rec.attempt_at[1] - rec.attempt_at[0] >= 0.009
    assert rec.attempt_at[2] - rec.attempt_at[1] >= 0.019
    stats = d.stats().channels["rec"]
    assert (stats.delivered, stats.retries, stats.failed) == (1, 2, 0)


async def test_gives_up_after_the_attempts_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(
        script=[
            retryable("HTTP 503 one"),
            retryable("HTTP 503 two"),
            retryable("HTTP 503 three"),
            None,
        ]
    )
    d = dispatcher()
    d.add_channel(rec)
    async with d:
        d.submit(make_alert("lost"))
        assert await d.drain(2)
        d.submit(make_alert("next one"))
        assert await d.drain(2)
    assert rec.titles == ["next one"]
    stats = d.stats().channels["rec"]
    assert (stats.failed, stats.retries, stats.delivered) == (1, 2, 1)
    assert "'lost' not delivered by rec after 3 attempt(s): HTTP 503 three" in caplog.text


async def test_permanent_errors_are_not_retried() -> None:
    rec = Recorder(script=[DeliveryError("HTTP 400", retryable=False)])
    d = dispatcher()
    d.add_channel(rec)
    async with d:
        d.submit(make_alert("bad"))
        assert await d.drain(2)
    assert len(rec.attempt_at) == 1
    assert d.stats().channels["rec"].failed == 1


async def test_retry_after_is_honoured_up_to_its_cap() -> None:
    slow = Recorder("slow", script=[DeliveryError("429", retryable=True, retry_after_s=0.3)])
    capped = Recorder("capped", script=[DeliveryError("429", retryable=True, retry_after_s=30)])
    d = dispatcher(retry=RetryConfig(backoff_base_s=0.01, retry_after_max_s=0.4))
    d.add_channel(slow)
    d.add_channel(capped)
    async with d:
        d.submit(make_alert("x"))
        assert await d.drain(3)
    assert slow.attempt_at[1] - slow.attempt_at[0] >= 0.29
    assert 0.39 <= capped.attempt_at[1] - capped.attempt_at[0] < 2.0


def test_backoff_schedule() -> None:
    retry = RetryConfig(backoff_base_s=1, backoff_max_s=5, retry_after_max_s=60)
    assert [backoff_s(retry, n, None) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]
    assert backoff_s(retry, 1, 10) == 10
    assert backoff_s(retry, 3, 0.5) == 4
    assert backoff_s(retry, 1, 600) == 60


async def test_a_hanging_channel_never_blocks_the_others() -> None:
    stuck, fine = Recorder("stuck", hang=True), Recorder("fine")
    d = dispatcher(retry=RetryConfig(attempts=1, attempt_timeout_s=0.3))
    d.add_channel(stuck)
    d.add_channel(fine)
    async with d:
        for i in range(3):
            d.submit(make_alert(f"a{i}"))
        await asyncio.sleep(0.05)
        assert fine.titles == ["a0", "a1", "a2"]
        assert stuck.titles == []
        await asyncio.sleep(0.4)
        assert d.stats().channels["stuck"].failed >= 1
        stuck.release.set()
        assert await d.drain(2)
    assert stuck.titles == ["a1", "a2"]  # a0 timed out after its one attempt


async def test_a_channel_bug_is_logged_and_the_lane_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder(script=[KeyError("oops")])
    d = dispatcher()
    d.add_channel(rec)
    async with d:
        assert d.submit(make_alert("first"))
        assert await d.drain(2)
        assert d.submit(make_alert("second"))
        assert await d.drain(2)
    assert rec.titles == ["second"]
    assert d.stats().channels["rec"].failed == 1
    record = next(r for r in caplog.records if "not a DeliveryError" in r.getMessage())
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None


async def test_the_queue_is_bounded_and_drops_the_oldest_non_critical() -> None:
    rec = Recorder(hang=True)
    d = dispatcher(queue_size=3, dedup_window_s=0)
    d.add_channel(rec, LanePolicy(rate_count=1_000))
    async with d:
        d.submit(make_alert("in flight"))
        await asyncio.sleep(0.02)
        d.submit(make_alert("kill", severity=Severity.CRITICAL))
        for i in range(8):
            d.submit(make_alert(f"n{i}"))
        stats = d.stats().channels["rec"]
        assert stats.queued == 3
        assert stats.dropped == 6
        rec.release.set()
        assert await d.drain(2)
    assert rec.titles == ["in flight", "kill", "n6", "n7", "6 more alerts suppressed"]
    assert "dropped because the channel was not keeping up" in rec.sent[-1].body


async def test_submit_never_raises_and_is_refused_after_close() -> None:
    rec = Recorder(script=[DeliveryError("x", retryable=False)] * 3)
    d = dispatcher()
    d.add_channel(rec)
    await d.start()
    for i in range(3):
        assert d.submit(make_alert(f"{i}"))
    await d.close()
    await d.close()  # idempotent
    assert not d.submit(make_alert("late"))
    assert d.stats().rejected == 1
    with pytest.raises(StateError):
        d.add_channel(Recorder("other"))
    with pytest.raises(StateError):
        await d.start()


async def test_close_gives_up_on_a_dead_channel_after_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder(hang=True)
    d = dispatcher()
    d.add_channel(rec)
    await d.start()
    d.submit(make_alert("never"))
    d.submit(make_alert("queued"))
    started = time.monotonic()
    await d.close(timeout_s=0.1)
    assert time.monotonic() - started < 1.0
    assert rec.closed
    assert "still queued" in caplog.text


async def test_bus_handler_maps_events_and_survives_bad_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder()
    d = dispatcher()
    d.add_channel(rec)
    async with d:
        d.on_message(events.filled())
        d.on_message(events.filled())  # redelivered by an at-least-once bus
        d.on_message(events.accepted())  # routine: no alert
        d.on_message(events.tripped())
        assert await d.drain(2)
    assert [a.kind for a in rec.sent] == [AlertKind.FILL, AlertKind.KILL_SWITCH]
    assert d.stats().deduplicated == 1

    def broken(message: object) -> None:
        raise RuntimeError("mapper bug")

    d2 = dispatcher(mapper=broken)
    d2.on_message(events.filled())
    assert "could not turn OrderFilled into an alert" in caplog.text


def test_channel_names_are_unique_and_settings_are_checked() -> None:
    d = dispatcher()
    d.add_channel(Recorder("x"))
    with pytest.raises(ConfigError, match="added twice"):
        d.add_channel(Recorder("x"))
    assert d.channel_names == ("x",)
    with pytest.raises(ConfigError, match="queue_size"):
        AlertDispatcher(queue_size=0)
    with pytest.raises(ConfigError, match="dedup_window_s"):
        AlertDispatcher(dedup_window_s=-1)


async def test_from_config_and_adding_a_channel_after_start() -> None:
    config = AlertsConfig(dedup_window_s=0, queue_size=7)
    d = AlertDispatcher.from_config(config)
    await d.start()
    rec = Recorder()
    d.add_channel(rec)
    d.submit(make_alert("x"))
    d.submit(make_alert("x"))  # no de-duplication with a zero window
    assert await d.drain(2)
    await d.close()
    assert rec.titles == ["x", "x"]


async def test_a_dead_worker_is_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("summary bug")

    monkeypatch.setattr("jts.adapters.notify.lane._summary", broken)
    rec = Recorder()
    d = dispatcher(dedup_window_s=0)
    d.add_channel(rec, LanePolicy(rate_count=1, rate_period_s=0.1))
    await d.start()
    d.submit(make_alert("one"))
    d.submit(make_alert("two"))  # rate-limited: 0.1 s later the summary is built, and raises
    assert not await d.drain(0.5)
    assert "alert worker of channel rec died" in caplog.text
    await d.close(timeout_s=0.1)


async def test_alerts_at_the_limit_cannot_postpone_the_summary() -> None:
    clock = FakeClock()
    rec = Recorder()
    d = dispatcher(dedup_window_s=0, monotonic_ns=clock)
    d.add_channel(rec, LanePolicy(rate_count=1, rate_period_s=0.1))
    async with d:
        d.submit(make_alert("first"))
        d.submit(make_alert("over"))
        clock.advance(0.1)  # a token is back: it belongs to the pending summary, not to "next"
        d.submit(make_alert("next"))
        assert await d.drain(2)
    assert rec.titles == ["first", "2 more alerts suppressed"]
