"""The linkage work queue planned (issue 12): one statement for the page and its counts, answering exactly like
the resolver — the same items, buckets, cursors and counts, the same typed errors — for every kind of reader
of the planner's tests; a document asking for an item's referral, need or task (loaders, masking of the
resident's words) is answered by the resolvers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.api.test_planner import READERS, _both
from tests.conftest import CASEWORKER_HAIZHU, GQL, error_codes
from tests.linkage.test_linkage_api import REFER, Community, collect, ok

ACCEPT = "mutation($i: AcceptReferralInput!) { acceptReferral(input: $i) { position } }"
DECLINE = "mutation($i: DeclineReferralInput!) { declineReferral(input: $i) { position } }"
OPEN_TASK = "mutation($i: OpenLinkageTaskInput!) { openLinkageTask(input: $i) { position } }"

ITEM = "kind bucket due urgency subItem { code category label labelZh defaultLeadParty relatedProgram __typename }"
QUEUE = """query($org: ID, $staff: String, $first: Int, $after: String, $bucket: WorkQueueBucket, $asOf: DateTime,
    $soon: Int! = 48) { linkageWorkQueue(organisationId: $org, staffId: $staff, first: $first, after: $after,
    bucket: $bucket, asOf: $asOf, dueSoonHours: $soon) { __typename counts { overdue dueSoon open __typename }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { __typename cursor node { ITEM } } } }
    """.replace("ITEM", ITEM)
# Without cursors: the page, its counts and every item's sub-item written whole by the database
WHOLE = """query($org: ID, $staff: String, $first: Int, $after: String, $bucket: WorkQueueBucket, $asOf: DateTime,
    $soon: Int! = 48) { linkageWorkQueue(organisationId: $org, staffId: $staff, first: $first, after: $after,
    bucket: $bucket, asOf: $asOf, dueSoonHours: $soon) { counts { open overdue __typename dueSoon }
    pageInfo { hasNextPage hasPreviousPage } edges { node { ITEM } } } }""".replace(
    "ITEM", ITEM.replace("relatedProgram", "relatedProgram defaultAcceptWithinHours defaultCompleteWithinDays"))

_WORLD: dict[str, Any] = {}


@pytest.fixture
async def queues(gql: GQL) -> dict[str, Any]:
    """A community whose organisation has referrals to answer and to complete (one with an open task), and whose
    committee has needs to refer and a declined referral to reassign (made once for the module)."""
    if _WORLD:
        return _WORLD
    c = await Community(gql).register()
    position = 0
    referrals = []
    for n, (urgency, sub_item) in enumerate([("ROUTINE", "ELDERLY_HOME_CARE"), ("URGENT", "HEALTH_AND_REHABILITATION"),
                                             ("ROUTINE", "ELDERLY_HOME_CARE"), ("URGENT", "ELDERLY_HOME_CARE"),
                                             ("ROUTINE", "CULTURE_AND_RECREATION")]):
        resident = (await register(gql, as_=CASEWORKER_HAIZHU, name=f"队列居民{n}"))["resident"]["id"]
        need = await collect(gql, c, resident, urgency=urgency, sub_item=sub_item)
        if n < 4:
            referred = await ok(gql, REFER, {"i": {"needId": need["id"], "organisationId": c.org}}, c.committee_staff)
            referrals.append(referred["referNeed"]["referralId"])
            position = referred["referNeed"]["position"]
    position = (await ok(gql, ACCEPT, {"i": {"referralId": referrals[0]}}, c.org_staff))["acceptReferral"]["position"]
    position = (await ok(gql, OPEN_TASK, {"i": {"referralId": referrals[0], "title": "上门送餐",
                                                "ownerOrganisationId": c.org}}, c.org_staff))["openLinkageTask"][
        "position"]
    position = (await ok(gql, DECLINE, {"i": {"referralId": referrals[1], "reason": "人手不足"}}, c.org_staff))[
        "declineReferral"]["position"]
    _WORLD.update(org=c.org, committee=c.committee, staff=f"so-{c.tag}", position=position)
    return _WORLD


CASES = {
    "the organisation's queue": {"first": 20},
    "a page of two": {"first": 2},
    "the committee's queue": {"first": 20, "org": "@committee"},
    "one bucket": {"first": 20, "bucket": "DUE_SOON"},
    "as of a later instant, a short due-soon window": {"asOf": "2099-01-01T00:00:00+08:00", "soon": 1},
    "as of an earlier instant": {"asOf": "2000-01-01T00:00:00Z", "soon": 720},
    "default page size": {},
}


def _variables(queues: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    variables = {"org": queues["org"], **case}
    if variables["org"] == "@committee":
        variables["org"] = queues["committee"]
    return variables


@pytest.mark.parametrize("document", ["with cursors", "whole"])
@pytest.mark.parametrize("reader", READERS, ids=[r[0] for r in READERS])
@pytest.mark.parametrize("label", list(CASES))
async def test_planned_and_resolved_queues_are_identical(gql: GQL, runtime: Runtime, app: Any,
                                                         queues: dict[str, Any], label: str,
                                                         reader: tuple[str, str, dict[str, str]], document: str) -> None:
    _, bearer, headers = reader
    variables = _variables(queues, CASES[label])
    query = QUEUE if document == "with cursors" else WHOLE
    answers, logs, planned = await _both(gql, runtime, app, query, variables, bearer, headers, queues["position"])

    assert planned == [1, 0], "the first answer must come from the planner, the second from the resolvers"
    assert answers[0] == answers[1]
    assert "errors" not in answers[0], answers[0]
    assert answers[0]["data"]["linkageWorkQueue"]["edges"] or label.startswith("one bucket") or "instant" in label
    assert logs == [[], []]  # nothing personal in a queue item: no read to log on either path


def test_a_queue_without_cursors_is_rendered_whole_by_the_database(app: Any) -> None:
    from graphql import OperationDefinitionNode, parse

    from civicledger.graphql.planner import plan_operation

    def pure(query: str) -> bool:
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        planned = plan_operation(app.state.graphql_http.schema._schema, document, operation)
        assert planned is not None
        return bool(planned.roots[0].payload.pure)

    assert pure(WHOLE) and not pure(QUEUE)


async def test_sub_items_written_by_the_database_are_the_taxonomys(runtime: Runtime) -> None:
    """Every known code, a retired one (shown by its code) and none: the same fields as `sub_item_type`."""
    from civicledger.graphql.linkage.taxonomy import BY_CODE
    from civicledger.graphql.planner.declarations import TYPES, _sub_item

    fields = TYPES["WorkQueueItem"].fields["subItem"].object_sql  # type: ignore[union-attr]
    assert fields is not None
    row = "json_build_object(" + ", ".join(f"'{k}', {v.format(a='t')}" for k, v in fields.items()) + ")::text"
    async with runtime.pool.acquire() as conn:
        for code in [*BY_CODE, "RETIRED_SUB_ITEM", None]:
            written = await conn.fetchval(f"SELECT {row} FROM (SELECT $1::text AS sub_item) t", code)
            assert json.loads(written) == _sub_item(None, {"sub_item": code}), code


async def test_every_page_of_the_queue_is_the_same_on_both_paths(gql: GQL, runtime: Runtime, app: Any,
                                                                 queues: dict[str, Any]) -> None:
    """Walked page by page with the cursors each path gives: the same items, in the same order, the same counts."""
    for org in (queues["org"], queues["committee"]):
        after, kinds = None, []
        while True:
            variables = {"org": org, "first": 1, "after": after, "asOf": "2026-06-01T00:00:00Z"}
            answers, _, planned = await _both(gql, runtime, app, QUEUE, variables, CASEWORKER_HAIZHU, {},
                                              queues["position"])
            assert planned == [1, 0] and answers[0] == answers[1] and "errors" not in answers[0]
            page = answers[0]["data"]["linkageWorkQueue"]
            kinds += [e["node"]["kind"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        counts = page["counts"]
        assert len(kinds) == counts["overdue"] + counts["dueSoon"] + counts["open"]
        if org == queues["org"]:
            assert sorted(kinds) == ["REFERRAL_TO_ANSWER", "REFERRAL_TO_ANSWER", "REFERRAL_TO_COMPLETE", "TASK"]
        else:
            assert sorted(kinds) == ["NEED_TO_REFER", "REFERRAL_TO_REASSIGN"]


async def test_a_staff_members_own_queue_is_planned_too(gql: GQL, runtime: Runtime, app: Any,
                                                        queues: dict[str, Any]) -> None:
    answers, _, planned = await _both(gql, runtime, app, QUEUE, {"staff": queues["staff"]}, CASEWORKER_HAIZHU, {},
                                      queues["position"])

    assert planned == [1, 0]
    assert answers[0] == answers[1] and "errors" not in answers[0]


async def test_an_items_need_is_answered_by_the_resolvers(gql: GQL, runtime: Runtime, app: Any,
                                                          queues: dict[str, Any]) -> None:
    query = """query($org: ID) { linkageWorkQueue(organisationId: $org) { edges { node { kind
               need { description contactPhone } referral { status } } } } }"""
    for _, bearer, headers in READERS:
        answers, logs, planned = await _both(gql, runtime, app, query, {"org": queues["org"]}, bearer, headers,
                                             queues["position"])
        assert planned == [0, 0]
        assert answers[0] == answers[1] and "errors" not in answers[0]
        assert logs[0] == logs[1]


BAD = {
    "neither an organisation nor a staff member": ({"org": None}, ["INVALID_INPUT"]),
    "both": ({"staff": "someone"}, ["INVALID_INPUT"]),
    "a due-soon window over 30 days": ({"soon": 721}, ["INVALID_INPUT"]),
    "a due-soon window under an hour": ({"soon": 0}, ["INVALID_INPUT"]),
    "first over the limit": ({"first": 101}, ["INVALID_INPUT"]),
    "a malformed cursor": ({"after": "not-a-cursor"}, ["INVALID_INPUT"]),
    "another connection's cursor": ({"after": "cjox"}, ["INVALID_INPUT"]),
    "a resident's id as the organisation's": ({"org": "@resident"}, ["NOT_FOUND"]),
}


@pytest.mark.parametrize("label", list(BAD))
async def test_bad_queue_arguments_are_the_same_typed_error_on_both_paths(
        gql: GQL, runtime: Runtime, app: Any, queues: dict[str, Any], label: str) -> None:
    extra, codes = BAD[label]
    variables = {"org": queues["org"], **extra}
    if variables["org"] == "@resident":
        variables["org"] = (await register(gql, as_=CASEWORKER_HAIZHU))["resident"]["id"]
    answers, _, planned = await _both(gql, runtime, app, QUEUE, variables, CASEWORKER_HAIZHU, {},
                                      queues["position"])

    assert answers[0] == answers[1]
    assert sorted(set(error_codes(answers[0]))) == codes
    assert planned[1] == 0


def test_a_planned_queue_is_never_cached(app: Any) -> None:
    """Its buckets depend on the time of the request (now, unless `asOf`): the response cache keeps none."""
    from civicledger.graphql.compiled import compile_operation

    planned = compile_operation(app.state.graphql_http.schema, QUEUE, None)

    assert planned is not None and planned.cacheable is False
