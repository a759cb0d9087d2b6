"""``python -m jts.adapters.kis.simulator --host 127.0.0.1 --port P --ws-port W --env paper``.

Without ``--port`` / ``--ws-port`` the real service's ports are used (29443 / 31000 paper,
9443 / 21000 real), so a client's host can be switched to 127.0.0.1 with no other change.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence

from jts.adapters.kis.simulator.config import SimulatorConfig, load_config
from jts.adapters.kis.simulator.server import run
from jts.core.errors import ConfigError

_DEFAULT_PORTS = {"paper": (29443, 31000), "real": (9443, 21000)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jts.adapters.kis.simulator",
        description="A local server speaking the KIS Open API wire protocol (REST + WebSocket).",
    )
    parser.add_argument("--config", help="JSON config file (see SimulatorConfig)")
    parser.add_argument("--host", default=None, help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="REST port")
    parser.add_argument("--ws-port", type=int, default=None, help="WebSocket port")
    parser.add_argument("--env", choices=("paper", "real"), default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--state-file", default=None, help="keep state across restarts here")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests/s per app key")
    parser.add_argument("--tick-interval", type=float, default=None, help="seconds per step")
    parser.add_argument("--market-hours", choices=("always", "closed", "xkrx"), default=None)
    parser.add_argument("--max-subscriptions", type=int, default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def config_from_args(argv: Sequence[str] | None = None) -> SimulatorConfig:
    return _config(_parser().parse_args(argv))


def _config(args: argparse.Namespace) -> SimulatorConfig:
    base = load_config(args.config) if args.config else SimulatorConfig()
    env = args.env or base.env
    default_port, default_ws = _DEFAULT_PORTS[env]
    changes: dict[str, object] = {"env": env}
    changes["port"] = args.port if args.port is not None else (base.port or default_port)
    changes["ws_port"] = args.ws_port if args.ws_port is not None else (base.ws_port or default_ws)
    options = {
        "host": args.host,
        "seed": args.seed,
        "state_file": args.state_file,
        "rate_limit_per_s": args.rate_limit,
        "tick_interval_s": args.tick_interval,
        "market_hours": args.market_hours,
        "max_subscriptions": args.max_subscriptions,
    }
    changes.update({key: value for key, value in options.items() if value is not None})
    config = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    return config.with_defaults()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    run(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
