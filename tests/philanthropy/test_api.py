"""Venture philanthropy through GraphQL over HTTP, end to end: a round from the call to a project's closing
evaluation (the ranking, scores with a declared conflict excluded, budget use, the proposal's history), bad input
and refused steps as typed codes, and who may do what by role."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.api.helpers import register
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    GQL,
    INSPECTOR,
    INTEGRATOR,
    SUPERVISOR_HAIZHU,
    error_codes,
    token,
)

SUPERVISOR_TIANHE = token("supervisor", district="TIANHE", office="TIANHE-CIVIL-AFFAIRS", subject="sup-huang")
OPEN = """mutation($i: OpenFundingRoundInput!) { openFundingRound(input: $i) { position fundingRound { id status
  budget criteria { code weight } } } }"""
APPOINT = "mutation($i: AppointReviewerInput!) { appointFundingReviewer(input: $i) { position } }"
STEP = "mutation($i: FundingRoundStepInput!) { %s(input: $i) { position fundingRound { status } } }"
SUBMIT = """mutation($i: SubmitProposalInput!) { submitProposal(input: $i) { position proposal { id status
  selfRaised requestedGrant } } }"""
PROPOSAL_STEP = "mutation($i: %s!) { %s(input: $i) { position proposal { status } } }"
ROUND = """query($id: ID!) { fundingRound(id: $id) { status budget awarded remaining budgetUsedPercent awards
  proposalCount proposals(first: 10) { edges { node { organisation rank score status } } }
  reviewers(first: 2) { edges { node { reviewerId } } pageInfo { hasNextPage endCursor } } } }"""
REVIEWERS = """query($id: ID!, $after: String) { fundingRound(id: $id) { reviewers(first: 2, after: $after) {
  edges { node { reviewerId } } pageInfo { hasNextPage } } } }"""
PROPOSAL = """query($id: ID!) { proposal(id: $id) { status rank score grant approvedBudget selfRaised disbursed
  conflicts { edges { node } } reviews { edges { node { reviewerId weightedScore excluded scores { code score } } } }
  milestones { index reachedOn paid } evaluations { stage projectManagement financialManagement }
  fundingRound { title } history(first: 50) { edges { node { kind actorId actorRole reason } } } } }"""
CRITERIA = [{"code": "NEED", "weight": 40}, {"code": "DESIGN", "weight": 35}, {"code": "CAPACITY", "weight": 25}]


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def scores(need: int, design: int, capacity: int) -> list[dict[str, Any]]:
    return [{"code": "NEED", "score": need}, {"code": "DESIGN", "score": design},
            {"code": "CAPACITY", "score": capacity}]


async def a_round(gql: GQL, budget: str = "1000000.00") -> str:
    opened = ok(await gql(OPEN, {"i": {"title": f"2026年广州市社会组织公益创投活动 {uuid.uuid4().hex[:6]}", "year": 2026,
                                       "categories": ["ELDERLY", "YOUTH"], "budget": budget,
                                       "opensOn": "2026-03-01", "closesOn": "2026-04-30", "criteria": CRITERIA}},
                          as_=ADMIN), "openFundingRound")
    round_id = opened["fundingRound"]["id"]
    for expert in ("EXPERT-HE", "EXPERT-LUO", "EXPERT-MAI"):
        ok(await gql(APPOINT, {"i": {"roundId": round_id, "reviewerId": expert, "expertise": "社会工作"}}, as_=ADMIN),
           "appointFundingReviewer")
    return round_id  # type: ignore[no-any-return]


def proposal_input(round_id: str, **overrides: Any) -> dict[str, Any]:
    return {"roundId": round_id, "organisation": "海珠区启智社会工作服务中心", "title": "独居长者互助小组",
            "category": "ELDERLY", "district": "海珠区", "summary": "每周互助小组和探访", "totalBudget": "100000.00",
            "requestedGrant": "60000.00", "beneficiaries": 120,
            "milestones": [{"title": "招募与需求评估", "dueOn": "2026-06-30", "grant": "30000"},
                           {"title": "小组活动与总结", "dueOn": "2026-12-31", "grant": "30000"}], **overrides}


async def submit(gql: GQL, round_id: str, as_: str = INTEGRATOR, **overrides: Any) -> dict[str, Any]:
    return await gql(SUBMIT, {"i": proposal_input(round_id, **overrides)}, as_=as_)


async def step(gql: GQL, mutation: str, input_type: str, i: dict[str, Any], as_: str = ADMIN) -> dict[str, Any]:
    return await gql(PROPOSAL_STEP % (input_type, mutation), {"i": i}, as_=as_)


async def test_a_round_from_the_call_to_a_projects_closing_evaluation_over_http(gql: GQL) -> None:
    round_id = await a_round(gql)
    elders = ok(await submit(gql, round_id), "submitProposal")["proposal"]
    youth = ok(await submit(gql, round_id, organisation="天河区青年地带服务中心", category="YOUTH", district="TIANHE"),
               "submitProposal")["proposal"]
    ok(await gql(STEP % "closeFundingCall", {"i": {"roundId": round_id}}, as_=ADMIN), "closeFundingCall")
    for p in (elders, youth):
        ok(await step(gql, "checkProposalEligibility", "CheckProposalEligibilityInput",
                      {"proposalId": p["id"], "eligible": True, "findings": "材料齐全"}), "checkProposalEligibility")
    ok(await step(gql, "declareReviewerConflict", "DeclareReviewerConflictInput",
                  {"proposalId": elders["id"], "reviewerId": "EXPERT-MAI", "reason": "曾任该机构理事"}),
       "declareReviewerConflict")
    conflicted = await step(gql, "recordProposalReview", "RecordProposalReviewInput",
                            {"proposalId": elders["id"], "reviewerId": "EXPERT-MAI", "scores": scores(99, 99, 99)})
    for p, expert, s in ((elders, "EXPERT-HE", (90, 90, 90)), (elders, "EXPERT-LUO", (80, 70, 60)),
                         (youth, "EXPERT-HE", (70, 70, 70)), (youth, "EXPERT-MAI", (72, 70, 70))):
        ok(await step(gql, "recordProposalReview", "RecordProposalReviewInput",
                      {"proposalId": p["id"], "reviewerId": expert, "scores": scores(*s)}), "recordProposalReview")
    ok(await gql(STEP % "rankFundingRound", {"i": {"roundId": round_id}}, as_=ADMIN), "rankFundingRound")
    over_60 = await step(gql, "awardGrant", "AwardGrantInput",
                         {"proposalId": elders["id"], "approvedBudget": "90000", "grant": "60000"})
    ok(await step(gql, "awardGrant", "AwardGrantInput",
                  {"proposalId": elders["id"], "approvedBudget": "100000", "grant": "60000"}), "awardGrant")
    ok(await step(gql, "rejectProposal", "RejectProposalInput", {"proposalId": youth["id"], "reason": "得分较低"}),
       "rejectProposal")
    for index, stage in ((0, "MID_TERM"), (1, "FINAL")):
        ok(await step(gql, "recordProjectMilestone", "RecordProjectMilestoneInput",
                      {"proposalId": elders["id"], "milestone": index, "reachedOn": "2026-06-30", "report": "完成"},
                      as_=SUPERVISOR_HAIZHU), "recordProjectMilestone")
        ok(await step(gql, "disburseGrant", "DisburseGrantInput",
                      {"proposalId": elders["id"], "milestone": index, "amount": "30000.00"}), "disburseGrant")
        ok(await step(gql, "evaluateProject", "EvaluateProjectInput",
                      {"proposalId": elders["id"], "stage": stage, "projectManagement": "GOOD",
                       "financialManagement": "EXCELLENT", "findings": "台账规范"}, as_=SUPERVISOR_HAIZHU),
           "evaluateProject")
    closed = ok(await step(gql, "closeProject", "CloseProjectInput", {"proposalId": elders["id"]}), "closeProject")

    funding_round = ok(await gql(ROUND, {"id": round_id}, extensions={"minPosition": closed["position"]}),
                       "fundingRound")
    project = ok(await gql(PROPOSAL, {"id": elders["id"]}), "proposal")

    assert error_codes(conflicted) == ["RULE_VIOLATION"] and error_codes(over_60) == ["INVALID_INPUT"]
    assert (funding_round["budget"], funding_round["awarded"], funding_round["remaining"]) == (
        "1000000.00", "60000.00", "940000.00")
    assert (funding_round["budgetUsedPercent"], funding_round["awards"], funding_round["proposalCount"]) == (
        "6.00", 1, 2)
    assert [(e["node"]["rank"], e["node"]["score"], e["node"]["status"]) for e in funding_round["proposals"]["edges"]
            ] == [(1, "80.75", "CLOSED"), (2, "70.40", "REJECTED")]  # (90 + 71.50) / 2; (70 + 70.80) / 2
    assert (project["status"], project["grant"], project["selfRaised"], project["disbursed"]) == (
        "CLOSED", "60000.00", "40000.00", "60000.00")
    assert [e["node"] for e in project["conflicts"]["edges"]] == ["EXPERT-MAI"]
    assert [e["node"]["excluded"] for e in project["reviews"]["edges"]] == [False, False]
    panel = funding_round["reviewers"]
    rest = ok(await gql(REVIEWERS, {"id": round_id, "after": panel["pageInfo"]["endCursor"]}), "fundingRound")
    reviewer_ids = [e["node"]["reviewerId"] for e in panel["edges"] + rest["reviewers"]["edges"]]
    assert panel["pageInfo"]["hasNextPage"] and not rest["reviewers"]["pageInfo"]["hasNextPage"]
    assert len(reviewer_ids) == len(set(reviewer_ids)) == 3, reviewer_ids  # a page of 2, then the last one
    assert [e["stage"] for e in project["evaluations"]] == ["MID_TERM", "FINAL"]
    kinds = [e["node"]["kind"] for e in project["history"]["edges"]]
    assert kinds[0] == "Proposal.Submitted" and kinds[-1] == "Proposal.Closed" and "Proposal.Awarded" in kinds
    conflict = next(e["node"] for e in project["history"]["edges"] if e["node"]["kind"] == "Proposal.ConflictDeclared")
    assert (conflict["actorId"], conflict["reason"]) == ("admin-wang", "曾任该机构理事")


async def test_bad_input_is_a_typed_error_over_http(gql: GQL) -> None:
    round_id = await a_round(gql)

    too_much_public_money = await submit(gql, round_id, requestedGrant="60000.01",
                                         milestones=[{"title": "全部", "dueOn": "2026-12-31", "grant": "60000.01"}])
    arabic_digits = await submit(gql, round_id, totalBudget="١٠٠٠٠٠")
    nul = await submit(gql, round_id, organisation="启智\u0000社工")
    huge = await submit(gql, round_id, summary="长" * 5000)
    wrong_kind_of_id = await submit(gql, round_id="UHJvcG9zYWw6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw")
    unknown_round = await submit(gql, round_id=str(uuid.uuid4()))
    early_ranking = await gql(STEP % "rankFundingRound", {"i": {"roundId": round_id}}, as_=ADMIN)

    assert error_codes(too_much_public_money) == ["INVALID_INPUT"]
    assert too_much_public_money["errors"][0]["extensions"]["maximumPublicShare"] == "60000.00"
    assert error_codes(arabic_digits) == ["INVALID_INPUT"] and error_codes(nul) == ["INVALID_INPUT"]
    assert error_codes(huge) == ["INVALID_INPUT"]
    assert error_codes(wrong_kind_of_id) == ["NOT_FOUND"] and error_codes(unknown_round) == ["NOT_FOUND"]
    assert error_codes(early_ranking) == ["RULE_VIOLATION"]
    funding_round = ok(await gql(ROUND, {"id": round_id}), "fundingRound")
    assert funding_round["proposalCount"] == 0


async def test_who_may_do_what_by_role(gql: GQL) -> None:
    round_id = await a_round(gql)
    by_supervisor = await gql(OPEN, {"i": {"title": "区级创投", "year": 2026, "categories": ["ELDERLY"],
                                           "budget": "1000", "opensOn": "2026-03-01", "closesOn": "2026-04-30",
                                           "criteria": CRITERIA}}, as_=SUPERVISOR_HAIZHU)
    by_caseworker = await submit(gql, round_id, as_=CASEWORKER_HAIZHU)
    by_inspector = await submit(gql, round_id, as_=INSPECTOR)
    proposal = ok(await submit(gql, round_id, as_=INTEGRATOR), "submitProposal")["proposal"]
    ok(await gql(STEP % "closeFundingCall", {"i": {"roundId": round_id}}, as_=ADMIN), "closeFundingCall")
    eligibility_by_platform = await step(gql, "checkProposalEligibility", "CheckProposalEligibilityInput",
                                         {"proposalId": proposal["id"], "eligible": True, "findings": "齐全"},
                                         as_=INTEGRATOR)
    ok(await step(gql, "checkProposalEligibility", "CheckProposalEligibilityInput",
                  {"proposalId": proposal["id"], "eligible": True, "findings": "齐全"}), "checkProposalEligibility")
    ok(await step(gql, "recordProposalReview", "RecordProposalReviewInput",
                  {"proposalId": proposal["id"], "reviewerId": "EXPERT-HE", "scores": scores(80, 80, 80)}),
       "recordProposalReview")
    ok(await gql(STEP % "rankFundingRound", {"i": {"roundId": round_id}}, as_=ADMIN), "rankFundingRound")
    award_by_supervisor = await step(gql, "awardGrant", "AwardGrantInput", {
        "proposalId": proposal["id"], "approvedBudget": "100000", "grant": "60000"}, as_=SUPERVISOR_HAIZHU)
    ok(await step(gql, "awardGrant", "AwardGrantInput",
                  {"proposalId": proposal["id"], "approvedBudget": "100000", "grant": "60000"}), "awardGrant")
    milestone = {"proposalId": proposal["id"], "milestone": 0, "reachedOn": "2026-06-30", "report": "完成"}
    other_district = await step(gql, "recordProjectMilestone", "RecordProjectMilestoneInput", milestone,
                                as_=SUPERVISOR_TIANHE)
    own_district = await step(gql, "recordProjectMilestone", "RecordProjectMilestoneInput", milestone,
                              as_=SUPERVISOR_HAIZHU)
    reads = [await gql(ROUND, {"id": round_id}, as_=who) for who in (CASEWORKER_HAIZHU, INSPECTOR, INTEGRATOR)]

    assert error_codes(by_supervisor) == ["FORBIDDEN"]
    assert error_codes(by_caseworker) == ["FORBIDDEN"] and error_codes(by_inspector) == ["FORBIDDEN"]
    assert error_codes(eligibility_by_platform) == ["FORBIDDEN"] and error_codes(award_by_supervisor) == ["FORBIDDEN"]
    assert error_codes(other_district) == ["FORBIDDEN"] and "errors" not in own_district
    assert all(ok(r, "fundingRound")["awards"] == 1 for r in reads)


async def test_two_awards_sent_at_once_that_together_exceed_the_budget_land_exactly_once(gql: GQL) -> None:
    round_id = await a_round(gql, budget="100000.00")
    first = ok(await submit(gql, round_id), "submitProposal")["proposal"]
    second = ok(await submit(gql, round_id, organisation="越秀区阳光社工服务社"), "submitProposal")["proposal"]
    ok(await gql(STEP % "closeFundingCall", {"i": {"roundId": round_id}}, as_=ADMIN), "closeFundingCall")
    for p, s in ((first, 80), (second, 70)):
        ok(await step(gql, "checkProposalEligibility", "CheckProposalEligibilityInput",
                      {"proposalId": p["id"], "eligible": True, "findings": "齐全"}), "checkProposalEligibility")
        ok(await step(gql, "recordProposalReview", "RecordProposalReviewInput",
                      {"proposalId": p["id"], "reviewerId": "EXPERT-HE", "scores": scores(s, s, s)}),
           "recordProposalReview")
    ok(await gql(STEP % "rankFundingRound", {"i": {"roundId": round_id}}, as_=ADMIN), "rankFundingRound")

    answers = await asyncio.gather(*(step(gql, "awardGrant", "AwardGrantInput", {
        "proposalId": p["id"], "approvedBudget": "100000", "grant": "60000"}) for p in (first, second)))

    landed = [a for a in answers if "errors" not in a]
    refused = [error_codes(a) for a in answers if "errors" in a]
    assert len(landed) == 1 and refused == [["RULE_VIOLATION"]]
    funding_round = ok(await gql(ROUND, {"id": round_id}, extensions={"minPosition": landed[0]["data"]["awardGrant"][
        "position"]}), "fundingRound")
    assert (funding_round["awarded"], funding_round["awards"]) == ("60000.00", 1)


async def test_a_beneficiary_of_a_funded_project_sees_it_on_their_timeline(gql: GQL) -> None:
    resident = (await register(gql, as_=CASEWORKER_HAIZHU, name="陈秀英"))["resident"]["id"]
    round_id = await a_round(gql)
    proposal = ok(await submit(gql, round_id), "submitProposal")["proposal"]
    ok(await gql(STEP % "closeFundingCall", {"i": {"roundId": round_id}}, as_=ADMIN), "closeFundingCall")
    ok(await step(gql, "checkProposalEligibility", "CheckProposalEligibilityInput",
                  {"proposalId": proposal["id"], "eligible": True, "findings": "齐全"}), "checkProposalEligibility")
    ok(await step(gql, "recordProposalReview", "RecordProposalReviewInput",
                  {"proposalId": proposal["id"], "reviewerId": "EXPERT-HE", "scores": scores(80, 80, 80)}),
       "recordProposalReview")
    ok(await gql(STEP % "rankFundingRound", {"i": {"roundId": round_id}}, as_=ADMIN), "rankFundingRound")
    ok(await step(gql, "awardGrant", "AwardGrantInput",
                  {"proposalId": proposal["id"], "approvedBudget": "100000", "grant": "60000"}), "awardGrant")

    enrolled = ok(await step(gql, "enrolProjectBeneficiary", "EnrolProjectBeneficiaryInput",
                             {"proposalId": proposal["id"], "residentId": resident}, as_=CASEWORKER_HAIZHU),
                  "enrolProjectBeneficiary")
    timeline = ok(await gql("""query($id: ID!) { resident(id: $id) { timeline(first: 10, programs: ["philanthropy"]) {
        edges { node { program kind summary } } } } }""", {"id": resident}, as_=CASEWORKER_HAIZHU,
                            extensions={"minPosition": enrolled["position"]}), "resident")

    [entry] = [e["node"] for e in timeline["timeline"]["edges"]]
    assert entry == {"program": "philanthropy", "kind": "philanthropy.beneficiary",
                     "summary": "Took part in a community project (公益创投) run by 海珠区启智社会工作服务中心"}


async def test_rounds_and_their_totals_page_by_cursor(gql: GQL) -> None:
    year = 2090 + uuid.uuid4().int % 10
    for n in range(3):
        ok(await gql(OPEN, {"i": {"title": f"{year}年第{n + 1}批公益创投", "year": year, "categories": ["ELDERLY"],
                                  "budget": f"{n + 1}000000", "opensOn": f"{year}-03-01", "closesOn": f"{year}-04-30",
                                  "criteria": CRITERIA}}, as_=ADMIN), "openFundingRound")
    rounds = """query($y: Int, $after: String) { fundingRounds(year: $y, first: 2, after: $after) {
        pageInfo { hasNextPage endCursor } edges { node { title budget status } } } }"""
    report = """query($y: Int, $after: String) { philanthropyReport(fromYear: $y, toYear: $y) { overall { rounds budget }
        rounds(first: 2, after: $after) { pageInfo { hasNextPage endCursor } edges { node { title } } } } }"""

    first = ok(await gql(rounds, {"y": year}), "fundingRounds")
    rest = ok(await gql(rounds, {"y": year, "after": first["pageInfo"]["endCursor"]}), "fundingRounds")
    totals = ok(await gql(report, {"y": year}, as_=INSPECTOR), "philanthropyReport")
    totals_rest = ok(await gql(report, {"y": year, "after": totals["rounds"]["pageInfo"]["endCursor"]}),
                     "philanthropyReport")
    bad_cursor = await gql(rounds, {"y": year, "after": "bm90LWEtY3Vyc29y"})
    bad_year = await gql(rounds, {"y": 1899})

    assert [e["node"]["budget"] for e in first["edges"] + rest["edges"]] == ["1000000.00", "2000000.00", "3000000.00"]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert totals["overall"] == {"rounds": 3, "budget": "6000000.00"}
    assert len(totals["rounds"]["edges"]) == 2 and len(totals_rest["rounds"]["edges"]) == 1
    assert error_codes(bad_cursor) == ["INVALID_INPUT"] and error_codes(bad_year) == ["INVALID_INPUT"]
