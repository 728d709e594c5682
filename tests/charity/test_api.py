"""Charity matching through GraphQL over HTTP: a linkage need published with consent, a donor's offer, the rules'
candidates, a match proposed by the charity platform, accepted and fulfilled by the district's caseworker —
and the donor's view of the outcome, which never carries the resident; consent and conditions refused with
typed codes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from civicledger.runtime import Runtime
from tests.conftest import CASEWORKER_TIANHE, GQL, INTEGRATOR, error_codes
from tests.linkage.conftest import build_world, collect

PUBLISH = """mutation($i: PublishCharityNeedInput!) { publishCharityNeed(input: $i) {
  need { id status quantity summary district category consentBasis } } }"""
OFFER = """mutation($i: RegisterCharityOfferInput!) { registerCharityOffer(input: $i) {
  offer { id remaining categories districts } } }"""
CANDIDATES = """query($id: ID!) { charityNeed(id: $id) { candidates(first: 100) { edges { node { id } } } } }"""
PROPOSE = """mutation($i: ProposeCharityMatchInput!) { proposeCharityMatch(input: $i) { match { id status } } }"""
ACCEPT = """mutation($i: DecideCharityMatchInput!) { acceptCharityMatch(input: $i) { match { id status } } }"""
FULFIL = """mutation($i: ConfirmCharityFulfilmentInput!) { confirmCharityFulfilment(input: $i) {
  match { status outcome need { status fulfilled } } } }"""
DONOR_VIEW = """query($id: ID!) { charityOffer(id: $id) { donorName remaining matches(first: 10) { edges { node {
  status quantity outcome fulfilledAt need { sourceProgram district category kind quantity fulfilled summary status }
} } } } }"""


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def offer_input(**extra: Any) -> dict[str, Any]:
    return {"i": {"donorName": f"广州市善心基金会{uuid.uuid4().hex[:4]}", "kind": "MONEY", "quantity": "5000",
                  "description": "助医专项", **extra}}


async def test_a_need_matched_and_fulfilled_and_the_donor_sees_only_the_anonymous_outcome(
        gql: GQL, runtime: Runtime) -> None:
    world = build_world(runtime.services.linkage, runtime.services.residents)
    source = collect(runtime.services.linkage, world, consent=True)
    need = ok(await gql(PUBLISH, {"i": {"source": "LINKAGE", "sourceId": str(source), "category": "MEDICAL_AID",
                                        "kind": "MONEY", "quantity": "3000", "summary": "独居长者术后康复护理费用"}}),
              "publishCharityNeed")["need"]
    offer = ok(await gql(OFFER, offer_input(categories=["MEDICAL_AID"], districts=["海珠区"]), as_=INTEGRATOR),
               "registerCharityOffer")["offer"]

    candidates = ok(await gql(CANDIDATES, {"id": need["id"]}), "charityNeed")["candidates"]["edges"]
    match = ok(await gql(PROPOSE, {"i": {"needId": need["id"], "offerId": offer["id"], "quantity": "3000"}},
                         as_=INTEGRATOR), "proposeCharityMatch")["match"]
    by_platform = await gql(ACCEPT, {"i": {"matchId": match["id"]}}, as_=INTEGRATOR)
    accepted = ok(await gql(ACCEPT, {"i": {"matchId": match["id"]}}), "acceptCharityMatch")["match"]
    fulfilled = ok(await gql(FULFIL, {"i": {"matchId": match["id"], "outcome": "护理费用已拨付,老人康复出院"}}),
                   "confirmCharityFulfilment")["match"]
    donor = await gql(DONOR_VIEW, {"id": offer["id"]}, as_=INTEGRATOR)
    timeline = ok(await gql("""query($id: ID!) { resident(id: $id) { timeline(first: 20, programs: ["charity"]) {
        edges { node { kind summary } } } } }""", {"id": str(world.resident)}), "resident")["timeline"]["edges"]

    assert need["status"] == "OPEN" and need["consentBasis"] == "SOURCE" and need["district"] == "HAIZHU"
    assert offer["districts"] == ["HAIZHU"]
    assert offer["id"] in [e["node"]["id"] for e in candidates]
    assert error_codes(by_platform) == ["FORBIDDEN"]
    assert accepted["status"] == "ACCEPTED"
    assert fulfilled == {"status": "FULFILLED", "outcome": "护理费用已拨付,老人康复出院",
                         "need": {"status": "MET", "fulfilled": "3000.00"}}
    assert [e["node"]["kind"] for e in timeline] == ["charity.fulfilled", "charity.matched", "charity.published"]
    view = ok(donor, "charityOffer")
    assert view["remaining"] == "2000.00"
    [seen] = [e["node"] for e in view["matches"]["edges"]]
    assert seen["outcome"] == "护理费用已拨付,老人康复出院" and seen["need"]["summary"] == "独居长者术后康复护理费用"
    text = json.dumps(donor, ensure_ascii=False)
    resident = runtime.services.residents.get_resident(world.resident)
    for identifying in (str(world.resident), str(source), resident.name, resident.id_number, resident.phone):
        assert identifying and identifying not in text


async def test_no_charity_type_can_lead_to_the_resident(gql: GQL) -> None:
    body = await gql("""{ a: __type(name: "CharityNeed") { fields { name } } b: __type(name: "CharityMatch") {
        fields { name } } c: __type(name: "CharityOffer") { fields { name } } }""")

    names = {f["name"] for t in body["data"].values() for f in t["fields"]}

    assert not {n for n in names if "resident" in n.lower() or n in ("sourceId", "householdId")}


async def test_consent_and_conditions_are_refused_with_typed_codes(gql: GQL, runtime: Runtime) -> None:
    world = build_world(runtime.services.linkage, runtime.services.residents)
    without = collect(runtime.services.linkage, world, consent=False)
    with_consent = collect(runtime.services.linkage, world, consent=True, resident=world.other_resident)

    def publishing(source: uuid.UUID, **extra: Any) -> dict[str, Any]:
        return {"i": {"source": "LINKAGE", "sourceId": str(source), "category": "EDUCATION", "kind": "MONEY",
                      "quantity": "800", "summary": "留守儿童学习用品", **extra}}

    refused = await gql(PUBLISH, publishing(without))
    other_district = await gql(PUBLISH, publishing(with_consent), as_=CASEWORKER_TIANHE)
    named = await gql(PUBLISH, publishing(with_consent, summary="麦伟雄的孩子需要学习用品"))
    need = ok(await gql(PUBLISH, publishing(with_consent)), "publishCharityNeed")["need"]
    medical_only = ok(await gql(OFFER, offer_input(categories=["MEDICAL_AID"]), as_=INTEGRATOR),
                      "registerCharityOffer")["offer"]
    outside = await gql(PROPOSE, {"i": {"needId": need["id"], "offerId": medical_only["id"], "quantity": "800"}},
                        as_=INTEGRATOR)
    candidates = ok(await gql(CANDIDATES, {"id": need["id"]}), "charityNeed")["candidates"]["edges"]
    unicode_digits = await gql(OFFER, offer_input(quantity="５０００"), as_=INTEGRATOR)

    assert error_codes(refused) == ["RULE_VIOLATION"]
    assert error_codes(other_district) == ["FORBIDDEN"]
    assert error_codes(named) == ["INVALID_INPUT"]
    assert error_codes(outside) == ["RULE_VIOLATION"]
    assert medical_only["id"] not in [e["node"]["id"] for e in candidates]
    assert error_codes(unicode_digits) == ["INVALID_INPUT"]


async def test_needs_are_listed_page_by_page(gql: GQL) -> None:
    first = ok(await gql("{ charityNeeds(first: 1) { edges { cursor } pageInfo { hasNextPage endCursor } } }"),
               "charityNeeds")
    too_many = await gql("{ charityNeeds(first: 101) { edges { cursor } } }")

    assert len(first["edges"]) <= 1
    assert error_codes(too_many) == ["INVALID_INPUT"]
