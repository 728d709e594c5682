"""The caseload pages planned (issue 12 item 1) answer exactly like the resolvers — the same JSON, the same
masking of money and statements, the same read log — for every kind of reader; a document asking for the
members' means (a computation) are answered by the resolvers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from civicledger.app import create_app
from civicledger.core.clock import FixedClock
from civicledger.domains.assistance.verification import RetryPolicy
from civicledger.runtime import Runtime
from tests.api.test_planner import READERS
from tests.assistance.conftest import at
from tests.assistance.test_api import APPLY, Api, a_household, application, ensure_standard, step
from tests.conftest import GQL, error_codes, make_settings
from tests.dbutil import fresh_database


@dataclass
class World:
    api: Api
    app: Any
    case: str
    resident: str
    position: int


@pytest_asyncio.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    clock = FixedClock(at(2018, 3, 5))
    with fresh_database("civicledger_planned_caseload") as params:
        app = create_app(make_settings(), params=params, run_projections=True, clock=clock)
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            runtime.services.assistance.retry = RetryPolicy(backoff_seconds=0)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://civicledger.test") as client:
                api = Api(GQL(client), runtime, clock)
                await ensure_standard(api)
                household, people = await a_household(api)
                case = (await api.ok(APPLY, {"i": application(household, people)}))["applyForAssistance"]["case"]["id"]
                await step(api, "requestHouseholdVerification", "RequestHouseholdVerificationInput", {"caseId": case})
                assessed = await step(api, "assessAssistance", "AssessAssistanceInput", {"caseId": case})
                household2, people2 = await a_household(api, size=2)
                await api.ok(APPLY, {"i": application(household2, people2)})
                yield World(api, app, case, people[1]["resident"]["id"], assessed["position"])


CASE_FIELDS = """id caseId program programName status district office version householdSize referralId appliedOn
  household { id size members { relationship resident { name idNumber } } } applicant { name idNumber phone }
  members { name idNumber address { street } } statement figuresMasked eligible findings assessedBy decidedBy
  perCapitaIncome monthlyAmount oneOffAmount totalAccrued standardRevision verificationRound sourcesAnswered
  sourcesFailed noticeEndsOn objections firstMonth lastPaidMonth nextReviewDue reviewOverdue __typename"""

CELL_FIELDS = ("residentId source sourceName mandatory status monthlyIncome assets flags answeredAt failure attempts"
               " __typename")
DOCUMENTS = {
    "caseload page": ("query { assistanceCases(filter: {district: \"HAIZHU\"}, first: 5) { __typename "
                      "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { "
                      + CASE_FIELDS + " } } } }", {}),
    "caseload by status and program": ("""{ assistanceCases(filter: {status: [ASSESSED, APPLIED],
        program: MINIMUM_LIVING}, first: 1) { pageInfo { hasNextPage endCursor } edges { node { status
        monthlyAmount perCapitaIncome } } } }""", {}),
    "caseload of a resident": ("""query($r: ID) { assistanceCases(filter: {residentId: $r}) { edges { node {
        caseId statement applicant { name } } } } }""", {}),
    "overdue reviews": ("{ assistanceCases(filter: {reviewOverdue: true}) { edges { node { caseId } } } }", {}),
    "one case": ("query($c: ID!) { assistanceCase(id: $c) { " + CASE_FIELDS + " } }", {}),
    "one case's verification matrix": ("query($c: ID!) { assistanceCase(id: $c) { status verification { " + CELL_FIELDS
                                       + " } } }", {}),
    "the matrix without figures (the reads are logged all the same)": (
        "query($c: ID!) { assistanceCase(id: $c) { verification { source status } } }", {}),
    "a caseload page with each case's matrix": ("{ assistanceCases(first: 5) { edges { node { caseId verification { "
                                                + CELL_FIELDS + " } } } } }", {}),
}


@pytest.mark.parametrize("reader", READERS, ids=[r[0] for r in READERS])
@pytest.mark.parametrize("label", list(DOCUMENTS))
async def test_planned_and_resolved_caseloads_are_identical(world: World, label: str,
                                                            reader: tuple[str, str, dict[str, str]]) -> None:
    query, _ = DOCUMENTS[label]
    answers, logs, planned = await _both(world, query, {"c": world.case, "r": world.resident}, reader[1], reader[2])

    assert planned == [1, 0]
    assert answers[0] == answers[1]
    assert "errors" not in answers[0], answers[0]
    assert logs[0] == logs[1]


async def test_the_members_means_are_answered_by_the_resolvers(world: World) -> None:
    query = "query($c: ID!) { assistanceCase(id: $c) { status memberMeans { residentId countedIncome } } }"
    answers, _, planned = await _both(world, query, {"c": world.case}, READERS[0][1], {})

    assert planned == [0, 0]
    assert answers[0] == answers[1] and "errors" not in answers[0]


@pytest.mark.parametrize("variables", [{"c": "not-an-id"}, {"c": "00000000-0000-4000-8000-000000000000"}])
async def test_bad_case_ids_are_the_same_errors(world: World, variables: dict[str, Any]) -> None:
    answers, _, _ = await _both(world, "query($c: ID!) { assistanceCase(id: $c) { status } }", variables,
                                READERS[0][1], {})

    assert answers[0] == answers[1]
    assert error_codes(answers[0]) in (["INVALID_INPUT"], ["NOT_FOUND"])


async def _both(world: World, query: str, variables: dict[str, Any], bearer: str, headers: dict[str, str]
                ) -> tuple[list[Any], list[Any], list[int]]:
    http = world.app.state.graphql_http
    answers, logs, planned = [], [], []
    try:
        for plan in (True, False):
            http.compile = plan
            async with world.api.runtime.pool.acquire() as conn:
                marker = await conn.fetchval("SELECT coalesce(max(id), 0) FROM personal_data_reads")
            before = http.stats["compiled"]
            answers.append(await world.api.gql(query, variables, as_=bearer, headers=headers,
                                               extensions={"minPosition": world.position}))
            async with world.api.runtime.pool.acquire() as conn:
                rows = await conn.fetch("SELECT reader_id, resident_id, fields, purpose FROM personal_data_reads"
                                        " WHERE id > $1 ORDER BY id", marker)
            logs.append(sorted(tuple(r) for r in rows))
            planned.append(http.stats["compiled"] - before)
    finally:
        http.compile = True
    return answers, logs, planned


async def test_an_answer_that_depends_on_the_date_is_never_cached(world: World) -> None:
    from civicledger.graphql.compiled import compile_operation

    schema = world.app.state.graphql_http.schema

    assert compile_operation(schema, DOCUMENTS["one case"][0], None).cacheable is False  # reviewOverdue
    assert compile_operation(schema, DOCUMENTS["overdue reviews"][0], None).cacheable is False
    assert compile_operation(schema, "{ resident(id: \"x\") { name } }", None).cacheable is True
