"""Live timelines over graphql-transport-ws, against a real uvicorn server on a local port."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
import uvicorn
import websockets

from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(scope="module")
async def server_url(app: Any) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           ws="websockets"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


async def next_message(ws: Any, timeout: float = 10.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))  # type: ignore[no-any-return]


async def test_a_subscriber_sees_new_timeline_entries_as_they_are_recorded(server_url: str, gql: GQL) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="订阅者"))["resident"]["id"]

    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {CASEWORKER_HAIZHU}"}}))
        assert (await next_message(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID!) { timelineEvents(residentId: $id) { kind summary position } }",
            "variables": {"id": rid}}}))
        await asyncio.sleep(0.3)  # let the subscription take its starting position
        change = await gql("""mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }""",
                           {"i": {"residentId": rid, "district": "HAIZHU", "street": "滨江街", "community": "新社区"}})

        message = await next_message(ws)

    assert message["type"] == "next" and message["id"] == "1"
    entry = message["payload"]["data"]["timelineEvents"]
    assert entry["kind"] == "resident.address_changed"
    assert entry["position"] == change["data"]["changeResidentAddress"]["position"]


async def test_a_subscription_without_a_valid_token_is_refused(server_url: str) -> None:
    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}}))
        try:
            await next_message(ws, timeout=5)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4403
        else:  # pragma: no cover
            raise AssertionError("connection was acknowledged")
