"""Bad input through GraphQL over HTTP gets a typed error and writes nothing: NUL bytes, oversized reasons and
idempotency keys, numbers beyond a column's range, instants beyond any calendar, claims of the wrong shape —
each once gave `INTERNAL_SERVER_ERROR` (or a stopped projection)."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import jwt

from civicledger.runtime import Runtime
from tests.api.helpers import REGISTER
from tests.conftest import ADMIN, GQL, INSPECTOR, JWT_SECRET, error_codes, new_id_number, token

BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint: log positions
CORRECT = """mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) { position } }"""


class Caller:
    """A caseworker of their own (a fresh subject), so that 'nothing was written' can be checked exactly."""

    def __init__(self, gql: GQL, runtime: Runtime) -> None:
        self.gql, self.runtime = gql, runtime
        self.subject = f"cw-bounds-{uuid.uuid4().hex[:8]}"
        self.bearer = token("caseworker", district="HAIZHU", office="HAIZHU-JIANGHAI-STATION", subject=self.subject)

    async def register(self, **fields: Any) -> dict[str, Any]:
        values = {"name": "王芳", "idNumber": new_id_number(), "district": "HAIZHU", "street": "江海街",
                  "community": "红卫社区", **fields}
        return await self.gql(REGISTER, {"input": values}, as_=self.bearer)

    async def written(self) -> int:
        """Events and idempotency records this caller has written."""
        async with self.runtime.pool.acquire() as conn:
            events = await conn.fetchval("SELECT count(*) FROM events WHERE actor_id = $1", self.subject)
            keys = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE scope = $1", self.subject)
        return int(events) + int(keys)


async def refused(caller: Caller, body: dict[str, Any], field: str | None = None) -> dict[str, Any]:
    assert error_codes(body) == ["INVALID_INPUT"], body
    assert await caller.written() == 0
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    if field is not None:
        assert extensions["field"] == field, extensions
    return extensions


async def test_a_caller_of_its_own_can_write(gql: GQL, runtime: Runtime) -> None:
    caller = Caller(gql, runtime)

    body = await caller.register(reason="walk-in registration", idempotencyKey="bounds-ok-1")

    assert "errors" not in body, body
    assert await caller.written() == 2  # the Registered event and its idempotency record


async def test_a_nul_byte_anywhere_is_refused_before_anything_runs(gql: GQL, runtime: Runtime) -> None:
    caller = Caller(gql, runtime)

    for field in ("name", "community", "street", "phone", "reason", "idempotencyKey", "idNumber"):
        await refused(caller, await caller.register(**{field: "红\x00卫"}), f"input.{field}")
    filtered = await gql("query($f: ResidentFilter) { residents(filter: $f) { edges { cursor } } }",
                         {"f": {"name": "\x00"}})
    literal = await gql('{ residents(filter: {name: "\\u0000"}) { edges { cursor } } }')

    assert error_codes(filtered) == ["INVALID_INPUT"] and error_codes(literal) == ["INVALID_INPUT"]
    assert not runtime.runner.errors  # no projection stopped on a NUL it could not store


async def test_a_reason_over_its_limit_is_refused_and_a_megabyte_never_reaches_the_log(gql: GQL,
                                                                                      runtime: Runtime) -> None:
    caller = Caller(gql, runtime)

    over = await refused(caller, await caller.register(reason="因" * 2001), "reason")
    megabyte = await refused(caller, await caller.register(reason="x" * 1_000_000), "input.reason")
    escape = await refused(caller, await caller.register(reason="ok\x1b[2Jcleared"), "reason")

    assert over["maxLength"] == 2000 and megabyte["maxLength"] == 10_000 and escape["maxLength"] == 2000


async def test_free_text_over_its_field_limit_is_refused(gql: GQL, runtime: Runtime) -> None:
    caller = Caller(gql, runtime)

    name = await refused(caller, await caller.register(name="王" * 61), "name")
    community = await refused(caller, await caller.register(community="社" * 61), "community")

    assert name["maxLength"] == 60 and community["maxLength"] == 60


async def test_an_oversized_or_odd_idempotency_key_is_refused(gql: GQL, runtime: Runtime) -> None:
    caller = Caller(gql, runtime)

    for key in ("k" * 201, "k" * 9_000, "two words", "键"):
        extensions = await refused(caller, await caller.register(idempotencyKey=key), "idempotencyKey")
        assert extensions["maxLength"] == 200


async def test_numbers_beyond_their_range_are_invalid_input(gql: GQL, runtime: Runtime) -> None:
    caller = Caller(gql, runtime)
    resident = str(uuid.uuid4())

    beyond_int = await gql(CORRECT, {"i": {"residentId": resident, "reason": "r", "expectedVersion": 2**40}},
                           as_=caller.bearer)
    beyond_money = await gql("""query($i: PreviewAssistanceStandardInput!) { assistanceStandardPreview(input: $i)
                                { cases } }""", {"i": {"program": "MINIMUM_LIVING", "effectiveFrom": "2030-01-01",
                                                       "amount": "1" + "0" * 30}}, as_=ADMIN)
    nan_share = await gql("""mutation($i: PublishAssistanceStandardInput!) { publishAssistanceStandard(input: $i)
                             { position } }""", {"i": {"program": "TEMPORARY", "effectiveFrom": "2030-01-01",
                                                       "amount": "900", "share": "NaN", "reason": "r"}}, as_=ADMIN)

    await refused(caller, beyond_int)
    assert error_codes(beyond_money) == ["INVALID_INPUT"] and beyond_money["errors"][0]["extensions"]["field"] == "amount"
    assert error_codes(nan_share) == ["INVALID_INPUT"] and nan_share["errors"][0]["extensions"]["field"] == "share"


async def test_a_min_position_is_ascii_digits_within_bigint(gql: GQL) -> None:
    for position in ("١٢", "１２", BIGINT_MAX + 1, -1, "12abc", 1.5):
        body = await gql("{ viewer { subject } }", extensions={"minPosition": position})

        assert gql.last is not None and gql.last.status_code == 400
        assert error_codes(body) == ["INVALID_INPUT"], position


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


async def test_cursors_and_instants_beyond_range_are_invalid_input(gql: GQL) -> None:
    unicode_cursor = await gql("query($a: String) { residents(after: $a) { edges { cursor } } }", {"a": cursor("r:١٢")})
    ancient = await gql("query($f: AuditLogFilter) { auditLog(filter: $f) { edges { cursor } } }",
                        {"f": {"since": "0001-01-01T00:00:00+14:00"}}, as_=INSPECTOR)
    future = await gql("query($s: DateTime!) { unusualAccess(since: $s) { edges { cursor } } }",
                       {"s": "9999-12-31T23:59:59-14:00"}, as_=INSPECTOR)
    bad_date = await gql("query($m: Date!) { assistancePayroll(month: $m) { totalAmount } }", {"m": "2018-13-01"},
                         as_=ADMIN)

    assert [error_codes(b) for b in (unicode_cursor, ancient, future, bad_date)] == [["INVALID_INPUT"]] * 4


async def test_a_node_id_is_an_ascii_uuid_or_position(gql: GQL) -> None:
    for raw in ("Resident:12", "Need:xyz", "AssistanceCase:" + "١" * 32, "Household:" + "１" * 32,
                "RecordedEvent:١٢", f"RecordedEvent:{BIGINT_MAX + 1}"):
        global_id = base64.b64encode(raw.encode()).decode()
        body = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id}, as_=INSPECTOR)

        assert error_codes(body) == ["INVALID_INPUT"], (raw, body)
    not_base64 = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": "%%%"}, as_=INSPECTOR)

    assert error_codes(not_base64) == ["INVALID_INPUT"]


async def test_an_overlong_stated_purpose_is_refused(gql: GQL) -> None:
    body = await gql("{ viewer { subject } }", as_=INSPECTOR, headers={"X-Access-Purpose": "p" * 501})

    assert error_codes(body) == ["INVALID_INPUT"]


def signed(**claims: Any) -> str:
    now = int(time.time())
    values: dict[str, Any] = {"iss": "civicledger", "sub": "cw-forged-shape", "role": "caseworker", "iat": now,
                              "exp": now + 600, "scope": "read command", "district": "HAIZHU", **claims}
    return jwt.encode({k: v for k, v in values.items() if v is not None}, JWT_SECRET, algorithm="HS256")


async def test_a_signed_token_whose_claims_have_the_wrong_types_is_unauthenticated(gql: GQL,
                                                                                   runtime: Runtime) -> None:
    async with runtime.pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM events WHERE actor_id = 'cw-forged-shape'")

    for claims in ({"district": ["HAIZHU", "TIANHE"]}, {"scope": ["read", "command"]}, {"role": "superuser"},
                   {"sub": None}, {"office": {"name": "x"}}, {"district": None}):
        body = await gql(REGISTER, {"input": {"name": "王芳", "idNumber": new_id_number(), "district": "HAIZHU",
                                              "street": "江海街", "community": "红卫社区"}}, as_=signed(**claims))

        assert gql.last is not None and gql.last.status_code == 401, claims
        assert error_codes(body) == ["UNAUTHENTICATED"] and body["errors"][0]["message"], claims
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events WHERE actor_id = 'cw-forged-shape'") == before == 0
