"""Processes and services for the production-profile and split-node tests.

Each test gets its own PostgreSQL database (created and dropped here, so no other test's journal
is in it) and its own Redis key prefix (every key under it deleted afterwards). Nodes and the
KIS simulator run as ``jts`` subprocesses writing JSON log lines, as a user would run them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from jts.adapters.kis.simulator import SimulatorConfig
from jts.testing import services

ENTRY = "from jts.cli.main import main; main()"
HOST = "127.0.0.1"


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test."""
    admin_url = services.postgres_admin_url()
    reason = services.tcp_reachable(admin_url, 5432)
    if reason:
        services.unavailable("PostgreSQL", reason)
    import sqlalchemy as sa

    name = services.unique_name("jts_live")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of one test on the local Redis; its keys are deleted afterwards."""
    url = services.redis_url()
    reason = services.tcp_reachable(url, 6379)
    if reason:
        services.unavailable("Redis", reason)
    import redis

    prefix = services.unique_name("jts_live")
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def production_env(workdir: Path, database_url: str, prefix: str) -> dict[str, str]:
    return {
        "JTS_DATA_DIR": str(workdir / "var"),
        "JTS_DATABASE__URL": database_url,
        "JTS_BUS__REDIS_URL": services.redis_url(),
        "JTS_BUS__STREAM_PREFIX": prefix,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Processes:
    """``jts`` subprocesses of one test; whatever is still running at the end is killed."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.runs: dict[str, int] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env}
        env.pop("JTS_CONFIG", None)
        self.runs[name] = self.runs.get(name, 0) + 1
        out = self.log_path(name).open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, *args],
            cwd=self.workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        return proc

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def text(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def tail(self, name: str) -> str:
        return self.text(name)[-4000:]

    def events(self, name: str, event: str | None = None) -> list[dict[str, Any]]:
        found = []
        for line in self.text(name).splitlines():
            if line.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    record = json.loads(line)
                    if event is None or record.get("event") == event:
                        found.append(record)
        return found

    def wait_for(self, name: str, event: str, *, count: int = 1, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        proc = self.procs[name]
        while time.monotonic() < deadline:
            if len(self.events(name, event)) >= count:
                return
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited early:\n{self.tail(name)}")
            time.sleep(0.2)
        raise AssertionError(
            f"no {count} x {event} from {name} in {timeout_s} s:\n{self.tail(name)}"
        )

    def stop(self, name: str, *, timeout_s: float = 45) -> int:
        proc = self.procs[name]
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(f"{name} did not stop on SIGTERM:\n{self.tail(name)}") from None

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


class Simulator:
    """An external ``jts sim kis`` with two app keys: KIS allows one WebSocket session per app
    key, and a split node holds two (execution notices, market data)."""

    def __init__(self, processes: Processes, *, tick_interval_s: float = 0.05) -> None:
        self.processes = processes
        self.port, self.ws_port = free_port(), free_port()
        self.config_path = processes.workdir / "sim.json"
        first = SimulatorConfig.generate("paper", rate_limit_per_s=50, market_hours="always")
        second = SimulatorConfig.generate("paper")
        config = dataclasses.replace(first, apps=(first.apps[0], second.apps[0]))
        self.config_path.write_bytes(msgspec.json.encode(config))
        self.tick_interval_s = tick_interval_s

    @property
    def options(self) -> list[str]:
        return [
            "--sim-config", str(self.config_path),
            "--sim-port", str(self.port),
            "--sim-ws-port", str(self.ws_port),
        ]  # fmt: skip

    def start(self) -> None:
        self.processes.start(
            "sim", "sim", "kis", "--host", HOST, "--port", str(self.port),
            "--ws-port", str(self.ws_port), "--config", str(self.config_path),
            "--tick-interval", str(self.tick_interval_s), "--market-hours", "always",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{HOST}:{self.port}/sim/state", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError("the simulator did not start:\n" + self.processes.tail("sim"))
