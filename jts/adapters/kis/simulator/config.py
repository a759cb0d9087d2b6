"""Configuration of the KIS simulator: apps (app keys), accounts, symbols, limits and faults.

Everything a test or a demo may want to vary is a field here, so the simulator never needs a
code change to mimic a different account or a stricter rate limit. Where brokers.md marks a fact
[M] (unverified), the value is a field with the documented default rather than a constant.

A config is plain frozen data: it can be decoded from JSON (``load_config``) with msgspec, and
``SimulatorConfig.generate`` makes a ready-to-run default (one app, one account, random keys).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import string
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal

import msgspec

from jts.core.errors import ConfigError

__all__ = [
    "LOOPBACK_HOSTS",
    "AccountConfig",
    "AppConfig",
    "Env",
    "FaultSettings",
    "HoldingConfig",
    "MarketHoursMode",
    "NoticeLayout",
    "SimulatorConfig",
    "SymbolConfig",
    "load_config",
]

Env = Literal["paper", "real"]
MarketHoursMode = Literal["always", "closed", "xkrx"]
#: 26 fields as in the official samples; 23 as python-kis 2.1.6 parses (brokers.md §2).
NoticeLayout = Literal["current", "legacy23"]

#: The simulator listens on the loopback interface only: it has no authentication worth the
#: name and must never be reachable from another machine.
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})

_CANO = re.compile(r"[0-9]{8}")
_PRODUCT = re.compile(r"[0-9]{2}")
_SYMBOL = re.compile(r"[0-9A-Z]{6}")
_ALNUM: Final = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class HoldingConfig:
    """A position the account starts with: ``qty`` shares bought at ``avg_price`` won."""

    symbol: str
    qty: int
    avg_price: int


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One brokerage account: 8-digit ``cano`` + 2-digit ``product`` (01 = stock account).

    ``hts_id`` is the user id that execution-notice subscriptions use as their ``tr_key``.
    ``cash`` is the starting deposit in whole won.
    """

    cano: str
    product: str = "01"
    hts_id: str = "simuser"
    name: str = "모의계좌"
    cash: int = 100_000_000
    holdings: tuple[HoldingConfig, ...] = ()

    @property
    def key(self) -> str:
        """``CANO-PRODUCT``, the account's identity inside the simulator."""
        return f"{self.cano}-{self.product}"


@dataclass(frozen=True, slots=True)
class AppConfig:
    """An app key / secret pair as KIS issues them; ``accounts`` are the ``CANO-PRODUCT`` keys
    this app may trade (empty: every configured account)."""

    app_key: str
    app_secret: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SymbolConfig:
    """A tradable symbol; ``base_price`` is yesterday's close (기준가) in won.

    ``market`` and ``kind`` use the names of `jts.domain.tick_rules.Market` / `InstrumentKind`.
    """

    symbol: str
    name: str
    base_price: int
    market: str = "KOSPI"
    kind: str = "STOCK"


@dataclass(slots=True)
class FaultSettings:
    """Failure switches, changeable at run time through ``POST /sim/faults``.

    Rates are shares of requests in [0, 1]; the ``*_next`` counters make the next N requests
    fail deterministically (tests prefer those). ``paths`` restricts HTTP faults to requests
    whose path starts with one of the prefixes (empty: every API path; never ``/sim``).
    A timeout either holds the request before it is processed (``timeout_phase="before"``) or
    processes it and withholds the answer (``"after"``), which is what makes a client's blind
    re-send of an order dangerous. ``notice_delay_ms`` holds every execution notice back (in
    order) so it reaches the client after the order inquiries already show its fill.
    """

    error_rate: float = 0.0
    error_next: int = 0
    error_status: int = 500
    timeout_rate: float = 0.0
    timeout_next: int = 0
    timeout_hold_s: float = 30.0
    timeout_phase: Literal["before", "after"] = "after"
    delay_ms: int = 0
    paths: tuple[str, ...] = ()
    extra_fields: int = 0
    ws_drop_rate_per_s: float = 0.0
    notice_delay_ms: int = 0

    def validate(self) -> None:
        for name in ("error_rate", "timeout_rate", "ws_drop_rate_per_s"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"faults.{name} must be in [0, 1], got {value!r}")
        for name in ("error_next", "timeout_next", "delay_ms", "extra_fields", "notice_delay_ms"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ConfigError(f"faults.{name} must be an int >= 0, got {value!r}")
        if not 500 <= self.error_status <= 599:
            raise ConfigError(f"faults.error_status must be a 5xx status, got {self.error_status}")
        if self.timeout_hold_s <= 0:
            raise ConfigError(f"faults.timeout_hold_s must be positive, got {self.timeout_hold_s}")
        if self.timeout_phase not in ("before", "after"):
            raise ConfigError(
                f"faults.timeout_phase must be 'before' or 'after', got {self.timeout_phase!r}"
            )


def _default_symbols() -> tuple[SymbolConfig, ...]:
    """The bundled reference listings with plausible base prices, plus synthetic codes so a
    client can subscribe more symbols than one WebSocket session allows (issue 5 asks for 60)."""
    known = (
        SymbolConfig("005930", "삼성전자", 70_000),
        SymbolConfig("005935", "삼성전자우", 58_000),
        SymbolConfig("000660", "SK하이닉스", 180_000),
        SymbolConfig("373220", "LG에너지솔루션", 380_000),
        SymbolConfig("005380", "현대차", 240_000),
        SymbolConfig("035420", "NAVER", 190_000),
        SymbolConfig("035720", "카카오", 42_000),
        SymbolConfig("068270", "셀트리온", 175_000),
        SymbolConfig("105560", "KB금융", 80_000),
        SymbolConfig("005490", "POSCO홀딩스", 390_000),
        SymbolConfig("069500", "KODEX 200", 35_000, kind="ETF"),
        SymbolConfig("122630", "KODEX 레버리지", 18_000, kind="ETF"),
        SymbolConfig("247540", "에코프로비엠", 150_000, market="KOSDAQ"),
        SymbolConfig("196170", "알테오젠", 300_000, market="KOSDAQ"),
        SymbolConfig("028300", "HLB", 60_000, market="KOSDAQ"),
    )
    # Synthetic listings 490001..490100 spread over every tick band, so tests see all tiers.
    prices = (1_500, 3_200, 8_700, 24_000, 61_000, 230_000, 610_000)
    synthetic = tuple(
        SymbolConfig(f"4900{i:02d}", f"SIM종목{i:02d}", prices[i % len(prices)])
        for i in range(1, 100)
    )
    return known + synthetic


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """The whole simulator. ``None`` limits take the documented per-env default (brokers.md):
    20 req/s real, 2 req/s paper; balance pages 50 / 20 rows, daily-fill pages 100 / 15."""

    env: Env = "paper"
    host: str = "127.0.0.1"
    port: int = 0
    ws_port: int = 0
    apps: tuple[AppConfig, ...] = ()
    accounts: tuple[AccountConfig, ...] = ()
    symbols: tuple[SymbolConfig, ...] = field(default_factory=_default_symbols)
    seed: int = 0
    # auth (brokers.md §1.2)
    token_lifetime_s: int = 86_400
    token_reuse_window_s: int = 6 * 3_600
    token_issue_interval_s: int = 60
    approval_lifetime_s: int = 86_400
    # rate limits (§1.5): token bucket per app key
    rate_limit_per_s: int | None = None
    rate_limit_burst: int | None = None
    # paging (§1.6)
    balance_page_size: int | None = None
    daily_ccld_page_size: int | None = None
    #: KIS refuses balance INQR_DVSN=02 since 2026-02-10 (OPSQ2001) [S: python-kis issue #81].
    reject_inqr_dvsn_02: bool = True
    # websocket (§2)
    max_subscriptions: int = 40
    pingpong_interval_s: float = 10.0
    notice_layout: NoticeLayout = "current"
    # market
    tick_interval_s: float = 0.5
    market_hours: MarketHoursMode = "always"
    fill_on_touch: bool = False
    #: KIS's non-face-to-face online rate (krx.md §7); charged on both sides, truncated to the won.
    commission_rate: Decimal = Decimal("0.000140527")
    #: None = the KRX securities transaction tax by settlement date (jts.domain.fees, KOSPI
    #: stock, each component truncated to the won); a number = that flat rate.
    sell_tax_rate: Decimal | None = None
    history_days: int = 400
    # replay (see `replay`): the tape comes from this bar file instead of the random walk
    replay_file: str | None = None
    replay_bar_seconds: int = 60
    # persistence
    state_file: str | None = None
    state_save_interval_s: float = 1.0
    faults: FaultSettings = field(default_factory=FaultSettings)

    def __post_init__(self) -> None:
        self.validate()

    # ---- derived limits -------------------------------------------------------------------------
    @property
    def rate_per_s(self) -> int:
        if self.rate_limit_per_s is not None:
            return self.rate_limit_per_s
        return 20 if self.env == "real" else 2

    @property
    def rate_burst(self) -> int:
        return self.rate_limit_burst if self.rate_limit_burst is not None else self.rate_per_s

    @property
    def balance_rows(self) -> int:
        if self.balance_page_size is not None:
            return self.balance_page_size
        return 50 if self.env == "real" else 20

    @property
    def daily_ccld_rows(self) -> int:
        if self.daily_ccld_page_size is not None:
            return self.daily_ccld_page_size
        return 100 if self.env == "real" else 15

    # ---- validation -----------------------------------------------------------------------------
    def validate(self) -> None:
        """Refuse a config that would make the simulator misbehave, naming the key and rule."""
        if self.env not in ("paper", "real"):
            raise ConfigError(f"env must be 'paper' or 'real', got {self.env!r}")
        if self.host not in LOOPBACK_HOSTS:
            raise ConfigError(
                f"host {self.host!r} is not a loopback address; the simulator listens on "
                f"{sorted(LOOPBACK_HOSTS)} only"
            )
        for name in ("port", "ws_port"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 65_535:
                raise ConfigError(f"{name} must be an int in 0..65535, got {value!r}")
        if self.port and self.port == self.ws_port:
            raise ConfigError(f"port and ws_port must differ, both are {self.port}")
        self._validate_accounts()
        self._validate_symbols()
        positive = (
            "token_lifetime_s",
            "token_issue_interval_s",
            "approval_lifetime_s",
            "max_subscriptions",
            "history_days",
            "replay_bar_seconds",
        )
        for name in positive:
            value = getattr(self, name)
            if type(value) is not int or value <= 0:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")
        if not 0 <= self.token_reuse_window_s <= self.token_lifetime_s:
            raise ConfigError(
                f"token_reuse_window_s must be in 0..token_lifetime_s, got "
                f"{self.token_reuse_window_s}"
            )
        for name in (
            "rate_limit_per_s",
            "rate_limit_burst",
            "balance_page_size",
            "daily_ccld_page_size",
        ):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value <= 0):
                raise ConfigError(f"{name} must be a positive int or null, got {value!r}")
        for name in ("pingpong_interval_s", "tick_interval_s", "state_save_interval_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"{name} must be a positive number, got {value!r}")
        if self.market_hours not in ("always", "closed", "xkrx"):
            raise ConfigError(
                f"market_hours must be 'always', 'closed' or 'xkrx', got {self.market_hours!r}"
            )
        if self.notice_layout not in ("current", "legacy23"):
            raise ConfigError(
                f"notice_layout must be 'current' or 'legacy23', got {self.notice_layout!r}"
            )
        for name in ("commission_rate", "sell_tax_rate"):
            rate = getattr(self, name)
            if rate is None and name == "sell_tax_rate":
                continue
            if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
                raise ConfigError(f"{name} must be a Decimal in [0, 1), got {rate!r}")
        self.faults.validate()

    def _validate_accounts(self) -> None:
        keys: set[str] = set()
        for account in self.accounts:
            if not _CANO.fullmatch(account.cano):
                raise ConfigError(f"account cano must be 8 digits, got {account.cano!r}")
            if not _PRODUCT.fullmatch(account.product):
                raise ConfigError(f"account product code must be 2 digits, got {account.product!r}")
            if account.key in keys:
                raise ConfigError(f"account {account.key} is configured twice")
            if type(account.cash) is not int or account.cash < 0:
                raise ConfigError(f"account {account.key}: cash must be an int >= 0")
            if not account.hts_id:
                raise ConfigError(f"account {account.key}: hts_id must not be empty")
            for holding in account.holdings:
                if holding.qty <= 0 or holding.avg_price <= 0:
                    raise ConfigError(
                        f"account {account.key}: holding {holding.symbol} needs a positive "
                        "qty and avg_price"
                    )
            keys.add(account.key)
        app_keys: set[str] = set()
        for app in self.apps:
            if not app.app_key or not app.app_secret:
                raise ConfigError("every app needs a non-empty app_key and app_secret")
            if app.app_key in app_keys:
                raise ConfigError(f"app key {app.app_key[:6]}... is configured twice")
            app_keys.add(app.app_key)
            unknown = [key for key in app.accounts if key not in keys]
            if unknown:
                raise ConfigError(f"app {app.app_key[:6]}... names unknown accounts {unknown}")

    def _validate_symbols(self) -> None:
        seen: set[str] = set()
        for sym in self.symbols:
            if not _SYMBOL.fullmatch(sym.symbol):
                raise ConfigError(f"symbol must be 6 characters [0-9A-Z], got {sym.symbol!r}")
            if sym.symbol in seen:
                raise ConfigError(f"symbol {sym.symbol} is configured twice")
            if type(sym.base_price) is not int or sym.base_price <= 0:
                raise ConfigError(f"symbol {sym.symbol}: base_price must be a positive int")
            seen.add(sym.symbol)
        held = {h.symbol for account in self.accounts for h in account.holdings}
        missing = sorted(held - seen)
        if missing:
            raise ConfigError(f"holdings name symbols that are not configured: {missing}")

    # ---- construction ---------------------------------------------------------------------------
    @classmethod
    def generate(cls, env: Env = "paper", **overrides: object) -> SimulatorConfig:
        """A runnable default: one app with fresh random keys and one account.

        Keys look like real ones (36-character app key starting ``PS``, 180-character secret)
        so clients that check their length accept them.
        """
        account = AccountConfig(cano=("5" if env == "paper" else "6") + _digits(7))
        app = AppConfig(app_key="PS" + _random_text(34), app_secret=_random_text(180))
        base = cls(env=env, apps=(app,), accounts=(account,))
        return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]

    def with_defaults(self) -> SimulatorConfig:
        """Fill in a generated app and account when the config names none."""
        if self.apps and self.accounts:
            return self
        generated = SimulatorConfig.generate(self.env)
        return dataclasses.replace(
            self,
            apps=self.apps or generated.apps,
            accounts=self.accounts or generated.accounts,
        )


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _digits(length: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(length))


def _unknown_keys(value: object, cls: type, where: str) -> list[str]:
    """Keys of a decoded JSON object that ``cls`` (a config dataclass) does not have.

    msgspec ignores unknown fields of dataclasses; a typo in a config file must not be silently
    ignored, so the raw structure is checked against the dataclass tree first.
    """
    if not isinstance(value, dict) or not dataclasses.is_dataclass(cls):
        return []
    fields = {f.name: f for f in dataclasses.fields(cls)}
    nested = {
        "apps": AppConfig,
        "accounts": AccountConfig,
        "holdings": HoldingConfig,
        "symbols": SymbolConfig,
        "faults": FaultSettings,
    }
    found = [f"{where}{key}" for key in value if key not in fields]
    for key, item in value.items():
        child = nested.get(key)
        if key not in fields or child is None:
            continue
        items = item if isinstance(item, list) else [item]
        for index, element in enumerate(items):
            label = f"{where}{key}[{index}]." if isinstance(item, list) else f"{where}{key}."
            found += _unknown_keys(element, child, label)
    return found


def load_config(path: str | Path) -> SimulatorConfig:
    """Read a JSON config file; unknown keys and wrong types are refused with the file named."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read simulator config {source}: {exc}") from exc
    try:
        raw = msgspec.json.decode(data)
        unknown = _unknown_keys(raw, SimulatorConfig, "")
        if unknown:
            raise ConfigError(f"simulator config {source}: unknown keys {unknown}")
        return msgspec.convert(raw, type=SimulatorConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"simulator config {source}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise ConfigError(f"simulator config {source} is not valid JSON: {exc}") from exc
