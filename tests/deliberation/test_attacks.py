"""Attacks on community deliberation over GraphQL over HTTP and over WebSocket (red team): another district's
caseworker acting on or reading a Haizhu item, roles that must not act, forged and expired tokens on the socket,
a resident's statement (personal data) read over the socket — unmasked and logged for the district's staff,
masked for the others, gone once the resident is erased — a stale expectedVersion and a replayed key with
another body."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
import websockets

from civicledger.core.auth import Role, issue_token
from civicledger.runtime import Runtime
from tests.api.servers import serving
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR_READ_ONLY,
    JWT_SECRET,
    error_codes,
    personal,
)
from tests.deliberation.test_api import ADD, POSITION, PREPARE, PROPOSE, consultation, later, send

STATEMENTS = """query($id: ID!) { deliberationItem(id: $id) { positions { edges { node { statement } } } } }"""
ERASE = """mutation($i: EraseResidentPersonalDataInput!) { eraseResidentPersonalData(input: $i) { position } }"""


@pytest_asyncio.fixture(scope="module")
async def ws_url(app: Any) -> AsyncIterator[str]:
    async with serving(app) as port:
        yield f"ws://127.0.0.1:{port}/graphql"


async def over_websocket(url: str, bearer: str, query: str, variables: dict[str, Any],
                         correlation: str) -> list[dict[str, Any]]:
    """Every message after `connection_init`: the ack's absence (a refused token) ends it early."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}",
                                                                         "X-Correlation-Id": correlation}}))
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except websockets.ConnectionClosed as closed:
            return [{"type": "closed", "code": closed.rcvd.code if closed.rcvd else None}]
        if first["type"] != "connection_ack":
            return [first]
        await ws.send(json.dumps({"id": "op1", "type": "subscribe", "payload": {"query": query,
                                                                               "variables": variables}}))
        messages = []
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages


async def statement_reads(runtime: Runtime, resident: str, correlation: str) -> list[list[str]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT fields FROM personal_data_reads WHERE resident_id::text = $1"
                                " AND correlation_id LIKE $2", resident, f"{correlation}%")
    return [sorted(r["fields"]) for r in rows]


async def an_item_with_a_statement(gql: GQL) -> tuple[str, str, str]:
    community = f"攻击社区{uuid.uuid4().hex[:6]}"
    item, resident = await consultation(gql, community)
    statement = personal(f"费用分摊需公开{uuid.uuid4().hex[:6]}")
    await send(gql, POSITION, itemId=item, participant=1, stance="CONDITIONAL", statement=statement)
    return item, resident, statement


async def test_a_statement_over_the_socket_unmasked_and_logged_for_the_district_masked_for_others(
        ws_url: str, gql: GQL, runtime: Runtime) -> None:
    item, resident, statement = await an_item_with_a_statement(gql)
    rid = (await gql("query($id: ID!) { resident(id: $id) { residentId } }", {"id": resident}))["data"][
        "resident"]["residentId"]

    seen = {}
    for who, bearer in (("haizhu", CASEWORKER_HAIZHU), ("tianhe", CASEWORKER_TIANHE), ("admin", ADMIN),
                        ("integrator", INTEGRATOR_READ_ONLY), ("inspector", INSPECTOR)):
        correlation = f"ws-stmt-{who}-{uuid.uuid4().hex[:8]}"
        messages = await over_websocket(ws_url, bearer, STATEMENTS, {"id": item}, correlation)
        edges = messages[0]["payload"]["data"]["deliberationItem"]["positions"]["edges"]
        seen[who] = ([e["node"]["statement"] for e in edges], await statement_reads(runtime, rid, correlation))

    assert seen["haizhu"] == ([statement], [["deliberationStatement"]])
    for who in ("tianhe", "admin", "integrator", "inspector"):
        assert seen[who] == (["***"], []), who


async def test_an_erased_residents_statement_is_served_to_nobody(gql: GQL) -> None:
    item, resident, statement = await an_item_with_a_statement(gql)
    erased = await gql(ERASE, {"i": {"residentId": resident, "requestReference": "PIPL-2026-0142",
                                     "reason": "the resident asked"}}, as_=ADMIN)
    position = erased["data"]["eraseResidentPersonalData"]["position"]

    read = await gql(STATEMENTS, {"id": item}, extensions={"minPosition": position})

    assert statement not in json.dumps(read, ensure_ascii=False)
    assert [e["node"]["statement"] for e in read["data"]["deliberationItem"]["positions"]["edges"]] in (
        [None], ["***"])


async def test_forged_and_expired_tokens_are_refused_on_the_socket(ws_url: str) -> None:
    forged = issue_token("another-secret-of-32-characters-or-more", subject="cw-li", role=Role.CASEWORKER,
                         district="HAIZHU")
    expired = issue_token(JWT_SECRET, subject="cw-li", role=Role.CASEWORKER, district="HAIZHU", ttl_seconds=-60)

    for bearer in (forged, expired, "not-a-token", ""):
        messages = await over_websocket(ws_url, bearer, STATEMENTS, {"id": "x"}, f"ws-forged-{uuid.uuid4().hex[:6]}")
        assert messages[0]["type"] in ("closed", "error", "connection_error"), (bearer, messages)
        assert "data" not in json.dumps(messages), messages


async def test_another_districts_caseworker_neither_proposes_nor_acts_on_a_haizhu_item(gql: GQL) -> None:
    community = f"攻击社区{uuid.uuid4().hex[:6]}"
    propose = await gql(PROPOSE, {"i": {"district": "HAIZHU", "street": "江海街", "community": community,
                                        "title": "加装电梯", "description": "七层步梯楼"}}, as_=CASEWORKER_TIANHE)
    item = (await send(gql, PROPOSE, district="HAIZHU", street="江海街", community=community, title="加装电梯",
                       description="七层步梯楼"))["id"]
    prepare = await gql(PREPARE, {"i": {"itemId": item, "plan": "改派", "meetingOn": later(7)}},
                        as_=CASEWORKER_TIANHE)
    by_inspector = await gql(PREPARE, {"i": {"itemId": item, "plan": "改派", "meetingOn": later(7)}}, as_=INSPECTOR)
    by_admin = await gql(PREPARE, {"i": {"itemId": item, "plan": "改派", "meetingOn": later(7)}}, as_=ADMIN)

    assert error_codes(propose) == ["FORBIDDEN"] and error_codes(prepare) == ["FORBIDDEN"]
    assert error_codes(by_inspector) == ["FORBIDDEN"] and error_codes(by_admin) == ["FORBIDDEN"]


async def test_a_stale_version_and_a_replayed_key_with_another_body_write_nothing(gql: GQL) -> None:
    community = f"攻击社区{uuid.uuid4().hex[:6]}"
    proposed = await send(gql, PROPOSE, district="HAIZHU", street="江海街", community=community, title="加装电梯",
                          description="七层步梯楼")
    item, version = proposed["id"], proposed["version"]
    key = f"prep-{uuid.uuid4().hex}"
    await send(gql, PREPARE, itemId=item, plan="征求意见", meetingOn=later(7), idempotencyKey=key)

    replay = await gql(PREPARE, {"i": {"itemId": item, "plan": "另一个方案", "meetingOn": later(8),
                                       "idempotencyKey": key}})
    stale = await gql(ADD, {"i": {"itemId": item, "kind": "LAWYER", "name": "律师", "expectedVersion": version}})
    read = await gql("query($id: ID!) { deliberationItem(id: $id) { plan version participants { edges { node { number } } } } }",
                     {"id": item})

    assert error_codes(replay) in (["IDEMPOTENCY_KEY_REUSED"], ["CONFLICT"]), replay
    assert error_codes(stale) == ["CONFLICT"], stale
    assert read["data"]["deliberationItem"]["plan"] == "征求意见" and read["data"]["deliberationItem"][
        "participants"]["edges"] == []
