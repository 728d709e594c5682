"""Social assistance over GraphQL over HTTP, end to end, as the Haizhu caseworker, her supervisor and the
bureau's admin walk it: application, verification across 26 sources, assessment, public notice, approval,
payroll, the 900 → 950 standard with its preview and arrears, masking, the read log and the timeline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest_asyncio

from civicledger.app import create_app
from civicledger.core.clock import FixedClock
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.standard import standard_id
from civicledger.domains.assistance.verification import RetryPolicy, SimulatedBureauDataService
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.assistance.conftest import ADMIN_WANG, at, ctx
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    SUPERVISOR_HAIZHU,
    error_codes,
    make_settings,
)
from tests.dbutil import fresh_database


@dataclass
class Api:
    gql: GQL
    runtime: Runtime
    clock: FixedClock

    @property
    def bureau(self) -> SimulatedBureauDataService:
        return self.runtime.services.assistance.bureau  # type: ignore[return-value]

    async def ok(self, query: str, variables: dict[str, Any], *, as_: str = CASEWORKER_HAIZHU,
                 position: int | None = None) -> dict[str, Any]:
        body = await self.gql(query, variables, as_=as_,
                              extensions={"minPosition": position} if position else None)
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    async def codes(self, query: str, variables: dict[str, Any], *, as_: str = CASEWORKER_HAIZHU) -> list[str]:
        return error_codes(await self.gql(query, variables, as_=as_))


@pytest_asyncio.fixture(scope="module")
async def api() -> AsyncIterator[Api]:
    clock = FixedClock(at(2018, 3, 5))
    with fresh_database("civicledger_assistance_api") as params:
        app = create_app(make_settings(), params=params, run_projections=True, clock=clock)
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            runtime.services.assistance.retry = RetryPolicy(backoff_seconds=0)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://civicledger.test") as client:
                yield Api(GQL(client), runtime, clock)


PUBLISH = """mutation($i: PublishAssistanceStandardInput!) { publishAssistanceStandard(input: $i) {
  position standard { program revisions { edges { node { revision effectiveFrom amount } } } inForceToday { amount } }
  } }"""
APPLY = """mutation($i: ApplyForAssistanceInput!) { applyForAssistance(input: $i) {
  caseId version position case { id status program householdSize referralId } } }"""
CASE_STEP = """mutation M($i: {input}!) {{ {field}(input: $i) {{ caseId version position replayed
  case {{ status sourcesAnswered sourcesFailed eligible findings monthlyAmount noticeEndsOn decidedBy }} }} }}"""
PAYROLL = """mutation($i: GenerateAssistancePayrollInput!) { generateAssistancePayroll(input: $i) {
  month generated unchanged position } }"""
CASE = """query($id: ID!) { assistanceCase(id: $id) { status figuresMasked monthlyAmount perCapitaIncome statement
  schedule { edges { node { fromMonth monthlyAmount standardAmount } } } nextReviewDue reviewOverdue
  decisionInputs { standardAmount householdSize perCapitaIncome amount eligible assessedBy }
  memberMeans { residentId verifiedIncome countedIncome }
  verification { source status monthlyIncome mandatory }
  entitlements { edges { node { kind serviceMonth payableMonth amount } } }
  history(first: 3) { edges { node { kind actorId reason summary } } } } }"""


async def step(api: Api, field: str, input_type: str, variables: dict[str, Any], *, as_: str = CASEWORKER_HAIZHU
               ) -> dict[str, Any]:
    data = await api.ok(CASE_STEP.format(input=input_type, field=field), {"i": variables}, as_=as_)
    return data[field]  # type: ignore[no-any-return]


async def a_household(api: Api, size: int = 3) -> tuple[str, list[dict[str, Any]]]:
    people = [await register(api.gql, as_=CASEWORKER_HAIZHU, name=name) for name in ["陈美玲", "陈志强", "陈小宝"][:size]]
    household = (await api.ok("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) "
                              "{ household { id } } }", {"i": {"headId": people[0]["resident"]["id"]}})
                 )["establishHousehold"]["household"]["id"]
    for person, relation in zip(people[1:], ["SPOUSE", "CHILD"], strict=False):
        await api.ok("mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { position } }",
                     {"i": {"householdId": household, "residentId": person["resident"]["id"], "relationship": relation}})
    for person in people:
        api.bureau.stipulate(UUID(person["residentId"]), monthly_income="400", assets="2000")
    return household, people


def application(household: str, people: list[dict[str, Any]], income: str = "400") -> dict[str, Any]:
    return {"program": "MINIMUM_LIVING", "householdId": household, "applicantId": people[0]["resident"]["id"],
            "declared": [{"residentId": p["resident"]["id"], "monthlyIncome": income, "assets": "2000"}
                         for p in people],
            "statement": "丈夫失业，孩子上学，家庭收入不足"}


async def test_the_caseworker_flow_from_application_to_recalculated_arrears(api: Api) -> None:
    published = await api.ok(PUBLISH, {"i": {"program": "MINIMUM_LIVING", "effectiveFrom": "2017-07-01",
                                             "amount": "900", "assetLimitPerPerson": "21600",
                                             "reason": "2017 adjustment"}}, as_=ADMIN)
    assert published["publishAssistanceStandard"]["standard"]["inForceToday"]["amount"] == "900.00"
    household, people = await a_household(api)

    applied = (await api.ok(APPLY, {"i": application(household, people)}))["applyForAssistance"]
    case_id = applied["case"]["id"]
    assert applied["case"]["status"] == "APPLIED" and applied["case"]["householdSize"] == 3
    verified = await step(api, "requestHouseholdVerification", "RequestHouseholdVerificationInput",
                          {"caseId": case_id})
    assert verified["case"]["sourcesAnswered"] == 26 and verified["case"]["sourcesFailed"] == []
    assessed = await step(api, "assessAssistance", "AssessAssistanceInput", {"caseId": case_id})
    assert assessed["case"]["eligible"] is True and assessed["case"]["status"] == "ASSESSED"
    noticed = await step(api, "postAssistanceNotice", "PostAssistanceNoticeInput", {"caseId": case_id, "days": 7})
    assert noticed["case"]["noticeEndsOn"] == "2018-03-11"

    api.clock.set(at(2018, 3, 12))
    assert await api.codes(CASE_STEP.format(input="ApproveAssistanceInput", field="approveAssistance"),
                           {"i": {"caseId": case_id, "reason": "ok"}}) == ["FORBIDDEN"]  # caseworkers don't approve
    approved = await step(api, "approveAssistance", "ApproveAssistanceInput",
                          {"caseId": case_id, "reason": "公示期满无异议"}, as_=SUPERVISOR_HAIZHU)
    assert approved["case"]["status"] == "ACTIVE" and approved["case"]["monthlyAmount"] == "1500.00"
    assert approved["case"]["decidedBy"] == "sup-chen"

    for month in (3, 4, 5, 6, 7):
        api.clock.set(at(2018, month, 2 if month > 3 else 20))
        run = (await api.ok(PAYROLL, {"i": {"month": f"2018-{month:02d}-01"}}, as_=SUPERVISOR_HAIZHU)
               )["generateAssistancePayroll"]
        assert (run["generated"], run["unchanged"]) == (1, 0)
    again = (await api.ok(PAYROLL, {"i": {"month": "2018-07-01"}}, as_=SUPERVISOR_HAIZHU))["generateAssistancePayroll"]
    assert (again["generated"], again["unchanged"]) == (0, 1)

    api.clock.set(at(2018, 8, 3))
    preview = (await api.ok("""query($i: PreviewAssistanceStandardInput!) { assistanceStandardPreview(input: $i) {
        cases monthlyIncrease totalArrears lines { edges { node { caseId oldAmount newAmount arrears } } } } }""",
                            {"i": {"program": "MINIMUM_LIVING", "effectiveFrom": "2018-07-01", "amount": "950",
                                   "assetLimitPerPerson": "22800"}}, as_=SUPERVISOR_HAIZHU))["assistanceStandardPreview"]
    assert (preview["cases"], preview["monthlyIncrease"], preview["totalArrears"]) == (1, "150.00", "150.00")
    await api.ok(PUBLISH, {"i": {"program": "MINIMUM_LIVING", "effectiveFrom": "2018-07-01", "amount": "950",
                                 "assetLimitPerPerson": "22800", "reason": "2018 adjustment: 900 → 950"}}, as_=ADMIN)
    case = await until(api, case_id, lambda c: c["monthlyAmount"] == "1650.00"  # both read models caught up
                       and any(e["node"]["kind"] == "ARREARS" for e in c["entitlements"]["edges"]))

    lines = [(e["node"]["kind"], e["node"]["serviceMonth"], e["node"]["payableMonth"], e["node"]["amount"])
             for e in case["entitlements"]["edges"]]
    assert lines[-2:] == [("MONTHLY", "2018-07-01", "2018-07-01", "1500.00"),
                          ("ARREARS", "2018-07-01", "2018-08-01", "150.00")]
    assert [(e["node"]["fromMonth"], e["node"]["monthlyAmount"]) for e in case["schedule"]["edges"]] == [
        ("2018-03-01", "1500.00"), ("2018-07-01", "1650.00")]
    assert case["monthlyAmount"] == "1650.00" and case["decisionInputs"][0]["amount"] == "1500.00"
    assert {m["verifiedIncome"] for m in case["memberMeans"]} == {"400.00"}
    assert len(case["verification"]) == 3 * 26 and {v["status"] for v in case["verification"]} == {"ANSWERED"}
    assert case["history"]["edges"][0]["node"]["actorId"] == "assistance-recalculation"
    schedule = """query($id: ID!, $first: Int, $after: String) { assistanceCase(id: $id) {
      schedule(first: $first, after: $after) { edges { node { fromMonth monthlyAmount } }
      pageInfo { hasNextPage endCursor } } } }"""
    first_page = (await api.ok(schedule, {"id": case_id, "first": 1}))["assistanceCase"]["schedule"]
    second_page = (await api.ok(schedule, {"id": case_id, "first": 1, "after": first_page["pageInfo"]["endCursor"]})
                   )["assistanceCase"]["schedule"]
    assert [e["node"]["fromMonth"] for e in first_page["edges"] + second_page["edges"]] == ["2018-03-01",
                                                                                           "2018-07-01"]
    assert first_page["pageInfo"]["hasNextPage"] and not second_page["pageInfo"]["hasNextPage"]
    assert await api.codes(schedule, {"id": case_id, "first": 201}) == ["INVALID_INPUT"]

    payroll = (await api.ok("""query { assistancePayroll(month: "2018-08-01", district: "HAIZHU") {
        totalAmount totals { program kind lines amount } } }""", {}, as_=ADMIN))["assistancePayroll"]
    assert payroll["totals"] == [{"program": "MINIMUM_LIVING", "kind": "ARREARS", "lines": 1, "amount": "150.00"}]

    # Inspectors: the standard and the case's entitlement as in force on a date — as recorded now, and as
    # recorded on 2 August, before the 950 standard was published (on 3 August) from 1 July.
    standard = str(standard_id(Program.MINIMUM_LIVING))
    standard_june = await in_force(api, standard, "2018-06-15")
    standard_july = await in_force(api, standard, "2018-07-15")
    standard_july_known_2_aug = await in_force(api, standard, "2018-07-15", as_of="2018-08-02T00:00:00+08:00")
    case_june = await in_force(api, case_id, "2018-06-15")
    case_july = await in_force(api, case_id, "2018-07-15")
    case_july_known_2_aug = await in_force(api, case_id, "2018-07-15", as_of="2018-08-02T00:00:00+08:00")

    assert (standard_june["amount"], standard_june["effectiveUntil"]) == ("900.00", "2018-07-01")
    assert (standard_july["amount"], standard_july["effectiveFrom"], standard_july["revision"]) == (
        "950.00", "2018-07-01", 2)
    assert standard_july_known_2_aug["amount"] == "900.00" and standard_july_known_2_aug["effectiveUntil"] is None
    assert (case_june["monthlyAmount"], case_june["effectiveUntil"], case_june["payable"]) == (
        "1500.00", "2018-07-01", True)
    assert (case_july["monthlyAmount"], case_july["standardAmount"]) == ("1650.00", "950.00")
    assert case_july_known_2_aug["monthlyAmount"] == "1500.00"
    assert (await in_force(api, case_id, "2018-07-15", purpose=False))["monthlyAmount"] == "***"
    assert await api.codes("""query($id: ID!) { streamInForce(id: $id, on: "2018-07-15") { values } }""",
                           {"id": household}, as_=INSPECTOR) == ["RULE_VIOLATION"]


async def in_force(api: Api, stream: str, on: str, *, as_of: str | None = None, purpose: bool = True
                   ) -> dict[str, Any]:
    """As the inspector, with a stated purpose (a case's figures are the household's personal data)."""
    body = await api.gql("""query($id: ID!, $on: Date!, $at: DateTime) { streamInForce(id: $id, on: $on, asOf: $at)
        { values } }""", {"id": stream, "on": on, "at": as_of}, as_=INSPECTOR,
                         headers={"X-Access-Purpose": "audit 2018-114: standard adjustment"} if purpose else None)
    assert "errors" not in body, body
    return body["data"]["streamInForce"]["values"]  # type: ignore[no-any-return]


async def until(api: Api, case_id: str, condition: Any) -> dict[str, Any]:
    """The recalculation process works asynchronously: wait for its effect, not for a time."""
    for _ in range(500):
        case = (await api.ok(CASE, {"id": case_id}))["assistanceCase"]
        if condition(case):
            return case  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError(f"case never reached the expected state: {case}")


async def test_money_and_statements_are_masked_by_role_and_unmasked_reads_are_logged(api: Api) -> None:
    await ensure_standard(api)
    household, people = await a_household(api)
    applied = (await api.ok(APPLY, {"i": application(household, people)}))["applyForAssistance"]
    assessed = await step(api, "requestHouseholdVerification", "RequestHouseholdVerificationInput",
                          {"caseId": applied["case"]["id"]})
    await step(api, "assessAssistance", "AssessAssistanceInput", {"caseId": applied["case"]["id"]})

    seen = {label: (await api.ok(CASE, {"id": applied["case"]["id"]}, as_=bearer, position=assessed["position"])
                    )["assistanceCase"] for label, bearer in [("haizhu", CASEWORKER_HAIZHU), ("tianhe", CASEWORKER_TIANHE),
                                                               ("inspector", INSPECTOR), ("admin", ADMIN)]}

    assert seen["haizhu"]["figuresMasked"] is False and seen["haizhu"]["statement"].startswith("丈夫失业")
    assert seen["haizhu"]["perCapitaIncome"] == "400.00"
    for label in ("tianhe", "inspector", "admin"):
        case = seen[label]
        assert case["figuresMasked"] is True and case["statement"] is None and case["perCapitaIncome"] is None, label
        assert {m["verifiedIncome"] for m in case["memberMeans"]} == {None}, label
        assert {v["monthlyIncome"] for v in case["verification"]} == {None}, label
    async with api.runtime.pool.acquire() as conn:
        reads = await conn.fetch("SELECT reader_id, fields FROM personal_data_reads WHERE resident_id = $1",
                                 UUID(people[0]["residentId"]))
    assert {r["reader_id"] for r in reads} == {"cw-li"}
    assert {"assistanceStatement", "assistancePerCapitaIncome", "assistanceMeans"} <= {f for r in reads for f in r["fields"]}


async def ensure_standard(api: Api) -> None:
    api.clock.set(at(2018, 8, 6))
    await api.runtime.run(api.runtime.services.assistance.seed_guangzhou_standards, ctx(ADMIN_WANG, "seed"))


async def test_bad_input_gets_typed_codes_and_the_assessor_cannot_approve(api: Api) -> None:
    await ensure_standard(api)
    household, people = await a_household(api)
    negative = application(household, people)
    negative["declared"][1]["monthlyIncome"] = "-300"
    words = application(household, people)
    words["declared"][0]["monthlyIncome"] = "四百"

    assert await api.codes(APPLY, {"i": negative}) == ["INVALID_INPUT"]
    assert await api.codes(APPLY, {"i": words}) == ["INVALID_INPUT"]
    case_id = (await api.ok(APPLY, {"i": application(household, people)}))["applyForAssistance"]["case"]["id"]
    assert await api.codes(APPLY, {"i": application(household, people)}) == ["CONFLICT"]  # already in a live case
    await step(api, "requestHouseholdVerification", "RequestHouseholdVerificationInput", {"caseId": case_id})
    await step(api, "assessAssistance", "AssessAssistanceInput", {"caseId": case_id}, as_=SUPERVISOR_HAIZHU)
    await step(api, "postAssistanceNotice", "PostAssistanceNoticeInput", {"caseId": case_id, "days": 3})
    api.clock.set(at(2018, 8, 10))
    approve = CASE_STEP.format(input="ApproveAssistanceInput", field="approveAssistance")
    assert await api.codes(approve, {"i": {"caseId": case_id, "reason": "I assessed it myself"}},
                           as_=SUPERVISOR_HAIZHU) == ["RULE_VIOLATION"]
    assert await api.codes(approve, {"i": {"caseId": case_id}}, as_=SUPERVISOR_HAIZHU) == ["INVALID_INPUT"]  # no reason
    assert await api.codes(PAYROLL, {"i": {"month": "2018-09-01"}}, as_=SUPERVISOR_HAIZHU) == ["INVALID_INPUT"]
    assert await api.codes(PUBLISH, {"i": {"program": "MINIMUM_LIVING", "effectiveFrom": "2018-01-01",
                                           "amount": "925", "reason": "typo"}}, as_=ADMIN) == ["RULE_VIOLATION"]
    assert await api.codes(PUBLISH, {"i": {"program": "MINIMUM_LIVING", "effectiveFrom": "2019-07-01",
                                           "amount": "1010", "reason": "2019"}}, as_=SUPERVISOR_HAIZHU) == ["FORBIDDEN"]
    assert await api.codes(CASE_STEP.format(input="AssessAssistanceInput", field="assessAssistance"),
                           {"i": {"caseId": case_id}}, as_=CASEWORKER_TIANHE) == ["FORBIDDEN"]


async def test_members_see_the_case_on_their_timeline_and_the_caseload_finds_it(api: Api) -> None:
    await ensure_standard(api)
    household, people = await a_household(api, size=2)
    applied = (await api.ok(APPLY, {"i": application(household, people)}))["applyForAssistance"]

    timelines = [(await api.ok("""query($id: ID!) { resident(id: $id) { timeline(programs: ["assistance"]) {
                    edges { node { kind summary } } } } }""", {"id": p["resident"]["id"]}, position=applied["position"])
                  )["resident"]["timeline"]["edges"] for p in people]
    caseload = (await api.ok("""query($f: AssistanceCaseFilter) { assistanceCases(filter: $f, first: 5) {
                    edges { node { id status program } } } }""",
                             {"f": {"residentId": people[1]["resident"]["id"], "program": "MINIMUM_LIVING"}})
                )["assistanceCases"]["edges"]
    node = (await api.ok("query($id: ID!) { node(id: $id) { __typename ... on AssistanceCase { status } } }",
                         {"id": applied["case"]["id"]}))["node"]
    standards = (await api.ok("{ assistanceStandards(program: MINIMUM_LIVING) { revisions { edges { node { amount }"
                              " } } } }", {})
                 )["assistanceStandards"]

    for edges in timelines:
        assert [e["node"]["kind"] for e in edges] == ["assistance.applied"]
        assert edges[0]["node"]["summary"] == "Applied for minimum living guarantee (低保) for 2 people"
    assert [e["node"]["id"] for e in caseload] == [applied["case"]["id"]]
    assert node == {"__typename": "AssistanceCase", "status": "APPLIED"}
    assert [e["node"]["amount"] for e in standards[0]["revisions"]["edges"]][:2] == ["900.00", "950.00"]


async def test_a_payload_reads_every_read_model_at_the_commands_position(api: Api) -> None:
    """The case row and its verification matrix come from two read models; the payload shows both as of the
    command (before: `sourcesAnswered: 26` beside an empty matrix while the second one lagged)."""
    household, people = await a_household(api, size=2)
    case_id = (await api.ok(APPLY, {"i": application(household, people)}))["applyForAssistance"]["case"]["id"]

    verified = (await api.ok(
        """mutation($i: RequestHouseholdVerificationInput!) { requestHouseholdVerification(input: $i) {
             case { sourcesAnswered verification { source status } } } }""",
        {"i": {"caseId": case_id}}))["requestHouseholdVerification"]["case"]

    assert verified["sourcesAnswered"] == 26
    assert len(verified["verification"]) == 26 * 2 and all(c["status"] == "ANSWERED" for c in verified["verification"])
