"""A tiny KIS-like WebSocket server for the client's tests (websockets, text frames only).

It answers registrations the way brokers.md §2 describes (header tr_id/tr_key/encrypt, body
rt_cd/msg_cd/msg1 and output key/iv), enforces a registration cap, records what clients sent,
and lets a test push frames, send PINGPONG or cut every connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

from websockets.asyncio.server import Server, ServerConnection, serve

from tests.unit.adapters.kis.wire import IV, KEY


class FakeKisWs:
    def __init__(
        self,
        cap: int = 40,
        refuse: dict[str, str] | None = None,
        bad_approvals: set[str] | None = None,
    ) -> None:
        self.cap = cap
        self.refuse = refuse or {}  # tr_key -> msg_cd to answer with
        self.bad_approvals = bad_approvals or set()  # approval keys answered with OPSP0011
        self.connections: list[ServerConnection] = []
        self.received: list[dict] = []
        self.texts: list[str] = []
        self.subs: dict[ServerConnection, set[tuple[str, str]]] = {}
        self.connects = 0
        self._server: Server | None = None
        self.port = 0

    async def __aenter__(self) -> FakeKisWs:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def _handle(self, ws: ServerConnection) -> None:
        self.connects += 1
        self.connections.append(ws)
        self.subs[ws] = set()
        try:
            async for text in ws:
                assert isinstance(text, str)
                self.texts.append(text)
                message = json.loads(text)
                self.received.append(message)
                header = message["header"]
                if header.get("tr_id") == "PINGPONG":
                    continue
                inputs = message["body"]["input"]
                tr_id, tr_key = inputs["tr_id"], inputs["tr_key"]
                if header.get("approval_key") in self.bad_approvals:
                    await ws.send(
                        _refusal(tr_id, tr_key, "OPSP0011", "invalid approval : NOT FOUND")
                    )
                    continue
                await ws.send(self._reply(ws, header["tr_type"], tr_id, tr_key))
        finally:
            self.connections.remove(ws)
            self.subs.pop(ws, None)

    def _reply(self, ws: ServerConnection, tr_type: str, tr_id: str, tr_key: str) -> str:
        subs = self.subs[ws]
        code, msg, rt = "OPSP0000", "SUBSCRIBE SUCCESS", "0"
        if tr_key in self.refuse:
            code, msg, rt = self.refuse[tr_key], "REFUSED", "1"
        elif tr_type == "1" and len(subs) >= self.cap:
            code, msg, rt = "OPSP0008", "MAX SUBSCRIBE OVER", "1"
        elif tr_type == "1":
            subs.add((tr_id, tr_key))
        else:
            subs.discard((tr_id, tr_key))
            code, msg = "OPSP0001", "UNSUBSCRIBE SUCCESS"
        return json.dumps(
            {
                "header": {
                    "tr_id": tr_id,
                    "tr_key": tr_key,
                    "encrypt": "Y" if tr_id.startswith("H0STCNI") else "N",
                },
                "body": {
                    "rt_cd": rt,
                    "msg_cd": code,
                    "msg1": msg,
                    "output": {"iv": IV, "key": KEY},
                },
            }
        )

    def subscriptions(self) -> list[set[tuple[str, str]]]:
        return [set(s) for s in self.subs.values()]

    async def send_all(self, texts: Iterable[str]) -> None:
        for ws in list(self.connections):
            for text in texts:
                await ws.send(text)

    async def ping(self) -> None:
        await self.send_all(
            [json.dumps({"header": {"tr_id": "PINGPONG", "datetime": "20260302093000"}})]
        )

    async def drop_all(self) -> None:
        for ws in list(self.connections):
            ws.transport.abort()

    async def wait_for(self, predicate, within_s: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + within_s
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.01)


def _refusal(tr_id: str, tr_key: str, code: str, msg: str) -> str:
    return json.dumps(
        {
            "header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "N"},
            "body": {"rt_cd": "1", "msg_cd": code, "msg1": msg},
        }
    )
