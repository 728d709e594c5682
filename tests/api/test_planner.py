"""The query planner answers exactly like the resolvers (issue 12 item 1): the same JSON, the same masking, the
same personal-data read log — for every documented query, the queries the tests use and a generated set of
documents, as every kind of reader; and where it cannot plan, or the input is bad, the resolvers answer."""

from __future__ import annotations

import random
from typing import Any

import asyncpg
import pytest

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.api.test_compiled_operations import QUERIES as COMPILED_QUERIES
from tests.api.test_compiled_operations import last_read_id, reads_since
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR,
    error_codes,
    token,
)

INTEGRATOR_PERSONAL = token("integrator", office="DISTRICT-PLATFORM", subject="int-personal",
                            scopes={"read", "personal"})
NO_SCOPES = token("integrator", office="DISTRICT-PLATFORM", subject="int-nothing", scopes=set())
PURPOSE = {"X-Access-Purpose": "complaint 2026-42"}

# (label, bearer, headers): the district's caseworker, another district's, integrators with and without the
# personal scope, an inspector with and without a purpose, the admin
READERS = [
    ("caseworker HAIZHU", CASEWORKER_HAIZHU, {}),
    ("caseworker TIANHE", CASEWORKER_TIANHE, {}),
    ("integrator", INTEGRATOR, {}),
    ("integrator personal", INTEGRATOR_PERSONAL, {}),
    ("inspector with purpose", INSPECTOR, PURPOSE),
    ("inspector without purpose", INSPECTOR, {}),
    ("admin", ADMIN, {}),
]

README_TOUR = """{ residents(filter: {district: "HAIZHU", name: "规划"}, first: 5) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name idNumber phone address { districtName street community }
      household { size members { relationship resident { name } } }
      timeline(first: 20) { edges { node { occurredAt program kind summary actor { id role office } } } } } } } }"""

NESTED = """query Family($id: ID!, $n: Int) { resident(id: $id) { id name idNumber birthDate
    household { id householdId district size version head { name phone }
      members { relationship residentId resident { id name idNumber phone birthDate address { street masked }
        timeline(first: $n) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { occurredAt kind summary position streamId streamVersion correlationId } } } } } } } }"""

HOUSEHOLD = """query($h: ID!) { household(id: $h) { __typename id size
    head { ...Person } members { __typename relationship resident { ...Person } } } }
    fragment Person on Resident { name idNumber phone gender residency relationshipToHead deceasedOn registeredAt
      address { __typename district districtName street community masked } }"""

DOCUMENTS = {
    "readme tour": (README_TOUR, {}),
    "nested family": (NESTED, {"n": 10}),
    "nested family, default page": (NESTED, {}),
    "household with fragments": (HOUSEHOLD, {}),
    "aliases and paging": ("""query($id: ID!, $after: String) { me: viewer { role }
        a: resident(id: $id) { x: name t1: timeline(first: 1) { pageInfo { endCursor } edges { cursor } }
          t2: timeline(first: 2, after: $after) { pageInfo { hasPreviousPage } edges { node { kind } } } }
        b: residents(filter: {district: "HAIZHU", name: "规划"}, first: 2) { edges { cursor node { name } } } }""",
                           {}),
    "search by id number": ("""query($n: String!) { residents(filter: {idNumber: $n}) {
        edges { node { name idNumber household { members { resident { name } } } } } } }""", {}),
    "inline fragment": ("""query($id: ID!) { resident(id: $id) { ... on Resident { name idNumber }
        ... { household { size } } } }""", {}),
    **{f"compiled: {label}": (query, {"first": 2, "name": "编译路径"}) for label, query in COMPILED_QUERIES.items()},
}

SCALARS = ["id", "residentId", "name", "gender", "residency", "district", "version", "erased", "deceasedOn",
           "registeredAt", "relationshipToHead", "idNumber", "phone", "birthDate", "__typename"]


def _resident_selection(rng: random.Random, depth: int) -> str:
    fields = rng.sample(SCALARS, rng.randint(1, 6))
    parts = [f"{'a' + str(i) + ': ' if rng.random() < 0.2 else ''}{f}" for i, f in enumerate(fields)]
    if rng.random() < 0.5:
        parts.append("address { " + " ".join(rng.sample(["district", "districtName", "street", "community",
                                                          "masked"], 2)) + " }")
    if rng.random() < 0.5:
        first = rng.choice([1, 3, 10])
        programs = ' programs: ["residents"]' if rng.random() < 0.3 else ""
        parts.append(f"timeline(first: {first}{programs}) {{ pageInfo {{ hasNextPage endCursor }} "
                     "edges { cursor node { kind position actor { role } } } }")
    if depth < 2 and rng.random() < 0.6:
        parts.append("household { size members { relationship resident { "
                     + _resident_selection(rng, depth + 1) + " } } head { " + _resident_selection(rng, depth + 1)
                     + " } }")
    return " ".join(parts)


def generated_documents(count: int = 24, seed: int = 12) -> dict[str, tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    out = {}
    for n in range(count):
        draw = rng.random()
        if draw < 0.15:
            query = ("query($h: ID!) { household(id: $h) { id householdId district size version members { "
                     "relationship residentId resident { " + _resident_selection(rng, 1) + " } } } }")
        elif draw < 0.6:
            query = "query($id: ID!) { resident(id: $id) { " + _resident_selection(rng, 0) + " } }"
        else:
            query = ('{ residents(filter: {district: "HAIZHU", name: "规划"}, first: 3) { pageInfo { hasNextPage } '
                     "edges { cursor node { " + _resident_selection(rng, 1) + " } } } }")
        out[f"generated {n}"] = (query, {})
    return out


_FAMILY: dict[str, Any] = {}


@pytest.fixture
async def family(gql: GQL) -> dict[str, Any]:
    """A Haizhu household of three with timelines of several entries (made once for the module)."""
    if _FAMILY:
        return _FAMILY
    id_number = None
    members = []
    for name in ("规划户主", "规划配偶", "规划子女"):
        made = await register(gql, as_=CASEWORKER_HAIZHU, name=name)
        members.append(made["resident"]["id"])
        id_number = id_number or made["resident"]["idNumber"]
    for rid in members[:2]:
        for street in ("滨江街", "素社街"):
            await gql("mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }",
                      {"i": {"residentId": rid, "district": "HAIZHU", "street": street, "community": "社区"}})
    household = (await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) {"
                           " household { id } } }", {"i": {"headId": members[0]}}))
    hid = household["data"]["establishHousehold"]["household"]["id"]
    position = 0
    for rid, relationship in zip(members[1:], ("SPOUSE", "CHILD"), strict=True):
        body = await gql("mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { position } }",
                         {"i": {"householdId": hid, "residentId": rid, "relationship": relationship}})
        position = body["data"]["addHouseholdMember"]["position"]
    # another district's resident, in the same search
    await register(gql, as_=CASEWORKER_TIANHE, name="规划天河", district="TIANHE", street="石牌街")
    _FAMILY.update(id=members[0], h=hid, members=members, position=position)
    return _FAMILY


async def _both(gql: GQL, runtime: Runtime, app: Any, query: str, variables: dict[str, Any], bearer: str,
                headers: dict[str, str], position: int) -> tuple[list[Any], list[Any], list[int]]:
    http = app.state.graphql_http
    answers, logs, planned = [], [], []
    try:
        for plan in (True, False):
            http.compile = plan
            marker, before = await last_read_id(runtime), http.stats["compiled"]
            answers.append(await gql(query, variables, as_=bearer, headers=headers,
                                     extensions={"minPosition": position}))
            logs.append(sorted(await reads_since(runtime, marker)))
            planned.append(http.stats["compiled"] - before)
    finally:
        http.compile = True
    return answers, logs, planned


ALL_DOCUMENTS = {**DOCUMENTS, **generated_documents()}


@pytest.mark.parametrize("reader", READERS, ids=[r[0] for r in READERS])
@pytest.mark.parametrize("label", list(ALL_DOCUMENTS))
async def test_planned_and_resolved_answers_are_identical(gql: GQL, runtime: Runtime, app: Any,
                                                          family: dict[str, Any], label: str,
                                                          reader: tuple[str, str, dict[str, str]]) -> None:
    query, extra = ALL_DOCUMENTS[label]
    _, bearer, headers = reader
    variables = {"id": family["id"], "h": family["h"], **extra}  # a variable the operation does not define is unused
    if "$n: String!" in query:
        variables["n"] = await _id_number(runtime, family["members"][1])

    answers, logs, planned = await _both(gql, runtime, app, query, variables, bearer, headers, family["position"])

    assert planned == [1, 0], "the first answer must come from the planner, the second from the resolvers"
    assert answers[0] == answers[1]
    assert "errors" not in answers[0], answers[0]
    assert logs[0] == logs[1]


async def _id_number(runtime: Runtime, global_id: str) -> str:
    from civicledger.graphql.relay import uuid_of

    async with runtime.pool.acquire() as conn:
        return str(await conn.fetchval("SELECT id_number FROM residents WHERE id = $1", uuid_of(global_id, "Resident")))


async def test_the_district_caseworker_sees_the_family_and_the_reads_are_logged(
        gql: GQL, runtime: Runtime, app: Any, family: dict[str, Any]) -> None:
    answers, logs, planned = await _both(gql, runtime, app, NESTED, {"id": family["id"], "n": 10},
                                         CASEWORKER_HAIZHU, {}, family["position"])
    resident = answers[0]["data"]["resident"]
    members = resident["household"]["members"]

    assert planned == [1, 0]
    assert [m["relationship"] for m in members] == ["HEAD", "SPOUSE", "CHILD"]
    assert all("*" not in m["resident"]["idNumber"] for m in members)
    assert [len(m["resident"]["timeline"]["edges"]) for m in members] == [4, 4, 2]  # registration, two moves, household events
    assert sorted(str(r[1]) for r in logs[0]) == sorted(m["residentId"] for m in members)


async def test_another_district_sees_masked_fields_and_nothing_is_logged(
        gql: GQL, runtime: Runtime, app: Any, family: dict[str, Any]) -> None:
    answers, logs, planned = await _both(gql, runtime, app, NESTED, {"id": family["id"], "n": 10},
                                         CASEWORKER_TIANHE, {}, family["position"])
    members = answers[0]["data"]["resident"]["household"]["members"]

    assert planned == [1, 0]
    assert all("*" in m["resident"]["idNumber"] and m["resident"]["address"]["masked"] for m in members)
    assert all(len(m["resident"]["birthDate"]) == 4 for m in members)
    assert logs == [[], []]


# -- what the planner does not plan, and bad input ---------------------------------------------------------------

UNPLANNABLE = {
    "time travel": ("""query($id: ID!) { resident(id: $id, asOf: "2030-01-01T00:00:00+00:00") { name } }""",
                    INSPECTOR),
    "a field backed by code": ("{ projectionStatus { name } viewer { role } }", CASEWORKER_HAIZHU),
    "a directive": ("""query($id: ID!) { resident(id: $id) { name @include(if: true) } }""", CASEWORKER_HAIZHU),
    "an abstract type": ("""query($id: ID!) { node(id: $id) { ... on Resident { name } } }""", CASEWORKER_HAIZHU),
}


@pytest.mark.parametrize("label", list(UNPLANNABLE))
async def test_an_unplannable_document_is_answered_by_the_resolvers(gql: GQL, runtime: Runtime, app: Any,
                                                                   family: dict[str, Any], label: str) -> None:
    query, bearer = UNPLANNABLE[label]
    variables = {"id": family["id"]} if "$id" in query else {}

    answers, _, planned = await _both(gql, runtime, app, query, variables, bearer, PURPOSE, family["position"])

    assert planned == [0, 0]
    assert answers[0] == answers[1]
    assert "errors" not in answers[0], answers[0]
    assert gql.last.headers.get("content-type", "").startswith("application/graphql-response+json")


BAD = {
    "first over the limit": ("query($id: ID!) { resident(id: $id) { timeline(first: 201) { edges { cursor } } } }",
                             {}, ["INVALID_INPUT"]),
    "first below one, in every member's timeline": (NESTED, {"n": 0}, ["INVALID_INPUT"]),
    "first below one": ("query($id: ID!) { resident(id: $id) { timeline(first: 0) { edges { cursor } } } }", {},
                        ["INVALID_INPUT"]),
    "malformed cursor": ("query($id: ID!, $a: String) { resident(id: $id) { timeline(after: $a) { edges { cursor } } } }",
                         {"a": "not-a-cursor"}, ["INVALID_INPUT"]),
    "another connection's cursor": ("query($id: ID!, $a: String) { resident(id: $id) { timeline(after: $a) {"
                                    " edges { cursor } } } }", {"a": "cjox"}, ["INVALID_INPUT"]),
    "malformed id": ("query($x: ID!) { resident(id: $x) { name } }", {"x": "nonsense-id"}, ["INVALID_INPUT"]),
    "a household's id as a resident's": ("query($x: ID!) { resident(id: $x) { name } }", {"x": "@h"},
                                         ["NOT_FOUND"]),
    "no such resident": ("query($x: ID!) { resident(id: $x) { name } }",
                         {"x": "00000000-0000-4000-8000-000000000000"}, ["NOT_FOUND"]),
    "a variable of the wrong type": (NESTED, {"n": "ten"}, ["BAD_USER_INPUT"]),
    "a NUL in a search": ("query($q: String) { residents(filter: {name: $q}) { edges { cursor } } }", {"q": "a\x00b"},
                          ["INVALID_INPUT"]),
    "an unknown district": ("""{ residents(filter: {district: "NOWHERE"}) { edges { cursor } } }""", {},
                            ["INVALID_INPUT"]),
}


@pytest.mark.parametrize("label", list(BAD))
async def test_bad_input_is_the_same_typed_error_on_both_paths(gql: GQL, runtime: Runtime, app: Any,
                                                               family: dict[str, Any], label: str) -> None:
    query, variables, codes = BAD[label]
    variables = {"id": family["id"], **{k: (family["h"] if v == "@h" else v) for k, v in variables.items()}}
    if "$id" not in query:
        variables.pop("id")

    answers, _, planned = await _both(gql, runtime, app, query, variables, CASEWORKER_HAIZHU, {},
                                      family["position"])

    assert answers[0] == answers[1]
    assert sorted(set(error_codes(answers[0]))) == codes
    assert planned[1] == 0


async def test_a_plan_never_widens_access(gql: GQL, runtime: Runtime, app: Any, family: dict[str, Any]) -> None:
    answers, logs, planned = await _both(gql, runtime, app, NESTED, {"id": family["id"]}, NO_SCOPES, {},
                                         family["position"])

    assert planned == [0, 0]
    assert answers[0] == answers[1]
    assert error_codes(answers[0]) == ["FORBIDDEN"]
    assert logs == [[], []]


async def test_the_plan_is_made_once_per_document(gql: GQL, app: Any, family: dict[str, Any]) -> None:
    http = app.state.graphql_http
    query = NESTED + " # planned once"
    for _ in range(3):
        body = await gql(query, {"id": family["id"], "n": 2}, extensions={"minPosition": family["position"]})
        assert "errors" not in body
    plans = [key for key in http.compiled if key[0] == __import__("hashlib").sha256(query.encode()).hexdigest()]

    assert len(plans) == 1 and http.compiled[plans[0]] is not None


AUDIT = """query($sid: ID, $after: String, $o: LogOrder) { auditLog(filter: {streamId: $sid}, first: 2, after: $after,
    order: $o) { __typename pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id occurredAt program kind topic streamId streamVersion position reason correlationId
      causationId idempotencyKey origin actor { id role office district } } } } }"""
README_AUDIT = """{ auditLog(filter: {office: "HAIZHU-JIANGHAI-STATION", kind: "Resident.AddressChanged",
                    since: "2026-03-01T00:00:00+08:00"}, first: 20) {
    edges { node { occurredAt program kind streamId streamVersion position reason correlationId
                   actor { id role office district } } } } }"""


@pytest.mark.parametrize("order", ["NEWEST_FIRST", "OLDEST_FIRST", None])
@pytest.mark.parametrize("reader", READERS, ids=[r[0] for r in READERS])
async def test_the_audit_log_page_is_planned_for_auditors_only(gql: GQL, runtime: Runtime, app: Any,
                                                               family: dict[str, Any], order: str | None,
                                                               reader: tuple[str, str, dict[str, str]]) -> None:
    _, bearer, headers = reader
    variables: dict[str, Any] = {"sid": family["id"]}
    if order is not None:  # an explicit null for `order: LogOrder! = NEWEST_FIRST` is an executor error today
        variables["o"] = order
    answers, _, planned = await _both(gql, runtime, app, AUDIT, variables, bearer, headers, family["position"])
    assert answers[0] == answers[1]
    if error_codes(answers[0]):
        assert error_codes(answers[0]) == ["FORBIDDEN"] and planned == [0, 0]
        return
    assert planned == [1, 0]
    first = answers[0]["data"]["auditLog"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]  # the stream has three events

    variables["after"] = first["pageInfo"]["endCursor"]
    answers, _, planned = await _both(gql, runtime, app, AUDIT, variables, bearer, headers, family["position"])
    assert planned == [1, 0]
    assert answers[0] == answers[1] and "errors" not in answers[0]
    assert answers[0]["data"]["auditLog"]["pageInfo"]["hasPreviousPage"] is True

    answers, _, planned = await _both(gql, runtime, app, README_AUDIT, {}, bearer, headers, family["position"])
    assert planned == [1, 0]
    assert answers[0] == answers[1] and answers[0]["data"]["auditLog"]["edges"]


async def test_a_payload_in_the_audit_log_is_answered_by_the_resolvers(gql: GQL, runtime: Runtime, app: Any,
                                                                      family: dict[str, Any]) -> None:
    query = "query($sid: ID) { auditLog(filter: {streamId: $sid}, first: 2) { edges { node { kind payload } } } }"
    answers, _, planned = await _both(gql, runtime, app, query, {"sid": family["id"]}, INSPECTOR, PURPOSE,
                                      family["position"])

    assert planned == [0, 0]
    assert answers[0] == answers[1] and "errors" not in answers[0]


async def test_instants_written_by_the_database_are_the_resolvers_spelling(runtime: Runtime) -> None:
    """Rows rendered whole in SQL (pure plans) write instants the way strawberry's DateTime does (`instant`):
    with and without a fraction, before the epoch, at leap days and far years."""
    from civicledger.graphql.planner.declarations import instant, instant_text_sql, timestamp_text_sql

    samples = [0, 1, 999_999, 1_000_000, -1, -1_000_000, -1_500_000, 951_782_400_000_000, 951_782_400_123_450,
               1_796_000_000_000_007, 253_402_300_799_999_999, -62_135_596_800_000_000, None]
    # the timestamptz of those microseconds, exactly (whole seconds and the fraction apart: no float rounding)
    stamp = "('epoch'::timestamptz + ($1::bigint / 1000000) * interval '1 second' + ($1::bigint % 1000000) * " \
            "interval '1 microsecond')"
    async with runtime.pool.acquire() as conn:
        await conn.execute("SET TIME ZONE 'Asia/Shanghai'")  # the session's zone changes nothing
        try:
            for micros in samples:
                written = await conn.fetchval(f"SELECT {instant_text_sql('$1::bigint')}", micros)
                assert written == instant(micros), micros
                written = await conn.fetchval(f"SELECT {timestamp_text_sql(stamp)}", micros)
                assert written == instant(micros), micros
            for outside in ("infinity", "-infinity", "10000-01-01 00:00:00+00", "0001-12-31 23:59:59+00 BC"):
                with pytest.raises(asyncpg.DataError):  # as `instant_sql`'s bigint or Python's datetime fail there
                    await conn.fetchval(f"SELECT {timestamp_text_sql('$1::text::timestamptz')}", outside)
        finally:
            await conn.execute("RESET TIME ZONE")


async def test_instants_written_from_the_column_are_the_resolvers_spelling(runtime: Runtime) -> None:
    """A declared instant column (`instant_column`) is written by the database from the timestamptz itself: the
    same text strawberry's DateTime writes for the value asyncpg reads, whatever the session's time zone."""
    from datetime import datetime

    from civicledger.graphql.planner.declarations import instant_column

    samples = ["1970-01-01 00:00:00+00", "1969-12-31 23:59:59.999999+00", "1969-12-31 23:59:59.5+00",
               "0001-01-01 00:00:00+00", "0999-12-31 23:59:59.000001+00", "2000-02-29 12:00:00.12345+08",
               "2026-12-03 00:00:00.000010-05", "9999-12-31 23:59:59.999999+00", None]
    written_sql = instant_column("$1::text::timestamptz").text  # the value stays in the database
    assert written_sql is not None and "extract(epoch" not in written_sql  # from the column, not microseconds
    async with runtime.pool.acquire() as conn:
        for zone in ("UTC", "Asia/Shanghai", "America/St_Johns"):
            await conn.execute(f"SET TimeZone = '{zone}'")
            for text in samples:
                value = await conn.fetchval("SELECT $1::text::timestamptz", text)
                assert value is None or isinstance(value, datetime)
                written = await conn.fetchval(f"SELECT {written_sql}", text)
                assert written == (None if value is None else value.isoformat()), (zone, text)
        await conn.execute("RESET TimeZone")


def _resident_plan(app: Any, fields: str) -> Any:
    from graphql import OperationDefinitionNode, parse

    from civicledger.graphql.planner import plan_operation

    document = parse("query($id: ID!) { resident(id: $id) { " + fields + " timeline(first: 5) { pageInfo { "
                     "hasNextPage endCursor } edges { cursor node { occurredAt kind summary position __typename "
                     "actor { id role } } } } } }")
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    planned = plan_operation(app.state.graphql_http.schema._schema, document, operation)
    assert planned is not None
    return planned.roots[0].payload[1]


async def test_rows_of_plain_columns_are_rendered_whole_by_the_database(app: Any) -> None:
    """A timeline page (plain columns, an instant, an embedded actor, cursors, page info) is pure: the database
    writes it as the response has it; a resident with a masked field is shaped in Python around it."""
    masked = _resident_plan(app, "name idNumber")
    page = next(payload for _, kind, payload in masked.entries if kind == "page")
    assert not masked.pure and page.pure and page.node_plan.pure
    assert _resident_plan(app, "id name").pure


async def test_a_reader_who_sees_no_personal_data_gets_rows_rendered_whole(app: Any) -> None:
    """For a reader whom every rule masks (`sees_no_personal_data`), masked fields, hidden figures and a case's
    verification matrix are written by the database: the plan for such a reader is pure where the general one
    is shaped in Python."""
    from graphql import OperationDefinitionNode, parse

    from civicledger.graphql.planner import plan_operation

    def planned(query: str) -> Any:
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        plan = plan_operation(app.state.graphql_http.schema._schema, document, operation)
        assert plan is not None and plan.masked_roots is not None
        root, masked = plan.roots[0], plan.masked_roots[0]
        return (root.payload if root.kind == "page" else root.payload[1]).pure, \
            (masked.payload if masked.kind == "page" else masked.payload[1]).pure

    assert planned("query($id: ID!) { resident(id: $id) { id name idNumber phone birthDate household { members { "
                   "resident { idNumber } } } } }") == (False, True)
    assert planned("{ assistanceCases(first: 5) { edges { node { id program programName status statement "
                   "figuresMasked monthlyAmount verification { residentId source sourceName mandatory status "
                   "monthlyIncome assets flags } } } } }") == (False, True)
    # a rule that is no masking (the address's object, a date's) stays in Python for every reader
    assert planned("query($id: ID!) { resident(id: $id) { address { street } } }") == (False, False)


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "integrator", "inspector", "admin"])
@pytest.mark.parametrize("district", [None, "HAIZHU"])
@pytest.mark.parametrize("scopes", [frozenset(), frozenset({"read", "personal"})])
@pytest.mark.parametrize("purpose", [None, "", "  ", "complaint 42"])
def test_a_reader_who_sees_no_personal_data_sees_it_in_no_district(role: str, district: str | None,
                                                                     scopes: frozenset[str], purpose: str | None) -> None:
    from civicledger.core.auth import Principal, Role, Scope
    from civicledger.core.guangzhou import District
    from civicledger.graphql.permissions import sees_no_personal_data, sees_personal_data

    principal = Principal("p", Role(role), district=district, scopes=frozenset(Scope(s) for s in scopes))
    sees_somewhere = any(sees_personal_data(principal, d, purpose) for d in [*(d.value for d in District), None])
    assert sees_no_personal_data(principal, purpose) is not sees_somewhere


async def test_pages_rendered_by_the_database_match_the_resolvers_at_every_boundary(
        gql: GQL, runtime: Runtime, app: Any, family: dict[str, Any]) -> None:
    """Page sizes below, at and above the number of entries, from the start and after a cursor: edges, cursors
    and every page-info field as the resolvers give them."""
    query = """query($id: ID!, $n: Int, $after: String) { resident(id: $id) { timeline(first: $n, after: $after) {
        __typename pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
        edges { __typename cursor node { position kind } } } } }"""
    whole = await gql(query, {"id": family["id"], "n": 50}, extensions={"minPosition": family["position"]})
    edges = whole["data"]["resident"]["timeline"]["edges"]
    assert len(edges) >= 3
    # and without the page info: `first` rows only, not numbered
    edges_only = query.replace("pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }",
                               "pageInfo { hasPreviousPage }")
    assert edges_only != query
    for after in (None, edges[0]["cursor"], edges[-2]["cursor"], edges[-1]["cursor"]):
        for n in range(1, len(edges) + 2):
            for document in (query, edges_only):
                variables = {"id": family["id"], "n": n, "after": after}
                answers, logs, planned = await _both(gql, runtime, app, document, variables, CASEWORKER_HAIZHU, {},
                                                     family["position"])
                assert planned == [1, 0] and logs[0] == logs[1]
                assert answers[0] == answers[1], (n, after)


def test_the_audit_log_page_is_rendered_whole_by_the_database(app: Any) -> None:
    from graphql import OperationDefinitionNode, parse

    from civicledger.graphql.planner import plan_operation

    document = parse(AUDIT)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    planned = plan_operation(app.state.graphql_http.schema._schema, document, operation)
    assert planned is not None and planned.roots[0].kind == "page" and planned.roots[0].payload.pure


# -- name search: one, two and three characters, Latin and mixed names, wildcards (the name's gram index) --------

NAMESAKES = [("禤", "HAIZHU"), ("禤晔", "HAIZHU"), ("禤晔彤", "HAIZHU"), ("欧阳禤晔", "HAIZHU"), ("禤晔", "TIANHE"),
             ("Xuan Yewei", "HAIZHU"), ("XUAN 晔彤", "HAIZHU"), ("晔%彤", "HAIZHU")]
TERMS = ["禤", "晔", "彤", "禤晔", "晔彤", "阳禤", "禤晔彤", "欧阳禤晔", "xuan", "YEWEI", "n y", "n 晔", "Xuan 晔彤",
         "禤_彤", "禤%彤", "欧%晔", "晔\\%", "%", "_", "禤晔彤欧", "yewei xuan"]
SEARCH = """query($q: String, $d: String) { residents(filter: {name: $q, district: $d}, first: 100) {
    pageInfo { hasNextPage } edges { cursor node { id residentId name district } } } }"""
_NAMESAKES: dict[str, Any] = {}


@pytest.fixture
async def namesakes(gql: GQL) -> dict[str, Any]:
    if not _NAMESAKES:
        for name, district in NAMESAKES:
            tianhe = district == "TIANHE"
            made = await register(gql, as_=CASEWORKER_TIANHE if tianhe else CASEWORKER_HAIZHU, name=name,
                                  district=district, street="石牌街" if tianhe else "江海街")
            position = made["position"]
        _NAMESAKES["position"] = position
    return _NAMESAKES


async def _ilike_alone(runtime: Runtime, term: str, district: str | None) -> list[str]:
    """The rows of the search's predicate without any index clause: what both paths must answer."""
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT id FROM residents WHERE name ILIKE $1 AND ($2::text IS NULL OR district = $2)"
                                " ORDER BY seq LIMIT 100", f"%{term}%", district)
    return [str(r["id"]) for r in rows]


@pytest.mark.parametrize("district", ["HAIZHU", None])
@pytest.mark.parametrize("term", TERMS)
async def test_a_name_search_answers_the_rows_of_its_ilike_on_both_paths(
        gql: GQL, runtime: Runtime, app: Any, namesakes: dict[str, Any], term: str, district: str | None) -> None:
    expected = await _ilike_alone(runtime, term, district)
    for _, bearer, headers in READERS:
        answers, logs, planned = await _both(gql, runtime, app, SEARCH, {"q": term, "d": district}, bearer, headers,
                                             namesakes["position"])
        assert planned == [1, 0]
        assert answers[0] == answers[1] and "errors" not in answers[0], answers[0]
        assert logs[0] == logs[1]
        found = [e["node"]["residentId"] for e in answers[0]["data"]["residents"]["edges"]]
        assert found == expected, term
    if len(expected) < 100:  # every namesake the term matches is there (not only the ones on a first page)
        mine = {name for name, d in NAMESAKES if district in (None, d) and _like(term, name)}
        assert mine <= {e["node"]["name"] for e in answers[0]["data"]["residents"]["edges"]}, term


def _like(term: str, name: str) -> bool:
    """ILIKE '%term%' in Python, for the names above (`%`, `_`, backslash escapes)."""
    import re

    pattern, chars = "", iter(term)
    for ch in chars:
        pattern += re.escape(next(chars, ch)) if ch == "\\" else ".*" if ch == "%" else "." if ch == "_" \
            else re.escape(ch)
    return re.search(pattern, name, re.IGNORECASE | re.DOTALL) is not None


async def test_the_grams_of_a_caseless_term_are_the_databases(runtime: Runtime) -> None:
    from civicledger.projections.residents import caseless_term_grams, literal_runs

    for term in ["禤", "禤晔", "禤_彤%x晔", "陈大文", "12_34", "王-李", "晔\\%彤", "a", "禤A"]:
        runs = literal_runs(term)
        grams = caseless_term_grams(runs)
        if any(ch.isalpha() and ch.lower() != ch.upper() for ch in term):
            assert grams is None, term  # a cased letter: the database's lower() decides
            continue
        async with runtime.pool.acquire() as conn:
            made = await conn.fetchval("SELECT residents_term_grams($1::text[])", runs)
        assert sorted(grams or []) == sorted(made), term


def test_the_literal_runs_of_a_search_term() -> None:
    from civicledger.projections.residents import literal_runs

    assert literal_runs("禤晔") == ["禤晔"]
    assert literal_runs("禤_彤%x") == ["禤", "彤", "x"]
    assert literal_runs("晔\\%彤") == ["晔%彤"]
    assert literal_runs("%_%") == []
