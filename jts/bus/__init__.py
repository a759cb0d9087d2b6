"""Message bus backends: in-process (default) and Redis Streams (``jts.bus.redis_streams``).

Both implement `jts.ports.bus.MessageBus`; topic syntax, dispatch order and error handling are
documented there.
"""

from jts.bus.inprocess import InProcessMessageBus

__all__ = ["InProcessMessageBus"]
