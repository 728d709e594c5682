"""Attacks on the time bank over GraphQL over HTTP (red team): another district's caseworker, roles that must not
act, hours in other scripts and shapes, NUL, lone surrogates and huge strings, a replayed idempotency key with a
different body, a stale expectedVersion. Each is refused with a typed code and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR_READ_ONLY,
    error_codes,
    token,
)
from tests.timebank.test_api import REDEEM, TRANSFER, VERIFY, a_record, a_volunteer, ok, organiser

ACCOUNT = "query($r: ID!) { timeBankAccount(residentId: $r) { balance version } }"


async def banked(gql: GQL, hours: str = "4") -> tuple[str, str]:
    """A Haizhu volunteer with `hours` banked; (volunteer, record)."""
    office, staff = organiser()
    volunteer = await a_volunteer(gql)
    record = await a_record(gql, volunteer, office, hours=hours)
    ok(await gql(VERIFY, {"i": {"recordId": record}}, as_=staff), "verifyVolunteerService")
    return volunteer, record


async def balance(gql: GQL, volunteer: str) -> Any:
    return ok(await gql(ACCOUNT, {"r": volunteer}), "timeBankAccount")


def redemption(volunteer: str, **fields: Any) -> dict[str, Any]:
    return {"i": {"residentId": volunteer, "hours": "1", "service": "上门助浴", "provider": "颐康护理站", **fields}}


@pytest.mark.parametrize(("bearer", "code"), [(CASEWORKER_TIANHE, "FORBIDDEN"), (INSPECTOR, "FORBIDDEN"),
                                              (INTEGRATOR_READ_ONLY, "FORBIDDEN")])
async def test_who_may_not_redeem_a_haizhu_volunteers_hours(gql: GQL, bearer: str, code: str) -> None:
    volunteer, _ = await banked(gql)

    refused = await gql(REDEEM, redemption(volunteer), as_=bearer)

    assert error_codes(refused) == [code]
    assert (await balance(gql, volunteer))["balance"] == "4.00"


async def test_another_districts_caseworker_may_not_record_for_a_haizhu_volunteer(gql: GQL) -> None:
    office, _ = organiser()
    volunteer = await a_volunteer(gql)

    refused = await gql("""mutation($i: RecordVolunteerServiceInput!) { recordVolunteerService(input: $i) {
      record { id } } }""", {"i": {"residentId": volunteer, "organiserOffice": office, "hours": "2",
                                   "organiserName": "启智社工", "category": "ELDER_CARE", "servedOn": "2026-01-10",
                                   "description": "陪伴长者"}}, as_=CASEWORKER_TIANHE)

    assert error_codes(refused) == ["FORBIDDEN"]


async def test_a_transfer_to_a_tianhe_resident_is_refused_to_a_haizhu_caseworker(gql: GQL) -> None:
    volunteer, _ = await banked(gql)
    stranger = await a_volunteer(gql, as_=CASEWORKER_TIANHE, district="TIANHE", street="石牌街")
    household = ok(await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) "
                             "{ householdId } }", {"i": {"headId": volunteer}}), "establishHousehold")["householdId"]

    refused = await gql(TRANSFER, {"i": {"fromResidentId": volunteer, "toResidentId": stranger,
                                         "householdId": household, "hours": "1"}})

    assert error_codes(refused) in (["FORBIDDEN"], ["RULE_VIOLATION"], ["BAD_USER_INPUT"])
    assert (await balance(gql, volunteer))["balance"] == "4.00"


@pytest.mark.parametrize("hours", ["٣", "३", "1e0", "NaN", "Infinity", "-1", "0", "0.1", "1_0", "0x1", " ",
                                   "99999999999999999999999999", "1.000000000000000000001", "2\u0000"])
async def test_hours_out_of_shape_are_refused_and_nothing_written(gql: GQL, hours: str) -> None:
    volunteer, _ = await banked(gql)

    refused = await gql(REDEEM, redemption(volunteer, hours=hours))

    assert error_codes(refused) == ["INVALID_INPUT"], refused
    assert (await balance(gql, volunteer))["balance"] == "4.00"


async def test_full_width_hours_are_refused_too(gql: GQL) -> None:
    volunteer, _ = await banked(gql)

    refused = await gql(REDEEM, redemption(volunteer, hours="１.５"))

    assert error_codes(refused) == ["INVALID_INPUT"]
    assert (await balance(gql, volunteer))["balance"] == "4.00"


@pytest.mark.parametrize("service", ["上门\u0000助浴", "上门\ud800助浴", "助" * 100_000, "上门\u202e助浴"])
async def test_nul_lone_surrogates_control_characters_and_huge_text_are_refused(gql: GQL, service: str) -> None:
    volunteer, _ = await banked(gql)

    # JSON with its escapes as sent (a lone surrogate cannot be encoded as UTF-8, only escaped)
    response = await gql.client.post("/graphql", content=json.dumps(
        {"query": REDEEM, "variables": redemption(volunteer, service=service)}),
        headers={"Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Content-Type": "application/json"})

    assert response.status_code < 500
    assert error_codes(response.json()) in (["INVALID_INPUT"], ["BAD_REQUEST"]), response.text[:300]
    assert (await balance(gql, volunteer))["balance"] == "4.00"


async def test_a_replayed_key_with_another_body_writes_nothing_more(gql: GQL) -> None:
    volunteer, record = await banked(gql)
    key = f"redeem-{record}"
    ok(await gql(REDEEM, redemption(volunteer, idempotencyKey=key)), "redeemVolunteerHours")

    other = await gql(REDEEM, redemption(volunteer, hours="2", idempotencyKey=key))

    assert error_codes(other) in (["IDEMPOTENCY_KEY_REUSED"], ["CONFLICT"]), other
    assert (await balance(gql, volunteer))["balance"] == "3.00"


async def test_a_stale_expected_version_is_a_conflict(gql: GQL) -> None:
    volunteer, _ = await banked(gql)
    version = (await balance(gql, volunteer))["version"]
    ok(await gql(REDEEM, redemption(volunteer, expectedVersion=version)), "redeemVolunteerHours")

    stale = await gql(REDEEM, redemption(volunteer, expectedVersion=version))

    assert error_codes(stale) == ["CONFLICT"], stale
    assert (await balance(gql, volunteer))["balance"] == "3.00"


async def test_admin_reads_balances_but_no_personal_data_of_the_volunteer(gql: GQL) -> None:
    volunteer, _ = await banked(gql)

    read = await gql("query($r: ID!) { timeBankAccount(residentId: $r) { balance resident { idNumber phone } "
                     "} }", {"r": volunteer}, as_=ADMIN)

    resident = read["data"]["timeBankAccount"]["resident"]
    assert read["data"]["timeBankAccount"]["balance"] == "4.00"
    assert resident["idNumber"] is None or "*" in resident["idNumber"]
    assert resident["phone"] is None or "*" in resident["phone"]


async def test_whoever_recorded_the_hours_may_not_also_verify_them(gql: GQL) -> None:
    """Hours feed the social-credit system: one person naming their own office as the organiser and then
    vouching for the hours would mint them alone. The organising party's other staff verify."""
    office, staff = organiser()
    volunteer = await a_volunteer(gql)
    record = await a_record(gql, volunteer, office, hours="2")  # recorded by cw-li
    same_person = token("caseworker", district="HAIZHU", office=office, subject="cw-li")  # cw-li, at that office

    own = await gql(VERIFY, {"i": {"recordId": record}}, as_=same_person)
    other = ok(await gql(VERIFY, {"i": {"recordId": record}}, as_=staff), "verifyVolunteerService")

    assert error_codes(own) == ["FORBIDDEN"], own
    assert other["record"]["status"] == "VERIFIED" and other["account"]["balance"] == "2.00"
