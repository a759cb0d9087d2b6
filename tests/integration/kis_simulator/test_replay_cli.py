"""``jts sim kis --replay FILE``: a bar file of the backtest format becomes the tick stream."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets

from .test_websocket import control, frames_of

ENTRY = "from jts.cli.main import main; main()"
BARS = (
    "timestamp,open,high,low,close,volume\n"
    "2025-03-04T09:01:00+09:00,70000,70500,69800,70300,400\n"
    "2025-03-04T09:02:00+09:00,70300,70400,69900,70000,40\n"
    "2025-03-04T09:03:00+09:00,70000,70000,70000,70000,7\n"
)


async def _ticks(rest: str, ws_url: str, count: int) -> list[list[str]]:
    async with httpx.AsyncClient(base_url=rest, timeout=5) as client:
        app = (await client.get("/sim/config")).json()["apps"][0]
        approval = await client.post(
            "/oauth2/Approval",
            json={
                "grant_type": "client_credentials",
                "appkey": app["app_key"],
                "secretkey": app["app_secret"],
            },
        )
        key = approval.json()["approval_key"]
    async with websockets.connect(ws_url) as ws:
        reply = await control(ws, key, "H0STCNT0", "005930")
        assert reply["body"]["msg_cd"] == "OPSP0000"
        texts = await frames_of(ws, "H0STCNT0", count)
    return [text.split("|", 3)[3].split("^") for text in texts]


@pytest.mark.timeout(60)
def test_jts_sim_kis_replays_a_bar_file(tmp_path: Path) -> None:
    path = tmp_path / "005930.KRX.csv"
    path.write_text(BARS, encoding="utf-8")
    args = ["sim", "kis", "--port", "0", "--ws-port", "0", "--tick-interval", "0.05"]
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args, "--replay", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"REST (http://127\.0\.0\.1:\d+)\s+WebSocket (ws://\S+/tryitout)", first)
        assert match, first + (proc.stderr.read() if proc.poll() is not None else "")
        fields = asyncio.run(_ticks(match[1], match[2], 9))
        state = httpx.get(match[1] + "/sim/state", timeout=5).json()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    # bar 1 (up): open, low, high, close spread over 09:00-09:01; bar 2 (down): high first
    assert [(f[1], f[2]) for f in fields] == [
        ("090000", "70000"),
        ("090015", "69800"),
        ("090030", "70500"),
        ("090045", "70300"),
        ("090100", "70300"),
        ("090115", "70400"),
        ("090130", "69900"),
        ("090145", "70000"),
        ("090200", "70000"),
    ]
    assert {f[33] for f in fields} == {"20250304"}
    assert sum(int(f[12]) for f in fields[:4]) == 400
    assert fields[-1][13] == "447"  # the day's volume: every share of the file
    assert state["replay_left"] == {"005930": 0}


def test_a_bad_replay_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "005930.KRX.csv"
    path.write_text("timestamp,open,high,low,close\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", ENTRY, "sim", "kis", "--port", "0", "--replay", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--replay" in result.stderr
    assert "volume" in result.stderr
