"""The Redis Streams backend of the message bus (optional extra ``jts[redis]``).

Importing this package does not import ``redis``; building a `RedisStreamsMessageBus` does, and
raises `MissingDependencyError` with the install command when the extra is missing.
"""

from jts.bus.redis_streams.bus import MissingDependencyError, RedisStreamsMessageBus
from jts.bus.redis_streams.config import RedisStreamsConfig

__all__ = ["MissingDependencyError", "RedisStreamsConfig", "RedisStreamsMessageBus"]
