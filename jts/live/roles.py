"""The roles a node can play: everything in one process, or one part of a split node.

``all`` is the default and the only role the in-process bus allows. The three others cooperate
over the Redis Streams bus, each in its own process (one per role and trader):

* ``market-data``: the venue's WebSocket feed, published as ticks (and venue bars, books);
* ``strategy``: strategies on those feeds; their orders leave as commands on the bus;
* ``execution``: risk, OMS, journal, portfolio and the venue's execution client; it consumes
  the commands and publishes what became of them as order events.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from jts.core.errors import ConfigError

__all__ = ["ROLES", "Role", "check_role"]

Role = Literal["all", "market-data", "strategy", "execution"]
ROLES: Final[tuple[str, ...]] = get_args(Role)


def check_role(value: str, backend: str) -> Role:
    """``value`` as a `Role`; a split role needs the Redis bus, or its peers could not hear it."""
    text = value.strip().lower()
    if text not in ROLES:
        raise ConfigError(f"--role must be one of {', '.join(ROLES)}, got {value!r}")
    if text != "all" and backend != "redis":
        raise ConfigError(
            f"--role {text} splits the node into processes that talk over the Redis bus; "
            f'set bus.backend = "redis" (the production profile\'s default), got {backend!r}'
        )
    return text  # type: ignore[return-value]
