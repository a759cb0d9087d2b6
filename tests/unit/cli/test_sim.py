"""``jts sim kis`` starts the real simulator server on the ports given."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_jts_sim_kis_serves_the_token_endpoint(tmp_path: Path) -> None:
    jts = shutil.which("jts", path=str(Path(sys.executable).parent))
    assert jts is not None
    port, ws_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [jts, "sim", "kis", "--port", str(port), "--ws-port", str(ws_port), "--env", "paper"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                reply = httpx.post(
                    f"http://127.0.0.1:{port}/oauth2/tokenP",
                    json={"grant_type": "client_credentials", "appkey": "x", "appsecret": "y"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        else:
            pytest.fail("the simulator did not start within 30 s")
        # unknown app key: the broker refuses, in its own non-envelope shape
        assert reply.status_code >= 400
        assert "error_code" in reply.json() or "rt_cd" in reply.json()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "127.0.0.1" in out


def test_bad_env_is_refused() -> None:
    from typer.testing import CliRunner

    from jts.cli.main import build_app

    result = CliRunner().invoke(build_app(), ["sim", "kis", "--env", "moon", "--port", "1"])
    assert result.exit_code != 0
