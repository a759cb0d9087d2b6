"""The batch writer against a recording stand-in for the registered Lua script: batch sizes,
order, retry after a failed round trip, and the bound on buffered publishes. (The script itself
runs against real Redis in tests/contract/bus.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from jts.bus.redis_streams.writer import XADD_BATCH_LUA, BatchWriter
from jts.ports.bus import BusError


class RecordingClient:
    """Stands in for redis-py: ``register_script`` returns a callable recording each batch."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.scripts: list[str] = []
        self.batches: list[tuple[list[str], list[Any]]] = []

    def register_script(self, script: str) -> Any:
        self.scripts.append(script)

        async def call(keys: list[str], args: list[Any]) -> bytes:
            await asyncio.sleep(0)
            if self.failures:
                self.failures -= 1
                raise ConnectionError("connection reset")
            self.batches.append((keys, list(args)))
            return f"{len(self.written())}-0".encode()

        return call

    def sizes(self) -> list[int]:
        return [(len(args) - 1) // 2 for _keys, args in self.batches]

    def written(self) -> list[bytes]:
        return [data for _keys, args in self.batches for data in args[2::2]]


def _writer(**overrides: Any) -> BatchWriter:
    settings: dict[str, Any] = {
        "stream": "p:bus",
        "maxlen": 1000,
        "batch_size": 4,
        "linger_s": 0.0,
        "max_buffered": 100,
    }
    settings.update(overrides)
    return BatchWriter(**settings)


async def _drain(writer: BatchWriter, client: RecordingClient) -> None:
    task = asyncio.ensure_future(writer.run(client))  # type: ignore[arg-type]
    await asyncio.wait_for(writer.wait_written(writer.queued), 2)
    writer.close()
    await asyncio.wait_for(task, 2)


async def test_batches_are_bounded_ordered_and_trimmed() -> None:
    writer = _writer()
    client = RecordingClient()
    for index in range(10):
        writer.append(b"t.a", str(index).encode())
    await _drain(writer, client)
    assert client.sizes() == [4, 4, 2]
    assert client.written() == [str(i).encode() for i in range(10)]
    keys, args = client.batches[0]
    assert keys == ["p:bus"]
    assert args[:3] == [1000, b"t.a", b"0"]  # maxlen, then topic/data pairs
    assert client.scripts == [XADD_BATCH_LUA]  # registered once, reused
    assert writer.last_id == b"10-0"


def test_script_writes_the_wire_fields() -> None:
    assert "'MAXLEN', '~', ARGV[1]" in XADD_BATCH_LUA
    assert "'t', ARGV[i], 'd', ARGV[i + 1]" in XADD_BATCH_LUA


async def test_publishes_during_a_round_trip_form_the_next_batch() -> None:
    writer = _writer(batch_size=100)
    client = RecordingClient()
    task = asyncio.ensure_future(writer.run(client))  # type: ignore[arg-type]
    writer.append(b"t.a", b"0")
    await asyncio.sleep(0)  # the writer takes "0" and starts its round trip
    for index in range(1, 4):
        writer.append(b"t.a", str(index).encode())
    await asyncio.wait_for(writer.wait_written(4), 2)
    writer.close()
    await asyncio.wait_for(task, 2)
    assert client.sizes() == [1, 3]


async def test_failed_round_trip_is_retried_in_order() -> None:
    writer = _writer()
    client = RecordingClient(failures=2)
    for index in range(6):
        writer.append(b"t.a", str(index).encode())
    await _drain(writer, client)
    assert client.written() == [str(i).encode() for i in range(6)]


async def test_linger_waits_for_a_fuller_batch() -> None:
    writer = _writer(batch_size=3, linger_s=0.05)
    client = RecordingClient()
    task = asyncio.ensure_future(writer.run(client))  # type: ignore[arg-type]
    writer.append(b"t.a", b"0")
    await asyncio.sleep(0.01)
    assert client.batches == []  # still lingering
    writer.append(b"t.a", b"1")
    writer.append(b"t.a", b"2")  # full: sent at once
    await asyncio.wait_for(writer.wait_written(3), 1)
    writer.close()
    await asyncio.wait_for(task, 2)
    assert client.sizes() == [3]


def test_buffer_is_bounded() -> None:
    writer = _writer(max_buffered=3)
    for index in range(3):
        writer.append(b"t.a", str(index).encode())
    with pytest.raises(BusError, match="max_buffered=3"):
        writer.append(b"t.a", b"3")
    assert writer.queued == 3


async def test_close_while_redis_keeps_failing_gives_up(caplog: pytest.LogCaptureFixture) -> None:
    writer = _writer()
    client = RecordingClient(failures=10**6)
    writer.append(b"t.a", b"0")
    task = asyncio.ensure_future(writer.run(client))  # type: ignore[arg-type]
    await asyncio.sleep(0.1)
    writer.close()
    await asyncio.wait_for(task, 5)
    assert client.batches == []
    assert "1 publishes not written" in caplog.text
