"""The control endpoint: token-protected loopback API, control file written and removed."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from jts.core.errors import StateError
from jts.live.control import (
    CONTROL_FILE,
    ControlEndpoint,
    ControlHandlers,
    NodeNotRunningError,
    read_control_file,
)


def _handlers(calls: list[tuple[str, Any]]) -> ControlHandlers:
    def kill(reason: str) -> dict[str, Any]:
        calls.append(("kill", reason))
        return {"killed": True, "reason": reason, "cancels": 2}

    def reset() -> dict[str, Any]:
        raise StateError("nothing to reset")

    return ControlHandlers(
        orders=lambda everything: [{"all": everything}],
        positions=lambda: [{"instrument_id": "005930.KRX", "quantity": "3"}],
        kill=kill,
        reset_kill=reset,
    )


async def test_commands_reach_the_node_with_the_token_only(tmp_path: Path) -> None:
    calls: list[tuple[str, Any]] = []
    endpoint = ControlEndpoint(tmp_path, _handlers(calls))
    await endpoint.start()
    try:
        address = read_control_file(tmp_path)
        assert stat.S_IMODE((tmp_path / CONTROL_FILE).stat().st_mode) == 0o600
        auth = {"Authorization": f"Bearer {address.token}"}
        async with httpx.AsyncClient(base_url=address.url) as client:
            assert (await client.get("/orders")).status_code == 401
            wrong = {"Authorization": "Bearer nope"}
            assert (await client.get("/orders", headers=wrong)).status_code == 401
            assert (await client.get("/orders?all=1", headers=auth)).json() == [{"all": True}]
            assert (await client.get("/orders", headers=auth)).json() == [{"all": False}]
            positions = (await client.get("/positions", headers=auth)).json()
            assert positions[0]["quantity"] == "3"
            killed = await client.post("/kill", headers=auth, json={"reason": "drill"})
            assert killed.json()["cancels"] == 2
            refused = await client.post("/reset-kill", headers=auth)
            assert refused.status_code == 409
            assert "nothing to reset" in refused.json()["error"]
        assert calls == [("kill", "drill")]
    finally:
        await endpoint.stop()
    assert not (tmp_path / CONTROL_FILE).exists()


def test_no_control_file_means_no_running_node(tmp_path: Path) -> None:
    with pytest.raises(NodeNotRunningError, match="jts up"):
        read_control_file(tmp_path)
    (tmp_path / CONTROL_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(NodeNotRunningError, match="unreadable"):
        read_control_file(tmp_path)
