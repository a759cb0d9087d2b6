"""Run a `LiveNode` on asyncio until a signal, a deadline or a failure, then stop it cleanly.

SIGINT and SIGTERM both mean "stop cleanly" (cancel open orders per policy, save state); a
second signal while stopping is ignored so the shutdown finishes. ``duration_s`` makes the node
stop by itself (``jts up --duration``, tests, ``make run`` demos). While the node runs, the heap
start-up made is frozen out of garbage collection (`jts.live.heap`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any, Protocol

from jts.live.heap import settled_heap

__all__ = ["Node", "run_node", "serve"]


class Node(Protocol):
    """What the runner needs of a node: `LiveNode` and each role's node."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def summary(self) -> dict[str, Any]: ...


async def serve(node: Node, *, duration_s: float | None = None) -> dict[str, Any]:
    """Start ``node``, wait for SIGINT/SIGTERM or ``duration_s``, stop it; returns its summary."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        try:
            await node.start()
            with settled_heap():  # what start-up made is frozen: collections skip it
                if duration_s is None:
                    await stop.wait()
                else:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), duration_s)
        finally:
            await node.stop()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return node.summary()


def run_node(node: Node, *, duration_s: float | None = None) -> dict[str, Any]:
    """Blocking entry point for the CLI."""
    return asyncio.run(serve(node, duration_s=duration_s))
