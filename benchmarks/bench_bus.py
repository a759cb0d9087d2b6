"""Message bus: in-process dispatch rate and latency; Redis Streams throughput and latency.

Targets (issue "Foundation"): in-process >= 500,000 events/s for one subscriber; Redis
>= 50,000 events/s batched and p99 < 2 ms at a steady 5,000 events/s. The Redis figures are
measured in one process (publisher and consumer share one event loop and one core), against
127.0.0.1 only, under a unique key prefix deleted afterwards. Without Redis they print
"skipped: ..." and the in-process figures still run.

Two messages: ``Tick`` (ints only) shows what the bus itself costs; ``OrderFilled`` through
the domain codec shows a realistic event, whose encode and decode (see bench_codec) dominate.
Consuming is bound by redis-py's reply parser: the pure-Python one parses roughly 25,000 stream
entries/s, hiredis ten times more, so the parser in use is printed first.

Two figures frame the live split node's target (issue 6: tick to order p99 < 5 ms over Redis):
``relay at 100/s`` is the two bus hops a tick and its order take between the market-data,
strategy and execution roles, at that node's rate, with nothing else on the path; ``loopback
TCP`` (first, under "machine") is one message between two processes with no Redis at all, the
cost of waking a process on this machine. At 100 messages/s a hop costs more than at 5,000/s:
every message wakes an idle process, where at 5,000/s the reader is often already awake.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import secrets
import socket
import statistics
import time
from array import array
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from benchmarks.bench_codec import order_filled
from jts.bus import InProcessMessageBus
from jts.bus.redis_streams import RedisStreamsConfig, RedisStreamsMessageBus
from jts.domain.codec import Codec, registered_message_types
from jts.domain.messages import Message

try:  # optional extra: without it the Redis part prints "skipped"
    import redis.asyncio as aioredis
    from redis.utils import HIREDIS_AVAILABLE
except ImportError:  # pragma: no cover - depends on the installed extras
    aioredis = None  # type: ignore[assignment]
    HIREDIS_AVAILABLE = False

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
#: Relayed and loopback messages left out of the figures (connection set-up, first-use caches).
WARMUP_RELAYED = 50


class Tick(Message, frozen=True, kw_only=True):
    """A compact message (ints only) to show the transport's own cost, without field hooks."""

    seq: int
    price_raw: int
    size_raw: int
    ts_event: int


def _pct(samples: array[int], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] / 1000


def _latency_line(label: str, samples_ns: array[int]) -> str:
    return (
        f"{label:<44} p50 {_pct(samples_ns, 0.50):8.1f} us   p99 {_pct(samples_ns, 0.99):8.1f} us"
        f"   max {max(samples_ns) / 1000:8.1f} us   (n={len(samples_ns):,})"
    )


def _rate_line(label: str, count: int, seconds: float) -> str:
    return f"{label:<44} {count / seconds:>12,.0f} events/s   ({count:,} in {seconds:.2f} s)"


# -- in-process ------------------------------------------------------------------------------


def _inprocess_rate(subscribers: list[str], count: int) -> float:
    bus = InProcessMessageBus()
    delivered = [0]

    def handler(_message: Message) -> None:
        delivered[0] += 1

    for pattern in subscribers:
        bus.subscribe(pattern, handler)
    message = Tick(seq=1, price_raw=71200, size_raw=37, ts_event=0)
    publish = bus.publish
    topic = "data.trades.005930.KRX"
    started = time.perf_counter()
    for _ in range(count):
        publish(topic, message)
    elapsed = time.perf_counter() - started
    assert delivered[0] == count * len(subscribers)
    return elapsed


def bench_inprocess() -> None:
    print("in-process bus")
    count = 1_000_000
    one = _inprocess_rate(["data.trades.005930.KRX"], count)
    print(_rate_line("  dispatch, 1 subscriber (target 500,000)", count, one))
    five = ["data.trades.005930.KRX", "data.trades.*.KRX", "data.**", "**.KRX", "data.*.*.*"]
    many = _inprocess_rate(five, count // 5)
    print(_rate_line("  publishes, 5 subscribers (3 wildcard)", count // 5, many))
    print(_rate_line("  deliveries, 5 subscribers", count, many))

    bus = InProcessMessageBus()
    sent_at = [0]
    samples: array[int] = array("q")

    def measure(_message: Message) -> None:
        samples.append(time.perf_counter_ns() - sent_at[0])

    bus.subscribe("data.trades.*.KRX", measure)
    message = Tick(seq=1, price_raw=71200, size_raw=37, ts_event=0)
    for _ in range(200_000):
        sent_at[0] = time.perf_counter_ns()
        bus.publish("data.trades.005930.KRX", message)
    print(_latency_line("  publish-to-handler latency", samples))


# -- Redis Streams ---------------------------------------------------------------------------


def _redis_unavailable() -> str | None:
    if aioredis is None:
        return "the 'redis' package is not installed (pip install 'jts[redis]')"
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return None
    except OSError as exc:
        return f"Redis not reachable at {REDIS_HOST}:{REDIS_PORT} ({exc})"


async def _wait_until(check: Callable[[], bool], limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {limit_s} s")
        await asyncio.sleep(0.001)


class _RedisBench:
    def __init__(self) -> None:
        self.prefix = f"jts_bench_{secrets.token_hex(4)}"
        self.buses: list[Any] = []

    def make(self, codec: Codec, **settings: Any) -> Any:
        config = RedisStreamsConfig(url=REDIS_URL, prefix=self.prefix, **settings)
        bus = RedisStreamsMessageBus(config, codec)
        self.buses.append(bus)
        return bus

    async def close(self) -> None:
        for bus in self.buses:
            await bus.stop()
        assert aioredis is not None
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            keys = [k async for k in client.scan_iter(match=f"{self.prefix}:*", count=1000)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


async def _redis_throughput(bench: _RedisBench, label: str, messages: Sequence[Message]) -> None:
    codec = Codec(types=(type(messages[0]),))
    count = len(messages)
    # Publishing alone: a node that only publishes (consume=False), batched pipelined XADDs.
    feed = bench.make(codec, group="feed", consume=False, batch_size=1000)
    await feed.start()
    started = time.perf_counter()
    for index, message in enumerate(messages):
        feed.publish("data.trades.005930.KRX", message)
        if index % 5000 == 4999:
            await asyncio.sleep(0)  # let the writer start sending while we publish
    await feed.flush()
    elapsed = time.perf_counter() - started
    print(_rate_line(f"  publish (encode + batched XADD), {label}", count, elapsed))

    # End to end in one node: publish -> XADD -> XREADGROUP -> decode -> handler -> XACK.
    node = bench.make(codec, group=f"node-{label}", consumer="n1", batch_size=1000, read_count=1000)
    received = [0]

    def handler(_message: Message) -> None:
        received[0] += 1

    node.subscribe("data.**", handler)
    await node.start()
    started = time.perf_counter()
    for index, message in enumerate(messages):
        node.publish("data.trades.005930.KRX", message)
        if index % 5000 == 4999:
            await asyncio.sleep(0)
    await _wait_until(lambda: received[0] >= count, 50, "all messages dispatched")
    elapsed = time.perf_counter() - started
    print(_rate_line(f"  end to end, one node, {label}", count, elapsed))


async def _publish_steadily(feed: Any, messages: Sequence[Message], rate: int) -> dict[int, int]:
    """Publish at ``rate``/s (in 1 ms bursts: asyncio sleeps no finer); returns send times.

    The prebuilt messages are moved out of the garbage collector's sight first (as a live node
    would freeze its startup objects), so a full collection does not scan them mid-run.
    """
    gc.collect()
    gc.freeze()
    sent_at: dict[int, int] = {}
    started = time.perf_counter()
    sent = 0
    while sent < len(messages):
        due = min(len(messages), int((time.perf_counter() - started) * rate) + 1)
        while sent < due:
            message = messages[sent]
            sent_at[message.ts_event] = time.perf_counter_ns()  # type: ignore[attr-defined]
            feed.publish("events.order.005930.KRX", message)
            sent += 1
        await asyncio.sleep(0.0005)
    gc.unfreeze()
    return sent_at


def _bench_codec() -> Codec:
    return Codec(types=(*registered_message_types(), Tick))


def _messages(kind: str, count: int) -> list[Message]:
    if kind == "Tick":
        return [Tick(seq=i, price_raw=71200, size_raw=37, ts_event=i) for i in range(count)]
    return [order_filled(seq) for seq in range(count)]


async def _redis_latency_one_process(
    bench: _RedisBench, kind: str, rate: int, seconds: float
) -> None:
    messages = _messages(kind, int(rate * seconds))
    feed = bench.make(_bench_codec(), group="feed", consume=False)
    node = bench.make(_bench_codec(), group="latency", consumer="n1")
    received: list[tuple[int, int]] = []
    node.subscribe("events.**", lambda m: received.append((m.ts_event, time.perf_counter_ns())))
    await node.start()
    await feed.start()
    await asyncio.sleep(0.2)  # let the consumer settle into its blocking read
    sent_at = await _publish_steadily(feed, messages, rate)
    await _wait_until(lambda: len(received) >= len(messages), 10, "all latency samples")
    samples = array("q", (now - sent_at[key] for key, now in received))
    print(_latency_line(f"  latency at {rate:,}/s, {kind}, one process", samples))


def _remote_consumer(
    prefix: str, count: int, ready: Any, results: Any, group: str = "remote"
) -> None:
    """A consumer node in its own process: records when each message reached its handler
    (``relayed.**``, the relay's, when ``group`` is "receiver"; ``events.**`` otherwise)."""

    async def consume() -> None:
        config = RedisStreamsConfig(url=REDIS_URL, prefix=prefix, group=group, consumer="r1")
        node = RedisStreamsMessageBus(config, _bench_codec())
        received: list[tuple[int, int]] = []
        pattern = "relayed.**" if group == "receiver" else "events.**"
        node.subscribe(pattern, lambda m: received.append((m.ts_event, time.perf_counter_ns())))  # type: ignore[attr-defined]
        await node.start()
        ready.set()
        deadline = time.monotonic() + 30
        while len(received) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await node.stop()
        results.send(received)

    asyncio.run(consume())


async def _publish_and_collect(
    bench: _RedisBench, messages: Sequence[Message], rate: int, receiver: Any
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Publish ``messages`` steadily from a feed node here; return their send times and what
    the receiving process sent back through ``receiver`` (its receive times)."""
    feed = bench.make(_bench_codec(), group="feed", consume=False)
    await feed.start()
    await asyncio.sleep(0.2)  # let the consumers settle into their blocking reads
    sent_at = await _publish_steadily(feed, messages, rate)
    received = await asyncio.get_running_loop().run_in_executor(None, receiver.recv)
    return sent_at, received


async def _redis_latency_two_processes(
    bench: _RedisBench, kind: str, rate: int, seconds: float
) -> None:
    """Publisher here, consumer in a second process, as separate nodes run. Send and receive
    times are both ``perf_counter_ns`` (CLOCK_MONOTONIC on Linux, shared by all processes)."""
    messages = _messages(kind, int(rate * seconds))
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_remote_consumer, args=(bench.prefix, len(messages), ready, sender), daemon=True
    )
    process.start()
    try:
        await _wait_until(ready.is_set, 30, "the consumer process")
        sent_at, received = await _publish_and_collect(bench, messages, rate, receiver)
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    samples = array("q", (now - sent_at[key] for key, now in received))
    lost = len(messages) - len(received)
    print(_latency_line(f"  latency at {rate:,}/s, {kind}, 2 processes", samples))
    print(f"  (mean {statistics.fmean(samples) / 1000:.1f} us; {lost} lost; target p99 < 2 ms)")


def _relay(prefix: str, seconds: float, ready: Any) -> None:
    """The middle node of the relay: republishes every ``events.**`` message on ``relayed.*``,
    in its handler, as the split node's strategy role turns a tick into an order."""

    async def relay() -> None:
        config = RedisStreamsConfig(url=REDIS_URL, prefix=prefix, group="relay", consumer="m1")
        node = RedisStreamsMessageBus(config, _bench_codec())
        node.subscribe("events.**", lambda m: node.publish("relayed.order", m))
        await node.start()
        ready.set()
        await asyncio.sleep(seconds)
        await node.stop()

    asyncio.run(relay())


async def _redis_relay_three_processes(bench: _RedisBench, rate: int, seconds: float) -> None:
    """Publisher -> relay process -> receiver process, at the live split node's rate: the two
    bus hops a tick and its order take between the market-data, strategy and execution roles,
    with nothing else on the path. What the split node's p99 target leaves for the rest
    (strategy, risk, the journal's commit, the send) is its 5 ms less this."""
    messages = _messages("OrderFilled", int(rate * seconds))
    context = multiprocessing.get_context("spawn")
    relay_ready, receiver_ready = context.Event(), context.Event()
    receiver, sender = context.Pipe(duplex=False)
    processes = [
        context.Process(target=_relay, args=(bench.prefix, seconds + 15, relay_ready), daemon=True),
        context.Process(
            target=_remote_consumer,
            args=(bench.prefix, len(messages), receiver_ready, sender, "receiver"),
            daemon=True,
        ),
    ]
    for process in processes:
        process.start()
    try:
        await _wait_until(relay_ready.is_set, 30, "the relay process")
        await _wait_until(receiver_ready.is_set, 30, "the receiver process")
        sent_at, received = await _publish_and_collect(bench, messages, rate, receiver)
    finally:
        for process in processes:
            process.kill()
            process.join(timeout=10)
    samples = array("q", (now - sent_at[key] for key, now in received[WARMUP_RELAYED:]))
    lost = len(messages) - len(received)
    print(_latency_line(f"  relay at {rate}/s, OrderFilled, 3 processes (2 hops)", samples))
    print(f"  ({lost} lost; the first {WARMUP_RELAYED} left out)")


def _loopback_sink(port: Any, count: int) -> None:
    """Receives ``count`` newline-ended send times on a TCP socket; writes back the delays."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port.send(server.getsockname()[1])
        connection, _ = server.accept()
        delays: list[int] = []
        pending = b""
        with connection:
            while len(delays) < count:
                data = connection.recv(65536)
                arrived = time.perf_counter_ns()
                if not data:
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                delays.extend(arrived - int(line) for line in lines)
        port.send(delays)


def bench_loopback(count: int = 600, interval_s: float = 0.01) -> None:
    """One message between two processes over loopback TCP, no Redis, no asyncio: the floor
    under every bus hop on this machine (a wake-up of the receiving process)."""
    context = multiprocessing.get_context("spawn")
    port, child_port = context.Pipe()
    process = context.Process(target=_loopback_sink, args=(child_port, count), daemon=True)
    process.start()
    try:
        with socket.create_connection(("127.0.0.1", port.recv()), timeout=10) as connection:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(count):
                connection.sendall(b"%d\n" % time.perf_counter_ns())
                time.sleep(interval_s)
            delays = port.recv() if port.poll(10) else []
    finally:
        process.kill()
        process.join(timeout=10)
    print("machine")
    samples = array("q", delays[WARMUP_RELAYED:])
    print(
        _latency_line(
            f"  loopback TCP, one message every {interval_s * 1000:g} ms, 2 processes", samples
        )
    )


async def bench_redis() -> None:
    print("Redis Streams bus")
    reason = _redis_unavailable()
    if reason:
        print(f"  skipped: {reason}")
        return
    parser = "hiredis" if HIREDIS_AVAILABLE else "pure Python (hiredis not installed)"
    print(f"  redis-py reply parser: {parser}")
    ticks = [Tick(seq=i, price_raw=71200 + i % 50, size_raw=37, ts_event=i) for i in range(100_000)]
    fills = [order_filled(seq) for seq in range(20_000)]
    runs: list[Callable[[_RedisBench], Awaitable[None]]] = [
        lambda bench: _redis_throughput(bench, "Tick", ticks),
        lambda bench: _redis_throughput(bench, "OrderFilled", fills),
        lambda bench: _redis_latency_two_processes(bench, "OrderFilled", rate=5_000, seconds=3),
        lambda bench: _redis_latency_two_processes(bench, "Tick", rate=5_000, seconds=3),
        lambda bench: _redis_latency_one_process(bench, "OrderFilled", rate=5_000, seconds=3),
        lambda bench: _redis_relay_three_processes(bench, rate=100, seconds=6),
    ]
    for run in runs:  # each on its own streams, its buses stopped before the next starts
        bench = _RedisBench()
        try:
            await run(bench)
        finally:
            await bench.close()


def main() -> None:
    bench_loopback()
    bench_inprocess()
    asyncio.run(bench_redis())


if __name__ == "__main__":
    main()
