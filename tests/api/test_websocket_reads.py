"""One read-access log for every transport: reads over graphql-transport-ws are logged like reads over HTTP
(issue 10, finding 4), and WebSocket errors carry the same codes."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import websockets

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.api.servers import serving
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL, INTEGRATOR_READ_ONLY, token

INTEGRATOR_PERSONAL = token("integrator", office="DISTRICT-PLATFORM", subject="int-personal",
                            scopes={"read", "personal"})
READ = """query Read($name: String) { residents(filter: {name: $name, district: "HAIZHU"}, first: 100) {
  edges { node { residentId idNumber phone } } } }"""


@pytest_asyncio.fixture(scope="module")
async def ws_url(app: Any) -> AsyncIterator[str]:
    async with serving(app) as port:
        yield f"ws://127.0.0.1:{port}/graphql"


async def over_websocket(url: str, bearer: str, query: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """Every message of one operation, up to its `complete` or `error`."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}",
                                                                         "X-Correlation-Id": "ws-reads"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "op1", "type": "subscribe", "payload": {"query": query,
                                                                               "variables": variables}}))
        messages = []
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages


async def reads_by(runtime: Runtime, reader: str, residents: list[str]) -> list[tuple[str, list[str], str]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT resident_id::text AS rid, fields, correlation_id FROM personal_data_reads"
                                " WHERE reader_id = $1 AND resident_id::text = ANY($2) AND correlation_id LIKE 'ws-reads/%'"
                                " ORDER BY id", reader, residents)
    return [(r["rid"], sorted(r["fields"]), r["correlation_id"]) for r in rows]


async def test_reads_over_websocket_are_logged_like_reads_over_http(ws_url: str, gql: GQL, runtime: Runtime) -> None:
    ids = [(await register(gql, as_=CASEWORKER_HAIZHU, name="套接字读"))["residentId"] for _ in range(3)]

    for bearer, reader in ((INTEGRATOR_PERSONAL, "int-personal"), (CASEWORKER_HAIZHU, "cw-li")):
        messages = await over_websocket(ws_url, bearer, READ, {"name": "套接字读"})

        nodes = [e["node"] for e in messages[0]["payload"]["data"]["residents"]["edges"]]
        assert [m["type"] for m in messages] == ["next", "complete"]
        assert {n["residentId"] for n in nodes} >= set(ids) and all("*" not in n["idNumber"] for n in nodes)
        logged = await reads_by(runtime, reader, ids)
        assert sorted(rid for rid, _, _ in logged) == sorted(ids)
        assert all(fields == ["idNumber", "phone"] for _, fields, _ in logged)


async def test_masked_reads_over_websocket_write_nothing(ws_url: str, gql: GQL, runtime: Runtime) -> None:
    ids = [(await register(gql, as_=CASEWORKER_HAIZHU, name="套接字遮"))["residentId"]]

    for bearer, reader in ((INTEGRATOR_READ_ONLY, "int-readonly"), (CASEWORKER_TIANHE, "cw-zhang")):
        messages = await over_websocket(ws_url, bearer, READ, {"name": "套接字遮"})

        nodes = [e["node"] for e in messages[0]["payload"]["data"]["residents"]["edges"]]
        assert nodes and all("*" in n["idNumber"] for n in nodes)
        assert await reads_by(runtime, reader, ids) == []


async def test_websocket_errors_carry_the_same_codes_as_http(ws_url: str) -> None:
    bad_variable = await over_websocket(ws_url, CASEWORKER_HAIZHU, READ, {"name": 5})
    bad_id = await over_websocket(ws_url, CASEWORKER_HAIZHU, "{ node(id: \"294\") { id } }", {})

    assert bad_variable[-1]["type"] == "error"
    assert bad_variable[-1]["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT", "variable": "name",
                                                            "path": ["name"]}
    assert bad_id[0]["payload"]["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_queries_over_websocket_are_planned_like_queries_over_http(
        ws_url: str, gql: GQL, app: Any, caplog: pytest.LogCaptureFixture) -> None:
    """A query over the WebSocket goes through the same planner as over HTTP (one `next`, one `complete`), and
    answers exactly what the resolvers answer: rows, masking, timeline page, cursors."""
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="套接字计划"))["residentId"]
    timeline = """query T($id: ID!) { resident(id: $id) { name idNumber timeline(first: 2) { pageInfo { hasNextPage
      endCursor } edges { cursor node { occurredAt kind summary position actor { id role } } } } } }"""
    http_view = app.state.graphql_http
    answers: dict[bool, list[Any]] = {}
    caplog.set_level(logging.INFO, logger="civicledger.access")
    for planned in (True, False):
        http_view.compile = planned
        try:
            caplog.clear()
            answers[planned] = [await over_websocket(ws_url, CASEWORKER_HAIZHU, READ, {"name": "套接字计划"}),
                                await over_websocket(ws_url, CASEWORKER_HAIZHU, timeline, {"id": rid})]
            lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "civicledger.access"]
        finally:
            http_view.compile = True
        assert [line["answeredBy"] for line in lines if line["transport"] == "ws"] == \
            (["compiled", "compiled"] if planned else ["executor", "executor"])
    assert answers[True] == answers[False]
    assert [m["type"] for m in answers[True][1]] == ["next", "complete"]
    assert answers[True][1][0]["payload"]["data"]["resident"]["timeline"]["edges"]
