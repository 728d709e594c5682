"""The lists inside linkage nodes are connections (issue 13, item 5): a referral's tasks, a meeting's attendees,
decisions, referrals discussed and tasks, an organisation's staff and the routing table's changes page with
`first`/`after`, each item exactly once and in order; a page larger than the stated limit (200) is refused with
INVALID_INPUT and reads nothing."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import register
from tests.conftest import ADMIN, CASEWORKER_HAIZHU, GQL, error_codes
from tests.linkage.test_linkage_api import REFER, Community, collect, ok

OPEN_TASK = """mutation($i: OpenLinkageTaskInput!) { openLinkageTask(input: $i) { position task { id } } }"""
TASKS = """query($id: ID!, $first: Int, $after: String) { referral(id: $id) { tasks(first: $first, after: $after) {
  edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""
MEETING = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on ThreePartyMeeting {
  %s(first: $first, after: $after) { edges { node %s } pageInfo { hasNextPage endCursor } } } } }"""
NODES = {"attendees": "{ party staffId }", "decisions": "", "referralsDiscussed": "{ id }", "tasks": "{ title }"}
STAFF = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on LinkageOrganisation {
  staff(first: $first, after: $after) { edges { node { staffId } } pageInfo { hasNextPage endCursor } } } } }"""


async def every_page(gql: GQL, query: str, variables: dict[str, Any], as_: str, path: list[str],
                     first: int = 2, **kw: Any) -> list[Any]:
    """Every node of a connection, read `first` at a time; asserts each page is at most `first` long."""
    nodes: list[Any] = []
    after = None
    for _ in range(100):  # a cursor that does not move fails here instead of looping
        data: Any = await ok(gql, query, {**variables, "first": first, "after": after}, as_, **kw)
        for key in path:
            data = data[key]
        assert len(data["edges"]) <= first
        nodes += [e["node"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["pageInfo"]["endCursor"]
    raise AssertionError("the pages never end")


async def active_referral(gql: GQL, c: Community) -> str:
    resident = (await register(gql, as_=CASEWORKER_HAIZHU, name="黎淑仪"))["resident"]["id"]
    need = await collect(gql, c, resident)
    referral = (await ok(gql, REFER, {"i": {"needId": need["id"], "organisationId": c.org}},
                         c.committee_staff))["referNeed"]["referral"]["id"]
    await ok(gql, """mutation($i: AcceptReferralInput!) { acceptReferral(input: $i) { position } }""",
             {"i": {"referralId": referral}}, c.org_staff)
    return referral  # type: ignore[no-any-return]


async def test_a_referrals_tasks_page_through_every_task_once_in_the_order_they_were_opened(gql: GQL) -> None:
    c = await Community(gql).register()
    referral = await active_referral(gql, c)
    titles = [f"第{n}次上门探访" for n in range(1, 6)]
    position = 0
    for title in titles:
        opened = await ok(gql, OPEN_TASK, {"i": {"referralId": referral, "title": title, "ownerOrganisationId": c.org}},
                          c.org_staff)
        position = opened["openLinkageTask"]["position"]
    read = {"extensions": {"minPosition": position}}

    first_page = (await ok(gql, TASKS, {"id": referral, "first": 2}, c.org_staff, **read))["referral"]["tasks"]
    paged = await every_page(gql, TASKS, {"id": referral}, c.org_staff, ["referral", "tasks"], **read)
    one_each = await every_page(gql, TASKS, {"id": referral}, c.org_staff, ["referral", "tasks"], first=1, **read)
    whole = (await ok(gql, TASKS, {"id": referral, "first": 200}, c.org_staff, **read))["referral"]["tasks"]

    assert [e["node"]["title"] for e in first_page["edges"]] == titles[:2]
    assert first_page["pageInfo"]["hasNextPage"] and not first_page["pageInfo"]["hasPreviousPage"]
    assert [n["title"] for n in paged] == titles == [n["title"] for n in one_each]
    assert [e["node"]["title"] for e in whole["edges"]] == titles and not whole["pageInfo"]["hasNextPage"]


async def test_a_page_beyond_the_stated_limit_or_a_forged_cursor_is_refused(gql: GQL) -> None:
    c = await Community(gql).register()
    referral = await active_referral(gql, c)

    too_many = await gql(TASKS, {"id": referral, "first": 201}, as_=c.org_staff)
    none = await gql(TASKS, {"id": referral, "first": 0}, as_=c.org_staff)
    forged = await gql(TASKS, {"id": referral, "first": 2, "after": "not-a-cursor"}, as_=c.org_staff)
    staff_too_many = await gql(STAFF, {"id": c.org, "first": 1000}, as_=ADMIN)
    changes_too_many = await gql("{ linkageRoutingTable { changes(first: 201) { edges { cursor } } } }",
                                 as_=c.org_staff)

    assert error_codes(too_many) == ["INVALID_INPUT"] and too_many["errors"][0]["extensions"]["field"] == "first"
    assert error_codes(none) == ["INVALID_INPUT"]
    assert error_codes(forged) == ["INVALID_INPUT"]
    assert error_codes(staff_too_many) == ["INVALID_INPUT"]
    assert error_codes(changes_too_many) == ["INVALID_INPUT"]


async def test_a_meetings_lists_and_an_organisations_staff_page_through_every_item_once(gql: GQL) -> None:
    c = await Community(gql).register()
    station = await c._org(f"江海街社工站{c.tag}", "SOCIAL_WORK_STATION", f"SW-{c.tag}")
    staff = [f"so-{c.tag}-{n}" for n in range(5)]
    for staff_id in staff:
        await ok(gql, """mutation($i: LinkageStaffMemberInput!) { addLinkageStaffMember(input: $i) { position } }""",
                 {"i": {"organisationId": c.org, "staffId": staff_id}}, ADMIN)
    referrals = [await active_referral(gql, c) for _ in range(3)]
    attendees = [{"organisationId": c.committee, "staffId": f"cc-{c.tag}"},
                 *({"organisationId": c.org, "staffId": s} for s in staff[:3]),
                 {"organisationId": station, "staffId": f"sw-{c.tag}"}]
    decisions = [f"决定{n}: 按期回访" for n in range(1, 6)]
    tasks = [{"referralId": r, "title": f"会议任务{n}", "ownerOrganisationId": c.org}
             for n, r in enumerate(referrals * 2, 1)]
    recorded = await ok(gql, """mutation($i: RecordThreePartyMeetingInput!) { recordThreePartyMeeting(input: $i) {
                                position meeting { id } } }""",
                        {"i": {"communityId": c.committee, "attendees": attendees, "decisions": decisions,
                               "referralsDiscussed": referrals, "tasks": tasks}}, c.committee_staff)
    meeting = recorded["recordThreePartyMeeting"]["meeting"]["id"]
    read = {"extensions": {"minPosition": recorded["recordThreePartyMeeting"]["position"]}}

    def paged(field: str, first: int = 2) -> Any:
        return every_page(gql, MEETING % (field, NODES[field]), {"id": meeting}, c.committee_staff, ["node", field],
                          first=first, **read)

    assert [a["staffId"] for a in await paged("attendees")] == [a["staffId"] for a in attendees]
    assert await paged("decisions") == decisions == await paged("decisions", first=200)
    assert [r["id"] for r in await paged("referralsDiscussed")] == referrals
    assert [t["title"] for t in await paged("tasks")] == [t["title"] for t in tasks]
    org_staff = await every_page(gql, STAFF, {"id": c.org}, ADMIN, ["node", "staff"], **read)
    assert [s["staffId"] for s in org_staff] == staff


async def test_the_routing_tables_changes_page_newest_first_each_once(gql: GQL) -> None:
    """Four edits of one route that end where they began (the default), read two at a time."""
    change = """mutation($i: ChangeLinkageRouteInput!) { changeLinkageRoute(input: $i) { version position } }"""
    versions, position = [], 0
    for hours in (73, 72, 73, 72):
        changed = (await ok(gql, change, {"i": {"subItem": "MIGRANT_INTEGRATION", "leadParty": "SOCIAL_WORK_STATION",
                                                "acceptWithinHours": hours, "completeWithinDays": 30,
                                                "reason": "分页测试"}}, ADMIN))["changeLinkageRoute"]
        versions.append(changed["version"])
        position = changed["position"]
    read = {"extensions": {"minPosition": position}}
    query = """query($first: Int, $after: String) { linkageRoutingTable { version changes(first: $first,
      after: $after) { edges { node { version subItem acceptWithinHours } } pageInfo { hasNextPage endCursor } } } }"""

    paged = await every_page(gql, query, {}, ADMIN, ["linkageRoutingTable", "changes"], **read)
    whole = (await ok(gql, query, {"first": 200}, ADMIN, **read))["linkageRoutingTable"]

    assert [c["version"] for c in paged[:4]] == versions[::-1]
    assert [c["acceptWithinHours"] for c in paged[:4]] == [72, 73, 72, 73]
    assert paged == [e["node"] for e in whole["changes"]["edges"]] and whole["version"] == versions[-1]
    assert [c["version"] for c in paged] == sorted({c["version"] for c in paged}, reverse=True)
