"""Token, approval key and hashkey rules of the KIS gateway (brokers.md §1.2)."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.adapters.kis.simulator.auth import AuthAuthority, kst_expiry_text
from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.config import AppConfig
from jts.core.clock import SimulatedClock
from jts.core.time import KST, NANOS_PER_HOUR, NANOS_PER_SECOND, dt_to_ns

APP = AppConfig("PSappkey", "secret")
OTHER = AppConfig("PSother", "secret2")
START = dt_to_ns(dt.datetime(2026, 3, 2, 9, 0, tzinfo=KST))


def make(clock: SimulatedClock) -> AuthAuthority:
    return AuthAuthority(
        [APP, OTHER],
        clock,
        lifetime_s=86_400,
        reuse_window_s=6 * 3_600,
        issue_interval_s=60,
        approval_lifetime_s=86_400,
    )


def code_of(exc_info: pytest.ExceptionInfo[KisRequestError]) -> str:
    return exc_info.value.code.msg_cd


def test_token_is_jwt_shaped_and_expires_a_day_later():
    clock = SimulatedClock(START)
    token = make(clock).issue_token(APP.app_key, APP.app_secret)
    assert token.token.count(".") == 2
    assert token.token.startswith("eyJ")
    assert token.expires_ns - token.issued_ns == 86_400 * NANOS_PER_SECOND
    assert kst_expiry_text(token.expires_ns) == "2026-03-03 09:00:00"


def test_second_issue_within_a_minute_is_egw00133():
    clock = SimulatedClock(START)
    auth = make(clock)
    auth.issue_token(APP.app_key, APP.app_secret)
    clock.set_time(START + 59 * NANOS_PER_SECOND)
    with pytest.raises(KisRequestError) as info:
        auth.issue_token(APP.app_key, APP.app_secret)
    assert code_of(info) == "EGW00133"
    # the limit is per app key
    auth.issue_token(OTHER.app_key, OTHER.app_secret)


def test_reissue_within_six_hours_returns_the_same_token_then_a_new_one():
    clock = SimulatedClock(START)
    auth = make(clock)
    first = auth.issue_token(APP.app_key, APP.app_secret)
    clock.set_time(START + 61 * NANOS_PER_SECOND)
    again = auth.issue_token(APP.app_key, APP.app_secret)
    assert again.token == first.token
    assert again.expires_ns == first.expires_ns
    clock.set_time(START + 6 * NANOS_PER_HOUR + NANOS_PER_SECOND)
    fresh = auth.issue_token(APP.app_key, APP.app_secret)
    assert fresh.token != first.token
    # the old one is still valid until it expires
    assert auth.authenticate(f"Bearer {first.token}", APP.app_key, APP.app_secret) is first


def test_expired_token_is_egw00123_and_unknown_is_egw00121():
    clock = SimulatedClock(START)
    auth = make(clock)
    token = auth.issue_token(APP.app_key, APP.app_secret)
    assert auth.authenticate(f"Bearer {token.token}", APP.app_key, APP.app_secret) is token
    clock.set_time(token.expires_ns)
    with pytest.raises(KisRequestError) as info:
        auth.authenticate(f"Bearer {token.token}", APP.app_key, APP.app_secret)
    assert code_of(info) == "EGW00123"
    for header in ("Bearer nope", "", None, token.token):
        with pytest.raises(KisRequestError) as info:
            auth.authenticate(header, APP.app_key, APP.app_secret)
        assert code_of(info) == "EGW00121"


def test_a_token_only_works_with_its_own_app():
    clock = SimulatedClock(START)
    auth = make(clock)
    token = auth.issue_token(APP.app_key, APP.app_secret)
    with pytest.raises(KisRequestError) as info:
        auth.authenticate(f"Bearer {token.token}", OTHER.app_key, OTHER.app_secret)
    assert code_of(info) == "EGW00121"


@pytest.mark.parametrize(
    ("key", "secret", "code"),
    [("PSnope", "secret", "EGW00103"), (None, None, "EGW00103"), ("PSappkey", "bad", "EGW00105")],
)
def test_wrong_app_credentials(key, secret, code):
    auth = make(SimulatedClock(START))
    with pytest.raises(KisRequestError) as info:
        auth.issue_token(key, secret)
    assert code_of(info) == code


def test_revoked_token_stops_working_and_the_next_issue_is_new():
    clock = SimulatedClock(START)
    auth = make(clock)
    token = auth.issue_token(APP.app_key, APP.app_secret)
    assert auth.revoke(APP.app_key, APP.app_secret, token.token)
    assert not auth.revoke(APP.app_key, APP.app_secret, token.token)
    with pytest.raises(KisRequestError):
        auth.authenticate(f"Bearer {token.token}", APP.app_key, APP.app_secret)
    clock.set_time(START + 61 * NANOS_PER_SECOND)
    assert auth.issue_token(APP.app_key, APP.app_secret).token != token.token


def test_approval_key_is_reused_while_valid_and_resolves_to_its_app():
    clock = SimulatedClock(START)
    auth = make(clock)
    first = auth.approve(APP.app_key, APP.app_secret)
    assert auth.approve(APP.app_key, APP.app_secret) is first
    assert auth.app_for_approval(first.approval_key) == APP.app_key
    assert auth.app_for_approval("unknown") is None
    clock.set_time(first.expires_ns - NANOS_PER_SECOND)
    renewed = auth.approve(APP.app_key, APP.app_secret)
    assert renewed.approval_key != first.approval_key
    clock.set_time(first.expires_ns)
    assert auth.app_for_approval(first.approval_key) is None
    assert auth.app_for_approval(renewed.approval_key) == APP.app_key


def test_hashkey_depends_on_the_exact_body():
    auth = make(SimulatedClock(START))
    one = auth.hashkey(APP.app_key, APP.app_secret, b'{"A":"1"}')
    assert one == auth.hashkey(APP.app_key, APP.app_secret, b'{"A":"1"}')
    assert one != auth.hashkey(APP.app_key, APP.app_secret, b'{"A": "1"}')
    with pytest.raises(KisRequestError):
        auth.hashkey(APP.app_key, "bad", b"{}")


def test_snapshot_and_restore_keep_tokens_and_the_issue_limit():
    clock = SimulatedClock(START)
    auth = make(clock)
    token = auth.issue_token(APP.app_key, APP.app_secret)
    approval = auth.approve(APP.app_key, APP.app_secret)
    restored = make(clock)
    restored.restore(auth.snapshot())
    assert restored.authenticate(f"Bearer {token.token}", APP.app_key, APP.app_secret)
    assert restored.app_for_approval(approval.approval_key) == APP.app_key
    with pytest.raises(KisRequestError) as info:
        restored.issue_token(APP.app_key, APP.app_secret)
    assert code_of(info) == "EGW00133"
