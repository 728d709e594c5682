"""The compiled fast path answers exactly like the generic executor: same data, same masking, same
read-access log entries — and falls back to it for everything outside its subset."""

from __future__ import annotations

from typing import Any

import pytest

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR,
)

QUERIES = {
    "resident with timeline": """query R($id: ID!, $first: Int, $after: String) { __typename
        r: resident(id: $id) { __typename id residentId name gender residency district version erased
          deceasedOn registeredAt relationshipToHead idNumber phone birthDate
          address { district districtName street community masked }
          timeline(first: $first, after: $after) { __typename pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { __typename cursor node { __typename occurredAt program kind summary position streamId
              streamVersion correlationId actor { id role office } } } } } }""",
    "resident, filtered timeline": """query($id: ID!) { resident(id: $id) { name
        timeline(first: 2, programs: ["residents"], since: "2000-01-01T00:00:00+00:00") {
          edges { node { kind position } } } } }""",
    "residents search": """query($name: String) { viewer { role district scopes }
        residents(filter: {name: $name, district: "HAIZHU"}, first: 2) {
          pageInfo { hasNextPage endCursor } edges { cursor node { id name idNumber phone address { street } } } } }""",
}


@pytest.fixture
async def subject(gql: GQL) -> dict[str, Any]:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="编译路径"))["resident"]["id"]
    for street in ("滨江街", "素社街", "海幢街"):
        body = await gql("""mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }""",
                         {"i": {"residentId": rid, "district": "HAIZHU", "street": street, "community": "社区"}})
    await register(gql, as_=CASEWORKER_HAIZHU, name="编译路径二")
    position = body["data"]["changeResidentAddress"]["position"]
    return {"id": rid, "position": position}


async def reads_since(runtime: Runtime, marker: int) -> list[tuple[Any, ...]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT reader_id, resident_id, fields, purpose FROM personal_data_reads"
                                " WHERE id > $1 ORDER BY id", marker)
    return [tuple(r) for r in rows]


async def last_read_id(runtime: Runtime) -> int:
    async with runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM personal_data_reads"))


@pytest.mark.parametrize("bearer", [CASEWORKER_HAIZHU, CASEWORKER_TIANHE, INTEGRATOR, INSPECTOR, ADMIN])
@pytest.mark.parametrize("label", list(QUERIES))
async def test_compiled_and_generic_answers_are_identical(gql: GQL, runtime: Runtime, app: Any, subject: dict[str, Any],
                                                          label: str, bearer: str) -> None:
    http = app.state.graphql_http
    variables = {"id": subject["id"], "first": 2, "name": "编译路径"}
    ext = {"minPosition": subject["position"]}
    headers = {"X-Access-Purpose": "audit 2026-7"} if bearer == INSPECTOR else {}

    answers, logs, hits = [], [], []
    for compiled in (True, False):
        http.compile = compiled
        marker, before = await last_read_id(runtime), http.stats["compiled"]
        answers.append(await gql(QUERIES[label], variables, as_=bearer, extensions=ext, headers=headers))
        logs.append(await reads_since(runtime, marker))
        hits.append(http.stats["compiled"] - before)
    http.compile = True

    assert hits == [1, 0], "the first answer must come from the compiled path, the second from the executor"
    assert answers[0] == answers[1]
    assert "errors" not in answers[0]
    assert logs[0] == logs[1]


async def test_the_compiled_path_is_taken_for_supported_documents(app: Any, subject: dict[str, Any]) -> None:
    from civicledger.graphql.compiled import compile_operation

    schema = app.state.graphql_http.schema

    assert compile_operation(schema, QUERIES["resident with timeline"], None) is not None
    assert compile_operation(schema, "{ resident(id: \"x\") { household { size } } }", None) is not None
    assert compile_operation(schema, "{ resident(id: \"x\", asOf: \"2020-01-01T00:00:00Z\") { name } }", None) is None
    assert compile_operation(schema, "query { ...F } fragment F on Query { viewer { role } }", None) is not None
    assert compile_operation(schema, "{ node(id: \"x\") { ... on Resident { name } } }", None) is None
    assert compile_operation(schema, "{ viewer { role @include(if: true) } }", None) is None


async def test_errors_come_from_the_generic_path(gql: GQL) -> None:
    body = await gql("query($id: ID!) { resident(id: $id) { name } }", {"id": "00000000-0000-4000-8000-000000000000"})

    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["resident"]
