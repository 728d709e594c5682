"""A mutation document is planned once, like a query (issue 12, graphql/mutation_plan.py): the planned answer is
the executor's answer — the same data, the same typed errors with the same locations and paths, the same status
— for successes, refusals by the service (FORBIDDEN, CONFLICT, INVALID_INPUT), the transport's input guard,
idempotent replays and several mutations in one document; what the plan does not cover (a payload's object,
read after the command) is answered by the executor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from strawberry.types.arguments import convert_arguments

from civicledger.graphql.documents import Documents
from civicledger.graphql.mutation_plan import MutationPlans, plan_mutation
from civicledger.graphql.plan_values import converter
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL, INTEGRATOR_READ_ONLY, error_codes, new_id_number

PLAIN = """mutation Register($i: RegisterResidentInput!) {
  registerResident(input: $i) { residentId version position replayed __typename } }"""
FRAGMENTS = """mutation Register($i: RegisterResidentInput!) {
  r: registerResident(input: $i) { ...Written t: __typename ... on ResidentPayload { replayed } } }
fragment Written on ResidentPayload { id: residentId version }"""
TWO = """mutation Two($a: RegisterResidentInput!, $b: RegisterResidentInput!) {
  first: registerResident(input: $a) { residentId } second: registerResident(input: $b) { residentId } }"""
MOVE = """mutation Move($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { version replayed } }"""
WITH_READ = """mutation Register($i: RegisterResidentInput!) { registerResident(input: $i) { resident { name } } }"""


def resident(id_number: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": "计划测试", "idNumber": id_number or new_id_number(), "district": "HAIZHU", "street": "江海街",
            "community": "红卫社区", **extra}


@contextmanager
def executor_only(app: Any) -> Iterator[None]:
    plans: MutationPlans = app.state.graphql_http.mutations
    plans.enabled = False
    try:
        yield
    finally:
        plans.enabled = True


async def both(gql: GQL, app: Any, query: str, variables: Callable[[], dict[str, Any]], *,
               as_: str = CASEWORKER_HAIZHU) -> tuple[tuple[int, dict[str, Any]], tuple[int, dict[str, Any]]]:
    """(status, body) planned, then (status, body) from the executor, each with variables of its own."""
    stats = app.state.graphql_http.mutations.stats
    before = stats["planned"]
    planned = await gql(query, variables(), as_=as_)
    assert gql.last is not None
    planned_status = gql.last.status_code
    assert stats["planned"] == before + 1, "the plan answered"
    with executor_only(app):
        executed = await gql(query, variables(), as_=as_)
    assert gql.last is not None
    return (planned_status, planned), (gql.last.status_code, executed)


def _without(body: Any, *keys: str) -> Any:
    """The body with the values under these keys (different on each side by design) blanked."""
    if isinstance(body, dict):
        return {k: ("<x>" if k in keys else _without(v, *keys)) for k, v in body.items()}
    if isinstance(body, list):
        return [_without(v, *keys) for v in body]
    return body


async def test_a_planned_registration_answers_as_the_executor_does(gql: GQL, app: Any) -> None:
    (s1, planned), (s2, executed) = await both(gql, app, PLAIN, lambda: {"i": resident()})

    assert s1 == s2 == 200
    assert _without(planned, "residentId", "position") == _without(executed, "residentId", "position")
    assert planned["data"]["registerResident"]["__typename"] == "ResidentPayload"
    assert planned["data"]["registerResident"]["version"] == 1


async def test_aliases_fragments_and_typename_are_planned(gql: GQL, app: Any) -> None:
    (_, planned), (_, executed) = await both(gql, app, FRAGMENTS, lambda: {"i": resident()})

    assert _without(planned, "id") == _without(executed, "id")
    assert list(planned["data"]["r"]) == ["id", "version", "t", "replayed"]


@pytest.mark.parametrize(("as_", "code"), [(INTEGRATOR_READ_ONLY, "FORBIDDEN"), (CASEWORKER_TIANHE, "FORBIDDEN")])
async def test_a_refused_caller_gets_the_executors_error(gql: GQL, app: Any, as_: str, code: str) -> None:
    (s1, planned), (s2, executed) = await both(gql, app, PLAIN, lambda: {"i": resident()}, as_=as_)

    assert (s1, planned) == (s2, executed)
    assert error_codes(planned) == [code] and planned["data"] is None
    assert planned["errors"][0]["path"] == ["registerResident"]


async def test_a_taken_id_number_is_the_same_conflict(gql: GQL, app: Any) -> None:
    taken = new_id_number()
    await gql(PLAIN, {"i": resident(taken)})

    (s1, planned), (s2, executed) = await both(gql, app, PLAIN, lambda: {"i": resident(taken)})

    assert (s1, planned) == (s2, executed)
    assert error_codes(planned) == ["CONFLICT"]


@pytest.mark.parametrize("bad", [{"idNumber": "44010519800101001X"}, {"idNumber": "４４０１０５１９８００１０１００１X"},
                                 {"name": ""}, {"district": "NOWHERE"}, {"name": "王\x00芳"}, {"phone": "x" * 20_000}])
async def test_bad_input_is_refused_with_the_same_error(gql: GQL, app: Any, bad: dict[str, Any]) -> None:
    (s1, planned), (s2, executed) = await both(gql, app, PLAIN, lambda: {"i": {**resident(), **bad}})

    assert (s1, planned) == (s2, executed)
    assert error_codes(planned) == ["INVALID_INPUT"]


async def test_an_idempotent_replay_and_a_reused_key_are_the_same(gql: GQL, app: Any) -> None:
    keys = iter(["plan-key-1", "plan-key-2"])

    def keyed() -> dict[str, Any]:
        key = next(keys)
        return {"i": resident(idempotencyKey=key, idNumber=ids[key])}

    ids = {"plan-key-1": new_id_number(), "plan-key-2": new_id_number()}
    for key, number in ids.items():
        await gql(PLAIN, {"i": resident(number, idempotencyKey=key)})
    (_, planned), (_, executed) = await both(gql, app, PLAIN, keyed)
    assert _without(planned, "residentId", "position") == _without(executed, "residentId", "position")
    assert planned["data"]["registerResident"]["replayed"] is True

    keys = iter(["plan-key-1", "plan-key-2"])
    ids = {"plan-key-1": new_id_number(), "plan-key-2": new_id_number()}
    (s1, reused), (s2, reused_executed) = await both(gql, app, PLAIN, keyed)
    assert (s1, error_codes(reused)) == (s2, error_codes(reused_executed))
    assert _without(reused, "idempotencyKey") == _without(reused_executed, "idempotencyKey")


async def test_a_failed_first_mutation_stops_the_document_as_the_executor_does(gql: GQL, app: Any) -> None:
    taken = new_id_number()
    await gql(PLAIN, {"i": resident(taken)})
    seconds: list[str] = []

    def two() -> dict[str, Any]:
        seconds.append(new_id_number())
        return {"a": resident(taken), "b": resident(seconds[-1])}

    (s1, planned), (s2, executed) = await both(gql, app, TWO, two)

    assert (s1, planned) == (s2, executed)
    assert planned["data"] is None and error_codes(planned) == ["CONFLICT"]
    for number in seconds:  # never run: their numbers are still free
        assert "errors" not in await gql(PLAIN, {"i": resident(number)})


async def test_global_ids_versions_and_conflicts_on_an_existing_stream(gql: GQL, app: Any) -> None:
    rid = (await gql(PLAIN, {"i": resident()}))["data"]["registerResident"]["residentId"]
    streets = iter(["滨江街", "素社街"])

    (_, planned), (_, executed) = await both(gql, app, MOVE, lambda: {"i": {
        "residentId": rid, "district": "HAIZHU", "street": next(streets), "community": "社区"}})
    assert planned["data"]["changeResidentAddress"]["version"] == 2
    assert executed["data"]["changeResidentAddress"]["version"] == 3

    (s1, stale), (s2, stale_executed) = await both(gql, app, MOVE, lambda: {"i": {
        "residentId": rid, "district": "HAIZHU", "street": "海幢街", "community": "社区", "expectedVersion": 1}})
    assert (s1, stale) == (s2, stale_executed)
    assert error_codes(stale) == ["CONFLICT"]


async def test_a_payload_object_read_after_the_command_goes_to_the_executor(gql: GQL, app: Any) -> None:
    stats = app.state.graphql_http.mutations.stats
    before = dict(stats)

    body = await gql(WITH_READ, {"i": resident()})

    assert body["data"]["registerResident"]["resident"]["name"] == "计划测试"
    assert (stats["planned"], stats["executor"]) == (before["planned"], before["executor"] + 1)


def test_every_mutation_of_every_program_is_planned(app: Any) -> None:
    schema = app.state.graphql_http.schema
    documents = Documents(schema)
    mutation_type = schema._schema.mutation_type
    unplanned = []
    for name, field in mutation_type.fields.items():
        args = ", ".join(f"{a}: $v{i}" for i, a in enumerate(field.args))
        params = ", ".join(f"$v{i}: {t.type}" for i, t in enumerate(field.args.values()))
        text = f"mutation{f'({params})' if params else ''} {{ {name}{f'({args})' if args else ''} {{ __typename }} }}"
        if plan_mutation(schema, documents.prepare(text, None, None, "POST")) is None:
            unplanned.append(name)

    assert len(mutation_type.fields) > 100
    assert unplanned == []


def test_planned_argument_conversion_is_strawberrys(app: Any) -> None:
    schema = app.state.graphql_http.schema
    field = schema._schema.mutation_type.fields["agreeCaseworkServicePlan"].extensions["strawberry-definition"]
    goal = schema._schema.get_type("CaseworkGoalInput")
    area = next(iter(goal.fields["area"].type.of_type.values.values())).value
    value = {"input": {"caseId": "Q2FzZXdvcmtDYXNlOjE=", "goals": [
        {"area": area, "description": "目标", "targetDate": date(2030, 1, 1)}], "reason": None}}
    registry, config = schema.schema_converter.scalar_registry, schema.config

    ours = {a.python_name: converter(a.type, registry, config)(value[a.python_name], None, (a.python_name,))
            for a in field.arguments}
    theirs = convert_arguments(value, field.arguments, registry, config)

    assert ours == theirs
