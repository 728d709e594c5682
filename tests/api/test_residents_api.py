"""The registry through GraphQL over HTTP, end to end: mutations, read-your-writes, masking, the read log,
error codes, and the timeline connection."""

from __future__ import annotations

from datetime import date
from typing import Any

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR,
    INTEGRATOR_READ_ONLY,
    SUPERVISOR_HAIZHU,
    error_codes,
    new_id_number,
)

RESIDENT = """
query One($id: ID!) { resident(id: $id) { id name idNumber phone birthDate version
  address { district districtName street community masked } } }"""


async def test_a_registered_resident_is_readable_in_the_mutation_payload(gql: GQL) -> None:
    number = new_id_number()

    payload = await register(gql, as_=CASEWORKER_HAIZHU, name="陈嘉欣", id_number=number)

    assert payload["version"] == 1 and payload["position"] > 0 and payload["replayed"] is False
    assert payload["resident"]["name"] == "陈嘉欣"
    assert payload["resident"]["idNumber"] == number


async def test_a_query_can_wait_for_its_own_write(gql: GQL) -> None:
    payload = await register(gql, as_=CASEWORKER_HAIZHU)
    correct = await gql("""mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i)
                           { position version } }""",
                        {"i": {"residentId": payload["resident"]["id"], "phone": "13912345678",
                               "reason": "resident called in", "expectedVersion": 1}})
    position = correct["data"]["correctResidentDetails"]["position"]

    body = await gql(RESIDENT, {"id": payload["resident"]["id"]}, extensions={"minPosition": position})

    assert body["data"]["resident"]["phone"] == "13912345678"
    assert body["data"]["resident"]["version"] == 2


async def test_a_corrected_id_number_corrects_the_birth_date_and_gender_read_off_it(gql: GQL) -> None:
    payload = await register(gql, as_=CASEWORKER_HAIZHU, id_number=new_id_number(born=date(1961, 4, 2), male=True))
    corrected = new_id_number(born=date(1962, 5, 3), male=False)

    correct = await gql("""mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i)
                           { position } }""",
                        {"i": {"residentId": payload["resident"]["id"], "idNumber": corrected,
                               "reason": "two digits swapped at intake"}})
    body = await gql("query($id: ID!) { resident(id: $id) { idNumber birthDate gender version } }",
                     {"id": payload["resident"]["id"]},
                     extensions={"minPosition": correct["data"]["correctResidentDetails"]["position"]})

    assert body["data"]["resident"] == {"idNumber": corrected, "birthDate": "1962-05-03", "gender": "FEMALE",
                                        "version": 2}


async def test_personal_fields_are_masked_by_role(gql: GQL) -> None:
    number = new_id_number()
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, id_number=number))["resident"]["id"]

    seen: dict[str, Any] = {}
    for label, bearer in [("own district", CASEWORKER_HAIZHU), ("supervisor", SUPERVISOR_HAIZHU),
                          ("other district", CASEWORKER_TIANHE), ("integrator", INTEGRATOR),
                          ("inspector", INSPECTOR), ("admin", ADMIN)]:
        seen[label] = (await gql(RESIDENT, {"id": rid}, as_=bearer))["data"]["resident"]

    assert seen["own district"]["idNumber"] == number and seen["supervisor"]["idNumber"] == number
    for label in ("other district", "integrator", "inspector", "admin"):
        assert seen[label]["idNumber"] == f"{number[:3]}***********{number[-4:]}", label
        assert seen[label]["phone"] == "138****8000", label
        assert seen[label]["address"]["masked"] is True and seen[label]["address"]["street"] == "***", label
        assert len(seen[label]["birthDate"]) == 4, label
    assert seen["own district"]["address"]["street"] == "江海街"


async def test_an_inspector_sees_personal_data_only_with_a_stated_purpose(gql: GQL, runtime: Runtime) -> None:
    number = new_id_number()
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, id_number=number))["resident"]["id"]

    body = await gql(RESIDENT, {"id": rid}, as_=INSPECTOR,
                     headers={"X-Access-Purpose": "complaint 2026-114 review"})

    assert body["data"]["resident"]["idNumber"] == number
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM personal_data_reads WHERE reader_id = 'insp-zhou'"
                                  " AND resident_id = (SELECT id FROM residents WHERE id_number = $1)", number)
    assert row["purpose"] == "complaint 2026-114 review"
    assert set(row["fields"]) == {"idNumber", "phone", "birthDate", "address"}


async def test_every_unmasked_read_is_logged_and_masked_reads_are_not(gql: GQL, runtime: Runtime) -> None:
    number = new_id_number()
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, id_number=number))["resident"]["id"]
    async with runtime.pool.acquire() as conn:
        resident_uuid = await conn.fetchval("SELECT id FROM residents WHERE id_number = $1", number)
        before = await conn.fetchval("SELECT count(*) FROM personal_data_reads WHERE resident_id = $1", resident_uuid)

    await gql("query($id: ID!) { resident(id: $id) { idNumber } }", {"id": rid}, as_=CASEWORKER_HAIZHU)
    await gql("query($id: ID!) { resident(id: $id) { idNumber phone } }", {"id": rid}, as_=CASEWORKER_TIANHE)
    await gql("query($id: ID!) { resident(id: $id) { name } }", {"id": rid}, as_=CASEWORKER_HAIZHU)

    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT reader_id, fields FROM personal_data_reads WHERE resident_id = $1"
                                " ORDER BY id", resident_uuid)
    new = rows[before:]
    assert [(r["reader_id"], r["fields"]) for r in new] == [("cw-li", ["idNumber"])]


async def test_commands_outside_ones_district_are_forbidden(gql: GQL) -> None:
    body = await gql("""mutation($i: RegisterResidentInput!) { registerResident(input: $i) { position } }""",
                     {"i": {"name": "越区", "idNumber": new_id_number(), "district": "HAIZHU", "street": "江海街",
                            "community": "红卫社区"}}, as_=CASEWORKER_TIANHE)

    assert error_codes(body) == ["FORBIDDEN"]


async def test_inspectors_and_read_only_integrators_change_nothing(gql: GQL) -> None:
    for bearer in (INSPECTOR, INTEGRATOR_READ_ONLY):
        body = await gql("""mutation($i: RegisterResidentInput!) { registerResident(input: $i) { position } }""",
                         {"i": {"name": "只读", "idNumber": new_id_number(), "district": "HAIZHU",
                                "street": "江海街", "community": "红卫社区"}}, as_=bearer)
        assert error_codes(body) == ["FORBIDDEN"]


async def test_bad_input_gets_stable_error_codes(gql: GQL) -> None:
    taken = new_id_number()
    await register(gql, as_=CASEWORKER_HAIZHU, id_number=taken)
    mutation = """mutation($i: RegisterResidentInput!) { registerResident(input: $i) { position } }"""
    base = {"name": "王芳", "district": "HAIZHU", "street": "江海街", "community": "红卫社区"}

    cases = {
        "bad checksum": ({**base, "idNumber": taken[:-1] + ("0" if taken[-1] != "0" else "1")}, "INVALID_INPUT"),
        "impossible date": ({**base, "idNumber": "44010519901332123X"}, "INVALID_INPUT"),
        "wrong length": ({**base, "idNumber": "4401051990"}, "INVALID_INPUT"),
        "unknown district": ({**base, "district": "FUTIAN", "idNumber": new_id_number()}, "INVALID_INPUT"),
        "empty name": ({**base, "name": " ", "idNumber": new_id_number()}, "INVALID_INPUT"),
        "taken number": ({**base, "idNumber": taken}, "CONFLICT"),
    }
    for label, (variables, code) in cases.items():
        body = await gql(mutation, {"i": variables})
        assert error_codes(body) == [code], label


async def test_a_stale_expected_version_is_a_conflict(gql: GQL) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU))["resident"]["id"]
    change = """mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { version } }"""
    ok = await gql(change, {"i": {"residentId": rid, "district": "HAIZHU", "street": "滨江街", "community": "海珠半岛社区",
                                  "expectedVersion": 1}})

    stale = await gql(change, {"i": {"residentId": rid, "district": "HAIZHU", "street": "素社街",
                                     "community": "素社社区", "expectedVersion": 1}})

    assert ok["data"]["changeResidentAddress"]["version"] == 2
    assert error_codes(stale) == ["CONFLICT"]
    assert stale["errors"][0]["extensions"]["actualVersion"] == 2


async def test_a_replayed_idempotency_key_returns_the_first_result(gql: GQL) -> None:
    variables = {"input": {"name": "重试", "idNumber": new_id_number(), "district": "HAIZHU", "street": "江海街",
                           "community": "红卫社区", "idempotencyKey": "platform-req-8841"}}
    mutation = "mutation($input: RegisterResidentInput!) { registerResident(input: $input) { residentId position replayed } }"

    first = (await gql(mutation, variables, as_=INTEGRATOR))["data"]["registerResident"]
    second = (await gql(mutation, variables, as_=INTEGRATOR))["data"]["registerResident"]

    assert second == {**first, "replayed": True}


async def test_residents_can_be_searched_by_name_id_number_and_district(gql: GQL) -> None:
    number = new_id_number()
    await register(gql, as_=CASEWORKER_HAIZHU, name="麦锦荣独特名", id_number=number)
    search = """query($f: ResidentFilter) { residents(filter: $f, first: 5) { edges { node { name district } } } }"""

    by_name = await gql(search, {"f": {"name": "锦荣独特"}})
    by_number = await gql(search, {"f": {"idNumber": number}})
    by_district = await gql(search, {"f": {"district": "海珠区", "name": "麦锦荣独特名"}})
    elsewhere = await gql(search, {"f": {"district": "TIANHE", "name": "麦锦荣独特名"}})

    assert [e["node"]["name"] for e in by_name["data"]["residents"]["edges"]] == ["麦锦荣独特名"]
    assert [e["node"]["name"] for e in by_number["data"]["residents"]["edges"]] == ["麦锦荣独特名"]
    assert len(by_district["data"]["residents"]["edges"]) == 1
    assert elsewhere["data"]["residents"]["edges"] == []


async def test_resident_search_pages_with_cursors(gql: GQL) -> None:
    for i in range(5):
        await register(gql, as_=CASEWORKER_HAIZHU, name=f"翻页测试{i}")
    query = """query($after: String) { residents(filter: {name: "翻页测试"}, first: 2, after: $after) {
                 pageInfo { hasNextPage endCursor } edges { node { name } } } }"""

    names, after = [], None
    while True:
        page = (await gql(query, {"after": after}))["data"]["residents"]
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert names == [f"翻页测试{i}" for i in range(5)]


async def test_a_household_shows_its_members_and_their_relationship(gql: GQL) -> None:
    head = (await register(gql, as_=CASEWORKER_HAIZHU, name="户主甲"))["resident"]["id"]
    child = (await register(gql, as_=CASEWORKER_HAIZHU, name="子女乙"))["resident"]["id"]
    household = (await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) { household { id } } }",
                           {"i": {"headId": head}}))["data"]["establishHousehold"]["household"]["id"]
    added = await gql("""mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) {
                          household { size head { name } members { relationship resident { name } } } } }""",
                      {"i": {"householdId": household, "residentId": child, "relationship": "CHILD"}})

    shown = added["data"]["addHouseholdMember"]["household"]
    assert shown["size"] == 2 and shown["head"]["name"] == "户主甲"
    assert [(m["relationship"], m["resident"]["name"]) for m in shown["members"]] == [("HEAD", "户主甲"), ("CHILD", "子女乙")]


async def test_node_resolves_global_ids(gql: GQL) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="节点"))["resident"]["id"]

    body = await gql("query($id: ID!) { node(id: $id) { __typename ... on Resident { name } } }", {"id": rid})

    assert body["data"]["node"] == {"__typename": "Resident", "name": "节点"}


async def test_an_unknown_resident_is_not_found(gql: GQL) -> None:
    body = await gql(RESIDENT, {"id": "00000000-0000-4000-8000-000000000000"})

    assert error_codes(body) == ["NOT_FOUND"]
