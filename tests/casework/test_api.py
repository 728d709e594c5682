"""Casework end to end over GraphQL-over-HTTP: a case from intake to closure through the API, session notes
masked by role and after a transfer (the old station masked, the new one sees, an inspector with a stated
purpose sees and the read is logged, one without is masked), and the issue's bad input as typed errors that
write nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import (
    ADMIN,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    SUPERVISOR_HAIZHU,
    error_codes,
    token,
)

NOTES = "家访:老人提到夜里睡不好,想念老伴"
STATION = """mutation($i: RegisterCaseworkStationInput!) { registerCaseworkStation(input: $i) { stationId
  station { id name level services { code kind } } } }"""
ADD_WORKER = """mutation($i: CaseworkSocialWorkerInput!) { addCaseworkSocialWorker(input: $i) {
  station { socialWorkers { edges { node { staffId title } } } } } }"""
OPEN = """mutation($i: OpenCaseworkCaseInput!) { openCaseworkCase(input: $i) { caseId position
  case { id status presentingNeed station { name } } } }"""
ASSESS = """mutation($i: AssessCaseworkCaseInput!) { assessCaseworkCase(input: $i) { case { status risk } } }"""
PLAN = """mutation($i: AgreeCaseworkServicePlanInput!) { agreeCaseworkServicePlan(input: $i) {
  case { status plan { version goals { number area description targetDate } } } } }"""
SESSION = """mutation($i: RecordCaseworkSessionInput!) { recordCaseworkSession(input: $i) { version position
  case { sessionCount sessions { edges { node { number notes } } } } } }"""
TRANSFER = """mutation($i: TransferCaseworkCaseInput!) { transferCaseworkCase(input: $i) { position
  case { station { name } previousStations { edges { node { name } } } } } }"""
CLOSE = """mutation($i: CloseCaseworkCaseInput!) { closeCaseworkCase(input: $i) { position
  case { status closure { reason outcome } plan { goals { number outcome } } } } }"""
NOTES_OF = """query($id: ID!) { caseworkCase(id: $id) { presentingNeed
  sessions { edges { node { number notes recordedAtStation { name } } } } } }"""


async def ok(gql: GQL, query: str, variables: dict[str, Any], as_: str, **kw: Any) -> dict[str, Any]:
    body = await gql(query, variables, as_=as_, **kw)
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


class Stations:
    """Two Haizhu stations registered through the API, each with a social worker of its own."""

    def __init__(self, gql: GQL) -> None:
        self.gql, self.tag = gql, uuid.uuid4().hex[:6]
        self.worker_a = token("caseworker", district="HAIZHU", office=f"CW-A-{self.tag}", subject=f"sw-a-{self.tag}")
        self.worker_b = token("caseworker", district="HAIZHU", office=f"CW-B-{self.tag}", subject=f"sw-b-{self.tag}")

    async def register(self) -> Stations:
        self.a = await self._station(f"江海街家综{self.tag}", "江海街", f"CW-A-{self.tag}")
        self.b = await self._station(f"沙园街家综{self.tag}", "沙园街", f"CW-B-{self.tag}")
        await ok(self.gql, ADD_WORKER, {"i": {"stationId": self.a, "staffId": f"sw-a-{self.tag}"}}, ADMIN)
        return self

    async def _station(self, name: str, street: str, office: str) -> str:
        data = await ok(self.gql, STATION, {"i": {"name": name, "level": "STREET", "district": "HAIZHU",
                                                  "street": street, "office": office,
                                                  "services": ["FAMILY", "ELDER", "YOUTH"]}}, ADMIN)
        return data["registerCaseworkStation"]["station"]["id"]  # type: ignore[no-any-return]


async def a_case_with_a_session(gql: GQL, s: Stations) -> tuple[str, str]:
    resident = (await register(gql, as_=SUPERVISOR_HAIZHU, name="王芳"))["resident"]["id"]
    opened = await ok(gql, OPEN, {"i": {"stationId": s.a, "residentId": resident, "service": "ELDER",
                                        "presentingNeed": "独居,丧偶后情绪低落"}}, s.worker_a)
    case = opened["openCaseworkCase"]["case"]["id"]
    await ok(gql, ASSESS, {"i": {"caseId": case, "risk": "MEDIUM", "needAreas": ["MENTAL_WELLBEING"],
                                 "summary": "丧偶后抑郁倾向"}}, s.worker_a)
    await ok(gql, PLAN, {"i": {"caseId": case, "goals": [{"area": "MENTAL_WELLBEING", "description": "睡眠改善",
                                                          "targetDate": "2099-06-30"}]}}, s.worker_a)
    await ok(gql, SESSION, {"i": {"caseId": case, "kind": "HOME_VISIT", "minutes": 45, "notes": NOTES,
                                  "goalsAddressed": [1]}}, s.worker_a)
    return case, resident


async def notes_seen_by(gql: GQL, case: str, as_: str, **kw: Any) -> str | None:
    data = await ok(gql, NOTES_OF, {"id": case}, as_, **kw)
    return data["caseworkCase"]["sessions"]["edges"][0]["node"]["notes"]  # type: ignore[no-any-return]


async def test_a_case_goes_from_intake_to_closure_over_the_api(gql: GQL) -> None:
    s = await Stations(gql).register()
    case, _ = await a_case_with_a_session(gql, s)

    closed = await ok(gql, CLOSE, {"i": {"caseId": case, "closureReason": "GOALS_MET",
                                         "goalOutcomes": [{"goal": 1, "outcome": "ACHIEVED"}]}}, s.worker_a)

    assert closed["closeCaseworkCase"]["case"] == {"status": "CLOSED",
                                                   "closure": {"reason": "GOALS_MET", "outcome": "ACHIEVED"},
                                                   "plan": {"goals": [{"number": 1, "outcome": "ACHIEVED"}]}}


async def test_session_notes_are_seen_only_by_the_holding_station_and_inspectors_with_a_purpose(
        gql: GQL, runtime: Runtime) -> None:
    s = await Stations(gql).register()
    case, resident = await a_case_with_a_session(gql, s)
    integrator_with_personal = token("integrator", office="DISTRICT-PLATFORM", subject="int-personal",
                                     scopes={"read", "personal"})

    assert await notes_seen_by(gql, case, s.worker_a) == NOTES
    for outsider in (s.worker_b, SUPERVISOR_HAIZHU, CASEWORKER_TIANHE, integrator_with_personal, ADMIN, INSPECTOR):
        assert await notes_seen_by(gql, case, outsider) == "***", outsider
    purpose = f"complaint 2026-{uuid.uuid4().hex[:8]}"
    assert await notes_seen_by(gql, case, INSPECTOR, headers={"X-Access-Purpose": purpose}) == NOTES
    async with runtime.pool.acquire() as conn:
        reads = await conn.fetch("SELECT reader_id, fields, purpose FROM personal_data_reads WHERE resident_id = $1"
                                 " AND 'sessionNotes' = ANY(fields)", uuid.UUID(_raw(resident)))
    assert {(r["reader_id"], r["purpose"]) for r in reads} == {(f"sw-a-{s.tag}", None), ("insp-zhou", purpose)}


async def test_after_a_transfer_the_old_station_sees_the_notes_masked_and_the_new_one_sees_them(gql: GQL) -> None:
    s = await Stations(gql).register()
    case, _ = await a_case_with_a_session(gql, s)

    moved = await ok(gql, TRANSFER, {"i": {"caseId": case, "toStationId": s.b, "reason": "居民搬至沙园街"}},
                     s.worker_a)

    assert moved["transferCaseworkCase"]["case"]["station"]["name"].startswith("沙园街")
    assert [e["node"]["name"] for e in moved["transferCaseworkCase"]["case"]["previousStations"]["edges"]] == [
        f"江海街家综{s.tag}"]
    assert await notes_seen_by(gql, case, s.worker_a) == "***"
    assert await notes_seen_by(gql, case, s.worker_b) == NOTES
    seen = await ok(gql, NOTES_OF, {"id": case}, s.worker_b)
    assert seen["caseworkCase"]["sessions"]["edges"][0]["node"]["recordedAtStation"]["name"].startswith("江海街")


PREVIOUS = """query($id: ID!, $first: Int, $after: String) { caseworkCase(id: $id) {
  previousStations(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }"""
WORKERS = """query($id: ID!, $first: Int, $after: String) { caseworkStation(id: $id) {
  socialWorkers(first: $first, after: $after) { edges { node { staffId } } pageInfo { hasNextPage endCursor } } } }"""


async def pages(gql: GQL, query: str, root: str, field: str, id_: str, as_: str) -> tuple[list[Any], int]:
    """Every node of a connection read two at a time, and how many pages it took."""
    nodes: list[Any] = []
    after, count = None, 0
    while count < 10:
        conn = (await ok(gql, query, {"id": id_, "first": 2, "after": after}, as_))[root][field]
        count += 1
        assert len(conn["edges"]) <= 2
        nodes += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    return nodes, count


async def test_a_cases_previous_stations_and_a_stations_workers_page_through_every_one_once_in_order(
        gql: GQL) -> None:
    s = await Stations(gql).register()
    case, _ = await a_case_with_a_session(gql, s)
    for to, by in ((s.b, s.worker_a), (s.a, s.worker_b), (s.b, s.worker_a), (s.a, s.worker_b)):
        await ok(gql, TRANSFER, {"i": {"caseId": case, "toStationId": to, "reason": "居民搬家"}}, by)
    workers = [f"sw-a-{s.tag}", *(f"sw-a{n}-{s.tag}" for n in range(4))]
    for staff_id in workers[1:]:
        await ok(gql, ADD_WORKER, {"i": {"stationId": s.a, "staffId": staff_id}}, ADMIN)

    previous, previous_pages = await pages(gql, PREVIOUS, "caseworkCase", "previousStations", case, s.worker_a)
    staff, staff_pages = await pages(gql, WORKERS, "caseworkStation", "socialWorkers", s.a, ADMIN)
    too_many = await gql(PREVIOUS, {"id": case, "first": 201}, as_=s.worker_a)

    assert [p["id"] for p in previous] == [s.a, s.b, s.a, s.b] and previous_pages == 2
    assert [w["staffId"] for w in staff] == workers and staff_pages == 3
    assert error_codes(too_many) == ["INVALID_INPUT"]


async def test_the_need_follows_the_usual_rule_for_personal_data(gql: GQL) -> None:
    s = await Stations(gql).register()
    case, _ = await a_case_with_a_session(gql, s)

    need = {who: (await ok(gql, NOTES_OF, {"id": case}, who))["caseworkCase"]["presentingNeed"]
            for who in (SUPERVISOR_HAIZHU, s.worker_b, CASEWORKER_TIANHE)}

    assert need == {SUPERVISOR_HAIZHU: "独居,丧偶后情绪低落", s.worker_b: "独居,丧偶后情绪低落", CASEWORKER_TIANHE: "***"}


async def test_a_stations_caseload_and_a_residents_cases(gql: GQL) -> None:
    s = await Stations(gql).register()
    case, resident = await a_case_with_a_session(gql, s)

    data = await ok(gql, """query($s: ID!, $r: ID!) {
      caseworkStation(id: $s) { caseload(status: IN_SERVICE) { edges { node { id sessionCount reviewOverdue
        service { code label } } } } }
      caseworkCases(residentId: $r) { edges { node { id status } } }
      caseworkServices { code } }""", {"s": s.a, "r": resident}, s.worker_a)

    assert [e["node"]["id"] for e in data["caseworkStation"]["caseload"]["edges"]] == [case]
    assert data["caseworkStation"]["caseload"]["edges"][0]["node"]["service"] == {"code": "ELDER",
                                                                                    "label": "elder services"}
    assert [e["node"]["status"] for e in data["caseworkCases"]["edges"]] == ["IN_SERVICE"]
    assert len(data["caseworkServices"]) == 18


@pytest.mark.parametrize("bad", ["outsider_session", "unknown_station", "missing_outcome", "closed_case",
                                 "other_district_resident"])
async def test_the_issues_bad_input_is_a_typed_error_that_writes_nothing(gql: GQL, runtime: Runtime,
                                                                         bad: str) -> None:
    s = await Stations(gql).register()
    case, _ = await a_case_with_a_session(gql, s)
    if bad == "closed_case":
        await ok(gql, CLOSE, {"i": {"caseId": case, "closureReason": "RESIDENT_WITHDREW",
                                    "goalOutcomes": [{"goal": 1, "outcome": "DISCONTINUED"}]}}, s.worker_a)
    tianhe = (await register(gql, as_=CASEWORKER_TIANHE, name="李明", district="TIANHE", street="石牌街"))
    request: dict[str, tuple[str, dict[str, Any], str, str]] = {
        "outsider_session": (SESSION, {"caseId": case, "kind": "PHONE", "minutes": 10, "notes": "电话"}, s.worker_b,
                             "FORBIDDEN"),
        "unknown_station": (TRANSFER, {"caseId": case, "toStationId": str(uuid.uuid4()), "reason": "搬家"},
                            s.worker_a, "NOT_FOUND"),
        "missing_outcome": (CLOSE, {"caseId": case, "closureReason": "GOALS_MET", "goalOutcomes": []}, s.worker_a,
                            "INVALID_INPUT"),
        "closed_case": (SESSION, {"caseId": case, "kind": "PHONE", "minutes": 10, "notes": "回访"}, s.worker_a,
                        "RULE_VIOLATION"),
        "other_district_resident": (OPEN, {"stationId": s.a, "residentId": tianhe["resident"]["id"],
                                           "service": "FAMILY", "presentingNeed": "求助"}, s.worker_a, "FORBIDDEN"),
    }
    query, variables, as_, code = request[bad]
    before = await _log_end(runtime)

    body = await gql(query, {"i": variables}, as_=as_)

    assert error_codes(body) == [code]
    assert await _log_end(runtime) == before


async def _log_end(runtime: Runtime) -> int:
    async with runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM events"))


def _raw(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id
