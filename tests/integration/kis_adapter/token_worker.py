"""One process of an installation asking for the KIS access token (run by the token test):
``python -m tests.integration.kis_adapter.token_worker REST_URL APP_KEY APP_SECRET CACHE_DIR``.
Prints the token it got."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx

from jts.adapters.kis.auth import KisAuthApi
from jts.adapters.kis.config import KisAppKey, KisHosts
from jts.adapters.kis.tokens import FileTokenStore, TokenManager


async def main(rest_url: str, key: str, secret: str, cache: str) -> None:
    async with httpx.AsyncClient() as client:
        auth = KisAuthApi(client, KisHosts(rest_url, "ws://unused"))
        tokens = TokenManager(KisAppKey(key, secret), FileTokenStore(Path(cache)), auth.issue_token)
        print(await tokens.get(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
