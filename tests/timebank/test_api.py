"""The time bank through GraphQL over HTTP, end to end: a volunteer's service recorded, verified by the organising
party only, redeemed (never beyond the balance), shared with a household member; the paginated ledger, the
balances, the service records, the volunteer's timeline; bad input as typed codes."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL, INSPECTOR, error_codes, token

RECORD = """mutation($i: RecordVolunteerServiceInput!) { recordVolunteerService(input: $i) {
  position record { id recordId status hours organiserName } } }"""
VERIFY = """mutation($i: DecideVolunteerServiceInput!) { verifyVolunteerService(input: $i) {
  record { status decidedBy } account { id balance earned } } }"""
REJECT = """mutation($i: DecideVolunteerServiceInput!) { rejectVolunteerService(input: $i) { record { status } } }"""
REDEEM = """mutation($i: RedeemVolunteerHoursInput!) { redeemVolunteerHours(input: $i) {
  replayed account { balance redeemed } } }"""
TRANSFER = """mutation($i: TransferVolunteerHoursInput!) { transferVolunteerHours(input: $i) {
  account { balance transferredOut } receiver { balance transferredIn residentId } } }"""
LEDGER = """query($r: ID!, $after: String) { timeBankLedger(residentId: $r, first: 2, after: $after) {
  edges { cursor node { kind hours balanceAfter detail } } pageInfo { hasNextPage endCursor } } }"""
ACCOUNT = """query($r: ID!) { timeBankAccount(residentId: $r) { id balance earned redeemed transferredOut
  ledger(first: 10) { edges { node { kind } } }
  resident { timeline(first: 20, programs: ["timebank"]) { edges { node { kind summary } } } } } }"""
HOUSEHOLD = "mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) { householdId } }"
MEMBER = "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { householdId } }"


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def organiser() -> tuple[str, str]:
    office = f"SOCIAL-ORG-{uuid.uuid4().hex[:8].upper()}"
    return office, token("caseworker", district="HAIZHU", office=office, subject=f"staff-{office}")


async def a_volunteer(gql: GQL, as_: str = CASEWORKER_HAIZHU, district: str = "HAIZHU",
                      street: str = "江海街") -> str:
    return (await register(gql, as_=as_, name="李志强", district=district, street=street))["residentId"]  # type: ignore[no-any-return]


async def a_record(gql: GQL, volunteer: str, office: str, hours: str = "3.5") -> str:
    return ok(await gql(RECORD, {"i": {"residentId": volunteer, "organiserOffice": office, "hours": hours,
                                       "organiserName": "海珠区启智社会工作服务中心", "category": "ELDER_CARE",
                                       "servedOn": "2026-01-10", "description": "陪伴独居长者"}}),
              "recordVolunteerService")["record"]["id"]


async def test_hours_recorded_verified_redeemed_and_shared_through_graphql(gql: GQL) -> None:
    office, staff = organiser()
    volunteer, son = await a_volunteer(gql), await a_volunteer(gql)
    record = await a_record(gql, volunteer, office)

    refused = await gql(VERIFY, {"i": {"recordId": record}})  # the volunteer's caseworker is not the organiser
    verified = ok(await gql(VERIFY, {"i": {"recordId": record}}, as_=staff), "verifyVolunteerService")
    too_much = await gql(REDEEM, {"i": {"residentId": volunteer, "hours": "3.75", "service": "上门助浴",
                                      "provider": "颐康护理站"}})
    redeemed = ok(await gql(REDEEM, {"i": {"residentId": volunteer, "hours": "1.5", "service": "上门助浴",
                                          "provider": "颐康护理站", "idempotencyKey": f"r-{record}"}}),
                  "redeemVolunteerHours")
    again = ok(await gql(REDEEM, {"i": {"residentId": volunteer, "hours": "1.5", "service": "上门助浴",
                                       "provider": "颐康护理站", "idempotencyKey": f"r-{record}"}}),
               "redeemVolunteerHours")
    household = ok(await gql(HOUSEHOLD, {"i": {"headId": volunteer}}), "establishHousehold")["householdId"]
    ok(await gql(MEMBER, {"i": {"householdId": household, "residentId": son, "relationship": "CHILD"}}),
       "addHouseholdMember")
    shared = ok(await gql(TRANSFER, {"i": {"fromResidentId": volunteer, "toResidentId": son,
                                           "householdId": household, "hours": "1"}}), "transferVolunteerHours")

    assert error_codes(refused) == ["FORBIDDEN"]
    assert verified["record"]["status"] == "VERIFIED"
    assert verified["account"]["balance"] == "3.50"
    assert error_codes(too_much) == ["RULE_VIOLATION"]
    assert redeemed["account"]["balance"] == "2.00"
    assert again["replayed"] is True and again["account"]["balance"] == "2.00"  # one redemption, not two
    assert shared["account"]["balance"] == "1.00" and shared["account"]["transferredOut"] == "1.00"
    assert shared["receiver"]["balance"] == "1.00" and shared["receiver"]["residentId"] == son


async def test_the_ledger_is_paginated_with_the_balance_after_each_movement(gql: GQL) -> None:
    office, staff = organiser()
    volunteer = await a_volunteer(gql)
    for hours in ("2", "1.25"):
        ok(await gql(VERIFY, {"i": {"recordId": await a_record(gql, volunteer, office, hours)}}, as_=staff),
           "verifyVolunteerService")
    ok(await gql(REDEEM, {"i": {"residentId": volunteer, "hours": "3", "service": "陪诊", "provider": "社区医院"}}),
       "redeemVolunteerHours")

    first = ok(await gql(LEDGER, {"r": volunteer}), "timeBankLedger")
    rest = ok(await gql(LEDGER, {"r": volunteer, "after": first["pageInfo"]["endCursor"]}), "timeBankLedger")

    assert [(e["node"]["kind"], e["node"]["balanceAfter"]) for e in first["edges"] + rest["edges"]] == [
        ("EARNED", "2.00"), ("EARNED", "3.25"), ("REDEEMED", "0.25")]
    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    assert rest["edges"][0]["node"]["hours"] == "-3.00"


async def test_the_account_shows_its_balance_ledger_and_the_volunteers_timeline(gql: GQL) -> None:
    office, staff = organiser()
    volunteer = await a_volunteer(gql)
    record = await a_record(gql, volunteer, office, "4")
    ok(await gql(VERIFY, {"i": {"recordId": record}}, as_=staff), "verifyVolunteerService")
    # free text a caseworker types may name a person: it stays out of the timeline
    ok(await gql(REDEEM, {"i": {"residentId": volunteer, "hours": "1", "service": "陪邻居王秀英复诊",
                                "provider": "护工李志强"}}), "redeemVolunteerHours")

    account = ok(await gql(ACCOUNT, {"r": volunteer}), "timeBankAccount")
    by_node = ok(await gql("query($id: ID!) { node(id: $id) { ... on TimeBankAccount { balance } } }",
                           {"id": account["id"]}), "node")
    records = ok(await gql("""query($f: VolunteerServiceRecordFilter) { volunteerServiceRecords(filter: $f,
        first: 5) { edges { node { recordId status hours } } } }""", {"f": {"organiserOffice": office}}),
                 "volunteerServiceRecords")

    assert (account["balance"], account["earned"], account["redeemed"]) == ("3.00", "4.00", "1.00")
    assert [e["node"]["kind"] for e in account["ledger"]["edges"]] == ["EARNED", "REDEEMED"]
    kinds = [e["node"]["kind"] for e in account["resident"]["timeline"]["edges"]]
    assert {"timebank.recorded", "timebank.earned", "timebank.redeemed"} <= set(kinds)
    summaries = " ".join(e["node"]["summary"] for e in account["resident"]["timeline"]["edges"])
    assert "王秀英" not in summaries and "李志强" not in summaries, summaries
    assert by_node == {"balance": "3.00"}
    assert [(e["node"]["status"], e["node"]["hours"]) for e in records["edges"]] == [("VERIFIED", "4.00")]


async def test_bad_input_gets_typed_codes_and_writes_nothing(gql: GQL) -> None:
    office, staff = organiser()
    volunteer = await a_volunteer(gql)
    tianhe = await a_volunteer(gql, CASEWORKER_TIANHE, "TIANHE", "石牌街")
    neighbour = await a_volunteer(gql)
    record = await a_record(gql, volunteer, office, "2")
    ok(await gql(VERIFY, {"i": {"recordId": record}}, as_=staff), "verifyVolunteerService")
    household = ok(await gql(HOUSEHOLD, {"i": {"headId": volunteer}}), "establishHousehold")["householdId"]

    def service(resident: str, hours: str, description: str = "读报") -> dict[str, Any]:
        return {"i": {"residentId": resident, "organiserOffice": office, "organiserName": "启智", "hours": hours,
                      "category": "ELDER_CARE", "servedOn": "2026-01-10", "description": description}}

    assert error_codes(await gql(RECORD, service(volunteer, "２"))) == ["INVALID_INPUT"]
    assert error_codes(await gql(RECORD, service(volunteer, "2", "a\x00b"))) == ["INVALID_INPUT"]
    huge = await gql(RECORD, service(volunteer, "2", "长" * 100_000))
    assert error_codes(huge) == ["INVALID_INPUT"]
    assert error_codes(await gql(RECORD, service(tianhe, "2"))) == ["FORBIDDEN"]
    assert error_codes(await gql(RECORD, service(volunteer, "2"), as_=INSPECTOR)) == ["FORBIDDEN"]
    assert error_codes(await gql(REJECT, {"i": {"recordId": record, "reason": "late"}}, as_=staff)) == [
        "RULE_VIOLATION"]
    assert error_codes(await gql(TRANSFER, {"i": {"fromResidentId": volunteer, "toResidentId": neighbour,
                                                  "householdId": household, "hours": "1"}})) == ["RULE_VIOLATION"]
    assert error_codes(await gql(LEDGER.replace("first: 2", "first: 101"), {"r": volunteer})) == ["INVALID_INPUT"]
    account = ok(await gql(ACCOUNT, {"r": volunteer}), "timeBankAccount")
    assert account["balance"] == "2.00"
    records = ok(await gql("""query($f: VolunteerServiceRecordFilter) { volunteerServiceRecords(filter: $f,
        first: 5) { edges { node { recordId } } } }""", {"f": {"organiserOffice": office}}), "volunteerServiceRecords")
    assert len(records["edges"]) == 1
