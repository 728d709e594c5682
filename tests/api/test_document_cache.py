"""Documents are parsed and validated once per document hash (issue 12 item 2): five identical requests are one
miss and four hits, on the read path (planned or executed) and the write path, and the executor is handed the
prepared document instead of parsing and validating it again. The depth/alias/token limits still hold."""

from __future__ import annotations

from typing import Any

from civicledger.graphql.documents import EXECUTOR_DOCUMENTS
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL, error_codes


async def _five(gql: GQL, app: Any, query: str, variables: dict[str, Any] | None = None) -> tuple[int, int, int, int]:
    documents = app.state.graphql_http.documents
    hits, misses = documents.hits, documents.misses
    reused, parsed = EXECUTOR_DOCUMENTS["reused"], EXECUTOR_DOCUMENTS["parsed"]
    for _ in range(5):
        body = await gql(query, variables)
        assert "errors" not in body, body
    return (documents.misses - misses, documents.hits - hits, EXECUTOR_DOCUMENTS["reused"] - reused,
            EXECUTOR_DOCUMENTS["parsed"] - parsed)


async def test_five_identical_typename_requests_are_one_miss_and_four_hits(gql: GQL, app: Any) -> None:
    misses, hits, _, parsed = await _five(gql, app, "{ __typename } # cache probe 1")

    assert (misses, hits) == (1, 4)
    assert parsed == 0


async def test_the_executor_reuses_the_prepared_document(gql: GQL, app: Any) -> None:
    # projectionStatus is backed by code: it always runs on the executor
    misses, hits, reused, parsed = await _five(gql, app, "{ projectionStatus { name } } # cache probe 2")

    assert (misses, hits) == (1, 4)
    assert (reused, parsed) == (5, 0), "the executor must neither parse nor validate a prepared document"


async def test_the_write_path_is_cached_too(gql: GQL, app: Any) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="缓存测试"))["resident"]["id"]
    mutation = """mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }
                  # cache probe 3"""
    documents, plans = app.state.graphql_http.documents, app.state.graphql_http.mutations
    hits, misses, parsed, planned = documents.hits, documents.misses, EXECUTOR_DOCUMENTS["parsed"], plans.stats["planned"]
    for street in ("滨江街", "素社街", "海幢街", "滨江街", "素社街"):
        body = await gql(mutation, {"i": {"residentId": rid, "district": "HAIZHU", "street": street,
                                          "community": "社区"}})
        assert "errors" not in body, body

    assert (documents.misses - misses, documents.hits - hits) == (1, 4)
    # planned once (mutation_plan.py) from the prepared document: nothing parses or validates it again
    assert (plans.stats["planned"] - planned, EXECUTOR_DOCUMENTS["parsed"] - parsed) == (5, 0)


async def test_limits_hold_on_every_request_of_a_cached_text(gql: GQL) -> None:
    deep = "{ resident(id: \"x\") { " + "household { head { " * 7 + "name" + " } }" * 7 + " } }"
    for _ in range(3):
        body = await gql(deep)
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }"
    for _ in range(3):
        body = await gql(aliases)
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


SEARCH = ("query Search($name: String, $district: String, $first: Int = 3) { residents(filter: {name: $name, "
          "district: $district}, first: $first) { edges { cursor } } }")
PAGE = "query Page($id: ID!, $first: Int) { resident(id: $id) { timeline(first: $first) { edges { cursor } } } }"


async def test_variables_are_coerced_as_graphql_core_coerces_them(app: Any) -> None:
    from graphql.execution.values import get_variable_values

    documents = app.state.graphql_http.documents
    schema = documents.schema._schema
    cases = [(PAGE, {"id": "UmVzaWRlbnQ6eA==", "first": 5}), (PAGE, {"id": 12}), (PAGE, {"id": "a", "extra": 1}),
             (SEARCH, {"name": "王", "district": "HAIZHU", "first": 2}), (SEARCH, {"name": None}),
             (SEARCH, {"district": "HAIZHU"}), (SEARCH, {})]

    for query, variables in cases:
        prepared = documents.prepare(query, None, None, "POST")
        expected = get_variable_values(schema, prepared.operation.variable_definitions, variables)

        assert _plain(documents.coerce_variables(prepared, variables)) == _plain(expected), (query, variables)


def _plain(values: Any) -> Any:
    """Coerced values and their sources, with types by name (a looked-up `NonNull` is a new object each time)."""
    return values.coerced, {name: (str(source.signature.type), source.signature.default, source.value)
                            for name, source in values.sources.items()}


async def test_a_refused_variable_is_refused_by_name_whichever_way_it_is_coerced(app: Any) -> None:
    from civicledger.graphql.wire import RequestError

    documents = app.state.graphql_http.documents
    prepared = documents.prepare(PAGE, None, None, "POST")

    for variables in ({"id": "a", "first": "five"}, {"first": 5}, {"id": None}, {"id": ["a"]}):
        try:
            documents.coerce_variables(prepared, variables)
        except RequestError as exc:
            assert exc.code == "BAD_USER_INPUT"
            assert exc.errors[0]["extensions"]["variable"] in ("id", "first")
        else:
            raise AssertionError(f"{variables} was accepted")
