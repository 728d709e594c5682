"""Marriage registration through GraphQL over HTTP, end to end: register a marriage at one office and see it
on both residents (status, timeline), refused at another office; typed error codes for every kind of bad
input, nothing written; divorce refused in the cooling-off period; corrections by supervisors only; the
statistics; marital status as of a date and as recorded at an instant (inspectors)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from civicledger.core.clock import business_date
from tests.api.helpers import REGISTER
from tests.conftest import (
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR,
    SUPERVISOR_HAIZHU,
    error_codes,
    new_id_number,
    personal,
)

PURPOSE = {"X-Access-Purpose": "marriage registry audit 2026-07"}
MARRY = """mutation($i: RegisterMarriageInput!) { registerMarriage(input: $i) { position version marriage {
  id office officeName certificateNumber status registeredOn husband { id name } wife { id name } } } }"""
APPLY = "mutation($i: ApplyForDivorceInput!) { applyForDivorce(input: $i) { position marriage { divorceAppliedOn " \
        "divorceRegistrableFrom divorceLapsesAfter version } } }"
DIVORCE = "mutation($i: RegisterDivorceInput!) { registerDivorce(input: $i) { position } }"
CORRECT = "mutation($i: CorrectMarriageInput!) { correctMarriage(input: $i) { position marriage { registeredOn " \
          "corrections } } }"
STATUS = """query($r: ID!, $on: Date) { resident(id: $r) { maritalStatus(on: $on) { status since marriageId }
  timeline(first: 5, programs: ["marriage"]) { edges { node { program kind summary } } } } }"""


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def born_years_ago(years: int, days: int = 0) -> date:
    today = business_date()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


async def a_person(gql: GQL, *, male: bool, born: date | None = None) -> str:
    for _ in range(20):  # a birth date of our choosing leaves only the serial to differ: retry a taken one
        adult = date(1980, 1, 1) + timedelta(days=secrets.randbelow(7000))
        body = await gql(REGISTER, {"input": {
            "name": personal("黄志强" if male else "林晓燕"), "idNumber": new_id_number(born=born or adult, male=male),
            "district": "HAIZHU", "street": "江海街", "community": "红卫社区"}})
        if error_codes(body) != ["CONFLICT"]:
            return str(ok(body, "registerResident")["resident"]["id"])
    raise AssertionError("no free ID number")


async def a_marriage(gql: GQL, husband: str, wife: str, as_: str = CASEWORKER_HAIZHU) -> dict[str, Any]:
    return ok(await gql(MARRY, {"i": {"partyA": husband, "partyB": wife}}, as_=as_), "registerMarriage")


async def test_a_marriage_registered_at_one_office_shows_on_both_residents_and_is_refused_at_another(gql: GQL
                                                                                                   ) -> None:
    husband, wife, other = (await a_person(gql, male=True), await a_person(gql, male=False),
                            await a_person(gql, male=False))

    married = await a_marriage(gql, husband, wife)
    again = await gql(MARRY, {"i": {"partyA": other, "partyB": husband}}, as_=CASEWORKER_TIANHE)
    status = await gql(STATUS, {"r": wife}, extensions={"minPosition": married["position"]})
    hers = await gql("query($r: ID!) { marriages(residentId: $r, first: 5) { edges { node { id } } } }", {"r": wife})

    m = married["marriage"]
    assert m["office"] == "HAIZHU" and m["officeName"] == "海珠区" and m["status"] == "MARRIED"
    assert m["certificateNumber"].startswith(f"J440105-{business_date().year}-")
    assert (m["husband"]["id"], m["wife"]["id"]) == (husband, wife)
    assert error_codes(again) == ["CONFLICT"]
    assert again["errors"][0]["extensions"]["rule"] == "ALREADY_MARRIED"
    assert [e["node"]["id"] for e in ok(hers, "marriages")["edges"]] == [m["id"]]
    resident = ok(status, "resident")
    assert resident["maritalStatus"]["status"] == "MARRIED"
    assert resident["maritalStatus"]["since"] == business_date().isoformat()
    assert [e["node"]["kind"] for e in resident["timeline"]["edges"]] == ["marriage.registered"]
    assert m["certificateNumber"] in resident["timeline"]["edges"][0]["node"]["summary"]


async def test_marital_status_on_a_date_and_masked_for_another_district(gql: GQL) -> None:
    husband, wife = await a_person(gql, male=True), await a_person(gql, male=False)
    married = await a_marriage(gql, husband, wife)
    yesterday = (business_date() - timedelta(days=1)).isoformat()

    before = await gql(STATUS, {"r": wife, "on": yesterday}, extensions={"minPosition": married["position"]})
    elsewhere = await gql(STATUS, {"r": wife}, as_=CASEWORKER_TIANHE)

    assert ok(before, "resident")["maritalStatus"] == {"status": "UNMARRIED", "since": None, "marriageId": None}
    assert ok(elsewhere, "resident")["maritalStatus"] is None


async def test_an_inspector_sees_the_status_as_recorded_at_an_instant(gql: GQL) -> None:
    husband, wife = await a_person(gql, male=True), await a_person(gql, male=False)
    before_marriage = datetime.now(UTC).isoformat()
    married = await a_marriage(gql, husband, wife)
    query = "query($r: ID!, $at: DateTime!) { resident(id: $r, asOf: $at) { maritalStatus { status } } }"

    then = await gql(query, {"r": husband, "at": before_marriage}, as_=INSPECTOR, headers=PURPOSE)
    now = await gql(query, {"r": husband, "at": datetime.now(UTC).isoformat()}, as_=INSPECTOR, headers=PURPOSE,
                    extensions={"minPosition": married["position"]})

    assert ok(then, "resident")["maritalStatus"] == {"status": "UNMARRIED"}
    assert ok(now, "resident")["maritalStatus"] == {"status": "MARRIED"}


async def test_bad_input_gets_typed_codes(gql: GQL) -> None:
    man, woman = await a_person(gql, male=True), await a_person(gql, male=False)
    boy = await a_person(gql, male=True, born=born_years_ago(22, days=-1))  # 22 tomorrow
    stranger = str(uuid.uuid4())

    cases = {
        "UNDER_AGE": {"partyA": boy, "partyB": woman},
        "SAME_PERSON": {"partyA": man, "partyB": man},
        "NOT_IN_REGISTRY": {"partyA": man, "partyB": stranger},
        "GENDERS": {"partyA": man, "partyB": boy},
    }
    answers = {rule: await gql(MARRY, {"i": i}) for rule, i in cases.items()}
    full_width = await gql(MARRY, {"i": {"partyA": man, "partyB": woman, "office": "ＨＡＩＺＨＵ"}})
    nul = await gql(MARRY, {"i": {"partyA": man, "partyB": woman, "office": "HAI\x00ZHU"}})
    huge = await gql(MARRY, {"i": {"partyA": man, "partyB": woman, "office": "H" * 100_000}})
    other_office = await gql(MARRY, {"i": {"partyA": man, "partyB": woman, "office": "TIANHE"}})
    status = await gql(STATUS, {"r": man})

    assert {rule: (error_codes(a), a["errors"][0]["extensions"].get("rule")) for rule, a in answers.items()} == {
        "UNDER_AGE": (["RULE_VIOLATION"], "UNDER_AGE"), "SAME_PERSON": (["INVALID_INPUT"], "SAME_PERSON"),
        "NOT_IN_REGISTRY": (["NOT_FOUND"], "NOT_IN_REGISTRY"), "GENDERS": (["RULE_VIOLATION"], "GENDERS")}
    assert error_codes(full_width) == error_codes(nul) == ["INVALID_INPUT"]
    assert error_codes(huge) == ["INVALID_INPUT"]
    assert error_codes(other_office) == ["FORBIDDEN"]
    assert ok(status, "resident")["maritalStatus"]["status"] == "UNMARRIED"  # nothing was written


async def test_divorce_inside_the_cooling_off_period_is_refused_and_corrections_need_a_supervisor(gql: GQL) -> None:
    married = await a_marriage(gql, await a_person(gql, male=True), await a_person(gql, male=False))
    marriage = married["marriage"]["id"]

    applied = ok(await gql(APPLY, {"i": {"marriageId": marriage}}, as_=CASEWORKER_TIANHE), "applyForDivorce")
    too_soon = await gql(DIVORCE, {"i": {"marriageId": marriage}})
    by_caseworker = await gql(CORRECT, {"i": {"marriageId": marriage, "reason": "typo",
                                              "registeredOn": (business_date() - timedelta(days=2)).isoformat()}})
    corrected = ok(await gql(CORRECT, {"i": {"marriageId": marriage, "reason": "keyed a day late",
                                             "registeredOn": (business_date() - timedelta(days=2)).isoformat()}},
                             as_=SUPERVISOR_HAIZHU), "correctMarriage")

    today = business_date()
    assert applied["marriage"]["divorceAppliedOn"] == today.isoformat()
    assert applied["marriage"]["divorceRegistrableFrom"] == (today + timedelta(days=31)).isoformat()
    assert applied["marriage"]["divorceLapsesAfter"] == (today + timedelta(days=60)).isoformat()
    assert error_codes(too_soon) == ["RULE_VIOLATION"]
    assert too_soon["errors"][0]["extensions"]["rule"] == "COOLING_OFF"
    assert error_codes(by_caseworker) == ["FORBIDDEN"]
    assert corrected["marriage"] == {"registeredOn": (today - timedelta(days=2)).isoformat(), "corrections": 1}


async def test_statistics_per_office_and_month(gql: GQL) -> None:
    since = business_date().replace(day=1)
    until = (since + timedelta(days=32)).replace(day=1)
    query = """query($s: Date!, $u: Date!) { marriageStatistics(since: $s, until: $u, office: "越秀区") {
      office month marriages divorces divorceApplications withdrawals } }"""
    yuexiu = token_for("YUEXIU")
    before = ok(await gql(query, {"s": since.isoformat(), "u": until.isoformat()}), "marriageStatistics")

    married = [await a_marriage(gql, await a_person(gql, male=True), await a_person(gql, male=False), as_=yuexiu)
               for _ in range(2)]
    await gql(APPLY, {"i": {"marriageId": married[1]["marriage"]["id"]}}, as_=yuexiu)
    withdraw = "mutation($i: WithdrawDivorceApplicationInput!) { withdrawDivorceApplication(input: $i) { position } }"
    ok(await gql(withdraw, {"i": {"marriageId": married[1]["marriage"]["id"],
                                  "partyId": married[1]["marriage"]["wife"]["id"]}}, as_=yuexiu),
       "withdrawDivorceApplication")
    applied = ok(await gql(APPLY, {"i": {"marriageId": married[0]["marriage"]["id"]}}, as_=yuexiu),
                 "applyForDivorce")
    after = ok(await gql(query, {"s": since.isoformat(), "u": until.isoformat()},
                         extensions={"minPosition": applied["position"]}), "marriageStatistics")
    too_long = await gql(query, {"s": "2020-01-01", "u": "2026-01-01"})

    def counts(rows: list[dict[str, Any]]) -> tuple[int, int, int]:
        return (sum(r["marriages"] for r in rows), sum(r["divorceApplications"] for r in rows),
                sum(r["withdrawals"] for r in rows))

    assert all(r["office"] == "YUEXIU" and r["month"] == since.isoformat() for r in after)
    assert counts(after)[0] - counts(before)[0] == 2
    assert counts(after)[1] - counts(before)[1] == 2
    assert counts(after)[2] - counts(before)[2] == 1
    assert error_codes(too_long) == ["INVALID_INPUT"]


def token_for(district: str) -> str:
    from tests.conftest import token

    return token("caseworker", district=district, office=f"{district}-MARRIAGE-REGISTRY", subject=f"reg-{district}")


async def test_the_booking_platform_books_an_appointment_and_the_office_sees_it_in_its_book(gql: GQL) -> None:
    man, woman = await a_person(gql, male=True), await a_person(gql, male=False)
    day = business_date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    book = """mutation($i: BookMarriageAppointmentInput!) { bookMarriageAppointment(input: $i) { position
      appointment { id office kind on slot status parties { id } } } }"""
    listing = """query($o: String!, $d: Date!) { marriageAppointments(office: $o, on: $d, first: 100) {
      edges { node { id status } } } }"""
    cancel = """mutation($i: CancelMarriageAppointmentInput!) { cancelMarriageAppointment(input: $i) {
      appointment { status } } }"""

    booked = ok(await gql(book, {"i": {"partyA": man, "partyB": woman, "kind": "MARRIAGE", "on": day.isoformat(),
                                       "slot": "10:30", "office": "番禺区"}}, as_=INTEGRATOR),
                "bookMarriageAppointment")
    weekend = await gql(book, {"i": {"partyA": man, "partyB": woman, "kind": "MARRIAGE", "slot": "10:30",
                                     "on": (day + timedelta(days=6 - day.isoweekday())).isoformat(),
                                     "office": "PANYU"}}, as_=INTEGRATOR)
    seen = ok(await gql(listing, {"o": "PANYU", "d": day.isoformat()},
                        extensions={"minPosition": booked["position"]}), "marriageAppointments")
    not_theirs = await gql(cancel, {"i": {"appointmentId": booked["appointment"]["id"], "reason": "test"}})
    cancelled = ok(await gql(cancel, {"i": {"appointmentId": booked["appointment"]["id"],
                                            "reason": "the couple asked"}}, as_=INTEGRATOR),
                   "cancelMarriageAppointment")

    a = booked["appointment"]
    assert (a["office"], a["kind"], a["on"], a["slot"], a["status"]) == ("PANYU", "MARRIAGE", day.isoformat(),
                                                                          "10:30", "BOOKED")
    assert [p["id"] for p in a["parties"]] == [man, woman]
    assert error_codes(weekend) == ["INVALID_INPUT"]
    assert a["id"] in [e["node"]["id"] for e in seen["edges"]]
    assert error_codes(not_theirs) == ["FORBIDDEN"]  # a Haizhu caseworker, a Panyu office's appointment
    assert cancelled["appointment"]["status"] == "CANCELLED"
