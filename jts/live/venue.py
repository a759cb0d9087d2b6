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
    """The adapter's view of a simulator: its first app key and first account."""
    config = config.with_defaults()
    sim_app = config.apps[0]
    sim_account = config.accounts[0]
    app = KisAppKey(sim_app.app_key, sim_app.app_secret, name="sim")
    account = KisAccount(sim_account.cano, app, sim_account.product, sim_account.hts_id)
    data_app = None
    if len(config.apps) > 1:
        second = config.apps[1]
        data_app = KisAppKey(second.app_key, second.app_secret, name="sim-data")
    return VenueTarget(
        env=KisEnv(config.env),
        hosts=KisHosts.local(rest_port, ws_port, host=config.host),
        app=app,
        account=account,
        rate_per_s=config.rate_per_s,
        description=f"KIS simulator ({where}) at 127.0.0.1:{rest_port}, account {account.cano}",
        data_app=data_app,
    )


def target_from_settings(settings: Settings) -> VenueTarget | None:
    """KIS itself, when the settings carry credentials; None otherwise."""
    kis = settings.brokers.kis
    if not kis.is_configured:
        return None
    cano, product = kis.account.split("-")
    app = KisAppKey(kis.app_key.get_secret_value(), kis.app_secret.get_secret_value(), name="kis")
    account = KisAccount(cano, app, product)
    env = KisEnv(kis.env)
    return VenueTarget(
        env=env,
        hosts=None,
        app=app,
        account=account,
        rate_per_s=None,
        description=f"KIS {env.value} servers, account {cano}-{product}",
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


def client_config(target: VenueTarget, token_dir: Path) -> KisClientConfig:
    """The adapter's config: quick reconnects and look-ups suit a local simulator and do no
    harm against KIS, whose limits the rate limiter enforces anyway."""
    rate = target.rate_per_s
    rate_limit = RateLimitConfig() if rate is None else RateLimitConfig(rate, max(1, rate // 2))
    return KisClientConfig(
        env=target.env,
        hosts=target.hosts,
        rate_limit=rate_limit,
        tokens=TokenConfig(cache_dir=token_dir),
        retry=RetryConfig(timeout_s=5, backoff_base_s=0.1, order_lookup_delay_s=0.3),
        ws=WsConfig(reconnect_base_s=0.2, reconnect_max_s=2.0, stale_after_s=10),
    )
