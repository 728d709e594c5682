"""The operation comes from the parsed document, and every request error is a 4xx with a stable code — the same
on the compiled path and the executor."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from civicledger.core.errors import ConsistencyTimeoutError
from civicledger.runtime import Runtime
from tests.conftest import CASEWORKER_HAIZHU, GQL, error_codes, new_id_number, personal

MODERN = {"Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "application/graphql-response+json"}
REGISTER_INLINE = ('mutation Register {{ registerResident(input: {{name: "隐藏变更", idNumber: "{id_number}", '
                   'district: "HAIZHU", street: "江海街", community: "红卫社区"}}) {{ residentId }} }}')


async def residents_named(runtime: Runtime, name: str) -> int:
    async with runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM residents WHERE name = $1", name))


@pytest.mark.parametrize("document", [
    "# hi\n{mutation}",
    "query Harmless {{ viewer {{ role }} }}\n{mutation}",
])
async def test_a_mutation_never_runs_over_get(http: httpx.AsyncClient, runtime: Runtime, document: str) -> None:
    query = document.format(mutation=REGISTER_INLINE.format(id_number=new_id_number()))
    params = {"query": query} if document.startswith("#") else {"query": query, "operationName": "Register"}

    response = await http.get("/graphql", params=params, headers=MODERN)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    assert await residents_named(runtime, "隐藏变更") == 0


async def test_the_query_selected_by_operation_name_runs_over_get(http: httpx.AsyncClient) -> None:
    query = "query A { viewer { role } } " + REGISTER_INLINE.format(id_number=new_id_number())

    response = await http.get("/graphql", params={"query": query, "operationName": "A"}, headers=MODERN)

    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"role": "caseworker"}}}


@pytest.mark.parametrize(("body", "code"), [
    ({"query": "query A { viewer { role } }", "operationName": "B"}, "OPERATION_NOT_FOUND"),
    ({"query": "query A { viewer { role } } query B { viewer { district } }"}, "OPERATION_NAME_REQUIRED"),
    ({"query": "query A { viewer { role } }", "operationName": 7}, "BAD_REQUEST"),
    ({"query": "subscription { timelineEvents(residentId: \"x\") { kind } }"}, "OPERATION_NOT_SUPPORTED"),
    ({"query": 12}, "BAD_REQUEST"),
    ({"query": "{ viewer { role } }", "variables": [1]}, "BAD_REQUEST"),
    ({}, "BAD_REQUEST"),
])
async def test_request_errors_are_json_400s_with_a_code(http: httpx.AsyncClient, body: dict[str, Any],
                                                       code: str) -> None:
    response = await http.post("/graphql", json=body, headers=MODERN)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert error_codes(response.json()) == [code]
    assert "data" not in response.json()


@pytest.mark.parametrize(("content", "status", "code"), [
    (b"[1, 2]", 400, "BAD_REQUEST"),
    (b"42", 400, "BAD_REQUEST"),
    (b"\"text\"", 400, "BAD_REQUEST"),
    (b"\xff\xfe", 400, "BAD_REQUEST"),
])
async def test_bodies_that_are_not_json_objects_are_refused(http: httpx.AsyncClient, content: bytes, status: int,
                                                            code: str) -> None:
    response = await http.post("/graphql", content=content, headers={**MODERN, "Content-Type": "application/json"})

    assert (response.status_code, error_codes(response.json())) == (status, [code])


async def test_other_methods_and_media_types_have_codes(http: httpx.AsyncClient) -> None:
    put = await http.put("/graphql", json={"query": "{ viewer { role } }"}, headers=MODERN)
    text = await http.post("/graphql", content=b"{ viewer { role } }", headers={**MODERN, "Content-Type": "text/plain"})

    assert (put.status_code, error_codes(put.json())) == (405, ["METHOD_NOT_ALLOWED"])
    assert (text.status_code, error_codes(text.json())) == (415, ["UNSUPPORTED_MEDIA_TYPE"])


RESIDENT = "query R($id: ID!, $first: Int) { resident(id: $id) { name timeline(first: $first) { edges { node { kind } } } } }"


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(("variables", "variable", "path"), [
    ({"first": 2}, "id", ["id"]),                              # a missing required variable
    ({"id": None}, "id", ["id"]),                              # null for a non-null one
    ({"id": "x", "first": "x"}, "first", ["first"]),           # a string for an Int
    ({"id": "x", "first": 2 ** 40}, "first", ["first"]),       # outside Int's range
])
async def test_variable_errors_are_bad_user_input_with_name_and_path_on_both_paths(
        gql: GQL, app: Any, compiled: bool, variables: dict[str, Any], variable: str, path: list[Any]) -> None:
    app.state.graphql_http.compile = compiled
    try:
        body = await gql(RESIDENT, variables)
    finally:
        app.state.graphql_http.compile = True

    assert gql.last is not None and gql.last.status_code == 400
    assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_USER_INPUT", "variable": variable, "path": path}]
    assert f"${variable}" in body["errors"][0]["message"]


async def test_a_variable_error_deep_in_an_input_names_its_path(gql: GQL) -> None:
    body = await gql("mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId } }",
                     {"i": {"name": "路径", "idNumber": new_id_number(), "district": "HAIZHU", "street": 5,
                            "community": "c"}})

    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "variable": "i", "path": ["i", "street"]}


async def test_the_compiled_and_the_resolver_path_answer_a_variable_error_identically(gql: GQL, app: Any) -> None:
    http = app.state.graphql_http
    answers = []
    for compiled in (True, False):
        http.compile = compiled
        answers.append(await gql(RESIDENT, {"first": 1}))
    http.compile = True

    assert answers[0] == answers[1]


@pytest.mark.parametrize("value", ["", "294", "投诉😀", "UmVzaWRlbnQ6eA==", "Tm9TdWNoVHlwZToxMjM=", "%%%", " " * 3,
                                   "\u0000", "x" * 300])
async def test_malformed_global_ids_are_invalid_input(gql: GQL, value: str) -> None:
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": value})
    resident = await gql("query($id: ID!) { resident(id: $id) { id } }", {"id": value})
    inline = await gql(f"{{ node(id: {json.dumps(value, ensure_ascii=False)}) {{ id }} }}")

    for body in (node, resident, inline):
        assert set(error_codes(body)) <= {"INVALID_INPUT", "NOT_FOUND"}, body
        assert error_codes(body), body


async def test_a_malformed_id_inside_an_input_is_invalid_input(gql: GQL) -> None:
    body = await gql("mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }",
                     {"i": {"residentId": "投诉😀", "district": "HAIZHU", "street": "街", "community": "社区"}})

    assert error_codes(body) == ["INVALID_INPUT"]


async def test_a_consistency_timeout_reports_positions_as_json(runtime: Runtime) -> None:
    with pytest.raises(ConsistencyTimeoutError) as raised:
        await runtime.positions.wait_for(10 ** 12, timeout=0.05)

    positions = raised.value.extensions()["positions"]
    assert isinstance(positions, dict) and positions and all(isinstance(v, int) for v in positions.values())


@pytest.mark.parametrize(("query", "variables"), [
    ("query($n: String) { residents(filter: {name: $n}) { edges { node { id } } } }", {"n": "a\u0000b"}),
    ("mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId } }",
     {"i": {"name": personal("零字节"), "idNumber": "440105197505010104", "district": "HAIZHU", "street": "江海街",
            "community": "c", "idempotencyKey": "key-\u0000"}}),
])
async def test_a_value_the_database_cannot_take_is_invalid_input(gql: GQL, query: str, variables: dict[str, Any]
                                                                 ) -> None:
    # Found by the schema property test: NUL characters reached PostgreSQL and came back as a server error.
    if "idNumber" in variables.get("i", {}):
        variables["i"]["idNumber"] = new_id_number()

    body = await gql(query, variables)

    assert error_codes(body) == ["INVALID_INPUT"], body


@pytest.mark.parametrize(("document", "variables"), [
    ("query($o: LogOrder) { auditLog(order: $o, first: 1) { edges { cursor } } }", {"o": None}),
    ("{ auditLog(order: null, first: 1) { edges { cursor } } }", {}),
])
async def test_an_explicit_null_for_an_argument_with_a_default_is_a_typed_error(
        gql: GQL, document: str, variables: dict[str, Any]) -> None:
    from tests.conftest import INSPECTOR

    body = await gql(document, variables, as_=INSPECTOR)

    assert gql.last is not None and gql.last.status_code < 500
    assert error_codes(body) and "INTERNAL_SERVER_ERROR" not in error_codes(body), body
