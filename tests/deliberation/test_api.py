"""Deliberation end to end over GraphQL-over-HTTP: an item from topic collection to supervision through the API,
read back with its participants, positions, votes and tally, decision, tasks, report and history; the agenda by
community and stage; outcome statistics per community and per street; a resident's statement masked outside their
district; and the issue's bad input as typed errors that write nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from civicledger.core.clock import business_date
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import (
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    SUPERVISOR_HAIZHU,
    error_codes,
)
from tests.deliberation.conftest import log_end

ITEM_FIELDS = "id itemId stage concluded version"
PROPOSE = f"""mutation($i: ProposeDeliberationItemInput!) {{ proposeDeliberationItem(input: $i) {{ position
  item {{ {ITEM_FIELDS} community title }} }} }}"""
PREPARE = f"""mutation($i: PrepareDeliberationItemInput!) {{ prepareDeliberationItem(input: $i) {{
  item {{ {ITEM_FIELDS} plan meetingOn }} }} }}"""
ADD = f"""mutation($i: AddDeliberationParticipantInput!) {{ addDeliberationParticipant(input: $i) {{
  item {{ {ITEM_FIELDS} participants {{ edges {{ node {{ number kind name residentId }} }} }} }} }} }}"""
OPEN = f"""mutation($i: OpenDeliberationConsultationInput!) {{ openDeliberationConsultation(input: $i) {{
  item {{ {ITEM_FIELDS} }} }} }}"""
POSITION = f"""mutation($i: StateDeliberationPositionInput!) {{ stateDeliberationPosition(input: $i) {{
  item {{ {ITEM_FIELDS} }} }} }}"""
VOTE = f"""mutation($i: CastDeliberationVoteInput!) {{ castDeliberationVote(input: $i) {{
  item {{ {ITEM_FIELDS} tally {{ for against abstentions cast participants }} }} }} }}"""
DECIDE = f"""mutation($i: DecideDeliberationItemInput!) {{ decideDeliberationItem(input: $i) {{
  item {{ {ITEM_FIELDS} decision {{ outcome basis decidedOn }} }} }} }}"""
EXECUTE = f"""mutation($i: StartDeliberationExecutionInput!) {{ startDeliberationExecution(input: $i) {{
  item {{ {ITEM_FIELDS} tasks {{ number title done }} }} }} }}"""
COMPLETE = f"""mutation($i: CompleteDeliberationTaskInput!) {{ completeDeliberationTask(input: $i) {{
  item {{ {ITEM_FIELDS} tasks {{ number done note }} }} }} }}"""
REPORT = f"""mutation($i: ReportDeliberationSupervisionInput!) {{ reportDeliberationSupervision(input: $i) {{
  item {{ {ITEM_FIELDS} report {{ report outcomes {{ kind count }} }} }} }} }}"""
ITEM = """query($id: ID!) { deliberationItem(id: $id) { stage concluded community district districtName
  participants(first: 1) { edges { node { number kind name residentId resident { id } } }
    pageInfo { hasNextPage endCursor } }
  votes { edges { node { participant choice } } } tally { for against abstentions cast participants }
  positions { edges { node { number participant stance statement } } }
  decision { outcome basis } tasks { number done } report { report outcomes { kind count } }
  history(first: 20) { edges { node { kind actorId } } pageInfo { hasNextPage } } } }"""
AGENDA = """query($c: String, $s: DeliberationStage) { deliberationItems(district: "海珠区", street: "江海街",
  community: $c, stage: $s, first: 10) { edges { node { itemId stage title } } pageInfo { hasNextPage } } }"""
TIMELINE = """query($id: ID!) { resident(id: $id) { timeline(first: 10, programs: ["deliberation"]) {
  edges { node { kind summary } } } } }"""
STATS = """query($street: String, $first: Int, $after: String) { deliberationOutcomeStatistics(
  district: "HAIZHU", street: $street, first: $first, after: $after) { edges { node { street community kind total items } }
  pageInfo { hasNextPage endCursor } } }"""
REST = """query($id: ID!, $after: String) { deliberationItem(id: $id) { participants(after: $after) {
  edges { node { number } } pageInfo { hasNextPage } } } }"""


async def ok(gql: GQL, query: str, variables: dict[str, Any], as_: str = CASEWORKER_HAIZHU) -> dict[str, Any]:
    body = await gql(query, variables, as_=as_)
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def send(gql: GQL, query: str, **fields: Any) -> dict[str, Any]:
    data = await ok(gql, query, {"i": fields}, as_=fields.pop("as_", CASEWORKER_HAIZHU) if "as_" in fields
                    else CASEWORKER_HAIZHU)
    return next(iter(data.values()))["item"]  # type: ignore[no-any-return]


def later(days: int) -> str:
    return (business_date() + timedelta(days=days)).isoformat()


async def consultation(gql: GQL, community: str) -> tuple[str, str]:
    """An item at consultation with 王芳 (participant 1, a resident) and the community's lawyer (2)."""
    resident = (await register(gql, as_=SUPERVISOR_HAIZHU, name="王芳"))["resident"]["id"]
    item = (await send(gql, PROPOSE, district="HAIZHU", street="江海街", community=community,
                       title="3号楼加装电梯", description="七层步梯楼,长者居多"))["id"]
    await send(gql, PREPARE, itemId=item, plan="征求意见,形成出资分摊方案", meetingOn=later(7))
    await send(gql, ADD, itemId=item, kind="REGISTERED_RESIDENT", residentId=resident)
    added = await send(gql, ADD, itemId=item, kind="LAWYER", name="社区法律顾问")
    assert [(e["node"]["number"], e["node"]["kind"], e["node"]["name"], e["node"]["residentId"])
            for e in added["participants"]["edges"]] == [
        (1, "REGISTERED_RESIDENT", None, resident), (2, "LAWYER", "社区法律顾问", None)]
    opened = await send(gql, OPEN, itemId=item)
    assert opened["stage"] == "CONSULTATION"
    return item, resident


async def all_statistics(gql: GQL, street: str | None, first: int = 200) -> list[dict[str, Any]]:
    """Every page of the outcome statistics (other tests add rows to the same district)."""
    rows: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):  # a cursor that does not move on fails here instead of looping
        page = (await ok(gql, STATS, {"street": street, "first": first, "after": after})
                )["deliberationOutcomeStatistics"]
        assert len(page["edges"]) <= first
        rows += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the statistics' pages never end")


async def test_an_item_from_topic_collection_to_supervision_over_http(gql: GQL) -> None:
    community = f"红卫社区{uuid.uuid4().hex[:6]}"
    item, resident = await consultation(gql, community)
    await send(gql, POSITION, itemId=item, participant=1, stance="CONDITIONAL", statement="费用分摊需公开")
    await send(gql, POSITION, itemId=item, participant=2, stance="SUPPORT", statement="程序合法")
    await send(gql, VOTE, itemId=item, participant=1, choice="FOR")
    voted = await send(gql, VOTE, itemId=item, participant=2, choice="ABSTAIN")
    assert voted["tally"] == {"for": 1, "against": 0, "abstentions": 1, "cast": 2, "participants": 2}
    decided = await send(gql, DECIDE, itemId=item, outcome="ADOPTED", basis="议事会表决通过")
    assert decided["decision"]["outcome"] == "ADOPTED"
    await send(gql, EXECUTE, itemId=item, tasks=[{"title": "招标施工", "assignee": "社区居委会", "dueOn": later(30)},
                                                 {"title": "施工监督", "assignee": "业委会", "dueOn": later(60)}])
    await send(gql, COMPLETE, itemId=item, task=1, note="已招标")
    done = await send(gql, COMPLETE, itemId=item, task=2, note="已验收")
    assert [t["done"] for t in done["tasks"]] == [True, True]
    reported = await send(gql, REPORT, itemId=item, report="电梯已投入使用",
                          outcomes=[{"kind": "LIFTS_INSTALLED", "count": 1}, {"kind": "DISPUTES_RESOLVED", "count": 2}])

    assert (reported["stage"], reported["concluded"]) == ("SUPERVISION", True)
    read = (await ok(gql, ITEM, {"id": item}))["deliberationItem"]
    assert (read["stage"], read["community"], read["districtName"]) == ("SUPERVISION", community, "海珠区")
    first_page = read["participants"]
    assert [e["node"]["resident"]["id"] for e in first_page["edges"]] == [resident]
    assert first_page["pageInfo"]["hasNextPage"]
    rest = (await ok(gql, REST, {"id": item, "after": first_page["pageInfo"]["endCursor"]}))["deliberationItem"]
    assert rest["participants"] == {"edges": [{"node": {"number": 2}}], "pageInfo": {"hasNextPage": False}}
    assert [e["node"] for e in read["votes"]["edges"]] == [{"participant": 1, "choice": "FOR"},
                                                          {"participant": 2, "choice": "ABSTAIN"}]
    assert [e["node"]["statement"] for e in read["positions"]["edges"]] == ["费用分摊需公开", "程序合法"]
    assert read["report"] == {"report": "电梯已投入使用", "outcomes": [{"kind": "LIFTS_INSTALLED", "count": 1},
                                                                 {"kind": "DISPUTES_RESOLVED", "count": 2}]}
    assert [e["node"]["kind"] for e in read["history"]["edges"]][0::11] == ["AgendaItem.Proposed",
                                                                              "AgendaItem.TaskCompleted"]
    assert read["history"]["edges"][-1]["node"]["kind"] == "AgendaItem.Supervised"
    agenda = (await ok(gql, AGENDA, {"c": community, "s": "SUPERVISION"}))["deliberationItems"]["edges"]
    assert [e["node"]["title"] for e in agenda] == ["3号楼加装电梯"]
    assert (await ok(gql, AGENDA, {"c": community, "s": "DECISION"}))["deliberationItems"]["edges"] == []
    stats = await all_statistics(gql, "江海街")
    assert [s for s in stats if s["community"] == community] == [
        {"street": "江海街", "community": community, "kind": "DISPUTES_RESOLVED", "total": 2, "items": 1},
        {"street": "江海街", "community": community, "kind": "LIFTS_INSTALLED", "total": 1, "items": 1}]
    by_street = await all_statistics(gql, None)
    assert await all_statistics(gql, "江海街", first=1) == stats  # one row a page: the same rows, in the same order
    assert any(s["street"] == "江海街" and s["community"] is None and s["total"] >= 1 for s in by_street)
    timeline = (await ok(gql, TIMELINE, {"id": resident}))["resident"]["timeline"]["edges"]
    assert [e["node"]["kind"] for e in timeline] == [
        "deliberation.item_supervised", "deliberation.item_decided", "deliberation.vote_cast",
        "deliberation.position_stated", "deliberation.participant_added"]
    assert timeline[2]["node"]["summary"] == "Voted for in a community deliberation"


async def test_a_residents_statement_is_masked_outside_their_district(gql: GQL) -> None:
    item, _ = await consultation(gql, f"红卫社区{uuid.uuid4().hex[:6]}")
    await send(gql, POSITION, itemId=item, participant=1, stance="OPPOSE", statement="低层采光受影响")
    await send(gql, POSITION, itemId=item, participant=2, stance="SUPPORT", statement="程序合法")

    def statements(body: dict[str, Any]) -> list[str]:
        return [e["node"]["statement"] for e in body["deliberationItem"]["positions"]["edges"]]

    assert statements(await ok(gql, ITEM, {"id": item}, as_=CASEWORKER_TIANHE)) == ["***", "程序合法"]
    assert statements(await ok(gql, ITEM, {"id": item}, as_=INSPECTOR)) == ["***", "程序合法"]
    assert statements(await ok(gql, ITEM, {"id": item}, as_=SUPERVISOR_HAIZHU)) == ["低层采光受影响", "程序合法"]


async def refused(gql: GQL, runtime: Runtime, query: str, fields: dict[str, Any], code: str,
                  as_: str = CASEWORKER_HAIZHU) -> None:
    before = log_end(runtime.ledger)
    body = await gql(query, {"i": fields}, as_=as_)
    assert error_codes(body) == [code], body
    assert log_end(runtime.ledger) == before


@pytest.mark.parametrize(("case", "query", "fields", "code", "as_"), [
    ("a stage skipped", EXECUTE, {"tasks": [{"title": "施工", "assignee": "物业", "dueOn": later(9)}]},
     "RULE_VIOLATION", CASEWORKER_HAIZHU),
    ("a stage repeated", OPEN, {}, "RULE_VIOLATION", CASEWORKER_HAIZHU),
    ("preparation again", PREPARE, {"plan": "再酝酿", "meetingOn": later(3)}, "RULE_VIOLATION", CASEWORKER_HAIZHU),
    ("a non-participant's vote", VOTE, {"participant": 3, "choice": "FOR"}, "RULE_VIOLATION", CASEWORKER_HAIZHU),
    ("a second vote", VOTE, {"participant": 1, "choice": "AGAINST"}, "CONFLICT", CASEWORKER_HAIZHU),
    ("another district", VOTE, {"participant": 2, "choice": "FOR"}, "FORBIDDEN", CASEWORKER_TIANHE),
    ("an inspector", VOTE, {"participant": 2, "choice": "FOR"}, "FORBIDDEN", INSPECTOR),
    ("NUL in a statement", POSITION, {"participant": 2, "stance": "SUPPORT", "statement": "支\x00持"},
     "INVALID_INPUT", CASEWORKER_HAIZHU),
    ("a huge statement", POSITION, {"participant": 2, "stance": "SUPPORT", "statement": "支" * 2001},
     "INVALID_INPUT", CASEWORKER_HAIZHU),
    ("an empty statement", POSITION, {"participant": 2, "stance": "SUPPORT", "statement": ""}, "INVALID_INPUT",
     CASEWORKER_HAIZHU),
    ("a stale version", VOTE, {"participant": 2, "choice": "FOR", "expectedVersion": 1}, "CONFLICT",
     CASEWORKER_HAIZHU),
])
async def test_bad_commands_on_an_item_in_consultation_are_typed_errors_that_write_nothing(
        gql: GQL, runtime: Runtime, case: str, query: str, fields: dict[str, Any], code: str, as_: str) -> None:
    item, _ = await consultation(gql, f"红卫社区{uuid.uuid4().hex[:6]}")
    await send(gql, VOTE, itemId=item, participant=1, choice="FOR")

    await refused(gql, runtime, query, {"itemId": item, **fields}, code, as_)


@pytest.mark.parametrize(("case", "changes", "code", "as_"), [
    ("NUL in the title", {"title": "加装\x00电梯"}, "INVALID_INPUT", CASEWORKER_HAIZHU),
    ("a huge title", {"title": "电" * 201}, "INVALID_INPUT", CASEWORKER_HAIZHU),
    ("an empty description", {"description": " "}, "INVALID_INPUT", CASEWORKER_HAIZHU),
    ("another district's community", {}, "FORBIDDEN", CASEWORKER_TIANHE),
    ("an inspector", {}, "FORBIDDEN", INSPECTOR),
])
async def test_bad_proposals_are_typed_errors_that_write_nothing(gql: GQL, runtime: Runtime, case: str,
                                                                 changes: dict[str, Any], code: str, as_: str) -> None:
    fields = {"district": "HAIZHU", "street": "江海街", "community": "红卫社区", "title": "加装电梯",
              "description": "七层步梯楼", **changes}

    await refused(gql, runtime, PROPOSE, fields, code, as_)


async def test_a_malformed_item_id_is_invalid_input(gql: GQL) -> None:
    body = await gql(ITEM, {"id": "ＤeliberationItem:１２３"})

    assert error_codes(body) == ["INVALID_INPUT"]


async def test_a_retried_proposal_with_its_idempotency_key_is_recorded_once(gql: GQL, runtime: Runtime) -> None:
    key = f"propose-{uuid.uuid4().hex}"
    fields = {"district": "HAIZHU", "street": "江海街", "community": f"红卫社区{key[-6:]}", "title": "加装电梯",
              "description": "七层步梯楼", "idempotencyKey": key}
    query = PROPOSE.replace("{ position", "{ position replayed itemId")

    first = (await ok(gql, query, {"i": fields}))["proposeDeliberationItem"]
    end = log_end(runtime.ledger)
    again = (await ok(gql, query, {"i": fields}))["proposeDeliberationItem"]

    assert (again["itemId"], again["position"], again["replayed"]) == (first["itemId"], first["position"], True)
    assert log_end(runtime.ledger) == end
