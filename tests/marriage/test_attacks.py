"""Attacks on marriage registration over GraphQL over HTTP (red team). A resident's marital status is personal
data (`Resident.maritalStatus` is masked and its reads logged): listing one resident's marriages
(`marriages(residentId:)`) tells the same, so it is answered only to readers who may see that resident's
personal data — not another district's caseworker, an admin, an integrator without `personal` or an inspector
without a purpose. Registration stays city-wide, bounded by the office: staff register only at their own."""

from __future__ import annotations

from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR_READ_ONLY,
    error_codes,
)
from tests.marriage.test_api import MARRY, a_marriage, a_person

HERS = "query($r: ID!) { marriages(residentId: $r, first: 5) { edges { node { id status } } } }"
PURPOSE = {"X-Access-Purpose": "marriage registry audit 2026-07"}


async def test_one_residents_marriages_only_to_readers_of_their_personal_data(gql: GQL) -> None:
    husband, wife = await a_person(gql, male=True), await a_person(gql, male=False)
    married = await a_marriage(gql, husband, wife)
    position = {"minPosition": married["position"]}

    refused = {who: await gql(HERS, {"r": wife}, as_=bearer, extensions=position)
               for who, bearer in (("tianhe", CASEWORKER_TIANHE), ("admin", ADMIN),
                                   ("integrator", INTEGRATOR_READ_ONLY), ("inspector", INSPECTOR))}
    own = await gql(HERS, {"r": wife}, extensions=position)
    audited = await gql(HERS, {"r": wife}, as_=INSPECTOR, headers=PURPOSE, extensions=position)

    assert {who: error_codes(body) for who, body in refused.items()} == {
        "tianhe": ["FORBIDDEN"], "admin": ["FORBIDDEN"], "integrator": ["FORBIDDEN"], "inspector": ["FORBIDDEN"]}
    assert [e["node"]["id"] for e in own["data"]["marriages"]["edges"]] == [married["marriage"]["id"]]
    assert [e["node"]["id"] for e in audited["data"]["marriages"]["edges"]] == [married["marriage"]["id"]]


async def test_staff_register_only_at_their_own_office_and_inspectors_not_at_all(gql: GQL) -> None:
    husband, wife = await a_person(gql, male=True), await a_person(gql, male=False)

    elsewhere = await gql(MARRY, {"i": {"partyA": husband, "partyB": wife, "office": "HAIZHU"}},
                          as_=CASEWORKER_TIANHE)
    inspector = await gql(MARRY, {"i": {"partyA": husband, "partyB": wife, "office": "HAIZHU"}}, as_=INSPECTOR)
    full_width = await gql(MARRY, {"i": {"partyA": husband, "partyB": wife, "office": "ＨＡＩＺＨＵ"}}, as_=ADMIN)
    nul = await gql(MARRY, {"i": {"partyA": husband, "partyB": wife, "office": "HAIZHU\u0000"}}, as_=ADMIN)
    still_single = await gql(HERS, {"r": wife}, as_=CASEWORKER_HAIZHU)

    assert error_codes(elsewhere) == ["FORBIDDEN"] and error_codes(inspector) == ["FORBIDDEN"]
    assert error_codes(full_width) and error_codes(nul)
    assert "INTERNAL_SERVER_ERROR" not in error_codes(full_width) + error_codes(nul)
    assert still_single["data"]["marriages"]["edges"] == []
