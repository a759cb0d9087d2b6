"""HTTP replies in the KIS shape, with header names cased as the real service sends them.

The official sample turns lower-case response header names into namedtuple fields, so standard
headers must go out as ``Content-Type`` (not ``content-type``) and the KIS headers as ``tr_id``,
``tr_cont``, ``gt_uid`` (lower case, underscores). aiohttp writes header names as given, which is
why the simulator is built on it (uvicorn/h11 would lower-case everything).

Request parameters are read case-insensitively (keys upper-cased): clients send ``CANO`` or
``cano``, ``CTX_AREA_FK100`` or ``ctx_area_fk100``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web
from multidict import CIMultiDict

from jts.adapters.kis.simulator.codes import KisCode, invalid_input

__all__ = [
    "JSON_CONTENT_TYPE",
    "envelope",
    "error_body",
    "kis_response",
    "oauth_error",
    "read_body",
    "read_params",
]

JSON_CONTENT_TYPE: Final = "application/json; charset=UTF-8"


def kis_response(
    body: Mapping[str, Any],
    *,
    status: int = 200,
    tr_id: str | None = None,
    tr_cont: str | None = None,
) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict()
    headers["Content-Type"] = JSON_CONTENT_TYPE
    if tr_id is not None:
        headers["tr_id"] = tr_id
    if tr_cont is not None:
        headers["tr_cont"] = tr_cont
    headers["gt_uid"] = uuid.uuid4().hex
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return web.Response(body=data, status=status, headers=headers)


def error_body(code: KisCode) -> dict[str, str]:
    return {"rt_cd": code.rt_cd, "msg_cd": code.msg_cd, "msg1": code.msg1}


def envelope(code: KisCode, **outputs: Any) -> dict[str, Any]:
    """``rt_cd``/``msg_cd``/``msg1`` followed by the outputs, in that key order."""
    return {**error_body(code), **outputs}


def oauth_error(code: KisCode) -> web.Response:
    """The oauth endpoints answer errors without the rt_cd envelope (brokers.md §1.2)."""
    body = {"error_description": code.msg1, "error_code": code.msg_cd}
    return kis_response(body, status=403)  # [M]: 403 for every oauth refusal


async def read_body(request: web.Request) -> dict[str, Any]:
    """The JSON object of a POST (``{}`` when empty); anything else is an input error."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise invalid_input("JSON_BODY") from None
    if not isinstance(data, dict):
        raise invalid_input("JSON_BODY")
    return data


async def read_params(request: web.Request) -> dict[str, str]:
    """Query (GET) or JSON body (POST) parameters, keys upper-cased, values as text."""
    if request.method == "GET":
        source: Mapping[str, Any] = request.query
    else:
        source = await read_body(request)
    params: dict[str, str] = {}
    for key, value in source.items():
        params[key.upper()] = value if isinstance(value, str) else str(value)
    return params
