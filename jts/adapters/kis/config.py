"""Configuration of the KIS client: where to connect, with which keys, and every tunable fact.

The live KIS service cannot be reached from a test machine, so the adapter is proven against
the local simulator; switching to the real paper (모의투자) or real servers must be a matter of
configuration alone. That is why hosts, tr_id sets, limits and every fact brokers.md marks [M]
(unverified) are fields with the documented default, never constants buried in code.

All config objects are frozen dataclasses validated on construction: a bad value fails at start
with a `ConfigError` naming the field, not at the first order. Secrets never appear in ``repr``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from jts.core.errors import ConfigError
from jts.domain.identifiers import AccountId

__all__ = [
    "KisAccount",
    "KisAppKey",
    "KisClientConfig",
    "KisEnv",
    "KisHosts",
    "RateLimitConfig",
    "RetryConfig",
    "TokenConfig",
    "TrIdSet",
    "WsConfig",
]

_CANO: Final = re.compile(r"[0-9]{8}")
_PRODUCT: Final = re.compile(r"[0-9]{2}")


class KisEnv(enum.Enum):
    """Real (실전) or paper (모의투자) trading: separate hosts, app keys, accounts and tr_ids."""

    REAL = "real"
    PAPER = "paper"


class TrIdSet(enum.Enum):
    """Which generation of trading tr_ids to send (brokers.md §1.6): the current ids
    (``TTTC0012U``) or the legacy ones (``TTTC0802U``) some servers and clients still use."""

    CURRENT = "current"
    LEGACY = "legacy"


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")


def _non_negative(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{name} must be a number >= 0, got {value!r}")


def _positive_int(name: str, value: int) -> None:
    if type(value) is not int or value <= 0:
        raise ConfigError(f"{name} must be a positive int, got {value!r}")


@dataclass(frozen=True, slots=True)
class KisAppKey:
    """An app key / secret pair as KIS issues it; each has its own rate limit, token and one
    WebSocket session. ``name`` labels it in logs and metrics (the key itself is half-secret)."""

    app_key: str
    app_secret: str = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        for attr in ("app_key", "app_secret"):
            value = getattr(self, attr)
            if not isinstance(value, str) or not value.strip() or value.strip() != value:
                raise ConfigError(f"KIS {attr} must be non-empty text without spaces")

    @property
    def label(self) -> str:
        """What logs and metrics show: the name, or the key's first six characters."""
        return self.name or f"{self.app_key[:6]}..."


@dataclass(frozen=True, slots=True)
class KisAccount:
    """A brokerage account: 8-digit ``cano`` + 2-digit ``product`` (01 = stock account), the
    app key that owns it, and the HTS user id execution notices are subscribed with."""

    cano: str
    app: KisAppKey
    product: str = "01"
    hts_id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.cano, str) or not _CANO.fullmatch(self.cano):
            raise ConfigError(f"KIS account number (CANO) must be 8 digits, got {self.cano!r}")
        if not isinstance(self.product, str) or not _PRODUCT.fullmatch(self.product):
            raise ConfigError(
                f"KIS account product code (ACNT_PRDT_CD) must be 2 digits, got {self.product!r}"
            )

    @property
    def account_id(self) -> AccountId:
        return AccountId(f"KIS-{self.cano}-{self.product}")


@dataclass(frozen=True, slots=True)
class KisHosts:
    """REST base URL and WebSocket URL (brokers.md §1.1); ``ws_path`` is where the official
    samples and python-kis connect (``/tryitout``)."""

    rest_url: str
    ws_url: str
    ws_path: str = "/tryitout"

    def __post_init__(self) -> None:
        if not self.rest_url.startswith(("http://", "https://")):
            raise ConfigError(f"rest_url must start with http:// or https://, got {self.rest_url}")
        if not self.ws_url.startswith(("ws://", "wss://")):
            raise ConfigError(f"ws_url must start with ws:// or wss://, got {self.ws_url}")
        if not self.ws_path.startswith("/"):
            raise ConfigError(f"ws_path must start with '/', got {self.ws_path!r}")

    @classmethod
    def for_env(cls, env: KisEnv) -> KisHosts:
        """The production hosts of an environment [S: brokers.md §1.1]."""
        if env is KisEnv.REAL:
            return cls(
                "https://openapi.koreainvestment.com:9443", "ws://ops.koreainvestment.com:21000"
            )
        return cls(
            "https://openapivts.koreainvestment.com:29443", "ws://ops.koreainvestment.com:31000"
        )

    @classmethod
    def local(cls, rest_port: int, ws_port: int, host: str = "127.0.0.1") -> KisHosts:
        """A simulator on this machine."""
        return cls(f"http://{host}:{rest_port}", f"ws://{host}:{ws_port}")


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """The per-app-key token bucket. ``None`` takes the documented rate: real 20/s, paper 2/s
    [S: brokers.md §1.5]. ``burst`` below the rate leaves the broker's own bucket headroom for
    network jitter (requests sent evenly can arrive bunched); ``None`` is half the rate.
    ``query_headroom`` is how many tokens a query leaves in a shared bucket for cancels and
    orders of other processes (priorities across processes). ``shared``: with a Redis
    connection (``tokens.redis_url``) the bucket lives there, shared by every process using the
    app key; False keeps it in the process, for an app key that no other process uses (a Redis
    round trip then buys nothing)."""

    rate_per_s: int | None = None
    burst: int | None = None
    query_headroom: int = 1
    shared: bool = True

    def __post_init__(self) -> None:
        if self.rate_per_s is not None:
            _positive_int("rate_limit.rate_per_s", self.rate_per_s)
        if self.burst is not None:
            _positive_int("rate_limit.burst", self.burst)
        if type(self.query_headroom) is not int or self.query_headroom < 0:
            raise ConfigError(
                f"rate_limit.query_headroom must be an int >= 0, got {self.query_headroom!r}"
            )

    def rate_for(self, env: KisEnv) -> int:
        if self.rate_per_s is not None:
            return self.rate_per_s
        return 20 if env is KisEnv.REAL else 2

    def burst_for(self, env: KisEnv) -> int:
        if self.burst is not None:
            return self.burst
        return max(1, self.rate_for(env) // 2)


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """How hard to try. Queries are retried on timeouts, transport errors and 5xx with
    exponential backoff; orders are never blindly re-sent (see `execution`). A rate-limit answer
    (EGW00201) is retried for every kind of request: the gateway refused it before processing."""

    timeout_s: float = 10.0
    query_attempts: int = 4
    backoff_base_s: float = 0.2
    backoff_max_s: float = 5.0
    rate_limit_attempts: int = 20
    rate_limit_wait_s: float = 0.5
    max_pages: int = 500
    #: Looking an order up after a submission timed out: how often and how far apart.
    order_lookup_attempts: int = 4
    order_lookup_delay_s: float = 1.0

    def __post_init__(self) -> None:
        for name in ("timeout_s", "backoff_base_s", "backoff_max_s", "rate_limit_wait_s"):
            _positive(f"retry.{name}", getattr(self, name))
        _non_negative("retry.order_lookup_delay_s", self.order_lookup_delay_s)
        for name in ("query_attempts", "rate_limit_attempts", "max_pages", "order_lookup_attempts"):
            _positive_int(f"retry.{name}", getattr(self, name))


@dataclass(frozen=True, slots=True)
class TokenConfig:
    """Access token and approval key handling (brokers.md §1.2).

    Tokens live a day; KIS issues at most one per minute per app key (EGW00133, and a KakaoTalk
    alert to the account holder on every issue on real accounts), so the token is cached where
    every process of the installation finds it: files under ``cache_dir`` (with a lock), or Redis
    when ``redis_url`` is set. ``refresh_margin_s`` before expiry the token is renewed.
    """

    cache_dir: Path | None = None
    redis_url: str | None = None
    key_prefix: str = "jts:kis"
    refresh_margin_s: float = 3_600.0
    min_issue_interval_s: float = 60.0
    issue_attempts: int = 3
    #: Approval keys are valid about a day [M]; renewed this long before.
    approval_lifetime_s: float = 86_400.0
    approval_refresh_margin_s: float = 3_600.0
    #: How often a background task checks whether the token is due for renewal.
    renewal_check_s: float = 60.0

    def __post_init__(self) -> None:
        for name in (
            "refresh_margin_s",
            "min_issue_interval_s",
            "approval_lifetime_s",
            "approval_refresh_margin_s",
            "renewal_check_s",
        ):
            _positive(f"tokens.{name}", getattr(self, name))
        _positive_int("tokens.issue_attempts", self.issue_attempts)
        if self.redis_url is not None and not self.redis_url.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ConfigError(f"tokens.redis_url must be a redis:// URL, got {self.redis_url!r}")
        if not self.key_prefix or " " in self.key_prefix:
            raise ConfigError(
                f"tokens.key_prefix must be non-empty without spaces, got {self.key_prefix!r}"
            )


@dataclass(frozen=True, slots=True)
class WsConfig:
    """The WebSocket client (brokers.md §2)."""

    #: Registrations per session: the samples cap at 40 [S], the community says 41.
    max_subscriptions: int = 40
    reconnect_base_s: float = 0.5
    reconnect_max_s: float = 30.0
    #: Share of each backoff drawn at random, so many clients do not reconnect in lockstep.
    reconnect_jitter: float = 0.5
    #: No data frame for this long while the market is open means a dead feed: reconnect.
    stale_after_s: float = 30.0
    stale_check_s: float = 5.0
    open_timeout_s: float = 10.0
    #: PINGPONG: the official sample answers with a pong frame, python-kis echoes the text;
    #: which one the real server needs is not documented, so both by default.
    ping_reply_frame: bool = True
    ping_reply_text: bool = True
    #: How long a control reply (subscribe answer) may take.
    reply_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        _positive_int("ws.max_subscriptions", self.max_subscriptions)
        for name in (
            "reconnect_base_s",
            "reconnect_max_s",
            "stale_after_s",
            "stale_check_s",
            "open_timeout_s",
            "reply_timeout_s",
        ):
            _positive(f"ws.{name}", getattr(self, name))
        if not 0 <= self.reconnect_jitter <= 1:
            raise ConfigError(f"ws.reconnect_jitter must be in [0, 1], got {self.reconnect_jitter}")


#: Response ``tr_cont`` values that mean "more pages follow" [S: OTA]; D/E mean last [M].
_MORE_PAGES: Final = ("F", "M")


@dataclass(frozen=True, slots=True)
class KisClientConfig:
    """Everything the KIS client needs except the keys and accounts (see `KisAppKey`,
    `KisAccount`), which are passed next to it so that one config serves several accounts."""

    env: KisEnv = KisEnv.PAPER
    hosts: KisHosts | None = None
    tr_ids: TrIdSet = TrIdSet.CURRENT
    #: ``P`` personal, ``B`` corporate [S].
    custtype: str = "P"
    #: ``EXCG_ID_DVSN_CD`` sent with orders: KRX, NXT or SOR [S].
    exchange: str = "KRX"
    #: Send a hashkey header with orders (optional per the samples [S]); costs one more call.
    use_hashkey: bool = False
    #: ``inquire-psbl-rvsecncl`` has no paper version in the samples [S]; on paper the adapter
    #: lists open orders through the daily-orders inquiry instead unless this is True.
    psbl_rvsecncl_on_paper: bool = False
    #: ``FID_ORG_ADJ_PRC`` for adjusted daily prices: the samples disagree (0 or 1) [S].
    adjusted_price_code: str = "0"
    #: Daily fills older than this many days use the "older" inquiry tr_id [S: 3 months].
    recent_fills_days: int = 92
    more_pages_markers: tuple[str, ...] = _MORE_PAGES
    #: ORD_DVSN for a stop-limit order (NXT-era code 22 [M]); None refuses stop-limit orders.
    stop_limit_ord_dvsn: str | None = None
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    tokens: TokenConfig = field(default_factory=TokenConfig)
    ws: WsConfig = field(default_factory=WsConfig)
    #: Benching of failing app keys in a pool.
    bench_after_failures: int = 3
    bench_base_s: float = 30.0
    bench_max_s: float = 600.0
    #: Execution notices for an order number we do not know yet (the REST answer may come
    #: after the notice) are held this long before they count as foreign.
    orphan_notice_ttl_s: float = 60.0
    #: Without an HTS id there are no execution notices: open orders are then reconciled
    #: through the daily-orders inquiry this often (seconds).
    fill_poll_s: float = 3.0
    #: Daily bars are stamped at the session close (KST HHMMSS).
    daily_bar_close_hhmmss: str = "153000"
    #: Whether a minute bar's ``stck_cntg_hour`` is the minute's start (True) or end [M].
    minute_label_is_start: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.env, KisEnv):
            raise ConfigError(f"env must be a KisEnv, got {self.env!r}")
        if not isinstance(self.tr_ids, TrIdSet):
            raise ConfigError(f"tr_ids must be a TrIdSet, got {self.tr_ids!r}")
        if self.custtype not in ("P", "B"):
            raise ConfigError(f"custtype must be 'P' or 'B', got {self.custtype!r}")
        if self.exchange not in ("KRX", "NXT", "SOR"):
            raise ConfigError(f"exchange must be KRX, NXT or SOR, got {self.exchange!r}")
        if self.adjusted_price_code not in ("0", "1"):
            raise ConfigError(
                f"adjusted_price_code must be '0' or '1', got {self.adjusted_price_code!r}"
            )
        _positive_int("recent_fills_days", self.recent_fills_days)
        _positive_int("bench_after_failures", self.bench_after_failures)
        if not (len(self.daily_bar_close_hhmmss) == 6 and self.daily_bar_close_hhmmss.isdigit()):
            raise ConfigError(
                f"daily_bar_close_hhmmss must be HHMMSS, got {self.daily_bar_close_hhmmss!r}"
            )
        for name in ("bench_base_s", "bench_max_s", "orphan_notice_ttl_s", "fill_poll_s"):
            _positive(name, getattr(self, name))
        if not self.more_pages_markers:
            raise ConfigError("more_pages_markers must name at least one tr_cont value")

    @property
    def resolved_hosts(self) -> KisHosts:
        return self.hosts if self.hosts is not None else KisHosts.for_env(self.env)

    @property
    def rate_per_s(self) -> int:
        return self.rate_limit.rate_for(self.env)

    @property
    def burst(self) -> int:
        return self.rate_limit.burst_for(self.env)

    @property
    def is_paper(self) -> bool:
        return self.env is KisEnv.PAPER
