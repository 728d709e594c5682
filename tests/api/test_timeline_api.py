"""Resident.timeline: a cursor connection over every program's entries, newest first, with filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL

TIMELINE = """
query T($id: ID!, $first: Int, $after: String, $programs: [String!], $since: DateTime, $until: DateTime) {
  resident(id: $id) { timeline(first: $first, after: $after, programs: $programs, since: $since, until: $until) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { occurredAt program kind summary position actor { id role office } } } } } }"""

CHANGE = """mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }"""


async def a_resident_with_history(gql: GQL, moves: int) -> tuple[str, int]:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="时间线"))["resident"]["id"]
    streets = ["滨江街", "素社街", "海幢街", "南华西街", "龙凤街", "沙园街", "江海街"]
    position = 0
    for i in range(moves):
        body = await gql(CHANGE, {"i": {"residentId": rid, "district": "HAIZHU", "street": streets[i % 7],
                                        "community": f"社区{i}"}})
        position = body["data"]["changeResidentAddress"]["position"]
    return rid, position


async def test_the_timeline_pages_newest_first_without_gaps_or_repeats(gql: GQL) -> None:
    rid, last = await a_resident_with_history(gql, moves=6)

    seen, after = [], None
    while True:
        body = await gql(TIMELINE, {"id": rid, "first": 3, "after": after}, extensions={"minPosition": last})
        page = body["data"]["resident"]["timeline"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    positions = [n["position"] for n in seen]
    assert len(seen) == 7
    assert positions == sorted(positions, reverse=True) and len(set(positions)) == 7
    assert seen[-1]["kind"] == "resident.registered"
    assert {n["kind"] for n in seen[:-1]} == {"resident.address_changed"}
    assert seen[0]["actor"] == {"id": "cw-li", "role": "caseworker", "office": "HAIZHU-JIANGHAI-STATION"}
    assert seen[0]["summary"].startswith("Moved to a new address in Haizhu")


async def test_the_timeline_filters_by_program_and_time(gql: GQL) -> None:
    rid, last = await a_resident_with_history(gql, moves=2)
    ext = {"minPosition": last}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    registry = await gql(TIMELINE, {"id": rid, "programs": ["residents"]}, extensions=ext)
    other = await gql(TIMELINE, {"id": rid, "programs": ["assistance"]}, extensions=ext)
    since_future = await gql(TIMELINE, {"id": rid, "since": future}, extensions=ext)
    until_past = await gql(TIMELINE, {"id": rid, "until": past}, extensions=ext)
    window = await gql(TIMELINE, {"id": rid, "since": past, "until": future}, extensions=ext)

    assert len(registry["data"]["resident"]["timeline"]["edges"]) == 3
    assert other["data"]["resident"]["timeline"]["edges"] == []
    assert since_future["data"]["resident"]["timeline"]["edges"] == []
    assert until_past["data"]["resident"]["timeline"]["edges"] == []
    assert len(window["data"]["resident"]["timeline"]["edges"]) == 3


async def test_a_malformed_cursor_is_invalid_input(gql: GQL) -> None:
    rid, _ = await a_resident_with_history(gql, moves=0)

    body = await gql(TIMELINE, {"id": rid, "after": "not-a-cursor"})

    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
