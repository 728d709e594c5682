"""The meal service through GraphQL over HTTP, end to end: a canteen's day (batch, production run, meals with
their 2020 split), a meal's chain back to its supplier, the recall list with contact details masked per role
and unmasked reads logged, bad input as typed codes, and a month settled twice that pays once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from civicledger.core.clock import business_date
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.meals.rule_table import RULE_TABLE_ID
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    error_codes,
    new_id_number,
    token,
)

SITE = "mutation($i: RegisterMealCanteenInput!) { registerMealCanteen(input: $i) { canteen { id name status } } }"
ENROL = "mutation($i: EnrolElderInput!) { enrolElder(input: $i) { elder { id active } } }"
BATCH = ("mutation($i: ReceiveSupplierBatchInput!) { receiveSupplierBatch(input: $i) { position "
         "supplierBatch { id supplier } } }")
RUN = "mutation($i: RecordProductionRunInput!) { recordProductionRun(input: $i) { productionRun { id dish } } }"
MEALS = """mutation($i: RecordMealsInput!) { recordMeals(input: $i) { position replayed meals { id locality
  shares { city district street charity elder government total } category } } }"""
EATERS = """query($b: ID!) { supplierBatchElders(supplierBatchId: $b, first: 10) { total edges { node {
  meals name phone address contactMasked elder { dietaryNeeds personalDataMasked } } } } }"""


@pytest.fixture(autouse=True)
def the_2020_rule(runtime: Runtime) -> None:
    """A new deployment's first step (`civicledger meals-seed-rule`): the table is empty otherwise."""
    runtime.services.meals.seed_guangzhou_rule(CommandContext(actor=Actor("admin-wang", "admin"), origin="test"))


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


async def a_canteen(gql: GQL, district: str = "HAIZHU", street: str = "江海街") -> tuple[str, str]:
    office = f"{district}-CANTEEN-{uuid.uuid4().hex[:8].upper()}"
    site = ok(await gql(SITE, {"i": {"name": "江海街长者饭堂", "kind": "CANTEEN", "operatorType": "SOCIAL_OPERATOR",
                                     "operatorName": "颐康餐饮", "district": district, "street": street,
                                     "capacity": 80, "openingDays": [1, 2, 3, 4, 5, 6, 7], "office": office}},
                        as_=ADMIN), "registerMealCanteen")["canteen"]
    return site["id"], token("caseworker", district=district, office=office, subject=f"staff-{office}")


async def an_elder(gql: GQL, born: date = date(1941, 5, 5), caseworker: str = CASEWORKER_HAIZHU,
                   district: str = "HAIZHU", street: str = "江海街") -> str:
    resident = await register(gql, as_=caseworker, name="陈秀英", district=district, street=street,
                              id_number=new_id_number(born=born))
    ok(await gql(ENROL, {"i": {"residentId": resident["residentId"], "economicStatus": "ORDINARY",
                                "dietaryNeeds": ["LOW_SALT", "SOFT"]}}, as_=caseworker), "enrolElder")
    return resident["residentId"]  # type: ignore[no-any-return]


async def a_run(gql: GQL, canteen: str, staff: str, on: date) -> tuple[str, str]:
    batch = ok(await gql(BATCH, {"i": {"canteenId": canteen, "supplier": "从化区绿源蛋品合作社", "product": "鸡蛋",
                                       "quantity": "30", "unit": "KG", "receivedOn": on.isoformat(),
                                       "expiresOn": date(on.year + 1, 1, 1).isoformat()}}, as_=staff),
               "receiveSupplierBatch")["supplierBatch"]["id"]
    run = ok(await gql(RUN, {"i": {"canteenId": canteen, "cookedOn": on.isoformat(), "dish": "番茄蒸水蛋",
                                   "portions": 80, "supplierBatchIds": [batch]}}, as_=staff),
             "recordProductionRun")["productionRun"]["id"]
    return batch, run


async def test_a_canteens_day_prices_an_85_year_olds_meal_3_city_3_district_3_street(gql: GQL) -> None:
    canteen, staff = await a_canteen(gql)
    chen = await an_elder(gql)
    today = business_date()
    batch, run = await a_run(gql, canteen, staff, today)

    [meal] = ok(await gql(MEALS, {"i": {"canteenId": canteen, "servedOn": today.isoformat(), "meals": [
        {"residentId": chen, "sitting": "LUNCH", "mode": "EAT_IN", "productionRunIds": [run]}]}}, as_=staff),
                "recordMeals")["meals"]
    chain = ok(await gql("""query($id: ID!) { meal(id: $id) { servedOn productionRuns { dish kitchen { name }
                            supplierBatches { id supplier product } } } }""", {"id": meal["id"]}), "meal")

    assert meal["locality"] == "OWN_STREET" and meal["category"] == "AGED_80_PLUS"
    assert {k: float(v) for k, v in meal["shares"].items()} == {
        "city": 3, "district": 3, "street": 3, "charity": 0, "elder": 3, "government": 9, "total": 12}
    [production] = chain["productionRuns"]
    assert production["kitchen"]["name"] == "江海街长者饭堂"
    assert production["supplierBatches"] == [{"id": batch, "supplier": "从化区绿源蛋品合作社", "product": "鸡蛋"}]


async def test_a_batchs_production_runs_page_through_every_run_once_in_the_order_they_were_recorded(
        gql: GQL) -> None:
    canteen, staff = await a_canteen(gql)
    today = business_date()
    batch, first_run = await a_run(gql, canteen, staff, today)
    runs = [first_run]
    for n in range(4):
        runs.append(ok(await gql(RUN, {"i": {"canteenId": canteen, "cookedOn": today.isoformat(), "dish": f"蒸水蛋{n}",
                                             "portions": 40, "supplierBatchIds": [batch]}}, as_=staff),
                       "recordProductionRun")["productionRun"]["id"])
    query = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on SupplierBatch {
      productionRuns(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } }
      recallNotices { edges { node { notifiedOn } } } } } }"""

    seen, after, pages = [], None, 0
    while True:
        page = ok(await gql(query, {"id": batch, "first": 2, "after": after}, as_=staff), "node")
        pages += 1
        assert len(page["productionRuns"]["edges"]) <= 2 and page["recallNotices"]["edges"] == []
        seen += [e["node"]["id"] for e in page["productionRuns"]["edges"]]
        if not page["productionRuns"]["pageInfo"]["hasNextPage"] or pages > 5:
            break
        after = page["productionRuns"]["pageInfo"]["endCursor"]
    too_many = await gql(query, {"id": batch, "first": 201}, as_=staff)

    assert seen == runs and pages == 3
    assert error_codes(too_many) == ["INVALID_INPUT"]


async def test_the_recall_list_shows_contacts_only_to_readers_with_the_right_and_logs_unmasked_reads(
        gql: GQL, runtime: Runtime) -> None:
    canteen, staff = await a_canteen(gql)
    chen = await an_elder(gql)
    today = business_date()
    batch, run = await a_run(gql, canteen, staff, today)
    position = ok(await gql(MEALS, {"i": {"canteenId": canteen, "servedOn": today.isoformat(), "meals": [
        {"residentId": chen, "sitting": "LUNCH", "mode": "DELIVERED", "productionRunIds": [run]}]}}, as_=staff),
                  "recordMeals")["position"]
    wait = {"minPosition": position}

    local = ok(await gql(EATERS, {"b": batch}, as_=CASEWORKER_HAIZHU, extensions=wait), "supplierBatchElders")
    other = ok(await gql(EATERS, {"b": batch}, as_=CASEWORKER_TIANHE, extensions=wait), "supplierBatchElders")
    admin = ok(await gql(EATERS, {"b": batch}, as_=ADMIN, extensions=wait), "supplierBatchElders")
    inspector = ok(await gql(EATERS, {"b": batch}, as_=INSPECTOR, extensions=wait), "supplierBatchElders")
    purposeful = ok(await gql(EATERS, {"b": batch}, as_=INSPECTOR, extensions=wait,
                              headers={"X-Access-Purpose": "food recall FR-2026-12"}), "supplierBatchElders")

    [seen] = [e["node"] for e in local["edges"]]
    assert local["total"] == 1 and seen["meals"] == 1
    assert (seen["name"], seen["phone"], seen["contactMasked"]) == ("陈秀英", "13800138000", False)
    assert seen["elder"]["dietaryNeeds"] == ["LOW_SALT", "SOFT"]
    for masked in (other, admin, inspector):
        [node] = [e["node"] for e in masked["edges"]]
        assert (node["name"], node["phone"], node["address"], node["contactMasked"]) == (
            "***", "138****8000", "***", True)
        assert node["elder"] == {"dietaryNeeds": None, "personalDataMasked": True}
    assert purposeful["edges"][0]["node"]["phone"] == "13800138000"
    async with runtime.pool.acquire() as conn:
        readers = {r["reader_role"]: r["fields"] for r in await conn.fetch(
            "SELECT reader_role, fields FROM personal_data_reads WHERE resident_id = $1 ORDER BY id",
            uuid.UUID(chen))}  # each role's newest read last (the caseworker's registration read the ID number)
    assert set(readers) == {"caseworker", "inspector"}
    assert {"name", "phone", "dietaryNeeds"} <= set(readers["caseworker"])


async def test_bad_input_is_a_typed_error(gql: GQL) -> None:
    canteen, staff = await a_canteen(gql)
    stranger = (await register(gql, as_=CASEWORKER_HAIZHU, id_number=new_id_number(born=date(1945, 1, 1))))[
        "residentId"]
    today = business_date()
    _, run = await a_run(gql, canteen, staff, today)
    rows = [{"category": c, "enterprise": "0", "city": "3", "district": "3", "street": "3", "charity": "0",
             "elder": "2", "lostSharesTo": "ELDER"} for c in ("POOR_OR_ENTITLED", "DISABLED", "AGED_80_PLUS",
                                                              "AGED_60_79")]

    unenrolled = await gql(MEALS, {"i": {"canteenId": canteen, "servedOn": today.isoformat(), "meals": [
        {"residentId": stranger, "sitting": "LUNCH", "mode": "EAT_IN", "productionRunIds": [run]}]}}, as_=staff)
    not_adding_up = await gql("mutation($i: PublishMealRuleInput!) { publishMealRule(input: $i) { position } }",
                              {"i": {"effectiveFrom": "2030-01-01", "price": "12", "categories": rows,
                                     "decision": "draft"}}, as_=ADMIN)
    elsewhere = await gql(ENROL, {"i": {"residentId": stranger, "economicStatus": "ORDINARY"}},
                          as_=CASEWORKER_TIANHE)
    unknown_batch = await gql("""mutation($i: RecallSupplierBatchInput!) { recallSupplierBatch(input: $i)
                                 { position } }""", {"i": {"supplierBatchId": str(uuid.uuid4()),
                                                           "hazard": "沙门氏菌", "reason": "通报"}}, as_=ADMIN)

    assert error_codes(unenrolled) == ["RULE_VIOLATION"]
    assert error_codes(not_adding_up) == ["INVALID_INPUT"]
    assert error_codes(elsewhere) == ["FORBIDDEN"]
    assert error_codes(unknown_batch) == ["NOT_FOUND"]


async def test_a_month_settled_twice_pays_once_and_the_finance_view_shows_each_payer(gql: GQL) -> None:
    canteen, staff = await a_canteen(gql, "CONGHUA", "街口街")
    cw = token("caseworker", district="CONGHUA", office="CONGHUA-STATION", subject="cw-conghua")
    supervisor = token("supervisor", district="CONGHUA", office="CONGHUA-CIVIL-AFFAIRS", subject="sup-conghua")
    elder = await an_elder(gql, caseworker=cw, district="CONGHUA", street="街口街")
    month_start = (business_date().replace(day=1) - date.resolution).replace(day=1)
    served = month_start.replace(day=10)
    _, run = await a_run(gql, canteen, staff, served)
    ok(await gql(MEALS, {"i": {"canteenId": canteen, "servedOn": served.isoformat(), "meals": [
        {"residentId": elder, "sitting": "LUNCH", "mode": "EAT_IN", "productionRunIds": [run]}]}}, as_=staff),
       "recordMeals")
    settle = "mutation($i: SettleMealMonthInput!) { settleMealMonth(input: $i) { settled unchanged position } }"

    first = ok(await gql(settle, {"i": {"month": served.isoformat(), "idempotencyKey": f"s-{canteen[:12]}"}},
                         as_=supervisor), "settleMealMonth")
    again = ok(await gql(settle, {"i": {"month": served.isoformat()}}, as_=supervisor), "settleMealMonth")
    totals_query = """query($m: Date!, $first: Int, $after: String) { mealSettlementTotals(month: $m,
      district: "CONGHUA", first: $first, after: $after) { edges { node { payer payerCode amount meals } }
      pageInfo { hasNextPage endCursor } } }"""
    page = ok(await gql(totals_query, {"m": served.isoformat()}, as_=supervisor,
                        extensions={"minPosition": first["position"]}), "mealSettlementTotals")
    totals = [e["node"] for e in page["edges"]]
    one_by_one, after = [], None
    for _ in range(10):
        single = ok(await gql(totals_query, {"m": served.isoformat(), "first": 1, "after": after}, as_=supervisor),
                    "mealSettlementTotals")
        one_by_one += [e["node"] for e in single["edges"]]
        if not single["pageInfo"]["hasNextPage"]:
            break
        after = single["pageInfo"]["endCursor"]
    too_many = await gql(totals_query, {"m": served.isoformat(), "first": 201}, as_=supervisor)

    assert (first["settled"], again["settled"], again["unchanged"]) == (1, 0, 1)
    assert {(t["payer"], t["payerCode"]): (float(t["amount"]), t["meals"]) for t in totals} == {
        ("CITY", "GUANGZHOU"): (3.0, 1), ("DISTRICT", "CONGHUA"): (3.0, 1), ("STREET", "CONGHUA/街口街"): (3.0, 1)}
    assert one_by_one == totals and not page["pageInfo"]["hasNextPage"]  # the city first, then by payer
    assert [t["payer"] for t in totals] == ["CITY", "DISTRICT", "STREET"]
    assert error_codes(too_many) == ["INVALID_INPUT"]


async def test_a_draft_rule_is_previewed_without_writing_and_inspectors_see_what_is_in_force(
        gql: GQL, runtime: Runtime) -> None:
    rows = [{"category": "POOR_OR_ENTITLED", "enterprise": "0", "city": "3", "district": "3", "street": "5",
             "charity": "1", "elder": "0", "lostSharesTo": "CHARITY"}] + [
        {"category": c, "enterprise": "1", "city": "3", "district": "3", "street": s, "charity": "0", "elder": e,
         "lostSharesTo": "ELDER"} for c, s, e in (("DISABLED", "3", "2"), ("AGED_80_PLUS", "3", "2"),
                                                  ("AGED_60_79", "1", "4"))]
    async with runtime.pool.acquire() as conn:
        before = await conn.fetchval("SELECT max(notification_id) FROM events")

    preview = ok(await gql("""query($i: PublishMealRuleInput!) { mealRulePreview(input: $i) { revision price lines {
                               category locality before { elder enterprise } after { elder enterprise total } } } }""",
                           {"i": {"effectiveFrom": "2031-01-01", "price": "12", "categories": rows,
                                  "decision": "企业让利1元"}}, as_=ADMIN), "mealRulePreview")
    in_force = ok(await gql("""query($id: ID!) { streamInForce(id: $id, on: "2026-03-04") { type values } }""",
                            {"id": str(RULE_TABLE_ID)}, as_=INSPECTOR), "streamInForce")
    refused = await gql("""query($i: PublishMealRuleInput!) { mealRulePreview(input: $i) { revision } }""",
                        {"i": {"effectiveFrom": "2031-01-01", "price": "12", "categories": rows, "decision": "x"}},
                        as_=CASEWORKER_HAIZHU)

    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT max(notification_id) FROM events") == before
    line = next(x for x in preview["lines"] if (x["category"], x["locality"]) == ("AGED_80_PLUS", "OWN_STREET"))
    assert (float(line["before"]["elder"]), float(line["after"]["elder"]), float(line["after"]["enterprise"]),
            float(line["after"]["total"])) == (3, 2, 1, 12)
    assert in_force["type"] == "MealRuleTable" and in_force["values"]["price"] == "12.00"
    assert in_force["values"]["categories"]["AGED_80_PLUS"]["STREET"] == "3.00"
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_the_rule_tables_revisions_page_through_every_revision_once_oldest_first(gql: GQL) -> None:
    rows = [{"category": c, "enterprise": "1", "city": "3", "district": "3", "street": "3", "charity": "0",
             "elder": "2", "lostSharesTo": "ELDER"} for c in ("POOR_OR_ENTITLED", "DISABLED", "AGED_80_PLUS",
                                                              "AGED_60_79")]
    publish = """mutation($i: PublishMealRuleInput!) { publishMealRule(input: $i) { position
      revisions(first: 200) { edges { node { revision effectiveFrom } } pageInfo { hasNextPage } } } }"""
    year = 2040  # far ahead of every meal the suite records
    for offset in range(2):
        published = ok(await gql(publish, {"i": {"effectiveFrom": f"{year + offset}-01-01", "price": "12",
                                                 "categories": rows, "decision": "测试修订"}}, as_=ADMIN),
                       "publishMealRule")
    table = """query($first: Int, $after: String) { mealRules { revisions(first: $first, after: $after) {
      edges { node { revision } } pageInfo { hasNextPage endCursor } } } }"""

    whole = [e["node"]["revision"] for e in published["revisions"]["edges"]]
    paged, after = [], None
    for _ in range(len(whole) + 1):
        page = ok(await gql(table, {"first": 1, "after": after}), "mealRules")["revisions"]
        paged += [e["node"]["revision"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    too_many = await gql(table, {"first": 201})

    assert len(whole) >= 3 and whole == sorted(whole) and not published["revisions"]["pageInfo"]["hasNextPage"]
    assert [e["node"]["effectiveFrom"] for e in published["revisions"]["edges"]][-1] == f"{year + 1}-01-01"
    assert paged == whole
    assert error_codes(too_many) == ["INVALID_INPUT"]
