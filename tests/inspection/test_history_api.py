"""History and the audit log through GraphQL over HTTP: every event with its full metadata, filters, keyset
pages, masking with the read log, and inspectors only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL, INSPECTOR, error_codes, token
from tests.inspection.helpers import PURPOSE

EVENT = """position streamId streamVersion program kind topic occurredAt reason correlationId causationId
           idempotencyKey origin chainHash actor { id role office district }"""
HISTORY = f"""query($id: ID!, $first: Int, $after: String) {{ streamHistory(streamId: $id, first: $first, after: $after)
  {{ pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {EVENT} payload personalFields erased }} }} }} }}"""
AUDIT_LOG = f"""query($f: AuditLogFilter, $first: Int, $after: String, $order: LogOrder!) {{
  auditLog(filter: $f, first: $first, after: $after, order: $order)
  {{ pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {EVENT} }} }} }} }}"""
CORRECT = """mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) { position version } }"""


class Office:
    """A caseworker of an office of their own, so that the audit log can be filtered down to this test."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.subject, self.office = f"cw-{tag}", f"HAIZHU-TEST-{tag}"
        self.bearer = token("caseworker", district="HAIZHU", office=self.office, subject=self.subject)


async def a_corrected_resident(gql: GQL, office: Office, correlation: str | None = None) -> dict[str, Any]:
    registered = await register(gql, as_=office.bearer, name="黎明", idempotencyKey=f"intake-{uuid.uuid4()}")
    corrected = await gql(CORRECT, {"i": {"residentId": registered["resident"]["id"], "phone": "13912345678",
                                          "reason": "resident called in", "expectedVersion": 1}},
                          as_=office.bearer, headers={"X-Correlation-Id": correlation} if correlation else None)
    assert "errors" not in corrected, corrected
    return {**registered, "last_position": corrected["data"]["correctResidentDetails"]["position"]}


async def audit_log(gql: GQL, f: dict[str, Any], *, first: int = 50, after: str | None = None,
                    order: str = "NEWEST_FIRST", min_position: int = 0) -> dict[str, Any]:
    body = await gql(AUDIT_LOG, {"f": f, "first": first, "after": after, "order": order}, as_=INSPECTOR,
                     extensions={"minPosition": min_position})
    assert "errors" not in body, body
    return body["data"]["auditLog"]  # type: ignore[no-any-return]


async def test_a_streams_history_shows_every_event_with_its_full_metadata(gql: GQL) -> None:
    office = Office()
    correlation = str(uuid.uuid4())
    resident = await a_corrected_resident(gql, office, correlation)

    body = await gql(HISTORY, {"id": resident["resident"]["id"]}, as_=INSPECTOR)

    nodes = [e["node"] for e in body["data"]["streamHistory"]["edges"]]
    assert [n["streamVersion"] for n in nodes] == [1, 2]
    assert [n["kind"] for n in nodes] == ["Resident.Registered", "Resident.DetailsCorrected"]
    first, second = nodes
    assert first["actor"] == {"id": office.subject, "role": "caseworker", "office": office.office, "district": "HAIZHU"}
    assert first["idempotencyKey"].startswith("intake-") and first["origin"].startswith("graphql:")
    assert second["reason"] == "resident called in" and second["correlationId"] == correlation
    assert second["position"] == resident["last_position"] and len(second["chainHash"]) == 64
    assert all(n["program"] == "residents" and n["streamId"] == resident["residentId"] for n in nodes)


async def test_history_payloads_are_masked_unless_a_purpose_is_stated_and_unmasked_reads_are_logged(
        gql: GQL, runtime: Runtime) -> None:
    resident = await a_corrected_resident(gql, Office())
    rid = uuid.UUID(resident["residentId"])

    masked = await gql(HISTORY, {"id": resident["residentId"]}, as_=INSPECTOR)
    shown = await gql(HISTORY, {"id": resident["residentId"]}, as_=INSPECTOR, headers=PURPOSE)

    registered = masked["data"]["streamHistory"]["edges"][0]["node"]
    assert registered["payload"]["name"] == "***" and registered["payload"]["id_number"] == "***"
    assert registered["payload"]["district"] == "HAIZHU"
    assert {"name", "id_number", "phone", "street"} <= set(registered["personalFields"])
    assert not registered["erased"]
    unmasked = shown["data"]["streamHistory"]["edges"][1]["node"]["payload"]
    assert unmasked["changes"] == {"phone": "13912345678"}
    async with runtime.pool.acquire() as conn:
        reads = await conn.fetch("SELECT reader_id, fields, purpose FROM personal_data_reads"
                                 " WHERE resident_id = $1 AND reader_role = 'inspector'", rid)
    assert [(r["reader_id"], r["purpose"]) for r in reads] == [("insp-zhou", PURPOSE["X-Access-Purpose"])]
    assert {"event.name", "event.idNumber", "event.changes"} <= set(reads[0]["fields"])


async def test_the_audit_log_filters_by_actor_office_district_program_kind_stream_time_and_correlation(
        gql: GQL) -> None:
    office = Office()
    correlation = str(uuid.uuid4())
    before = datetime.now(UTC)
    one = await a_corrected_resident(gql, office, correlation)
    middle = datetime.now(UTC)
    two = await a_corrected_resident(gql, office)
    upto = two["last_position"]

    async def positions(f: dict[str, Any]) -> list[int]:
        page = await audit_log(gql, f, min_position=upto)
        return [e["node"]["position"] for e in page["edges"]]

    mine = await positions({"actorId": office.subject})
    assert len(mine) == 4 and mine == sorted(mine, reverse=True)
    assert await positions({"office": office.office}) == mine
    assert await positions({"office": office.office, "district": "HAIZHU", "program": "residents"}) == mine
    assert await positions({"office": office.office, "district": "TIANHE"}) == []
    corrections = await positions({"actorId": office.subject, "kind": "Resident.DetailsCorrected"})
    assert corrections == [two["last_position"], one["last_position"]]
    assert await positions({"correlationId": correlation}) == [one["last_position"]]
    assert await positions({"streamId": two["resident"]["id"]}) == mine[:2]
    assert await positions({"actorId": office.subject, "since": before.isoformat(),
                            "until": middle.isoformat()}) == mine[2:]


async def test_the_audit_log_pages_by_position_both_ways_without_gaps_or_repeats(gql: GQL) -> None:
    office = Office()
    last = 0
    for _ in range(3):
        last = (await a_corrected_resident(gql, office))["last_position"]

    async def walk(order: str) -> list[int]:
        seen, after = [], None
        while True:
            page = await audit_log(gql, {"office": office.office}, first=4, after=after, order=order, min_position=last)
            seen += [e["node"]["position"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return seen
            after = page["pageInfo"]["endCursor"]

    newest_first, oldest_first = await walk("NEWEST_FIRST"), await walk("OLDEST_FIRST")

    assert len(newest_first) == 6 and len(set(newest_first)) == 6
    assert oldest_first == newest_first[::-1] == sorted(newest_first)


async def test_a_recorded_event_is_a_node(gql: GQL) -> None:
    resident = await a_corrected_resident(gql, Office())
    history = await gql("query($id: ID!) { streamHistory(streamId: $id) { edges { node { id position } } } }",
                        {"id": resident["residentId"]}, as_=INSPECTOR)
    event = history["data"]["streamHistory"]["edges"][1]["node"]

    body = await gql("query($id: ID!) { node(id: $id) { ... on RecordedEvent { position kind } } }",
                     {"id": event["id"]}, as_=INSPECTOR)

    assert body["data"]["node"] == {"position": event["position"], "kind": "Resident.DetailsCorrected"}


async def test_only_auditors_see_history_the_audit_log_and_the_access_log(gql: GQL) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU)
    queries = [
        ("{ auditLog { edges { node { position } } } }", {}),
        ("query($id: ID!) { streamHistory(streamId: $id) { edges { node { position } } } }",
         {"id": resident["residentId"]}),
        ("query($id: ID!) { streamAt(id: $id, asOf: \"2030-01-01T00:00:00Z\") { version } }",
         {"id": resident["residentId"]}),
        ("{ verifyIntegrity { ok } }", {}),
        ("{ personalDataReads { edges { node { readId } } } }", {}),
        ("query($id: ID!) { exportAuditTrail(streamId: $id) { documentHash } }", {"id": resident["residentId"]}),
        ("query($id: ID!) { resident(id: $id, asOf: \"2030-01-01T00:00:00Z\") { name } }",
         {"id": resident["resident"]["id"]}),
    ]

    for query, variables in queries:
        assert error_codes(await gql(query, variables, as_=CASEWORKER_HAIZHU)) == ["FORBIDDEN"], query
