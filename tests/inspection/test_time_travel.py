"""Time travel through GraphQL: residents and households as recorded at an instant (typed `asOf` and the
generic `streamAt`), diffs between instants, and "as in force on a date" for effective-dated aggregates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.clock import FixedClock
from civicledger.core.effective import Schedule
from civicledger.core.eventstore.application import CivicApplication, Recorded
from civicledger.inspection.timetravel import diff
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL, INSPECTOR, error_codes
from tests.inspection.helpers import PURPOSE, ctx

RESIDENT_AT = """query($id: ID!, $at: DateTime!) { resident(id: $id, asOf: $at) { name phone version erased
  address { street masked } timeline { edges { node { kind } } } } }"""
HOUSEHOLD_AT = """query($id: ID!, $at: DateTime!) { household(id: $id, asOf: $at) { size version
  members { relationship residentId } } }"""
STREAM_AT = """query($id: ID!, $at: DateTime!) { streamAt(id: $id, asOf: $at) { type version masked erased
  personalFields state } }"""
DIFF = """query($id: ID!, $from: DateTime!, $to: DateTime) { streamDiff(id: $id, from: $from, to: $to) {
  type fromVersion toVersion changes { edges { node { path before after } } } } }"""
DIFF_PAGE = """query($id: ID!, $from: DateTime!, $to: DateTime, $after: String) { streamDiff(id: $id, from: $from,
  to: $to) { changes(first: 2, after: $after) { edges { node { path before after } } pageInfo { hasNextPage
  endCursor } } } }"""


def changes(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in body["data"]["streamDiff"]["changes"]["edges"]]
IN_FORCE = """query($id: ID!, $on: Date!, $at: DateTime) { streamInForce(id: $id, on: $on, asOf: $at) {
  type recordedVersion values } }"""


def now() -> str:
    return datetime.now(UTC).isoformat()


async def mutate(gql: GQL, mutation: str, input: dict[str, Any], as_: str = CASEWORKER_HAIZHU) -> dict[str, Any]:
    body = await gql(f"mutation($i: {mutation[0]}!) {{ {mutation[1]}(input: $i) {{ position version }} }}",
                     {"i": input}, as_=as_)
    assert "errors" not in body, body
    return body["data"][mutation[1]]  # type: ignore[no-any-return]


async def test_a_resident_as_recorded_at_an_instant(gql: GQL) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU, name="区永安")
    t1 = now()
    corrected = await mutate(gql, ("CorrectResidentDetailsInput", "correctResidentDetails"),
                             {"residentId": resident["resident"]["id"], "name": "区永康", "phone": "13912345678",
                              "reason": "misspelt at intake"})
    t2 = now()

    # The past timeline comes from the timeline read model: wait until it has the correction too.
    then = await gql(RESIDENT_AT, {"id": resident["resident"]["id"], "at": t1}, as_=INSPECTOR, headers=PURPOSE,
                     extensions={"minPosition": corrected["position"]})
    later = await gql(RESIDENT_AT, {"id": resident["resident"]["id"], "at": t2}, as_=INSPECTOR, headers=PURPOSE)
    masked = await gql(RESIDENT_AT, {"id": resident["resident"]["id"], "at": t1}, as_=INSPECTOR)

    assert then["data"]["resident"]["name"] == "区永安" and then["data"]["resident"]["phone"] == "13800138000"
    assert then["data"]["resident"]["version"] == 1
    assert [e["node"]["kind"] for e in then["data"]["resident"]["timeline"]["edges"]] == ["resident.registered"]
    assert later["data"]["resident"]["name"] == "区永康" and later["data"]["resident"]["phone"] == "13912345678"
    assert masked["data"]["resident"]["phone"] == "138****8000" and masked["data"]["resident"]["address"]["masked"]


async def test_a_household_as_recorded_at_an_instant(gql: GQL) -> None:
    head = await register(gql, as_=CASEWORKER_HAIZHU, name="何家明")
    spouse = await register(gql, as_=CASEWORKER_HAIZHU, name="林慧")
    established = await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) "
                            "{ household { id } } }", {"i": {"headId": head["resident"]["id"]}})
    household_id = established["data"]["establishHousehold"]["household"]["id"]
    t1 = now()
    await mutate(gql, ("AddHouseholdMemberInput", "addHouseholdMember"),
                 {"householdId": household_id, "residentId": spouse["resident"]["id"], "relationship": "SPOUSE"})

    then = await gql(HOUSEHOLD_AT, {"id": household_id, "at": t1}, as_=INSPECTOR)
    later = await gql(HOUSEHOLD_AT, {"id": household_id, "at": now()}, as_=INSPECTOR)
    changed = await gql(DIFF, {"id": household_id, "from": t1}, as_=INSPECTOR)

    assert then["data"]["household"] == {"size": 1, "version": 1, "members": [
        {"relationship": "HEAD", "residentId": head["residentId"]}]}
    assert later["data"]["household"]["size"] == 2 and later["data"]["household"]["version"] == 2
    assert changes(changed) == [
        {"path": f"members.{spouse['residentId']}", "before": None, "after": "SPOUSE"}]


async def test_stream_at_rebuilds_every_aggregate_type_with_personal_fields_masked(gql: GQL) -> None:
    head = await register(gql, as_=CASEWORKER_HAIZHU, name="梁志强")
    before = now()
    household = await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) "
                          "{ householdId } }", {"i": {"headId": head["resident"]["id"]}})
    household_id = household["data"]["establishHousehold"]["householdId"]

    resident = await gql(STREAM_AT, {"id": head["resident"]["id"], "at": now()}, as_=INSPECTOR)
    shown = await gql(STREAM_AT, {"id": head["residentId"], "at": now()}, as_=INSPECTOR, headers=PURPOSE)
    home = await gql(STREAM_AT, {"id": household_id, "at": now()}, as_=INSPECTOR)
    too_early = await gql(STREAM_AT, {"id": household_id, "at": before}, as_=INSPECTOR)

    r = resident["data"]["streamAt"]
    assert r["type"] == "Resident" and r["masked"] and r["state"]["name"] == "***"
    assert r["state"]["district"] == "HAIZHU" and "id_number" in r["personalFields"]
    assert shown["data"]["streamAt"]["state"]["name"] == "梁志强" and not shown["data"]["streamAt"]["masked"]
    h = home["data"]["streamAt"]
    assert h["type"] == "Household" and h["personalFields"] == [] and not h["masked"]
    assert h["state"]["members"] == {head["residentId"]: "HEAD"}
    assert error_codes(too_early) == ["NOT_FOUND"]


async def test_a_diff_between_two_instants_names_the_changed_fields(gql: GQL) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU, name="冯少芳")
    t1 = now()
    await mutate(gql, ("CorrectResidentDetailsInput", "correctResidentDetails"),
                 {"residentId": resident["resident"]["id"], "phone": "13912345678", "reason": "new number"})
    await mutate(gql, ("ChangeResidentAddressInput", "changeResidentAddress"),
                 {"residentId": resident["resident"]["id"], "district": "HAIZHU", "street": "南华西街",
                  "community": "同福社区"})

    masked = await gql(DIFF, {"id": resident["residentId"], "from": t1}, as_=INSPECTOR)
    shown = await gql(DIFF, {"id": resident["residentId"], "from": t1, "to": now()}, as_=INSPECTOR,
                      headers=PURPOSE)

    m = masked["data"]["streamDiff"]
    assert (m["type"], m["fromVersion"], m["toVersion"]) == ("Resident", 1, 3)
    assert {c["path"] for c in changes(masked)} == {"phone", "street", "community"}
    assert all(c["before"] == "***" and c["after"] == "***" for c in changes(masked))
    assert {c["path"]: (c["before"], c["after"]) for c in changes(shown)} == {
        "phone": ("13800138000", "13912345678"), "street": ("江海街", "南华西街"), "community": ("红卫社区", "同福社区"),
    }
    # Two at a time between fixed instants: every change once, in the whole diff's order, still masked.
    to = now()
    first = await gql(DIFF_PAGE, {"id": resident["residentId"], "from": t1, "to": to}, as_=INSPECTOR)
    rest = await gql(DIFF_PAGE, {"id": resident["residentId"], "from": t1, "to": to,
                                 "after": first["data"]["streamDiff"]["changes"]["pageInfo"]["endCursor"]},
                     as_=INSPECTOR)
    assert first["data"]["streamDiff"]["changes"]["pageInfo"]["hasNextPage"]
    assert not rest["data"]["streamDiff"]["changes"]["pageInfo"]["hasNextPage"]
    assert changes(first) + changes(rest) == changes(masked) and len(changes(first)) == 2


def test_a_diff_compares_nested_objects_field_by_field() -> None:
    changes = diff({"members": {"a": "HEAD"}, "size": 1}, {"members": {"a": "HEAD", "b": "SPOUSE"}, "size": 2})

    assert [(c.path, c.before, c.after) for c in changes] == [("members.b", None, "SPOUSE"), ("size", 1, 2)]


# -- effective dating, on a small example aggregate ----------------------------------------------------------

class MealSubsidyRule(CivicAggregate):
    """The government's share of a 12-yuan elder meal by age band, changed by dated decisions."""

    class Published(CivicAggregate.Created):
        title: str

    @event(Published)
    def __init__(self, title: str) -> None:
        self.title = title
        self.schedule = Schedule()

    def decide(self, effective_from: date, shares: dict[str, Decimal], decision: str) -> None:
        self._decided(effective_from=effective_from, shares=shares, decision=decision)

    @event("Decided")
    def _decided(self, effective_from: date, shares: dict[str, Decimal], decision: str) -> None:
        self.schedule.set(effective_from, {"shares": shares, "decision": decision})

    def in_force_on(self, day: date) -> Mapping[str, Any] | None:
        return self.schedule.in_force_on(day)


class MealRules(CivicApplication):
    program = "meals"

    def publish(self, title: str, effective_from: date, shares: dict[str, Decimal], decision: str) -> Recorded:
        def action() -> Recorded:
            rule = MealSubsidyRule(title=title)
            rule.decide(effective_from, shares, decision)
            return self._save(rule, ctx=ctx(), command=decision)

        return self._execute(ctx(), decision, action)

    def decide(self, rule_id: uuid.UUID, effective_from: date, shares: dict[str, Decimal], decision: str) -> Recorded:
        def action() -> Recorded:
            rule = self._get(MealSubsidyRule, rule_id)
            rule.decide(effective_from, shares, decision)
            return self._save(rule, ctx=ctx(), command=decision)

        return self._execute(ctx(), decision, action)


async def test_an_effective_dated_rule_as_in_force_on_a_date_and_as_recorded_at_an_instant(
        gql: GQL, runtime: Runtime) -> None:
    clock = FixedClock(datetime(2020, 1, 5, 9, 0, tzinfo=UTC))
    rules = MealRules(runtime.ledger, clock=clock)
    first = {"60-79": Decimal("7"), "80+": Decimal("9"), "entitled": Decimal("11")}
    rule = await asyncio.to_thread(rules.publish, "大配餐 government share", date(2020, 1, 1), first, "穗民〔2020〕1号")
    clock.set(datetime(2020, 3, 10, 9, 0, tzinfo=UTC))  # recorded on 10 March, in force from 1 March
    await asyncio.to_thread(rules.decide, rule.stream_id, date(2020, 3, 1), {**first, "60-79": Decimal("8")},
                            "穗民〔2020〕9号")

    async def in_force(on: str, at: str | None = None) -> Any:
        body = await gql(IN_FORCE, {"id": str(rule.stream_id), "on": on, "at": at}, as_=INSPECTOR)
        assert "errors" not in body, body
        return body["data"]["streamInForce"]

    known_on_1_march = await in_force("2020-03-05", "2020-03-01T00:00:00Z")
    known_now = await in_force("2020-03-05")
    february = await in_force("2020-02-15")
    before_any = await in_force("2019-12-31")

    assert known_on_1_march["recordedVersion"] == 2 and known_on_1_march["values"]["shares"]["60-79"] == "7"
    assert known_now["recordedVersion"] == 3 and known_now["values"]["shares"]["60-79"] == "8"
    assert known_now["values"]["effectiveFrom"] == "2020-03-01" and known_now["values"]["decision"] == "穗民〔2020〕9号"
    assert february["values"]["shares"]["60-79"] == "7" and february["values"]["effectiveUntil"] == "2020-03-01"
    assert before_any["values"] is None


async def test_asking_what_was_in_force_of_an_aggregate_that_is_not_effective_dated_is_a_rule_violation(
        gql: GQL) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU)

    body = await gql(IN_FORCE, {"id": resident["residentId"], "on": "2020-01-01"}, as_=INSPECTOR)

    assert error_codes(body) == ["RULE_VIOLATION"]
