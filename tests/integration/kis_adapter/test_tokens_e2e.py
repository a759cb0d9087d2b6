"""The access token is issued once and shared by every process of an installation."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.integration.kis_adapter.conftest import sim_config

ROOT = Path(__file__).resolve().parents[3]


async def test_two_processes_share_one_token(start_sim, tmp_path):
    sim = await start_sim(sim_config())
    issued: list[str] = []
    original = sim.ctx.auth.issue_token

    def counting(app_key, app_secret):
        record = original(app_key, app_secret)
        issued.append(record.token)
        return record

    sim.ctx.auth.issue_token = counting  # count what KIS (the simulator) is asked for
    app = sim.config.apps[0]
    args = [sim.rest_url, app.app_key, app.app_secret, str(tmp_path / "cache")]

    async def worker() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.kis_adapter.token_worker",
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()
        return out.decode().strip()

    first, second = await asyncio.gather(worker(), worker())
    third = await worker()  # a later process (a restart) reuses the cached token too
    assert first == second == third
    assert first
    assert len(issued) == 1  # one request to /oauth2/tokenP in total: never EGW00133
    assert list((tmp_path / "cache").glob("*.json"))
