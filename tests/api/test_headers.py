"""Headers: UTF-8 access purposes (raw or percent-encoded), correlation ids kept as sent when sane and on every
response."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx
import pytest

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL, INSPECTOR, error_codes, new_id_number, personal

PURPOSE = "投诉 GZ-2026-0042"


async def purposes_of(runtime: Runtime, correlation_id: str) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT purpose FROM personal_data_reads WHERE correlation_id = $1", correlation_id)
    return [r["purpose"] for r in rows]


@pytest.mark.parametrize("encoding", ["raw-utf8", "percent"])
@pytest.mark.parametrize("query", [
    "query($id: ID!) { resident(id: $id) { idNumber } }",                       # compiled
    "query($id: ID!) { resident(id: $id) { idNumber household { size } } }",    # executor
])
async def test_a_chinese_access_purpose_is_stored_exactly(http: httpx.AsyncClient, gql: GQL, runtime: Runtime,
                                                          encoding: str, query: str) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="目的"))["resident"]["id"]
    value: bytes | str = PURPOSE.encode() if encoding == "raw-utf8" else quote(PURPOSE)
    correlation = f"purpose-{encoding}-{len(query)}"

    response = await http.post("/graphql", json={"query": query, "variables": {"id": rid}}, headers=[
        (b"authorization", f"Bearer {INSPECTOR}".encode()), (b"x-access-purpose", value),
        (b"x-correlation-id", correlation.encode())])

    assert response.status_code == 200 and "errors" not in response.json(), response.json()
    assert await purposes_of(runtime, correlation) == [PURPOSE]


async def test_a_purpose_with_control_characters_is_refused(gql: GQL) -> None:
    body = await gql("{ viewer { role } }", as_=INSPECTOR, headers={"X-Access-Purpose": quote("a\nb")})

    assert error_codes(body) == ["INVALID_INPUT"]


@pytest.mark.parametrize("sent", ["4bf92f35-77b3-4da6-a3ce-929d0e0e4736", "trace-01:span/7", "GZ.2026.0042", "a" * 128])
async def test_a_sane_correlation_id_is_used_as_sent_and_recorded_on_events(gql: GQL, runtime: Runtime,
                                                                            sent: str) -> None:
    body = await gql("mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId } }",
                     {"i": {"name": personal("关联"), "idNumber": new_id_number(), "district": "HAIZHU",
                            "street": "江海街", "community": "红卫社区"}}, headers={"X-Correlation-Id": sent})

    assert gql.last is not None and gql.last.headers["x-correlation-id"] == sent
    assert "x-correlation-id-replaced" not in gql.last.headers
    async with runtime.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT correlation_id FROM events WHERE originator_id = $1",
                                     UUID(body["data"]["registerResident"]["residentId"]))
    assert stored == sent


@pytest.mark.parametrize(("sent", "reason"), [("a" * 129, "too long"), ("has space", "unsafe characters"),
                                              ("<script>", "unsafe characters"), ("-leading-dash", "unsafe characters")])
async def test_an_insane_correlation_id_is_replaced_and_the_response_says_so(gql: GQL, sent: str, reason: str) -> None:
    await gql("{ viewer { role } }", headers={"X-Correlation-Id": sent})

    assert gql.last is not None
    used = gql.last.headers["x-correlation-id"]
    assert used != sent and len(used) == 36
    assert gql.last.headers["x-correlation-id-replaced"] == reason


@pytest.mark.parametrize(("method", "kwargs", "status"), [
    ("post", {"json": {"query": "{ viewer { role } }"}}, 401),                                  # no token
    ("post", {"json": {"query": "{ viewer { role } }"}, "headers": {"Accept": "text/csv"}}, 406),
    ("post", {"content": b"{", "headers": {"Content-Type": "application/json"}}, 401),           # 401 before body
    ("put", {"json": {}}, 405),
    ("post", {"content": b"x" * (2 << 20), "headers": {"Content-Type": "application/json"}}, 413),
])
async def test_every_response_carries_the_correlation_id(http: httpx.AsyncClient, method: str, kwargs: dict[str, Any],
                                                         status: int) -> None:
    headers = {"X-Correlation-Id": "every-response-1", **kwargs.pop("headers", {})}

    response = await getattr(http, method)("/graphql", headers=headers, **kwargs)

    assert response.status_code == status
    assert response.headers["x-correlation-id"] == "every-response-1"


async def test_a_401_says_where_the_token_goes(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ viewer { role } }"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer <token>" in response.json()["errors"][0]["message"]
