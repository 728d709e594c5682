"""The lists that became connections (issue 13), attacked as an integrator's adversary would: a page size over the
stated limit, forged cursors (NUL, full-width or Arabic-Indic digits, another connection's cursor, a huge string,
non-base64), over HTTP and over the WebSocket transport — always a typed INVALID_INPUT (or the input bounds'
BAD_USER_INPUT), never a server error and never a page."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
import websockets

from tests.api.test_subscriptions import next_message, server_url  # noqa: F401 - the module's server fixture
from tests.conftest import CASEWORKER_HAIZHU, error_codes

QUERY = ("query($first: Int, $after: String) { mealSettlementTotals(month: \"2026-11-01\", first: $first, "
         "after: $after) { edges { cursor } pageInfo { hasNextPage } } }")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD: list[tuple[dict[str, Any], set[str]]] = [
    ({"first": 201}, {"INVALID_INPUT"}),
    ({"first": -1}, {"INVALID_INPUT"}),
    ({"first": 2, "after": "\x00"}, {"INVALID_INPUT", "BAD_USER_INPUT"}),
    ({"first": 2, "after": _b64("mtotal:\uff11")}, {"INVALID_INPUT"}),  # a full-width digit
    ({"first": 2, "after": _b64("mtotal:\u0661")}, {"INVALID_INPUT"}),  # an Arabic-Indic digit
    ({"first": 2, "after": _b64("t:1")}, {"INVALID_INPUT"}),  # a timeline's cursor
    ({"first": 2, "after": "not base64 !"}, {"INVALID_INPUT"}),
    ({"first": 2, "after": "A" * 20_000}, {"INVALID_INPUT", "BAD_USER_INPUT"}),
]


@pytest.mark.parametrize(("variables", "codes"), BAD, ids=[str(v)[:40] for v, _ in BAD])
async def test_a_bad_page_or_cursor_over_http_is_typed(http: httpx.AsyncClient, variables: dict[str, Any],
                                                        codes: set[str]) -> None:
    response = await http.post("/graphql", json={"query": QUERY, "variables": variables},
                               headers={"Authorization": f"Bearer {CASEWORKER_HAIZHU}"})
    body = response.json()
    assert response.status_code < 500 and error_codes(body), body
    assert set(error_codes(body)) <= codes, body
    assert not (body.get("data") or {}).get("mealSettlementTotals"), body


async def test_a_bad_page_or_cursor_over_a_websocket_is_typed(server_url: str) -> None:  # noqa: F811
    replies = []
    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {CASEWORKER_HAIZHU}"}}))
        assert (await next_message(ws))["type"] == "connection_ack"
        for n, (variables, _) in enumerate(BAD):
            await ws.send(json.dumps({"id": str(n), "type": "subscribe",
                                      "payload": {"query": QUERY, "variables": variables}}))
            reply = await next_message(ws)
            while reply["type"] == "complete":  # the previous operation's end
                reply = await next_message(ws)
            replies.append(reply)
    for (variables, codes), reply in zip(BAD, replies, strict=True):
        errors = reply["payload"] if reply["type"] == "error" else reply["payload"].get("errors")
        assert errors, (variables, reply)
        found = {e.get("extensions", {}).get("code") for e in errors}
        assert found <= codes, (variables, reply)
