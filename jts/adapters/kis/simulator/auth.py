"""Access tokens, WebSocket approval keys and hashkeys, with the real service's rules.

The rules that clients must be built around (brokers.md §1.2, §5) are enforced here, so a
client that breaks them fails against the simulator the way it would fail in production:
- a token is issued at most once per minute per app key (else EGW00133, non-envelope body);
- asking again within the reuse window (6 h) returns the same token and expiry;
- a token expires after its lifetime (1 day): using it then answers EGW00123;
- a revoked or unknown token answers EGW00121.
Records are plain msgspec structs so the simulator can persist them across a restart; a client
that cached its token must not be forced to re-issue (and hit EGW00133) because we restarted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence

import msgspec

from jts.adapters.kis.simulator.codes import Codes, KisRequestError
from jts.adapters.kis.simulator.config import AppConfig
from jts.core.clock import Clock
from jts.core.time import KST, NANOS_PER_SECOND, ns_to_dt

__all__ = ["ApprovalRecord", "AuthAuthority", "AuthSnapshot", "TokenRecord", "kst_expiry_text"]

#: An approval key with less than this left is replaced rather than handed out again [M].
_APPROVAL_MIN_LEFT_NS = 3_600 * NANOS_PER_SECOND


class TokenRecord(msgspec.Struct, kw_only=True):
    token: str
    app_key: str
    issued_ns: int
    expires_ns: int
    revoked: bool = False


class ApprovalRecord(msgspec.Struct, kw_only=True):
    approval_key: str
    app_key: str
    issued_ns: int
    expires_ns: int


class AuthSnapshot(msgspec.Struct, kw_only=True):
    tokens: list[TokenRecord] = []
    approvals: list[ApprovalRecord] = []
    last_issue_ns: dict[str, int] = {}


def kst_expiry_text(ns: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in KST, as ``access_token_token_expired`` carries it."""
    return ns_to_dt(ns, KST).strftime("%Y-%m-%d %H:%M:%S")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class AuthAuthority:
    """Issues and checks credentials for the configured apps; time comes from ``clock``."""

    def __init__(
        self,
        apps: Sequence[AppConfig],
        clock: Clock,
        *,
        lifetime_s: int,
        reuse_window_s: int,
        issue_interval_s: int,
        approval_lifetime_s: int,
    ) -> None:
        self._apps = {app.app_key: app for app in apps}
        self._clock = clock
        self._lifetime_ns = lifetime_s * NANOS_PER_SECOND
        self._reuse_ns = reuse_window_s * NANOS_PER_SECOND
        self._interval_ns = issue_interval_s * NANOS_PER_SECOND
        self._approval_ns = approval_lifetime_s * NANOS_PER_SECOND
        self._signing_key = secrets.token_bytes(32)
        self._tokens: dict[str, TokenRecord] = {}
        self._approvals: dict[str, ApprovalRecord] = {}
        self._last_issue: dict[str, int] = {}

    # ---- app credentials ------------------------------------------------------------------------
    def check_app(self, app_key: str | None, app_secret: str | None) -> AppConfig:
        """The app for a key/secret pair; EGW00103 / EGW00105 when either is wrong."""
        app = self._apps.get(app_key or "")
        if app is None:
            raise KisRequestError(Codes.APPKEY_INVALID)
        if not hmac.compare_digest((app_secret or "").encode(), app.app_secret.encode()):
            raise KisRequestError(Codes.APPSECRET_INVALID)
        return app

    def app(self, app_key: str) -> AppConfig | None:
        return self._apps.get(app_key)

    # ---- access tokens --------------------------------------------------------------------------
    def issue_token(self, app_key: str | None, app_secret: str | None) -> TokenRecord:
        """``/oauth2/tokenP``: the current token if issued within the reuse window, else a new
        one; refused with EGW00133 when this app was answered less than a minute ago."""
        app = self.check_app(app_key, app_secret)
        now = self._clock.timestamp_ns()
        last = self._last_issue.get(app.app_key)
        if last is not None and now - last < self._interval_ns:
            raise KisRequestError(Codes.TOKEN_RATE)
        self._last_issue[app.app_key] = now
        current = self._current_token(app.app_key, now)
        if current is not None and now - current.issued_ns < self._reuse_ns:
            return current
        record = TokenRecord(
            token=self._mint(app.app_key, now),
            app_key=app.app_key,
            issued_ns=now,
            expires_ns=now + self._lifetime_ns,
        )
        self._tokens[record.token] = record
        return record

    def _current_token(self, app_key: str, now: int) -> TokenRecord | None:
        live = [
            rec
            for rec in self._tokens.values()
            if rec.app_key == app_key and not rec.revoked and rec.expires_ns > now
        ]
        return max(live, key=lambda rec: rec.issued_ns) if live else None

    def _mint(self, app_key: str, now: int) -> str:
        """A JWT-shaped opaque token like the real one (clients must not parse it)."""
        header = _b64url(json.dumps({"typ": "JWT", "alg": "HS512"}).encode())
        claims = {
            "sub": "token",
            "aud": str(uuid.uuid4()),
            "prdt_cd": "",
            "iss": "unogw",
            "exp": (now + self._lifetime_ns) // NANOS_PER_SECOND,
            "iat": now // NANOS_PER_SECOND,
            "jti": app_key,
        }
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(
            self._signing_key, f"{header}.{payload}".encode(), hashlib.sha512
        ).digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    def revoke(self, app_key: str | None, app_secret: str | None, token: str | None) -> bool:
        """``/oauth2/revokeP``: True when the token existed for this app and is now dead."""
        app = self.check_app(app_key, app_secret)
        record = self._tokens.get(token or "")
        if record is None or record.app_key != app.app_key or record.revoked:
            return False
        record.revoked = True
        return True

    def authenticate(
        self, authorization: str | None, app_key: str | None, app_secret: str | None
    ) -> TokenRecord:
        """Check the headers of an API call: app key and secret, then the bearer token."""
        app = self.check_app(app_key, app_secret)
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise KisRequestError(Codes.TOKEN_INVALID)
        record = self._tokens.get(token.strip())
        if record is None or record.revoked or record.app_key != app.app_key:
            raise KisRequestError(Codes.TOKEN_INVALID)
        if self._clock.timestamp_ns() >= record.expires_ns:
            raise KisRequestError(Codes.TOKEN_EXPIRED)
        return record

    # ---- websocket approval keys ----------------------------------------------------------------
    def approve(self, app_key: str | None, secret_key: str | None) -> ApprovalRecord:
        """``/oauth2/Approval`` (the secret travels as ``secretkey``): the live key of this app
        while it has more than an hour left, else a fresh one [M]."""
        app = self.check_app(app_key, secret_key)
        now = self._clock.timestamp_ns()
        for record in self._approvals.values():
            if record.app_key == app.app_key and record.expires_ns - now > _APPROVAL_MIN_LEFT_NS:
                return record
        record = ApprovalRecord(
            approval_key=str(uuid.uuid4()),
            app_key=app.app_key,
            issued_ns=now,
            expires_ns=now + self._approval_ns,
        )
        self._approvals[record.approval_key] = record
        return record

    def app_for_approval(self, approval_key: str) -> str | None:
        """The app key an approval key belongs to, None when unknown or expired."""
        record = self._approvals.get(approval_key)
        if record is None or self._clock.timestamp_ns() >= record.expires_ns:
            return None
        return record.app_key

    # ---- hashkey --------------------------------------------------------------------------------
    def hashkey(self, app_key: str | None, app_secret: str | None, body: bytes) -> str:
        """``/uapi/hashkey``: a digest of the exact body bytes; optional for orders."""
        app = self.check_app(app_key, app_secret)
        return hashlib.sha256(app.app_secret.encode() + body).hexdigest()

    # ---- persistence ----------------------------------------------------------------------------
    def snapshot(self) -> AuthSnapshot:
        return AuthSnapshot(
            tokens=list(self._tokens.values()),
            approvals=list(self._approvals.values()),
            last_issue_ns=dict(self._last_issue),
        )

    def restore(self, snapshot: AuthSnapshot) -> None:
        """Take over tokens and keys of a previous run (for apps still configured)."""
        self._tokens = {t.token: t for t in snapshot.tokens if t.app_key in self._apps}
        self._approvals = {a.approval_key: a for a in snapshot.approvals if a.app_key in self._apps}
        self._last_issue = {k: v for k, v in snapshot.last_issue_ns.items() if k in self._apps}
