"""Which KIS service the node trades against, and the client adapter pointed at it.

Three cases, decided by settings and ``jts up`` options, never by a flag inside the adapter
(paper trading is a venue, ARCHITECTURE.md principle 1):

* **embedded** (no credentials, no options): a `KisSimulator` in this process on free loopback
  ports. Its config (generated keys, account) and its books are kept under
  ``<data_dir>/sim/`` so that a restarted node meets the same broker that its journal talks
  about; a fresh simulator would know none of the node's orders.
* **external simulator** (``--sim-config`` with ``--sim-port``): a ``jts sim kis`` process the
  node does not own, which survives the node being killed (the crash test runs it this way).
* **KIS itself**: ``brokers.kis`` credentials in the settings (paper or real hosts).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from jts.adapters.kis.config import (
    KisAccount,
    KisAppKey,
    KisClientConfig,
    KisEnv,
    KisHosts,
    RateLimitConfig,
    RetryConfig,
    TokenConfig,
    WsConfig,
)
from jts.adapters.kis.simulator import SimulatorConfig, load_config
from jts.core.errors import ConfigError

if TYPE_CHECKING:
    from jts.config import Settings

__all__ = [
    "VenueTarget",
    "client_config",
    "embedded_simulator_config",
    "shared_target",
    "target_from_settings",
    "target_from_simulator",
]

SIM_DIR = "sim"
SIM_CONFIG_FILE = "kis-simulator.json"
SIM_STATE_FILE = "kis-simulator-state.json"
#: Requests per second the embedded simulator allows per app key (KIS paper allows 2): a demo
#: that reconciles, subscribes and trades at once needs more headroom than KIS paper gives.
DEMO_RATE_PER_S = 20


@dataclass(frozen=True, slots=True)
class VenueTarget:
    """Where the KIS adapter connects, with what keys and account; ``hosts`` None means the
    real KIS hosts of ``env``."""

    env: KisEnv
    hosts: KisHosts | None
    app: KisAppKey
    account: KisAccount
    rate_per_s: int | None
    description: str
    #: A second app key for the market-data role of a split node: KIS allows one WebSocket
    #: session per app key, and the execution role's session carries the account's notices.
    data_app: KisAppKey | None = None
    #: More accounts the node trades besides ``account`` (the first, the default one), each
    #: with the app key that owns it; the router spreads orders over all of them.
    more_accounts: tuple[KisAccount, ...] = ()

    @property
    def accounts(self) -> tuple[KisAccount, ...]:
        return (self.account, *self.more_accounts)

    @property
    def apps(self) -> list[KisAppKey]:
        """Every app key the accounts use, once each, the first account's first."""
        return list(dict.fromkeys(account.app for account in self.accounts))


def embedded_simulator_config(data_dir: Path, *, tick_interval_s: float) -> SimulatorConfig:
    """The embedded simulator's config, created on first use and reused afterwards.

    Keys and account must not change between runs: the journal and the simulator's saved books
    refer to that account. Ports are always 0 (free ones) and the state file always lives next
    to the config, so a copied data dir keeps working.
    """
    folder = data_dir / SIM_DIR
    path = folder / SIM_CONFIG_FILE
    if path.exists():
        config = load_config(path)
    else:
        config = SimulatorConfig.generate(
            "paper", rate_limit_per_s=DEMO_RATE_PER_S, market_hours="always"
        )
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(msgspec.json.encode(config))
            path.chmod(0o600)  # it holds the simulator's app secret
        except OSError as exc:
            raise ConfigError(f"cannot write simulator config {path}: {exc}") from exc
    return dataclasses.replace(
        config,
        port=0,
        ws_port=0,
        tick_interval_s=tick_interval_s,
        state_file=str(folder / SIM_STATE_FILE),
    )


def target_from_simulator(
    config: SimulatorConfig, rest_port: int, ws_port: int, *, where: str
) -> VenueTarget:
    """The adapter's view of a simulator: every account it keeps, each with the app key that
    names it, else one of the app keys that name no account (in turn: KIS gives every account
    an app key of its own). An app key no account uses becomes the market-data role's."""
    config = config.with_defaults()
    open_apps = [app for app in config.apps if not app.accounts] or [config.apps[0]]
    chosen: list[KisAccount] = []
    keys: dict[str, KisAppKey] = {}  # one per app key, named in the order first used
    for n, sim_account in enumerate(config.accounts):
        named = [app for app in config.apps if sim_account.key in app.accounts]
        sim_app = named[0] if named else open_apps[n % len(open_apps)]
        app = keys.get(sim_app.app_key)
        if app is None:
            name = f"sim-{len(keys) + 1}" if keys else "sim"
            app = keys[sim_app.app_key] = KisAppKey(sim_app.app_key, sim_app.app_secret, name=name)
        chosen.append(KisAccount(sim_account.cano, app, sim_account.product, sim_account.hts_id))
    spare = [app for app in config.apps if app.app_key not in keys]
    data_app = None
    if spare:
        data_app = KisAppKey(spare[0].app_key, spare[0].app_secret, name="sim-data")
    first = chosen[0]
    others = f" (+{len(chosen) - 1} more)" if len(chosen) > 1 else ""
    return VenueTarget(
        env=KisEnv(config.env),
        hosts=KisHosts.local(rest_port, ws_port, host=config.host),
        app=first.app,
        account=first,
        rate_per_s=config.rate_per_s,
        description=(
            f"KIS simulator ({where}) at 127.0.0.1:{rest_port}, account {first.cano}{others}"
        ),
        data_app=data_app,
        more_accounts=tuple(chosen[1:]),
    )


def target_from_settings(settings: Settings) -> VenueTarget | None:
    """KIS itself, when the settings carry credentials; None otherwise."""
    kis = settings.brokers.kis
    if not kis.is_configured:
        return None
    entries = [(kis.app_key, kis.app_secret, kis.account)]
    entries += [(extra.app_key, extra.app_secret, extra.account) for extra in kis.accounts]
    accounts: list[KisAccount] = []
    for n, (key, secret, number) in enumerate(entries, start=1):
        cano, product = number.split("-")
        app = KisAppKey(
            key.get_secret_value(), secret.get_secret_value(), name=f"kis-{n}" if n > 1 else "kis"
        )
        accounts.append(KisAccount(cano, app, product))
    account, *more = accounts
    env = KisEnv(kis.env)
    names = ", ".join(f"{a.cano}-{a.product}" for a in accounts)
    return VenueTarget(
        env=env,
        hosts=None,
        app=account.app,
        account=account,
        rate_per_s=None,
        description=f"KIS {env.value} servers, account{'s' if more else ''} {names}",
        more_accounts=tuple(more),
    )


def shared_target(
    settings: Settings,
    *,
    sim_config: Path | None,
    sim_port: int | None,
    sim_ws_port: int | None,
    role: str,
) -> VenueTarget:
    """The venue of a split node's role: one every role can reach, never an embedded simulator
    (each role would start its own, and they would be different brokers)."""
    if sim_port is not None:
        if sim_config is None or sim_ws_port is None:
            raise ConfigError("an external simulator needs --sim-config and --sim-ws-port")
        config = external_simulator_config(sim_config)
        return target_from_simulator(config, sim_port, sim_ws_port, where="external")
    configured = target_from_settings(settings)
    if configured is not None:
        return configured
    raise ConfigError(
        f"--role {role} needs a venue the other roles share: run `jts sim kis` and pass "
        "--sim-config, --sim-port and --sim-ws-port, or configure [brokers.kis] credentials"
    )


def external_simulator_config(path: Path) -> SimulatorConfig:
    """A ``jts sim kis --config PATH`` simulator's config: the node reads its keys from it."""
    return load_config(path)


def shared_redis(settings: Settings, role: str) -> str | None:
    """Where the processes of a split node share KIS tokens (and, when two roles use one app
    key, its rate-limit bucket): the bus's Redis. None for a whole node (``role`` all) or
    the in-process bus: one process, nothing to share."""
    if role == "all" or settings.bus.backend != "redis":
        return None
    return settings.bus.redis_url


def client_config(
    target: VenueTarget, token_dir: Path, *, redis_url: str | None = None
) -> KisClientConfig:
    """The adapter's config: quick reconnects and look-ups suit a local simulator and do no
    harm against KIS, whose limits the rate limiter enforces anyway.

    ``redis_url`` (a split node): tokens are cached there for every role. The rate-limit
    bucket is shared there only when the market-data role has no app key of its own
    (``data_app``): two roles with buckets of their own for one key could together send twice
    what KIS allows, while a shared bucket costs the order path Redis round trips."""
    rate = target.rate_per_s
    share = redis_url is not None and target.data_app is None
    rate_limit = (
        RateLimitConfig(shared=share)
        if rate is None
        else RateLimitConfig(rate, max(1, rate // 2), shared=share)
    )
    return KisClientConfig(
        env=target.env,
        hosts=target.hosts,
        rate_limit=rate_limit,
        tokens=TokenConfig(cache_dir=token_dir, redis_url=redis_url),
        retry=RetryConfig(timeout_s=5, backoff_base_s=0.1, order_lookup_delay_s=0.3),
        ws=WsConfig(reconnect_base_s=0.2, reconnect_max_s=2.0, stale_after_s=10),
    )
