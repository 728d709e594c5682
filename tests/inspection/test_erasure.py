"""Erasure (PIPL): only the data-protection officer, on a referenced request; afterwards the resident's
personal data is unreadable in every place it was — event payloads, read models, caches, GraphQL, exports —
while history, counts and tamper evidence stay verifiable and the entries show as erased."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.sealed import fetch_keys
from civicledger.domains.residents.commands import EraseResident, RegisterResident
from civicledger.domains.residents.resident import Resident
from civicledger.inspection.export import verify_export
from civicledger.projections.base import Envelope, PersonalColumns, Projection, topics_of
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import ADMIN, CASEWORKER_HAIZHU, GQL, INSPECTOR, INTEGRATOR, error_codes, new_id_number
from tests.inspection.helpers import DATA_PROTECTION_OFFICER, PURPOSE, ctx, runtime_on, seal_everything

ERASE = """mutation($i: EraseResidentPersonalDataInput!) { eraseResidentPersonalData(input: $i) {
  residentId version position resident { name idNumber phone erased } } }"""
RESIDENT = """query($id: ID!) { resident(id: $id) { name idNumber phone birthDate erased address { street community }
  timeline { edges { node { kind summary } } } } }"""
HISTORY = """query($id: ID!) { streamHistory(streamId: $id) { edges { node { streamVersion kind reason
  actor { id role } payload erased } } } }"""


def erase_input(resident_global_id: str, **overrides: Any) -> dict[str, Any]:
    return {"residentId": resident_global_id, "requestReference": "PIPL-2026-0042",
            "reason": "the resident withdrew consent; no legal retention duty applies", **overrides}


async def test_only_the_data_protection_officer_may_erase_and_only_on_a_referenced_request(gql: GQL) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU)
    gid = resident["resident"]["id"]

    refused = [error_codes(await gql(ERASE, {"i": erase_input(gid)}, as_=bearer))
               for bearer in (CASEWORKER_HAIZHU, INSPECTOR, INTEGRATOR)]
    no_reference = await gql(ERASE, {"i": erase_input(gid, requestReference=" ")}, as_=ADMIN)
    no_reason = await gql(ERASE, {"i": erase_input(gid, reason="")}, as_=ADMIN)

    assert refused == [["FORBIDDEN"]] * 3
    assert error_codes(no_reference) == ["INVALID_INPUT"] and error_codes(no_reason) == ["INVALID_INPUT"]


async def tables_holding(pool: asyncpg.Pool, needles: Sequence[str]) -> dict[str, list[str]]:
    """Every table (and every event payload, decoded as text) where any of these strings appears in clear."""
    found: dict[str, list[str]] = {}
    async with pool.acquire() as conn:
        tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            text = f'"{table}"::text'
            for needle in needles:
                hexed = needle.encode().hex()
                if await conn.fetchval(f'SELECT count(*) FROM "{table}" WHERE strpos({text}, $1) > 0'
                                       f" OR strpos({text}, $2) > 0", needle, hexed):
                    found.setdefault(table, []).append(needle)
        for needle in needles:
            if await conn.fetchval("SELECT count(*) FROM events WHERE strpos(convert_from(state, 'UTF8'), $1) > 0",
                                   needle):
                found.setdefault("events.state", []).append(needle)
    return found


async def test_erasure_leaves_personal_data_unreadable_everywhere_and_history_and_evidence_verifiable(
        gql: GQL, runtime: Runtime) -> None:
    tag = secrets.token_hex(4)
    name, id_number, community = f"余{tag}", new_id_number(), f"同福{tag}社区"
    phone, new_phone = f"139{secrets.randbelow(10**8):08d}", f"137{secrets.randbelow(10**8):08d}"
    resident = await register(gql, as_=CASEWORKER_HAIZHU, name=name, id_number=id_number, phone=phone,
                              community=community)
    gid, rid = resident["resident"]["id"], uuid.UUID(resident["residentId"])
    await gql("""mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) { position } }""",
              {"i": {"residentId": gid, "phone": new_phone, "reason": "new number"}})
    before = await gql(RESIDENT, {"id": gid}, as_=INSPECTOR, headers=PURPOSE)
    assert before["data"]["resident"]["name"] == name  # readable until erased
    assert await tables_holding(runtime.pool, [tag, id_number, new_phone])  # ... and stored in clear somewhere
    await seal_everything(runtime)
    # The projections unwrapped the resident's key once and kept it for their next batches (`unwrap_fetched`).
    assert any(subject == rid for subject, _ in runtime.ledger.keyring._unwrapped)
    before_erasure = datetime.now(UTC).isoformat()

    erased = await gql(ERASE, {"i": erase_input(gid)}, as_=ADMIN)
    position = erased["data"]["eraseResidentPersonalData"]["position"]
    await runtime.positions.wait_for(position, timeout=10)

    # The command's own answer, and GraphQL for every reader, purpose or not.
    assert erased["data"]["eraseResidentPersonalData"]["resident"] == {"name": None, "idNumber": None,
                                                                      "phone": None, "erased": True}
    for bearer, headers in ((INSPECTOR, PURPOSE), (CASEWORKER_HAIZHU, None)):
        shown = (await gql(RESIDENT, {"id": gid}, as_=bearer, headers=headers))["data"]["resident"]
        assert shown["erased"] and shown["name"] is None and shown["idNumber"] is None and shown["phone"] is None
        assert shown["birthDate"] is None and shown["address"]["street"] is None
        assert shown["timeline"]["edges"][0]["node"]["kind"] == "resident.erased"
    # Event payloads: the key is gone; decrypting gives None, on the write side and the read side.
    resident_now = await runtime.run(runtime.services.residents.get_resident, rid)
    assert (resident_now.name, resident_now.id_number, resident_now.phone, resident_now.erased) == (None, None, None, True)
    events = await runtime.inspection.stream_history(rid, limit=10)
    async with runtime.pool.acquire() as conn:
        keys = await fetch_keys(conn, runtime.ledger.keyring, [e.state for e in events])
    first = runtime.inspection.reader.decode(rid, 1, events[0].topic, events[0].state, keys)
    assert (first.name, first.id_number, first.phone, first.street) == (None, None, None, None)
    assert (first.gender, first.birth_date) == (None, None)  # both read off the ID number
    # History stays, entries show as erased, the erasure itself is audited.
    history = [e["node"] for e in (await gql(HISTORY, {"id": gid}, as_=INSPECTOR, headers=PURPOSE))
               ["data"]["streamHistory"]["edges"]]
    assert [(h["streamVersion"], h["erased"]) for h in history] == [(1, True), (2, True), (3, False)]
    assert history[0]["payload"]["name"] is None and history[0]["payload"]["district"] == "HAIZHU"
    assert history[0]["payload"]["gender"] is None and history[0]["payload"]["birth_date"] is None
    assert history[2]["kind"] == "Resident.PersonalDataErased" and history[2]["actor"] == {"id": "admin-wang",
                                                                                            "role": "admin"}
    assert history[2]["payload"]["request_reference"] == "PIPL-2026-0042"
    # As recorded before the erasure: the state is rebuilt, the personal data is not.
    then = await gql("query($id: ID!, $at: DateTime!) { resident(id: $id, asOf: $at) { version name erased } }",
                     {"id": gid, "at": before_erasure}, as_=INSPECTOR, headers=PURPOSE)
    assert then["data"]["resident"] == {"version": 2, "name": None, "erased": True}
    # Exports verify and hold no personal data.
    export = await gql("query($id: ID!) { exportAuditTrail(residentId: $id) { document } }", {"id": gid},
                       as_=INSPECTOR, headers=PURPOSE)
    document = export["data"]["exportAuditTrail"]["document"]
    assert verify_export(document).ok
    assert not any(needle in str(document) for needle in (tag, id_number, phone, new_phone))
    # Nowhere in the database, nor in the projection runner's decode cache.
    assert await tables_holding(runtime.pool, [tag, id_number, phone, new_phone]) == {}
    assert not any(getattr(e, "name", None) == name for e in runtime.runner.cache._items.values())
    assert not any(subject == rid for subject, _ in runtime.ledger.keyring._unwrapped)
    # Tamper evidence: still green, per stream and for the whole log.
    report = await gql("query($id: ID!) { one: verifyIntegrity(streamId: $id) { ok events } all: verifyIntegrity "
                       "{ ok text } }", {"id": resident["residentId"]}, as_=INSPECTOR)
    assert report["data"]["one"] == {"ok": True, "events": 3}
    assert report["data"]["all"]["ok"], report["data"]["all"]["text"]


class MealEnrolmentsProjection(Projection):
    """A program's read model holding personal data, following the erasure convention."""

    name = "test_meal_enrolments"
    tables = ("test_meal_enrolments",)
    topics = topics_of(Resident.Registered)
    personal_columns = (PersonalColumns("test_meal_enrolments", "elder_id", ("name", "phone"), erased_flag="erased"),)
    seen: list[str] = []

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute("CREATE TABLE IF NOT EXISTS test_meal_enrolments (elder_id uuid PRIMARY KEY, name text,"
                           " phone text, district text NOT NULL, erased boolean NOT NULL DEFAULT false)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        self.seen.extend(env.kind for env in batch)
        await conn.executemany(
            "INSERT INTO test_meal_enrolments (elder_id, name, phone, district) VALUES ($1, $2, $3, $4)",
            [(env.stream_id, env.event.name, env.event.phone, env.event.district) for env in batch])


async def test_a_programs_read_model_is_scrubbed_by_declaring_its_personal_columns(
        scratch_db: ConnectionParams) -> None:
    async with runtime_on(scratch_db) as runtime:
        registry = runtime.services.residents
        ids = [(await runtime.run(registry.register_resident, RegisterResident(
            name=f"老人{i}", id_number=new_id_number(), district="HAIZHU", street="江海街", community="红卫社区",
            phone="13800138000"), ctx())).stream_id for i in range(2)]
        projection = MealEnrolmentsProjection(runtime.ledger.mapper)
        runner = ProjectionRunner(runtime.pool, runtime.ledger.mapper, runtime.ledger.keyring, [projection])
        await runner.create_tables()

        erased = await runtime.run(registry.erase_resident, EraseResident(ids[0], "PIPL-1"),
                                   ctx(DATA_PROTECTION_OFFICER, reason="lawful request"))
        await follow(runner, projection, erased.position)
        after_erasure = await rows(runtime, ids)
        await runner.reset(projection)
        await follow(runner, projection, erased.position)
        after_rebuild = await rows(runtime, ids)

    assert after_erasure == after_rebuild == [(None, None, "HAIZHU", True), ("老人1", "13800138000", "HAIZHU", False)]
    assert "Resident.PersonalDataErased" not in projection.seen  # the runner scrubbed; apply never saw it


async def follow(runner: ProjectionRunner, projection: Projection, position: int, timeout: float = 20.0) -> None:
    """Step until the projection has passed `position` (the log's safe horizon may lag behind for a moment
    while other transactions on the server are open)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while runner.positions.get(projection.name, 0) < position:
        if not await runner.step(projection):
            assert asyncio.get_running_loop().time() < deadline, "the projection did not reach the position"
            await asyncio.sleep(0.05)


async def rows(runtime: Runtime, ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    async with runtime.pool.acquire() as conn:
        found = {r["elder_id"]: tuple(r)[1:] for r in await conn.fetch("SELECT * FROM test_meal_enrolments")}
    return [found[i] for i in ids]
