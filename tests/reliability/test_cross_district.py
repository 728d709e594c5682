"""Districts bound every command that links two records (DESIGN §3): the attack of the trust issue — a Haizhu
caseworker puts a Tianhe resident into a Haizhu household, applies for assistance and reads every verification
cell of that resident unmasked, and the Tianhe caseworker can no longer place their own resident — is refused
where the command is decided, over GraphQL, and writes nothing."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL, INTEGRATOR, error_codes

ESTABLISH = """mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) { householdId position } }"""
ADD = """mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { position household { size } } }"""
MOVE = """mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }"""


async def log_end(runtime: Any) -> int:
    async with runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM events"))


async def a_household_of(gql: GQL, as_: str, district: str, street: str) -> tuple[str, dict[str, Any]]:
    head = await register(gql, as_=as_, district=district, street=street)
    body = await gql(ESTABLISH, {"i": {"headId": head["resident"]["id"]}}, as_=as_)
    return body["data"]["establishHousehold"]["householdId"], head


async def test_a_caseworker_cannot_put_another_districts_resident_into_a_household(gql: GQL, runtime: Any) -> None:
    haizhu_household, _ = await a_household_of(gql, CASEWORKER_HAIZHU, "HAIZHU", "江海街")
    tianhe_resident = await register(gql, as_=CASEWORKER_TIANHE, district="TIANHE", street="石牌街")
    before = await log_end(runtime)

    body = await gql(ADD, {"i": {"householdId": haizhu_household, "residentId": tianhe_resident["resident"]["id"],
                                 "relationship": "SPOUSE"}}, as_=CASEWORKER_HAIZHU)

    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["district"] == "TIANHE"
    assert await log_end(runtime) == before


async def test_the_other_district_can_still_place_its_own_resident(gql: GQL) -> None:
    haizhu_household, _ = await a_household_of(gql, CASEWORKER_HAIZHU, "HAIZHU", "江海街")
    tianhe_household, _ = await a_household_of(gql, CASEWORKER_TIANHE, "TIANHE", "石牌街")
    tianhe_resident = await register(gql, as_=CASEWORKER_TIANHE, district="TIANHE", street="石牌街")
    await gql(ADD, {"i": {"householdId": haizhu_household, "residentId": tianhe_resident["resident"]["id"],
                          "relationship": "SPOUSE"}}, as_=CASEWORKER_HAIZHU)

    placed = await gql(ADD, {"i": {"householdId": tianhe_household, "residentId": tianhe_resident["resident"]["id"],
                                   "relationship": "SPOUSE"}}, as_=CASEWORKER_TIANHE)

    assert "errors" not in placed, placed
    assert placed["data"]["addHouseholdMember"]["household"]["size"] == 2


async def test_a_household_of_one_district_cannot_take_a_member_from_it_either(gql: GQL, runtime: Any) -> None:
    """Both directions: the Tianhe caseworker cannot add a Haizhu resident to a Tianhe household."""
    tianhe_household, _ = await a_household_of(gql, CASEWORKER_TIANHE, "TIANHE", "石牌街")
    haizhu_resident = await register(gql, as_=CASEWORKER_HAIZHU)
    before = await log_end(runtime)

    body = await gql(ADD, {"i": {"householdId": tianhe_household, "residentId": haizhu_resident["resident"]["id"],
                                 "relationship": "CHILD"}}, as_=CASEWORKER_TIANHE)

    assert error_codes(body) == ["FORBIDDEN"] and await log_end(runtime) == before


async def test_a_city_wide_integrator_may_link_residents_of_two_districts(gql: GQL) -> None:
    """Integrators (command scope) and admins act anywhere: a household whose members live in two districts
    can be recorded, by someone with the right over both."""
    haizhu_household, _ = await a_household_of(gql, CASEWORKER_HAIZHU, "HAIZHU", "江海街")
    tianhe_resident = await register(gql, as_=CASEWORKER_TIANHE, district="TIANHE", street="石牌街")

    body = await gql(ADD, {"i": {"householdId": haizhu_household, "residentId": tianhe_resident["resident"]["id"],
                                 "relationship": "SPOUSE"}}, as_=INTEGRATOR)

    assert "errors" not in body, body


async def test_a_caseworker_cannot_move_another_districts_resident_into_their_own(gql: GQL, runtime: Any) -> None:
    """Moving a resident is decided by the district they live in: otherwise a move would be a way to make
    their data one's own to unmask."""
    tianhe_resident = await register(gql, as_=CASEWORKER_TIANHE, district="TIANHE", street="石牌街")
    before = await log_end(runtime)

    body = await gql(MOVE, {"i": {"residentId": tianhe_resident["resident"]["id"], "district": "HAIZHU",
                                  "street": "江海街", "community": "红卫社区"}}, as_=CASEWORKER_HAIZHU)

    assert error_codes(body) == ["FORBIDDEN"] and await log_end(runtime) == before
