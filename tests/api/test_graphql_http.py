"""GraphQL over HTTP: media types, status codes, authentication and request limits."""

from __future__ import annotations

import hashlib

import httpx

from tests.conftest import CASEWORKER_HAIZHU, GQL, error_codes, token

VIEWER = "{ viewer { role district } }"


async def test_a_graphql_response_json_client_gets_that_media_type(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "application/graphql-response+json"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["data"]["viewer"] == {"role": "caseworker", "district": "HAIZHU"}


async def test_a_plain_json_client_gets_application_json(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "application/json"})

    assert response.headers["content-type"].startswith("application/json")


async def test_a_syntax_error_is_a_400_for_graphql_response_json_and_a_200_for_json(http: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {CASEWORKER_HAIZHU}"}

    modern = await http.post("/graphql", json={"query": "{ viewer { role "},
                             headers={**headers, "Accept": "application/graphql-response+json"})
    legacy = await http.post("/graphql", json={"query": "{ viewer { role "},
                             headers={**headers, "Accept": "application/json"})

    assert modern.status_code == 400 and "data" not in modern.json()
    assert error_codes(modern.json()) == ["GRAPHQL_PARSE_FAILED"]
    assert legacy.status_code == 200 and error_codes(legacy.json()) == ["GRAPHQL_PARSE_FAILED"]


async def test_an_unknown_field_fails_validation(gql: GQL) -> None:
    body = await gql("{ viewer { shoeSize } }")

    assert gql.last is not None and gql.last.status_code == 400
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_malformed_json_is_a_bad_request(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"{not json", headers={
        "Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Content-Type": "application/json",
        "Accept": "application/graphql-response+json"})

    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_a_missing_token_is_unauthenticated_and_nothing_runs(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": VIEWER})

    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert "Bearer" in response.headers["www-authenticate"]


async def test_a_forged_token_is_unauthenticated(http: httpx.AsyncClient) -> None:
    from civicledger.core.auth import Role, issue_token

    forged = issue_token("somebody-elses-secret-0123456789abcdef", subject="x", role=Role.INSPECTOR)
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_mutations_are_refused_over_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "mutation { __typename }"}, headers={
        "Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "application/graphql-response+json"})

    assert response.status_code == 405


async def test_queries_work_over_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": VIEWER}, headers={
        "Authorization": f"Bearer {CASEWORKER_HAIZHU}"})

    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["role"] == "caseworker"


async def test_an_unacceptable_media_type_is_406(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "text/csv"})

    assert response.status_code == 406


async def test_queries_deeper_than_the_limit_are_refused(gql: GQL) -> None:
    deep = "{ residents { edges { node { household { head { household { head { household { head { household {" \
           " head { household { head { name } } } } } } } } } } } } } }"

    body = await gql(deep)

    assert "depth" in body["errors"][0]["message"]
    assert "data" not in body


async def test_too_many_aliases_are_refused(gql: GQL) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(40)) + " }"

    body = await gql(query)

    assert "aliases" in body["errors"][0]["message"].lower()


async def test_automatic_persisted_queries(http: httpx.AsyncClient) -> None:
    digest = hashlib.sha256(VIEWER.encode()).hexdigest()
    headers = {"Authorization": f"Bearer {token('inspector')}", "Accept": "application/graphql-response+json"}
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}

    unknown = await http.post("/graphql", json={"extensions": ext}, headers=headers)
    registered = await http.post("/graphql", json={"query": VIEWER, "extensions": ext}, headers=headers)
    by_hash = await http.post("/graphql", json={"extensions": ext}, headers=headers)

    assert error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert registered.json()["data"] == by_hash.json()["data"] == {"viewer": {"role": "inspector", "district": None}}
