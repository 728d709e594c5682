"""The same bounds over graphql-transport-ws: bad connection parameters are refused, not a crash; a NUL or a
lone surrogate (which the WebSocket transport's JSON parser lets through) is refused before anything runs."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import websockets

from civicledger.runtime import Runtime
from tests.api.helpers import REGISTER
from tests.api.test_subscriptions import next_message, server_url  # noqa: F401 - the module's server fixture
from tests.conftest import JWT_SECRET, new_id_number, token


async def refused_at_init(url: str, payload: Any) -> int:
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            message = await next_message(ws, timeout=5)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code
    raise AssertionError(f"connection was acknowledged: {message}")


async def test_connection_parameters_of_the_wrong_shape_are_refused(server_url: str) -> None:  # noqa: F811
    now = int(time.time())
    listed = jwt.encode({"iss": "civicledger", "sub": "x", "role": "caseworker", "exp": now + 60,
                         "district": ["HAIZHU"]}, JWT_SECRET, algorithm="HS256")

    codes = [await refused_at_init(server_url, payload) for payload in (
        {"Authorization": {"Bearer": "x"}}, {"Authorization": 42}, {"Authorization": f"Bearer {listed}"})]

    assert codes == [4403, 4403, 4403]


async def test_a_lone_surrogate_or_a_nul_over_a_websocket_is_refused_and_writes_nothing(
        server_url: str, runtime: Runtime) -> None:  # noqa: F811
    subject = f"cw-ws-{uuid.uuid4().hex[:8]}"
    bearer = token("caseworker", district="HAIZHU", office="HAIZHU-JIANGHAI-STATION", subject=subject)
    replies = []
    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}}))
        assert (await next_message(ws))["type"] == "connection_ack"
        for n, bad in enumerate(("\ud800", "\x00")):
            variables = {"input": {"name": f"王{bad}芳", "idNumber": new_id_number(), "district": "HAIZHU",
                                   "street": "江海街", "community": "红卫社区"}}
            # json.dumps escapes the surrogate as \ud800, which the server's json.loads accepts as is
            await ws.send(json.dumps({"id": str(n), "type": "subscribe",
                                      "payload": {"query": REGISTER, "variables": variables}}))
            replies.append(await next_message(ws))

    assert [r["type"] for r in replies] == ["error", "error"], replies
    assert all("input.name" in r["payload"][0]["message"] for r in replies), replies
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events WHERE actor_id = $1", subject) == 0
