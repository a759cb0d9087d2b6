"""Settings of the Redis Streams bus, and the Redis key names derived from them.

Every key starts with ``prefix`` so that several systems (or tests) share one Redis without
seeing each other's messages, and so that one ``SCAN prefix:*`` finds everything to delete.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from jts.core.errors import ConfigError

_GROUP_STARTS = ("$", "0")


@dataclass(frozen=True, slots=True)
class RedisStreamsConfig:
    """Tuning and naming of one bus instance.

    ``group``: nodes with the same group share the work (each message goes to one of them);
    different groups each see every message. ``consumer`` names this node inside its group and
    must be stable across restarts, because a restarted consumer re-reads its own unacknowledged
    messages first; it defaults to the host name (two processes of one group on one host must
    set distinct names). ``group_start`` is where a group that does not exist yet begins:
    ``"$"`` (only messages published from now on) or ``"0"`` (everything still retained).
    """

    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "jts"
    group: str = "jts"
    consumer: str = field(default_factory=socket.gethostname)
    group_start: str = "$"
    #: False for a node that only publishes and requests (a market data feed, the API): it
    #: joins no group and reads nothing from the bus stream, so subscribing on it is an error.
    consume: bool = True
    #: Approximate bound of the bus stream (``XADD MAXLEN ~``): how far back a consumer that was
    #: down can resume. Size it as the longest outage times the message rate.
    maxlen: int = 100_000
    #: Publishes per pipelined round trip; more queued publishes are sent as several batches.
    batch_size: int = 500
    #: Extra wait before sending a batch that is not full. 0 sends at the next loop turn; under
    #: load, publishes made while a batch is in flight form the next batch anyway.
    linger_s: float = 0.0
    #: Entries fetched per XREADGROUP, and how long one read blocks waiting for new entries
    #: (which also bounds how long `stop` waits for the reader).
    read_count: int = 500
    block_ms: int = 100
    #: An entry left unacknowledged this long (its handler failed, or its consumer died) is
    #: claimed and delivered again.
    claim_idle_ms: int = 30_000
    #: Deliveries after which an entry whose handler still fails goes to the dead-letter stream.
    max_deliveries: int = 5
    dead_letter_maxlen: int = 100_000
    #: Bound of each endpoint's request stream and of each node's reply stream.
    rpc_maxlen: int = 10_000
    #: How long `flush` (and the flush inside `stop`) may wait before raising `BusError`.
    flush_timeout_s: float = 10.0
    #: Publishes buffered but not yet written beyond which `publish` raises `BusError` rather
    #: than growing without bound while Redis is unreachable.
    max_buffered: int = 1_000_000

    def __post_init__(self) -> None:
        for name in ("prefix", "group", "consumer"):
            value = getattr(self, name)
            if not value or any(c.isspace() for c in value):
                raise ConfigError(f"bus.{name} must be non-empty without spaces, got {value!r}")
        if type(self.consume) is not bool:
            raise ConfigError(f"bus.consume must be true or false, got {self.consume!r}")
        if self.group_start not in _GROUP_STARTS:
            raise ConfigError(f"bus.group_start must be '$' or '0', got {self.group_start!r}")
        for name in (
            "maxlen",
            "batch_size",
            "read_count",
            "block_ms",
            "claim_idle_ms",
            "max_deliveries",
            "dead_letter_maxlen",
            "rpc_maxlen",
            "max_buffered",
        ):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ConfigError(f"bus.{name} must be a positive integer, got {value!r}")
        if not 0 <= self.linger_s <= 1:
            raise ConfigError(f"bus.linger_s must be between 0 and 1 second, got {self.linger_s}")
        if not self.flush_timeout_s > 0:
            raise ConfigError(f"bus.flush_timeout_s must be positive, got {self.flush_timeout_s}")

    @property
    def stream_key(self) -> str:
        return f"{self.prefix}:bus"

    @property
    def dead_letter_key(self) -> str:
        return f"{self.prefix}:bus:dead"

    def endpoint_key(self, endpoint: str) -> str:
        return f"{self.prefix}:rpc:{endpoint}"

    def reply_key(self, instance: str) -> str:
        return f"{self.prefix}:reply:{instance}"
