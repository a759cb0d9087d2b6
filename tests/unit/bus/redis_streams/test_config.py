"""Validation of the Redis Streams bus settings and the key names they produce."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from jts.bus.redis_streams import RedisStreamsConfig
from jts.core.errors import ConfigError


def test_defaults_and_keys() -> None:
    config = RedisStreamsConfig()
    assert config.consumer == socket.gethostname()  # stable across restarts of this host
    assert config.group_start == "$"
    assert config.stream_key == "jts:bus"
    assert config.dead_letter_key == "jts:bus:dead"
    assert config.endpoint_key("oms.status") == "jts:rpc:oms.status"
    assert config.reply_key("node-1a2b") == "jts:reply:node-1a2b"
    assert RedisStreamsConfig(prefix="test_x").stream_key == "test_x:bus"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prefix", "", "bus.prefix"),
        ("group", "a b", "bus.group"),
        ("consumer", "", "bus.consumer"),
        ("group_start", ">", "group_start"),
        ("consume", "yes", "bus.consume"),
        ("maxlen", 0, "bus.maxlen"),
        ("batch_size", -1, "bus.batch_size"),
        ("read_count", 1.5, "bus.read_count"),
        ("block_ms", True, "bus.block_ms"),
        ("claim_idle_ms", 0, "bus.claim_idle_ms"),
        ("max_deliveries", 0, "bus.max_deliveries"),
        ("max_buffered", 0, "bus.max_buffered"),
        ("linger_s", -0.1, "bus.linger_s"),
        ("linger_s", 5, "bus.linger_s"),
        ("flush_timeout_s", 0, "bus.flush_timeout_s"),
    ],
)
def test_invalid_settings_name_the_key(field: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RedisStreamsConfig(**{field: value})
