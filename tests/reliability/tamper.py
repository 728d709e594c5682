"""A recorded, sealed and witnessed world to attack (cloned per test from a template database), the recent
records a running API process writes on top of it, and the attacks a DBA makes with plain SQL."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from civicledger import cli
from civicledger.app import create_app
from civicledger.core.auth import Principal, Role
from civicledger.core.db import ConnectionParams, drop_database
from civicledger.core.eventstore.integrity import META_COLUMNS, ZERO_HASH, chain_hash, event_digest
from civicledger.core.metadata import Actor
from civicledger.domains.residents.commands import CorrectResidentDetails, EraseResident, RegisterResident
from civicledger.runtime import Runtime
from tests.conftest import INSPECTOR, MASTER_KEY, make_settings, new_id_number
from tests.dbutil import test_server
from tests.inspection.helpers import ctx

ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU", district=None)
INSPECTOR_ZHOU = Principal(subject="insp-zhou", role=Role.INSPECTOR, office="AUDIT-BUREAU")
IDEMPOTENCY_KEY = "platform-retry-7f3a"
SMALL = {"db_pool_size": 2, "read_pool_size": 2}  # connections are shared with every other test on the server
VERIFY = "{ verifyIntegrity { ok text findings(first: 500) { edges { node { kind message } } } } }"


@dataclass
class Recent:
    """What the API process wrote in the last moments, before the next checkpoint."""

    corrected: uuid.UUID  # its stream's tail is the correction
    tail_position: int
    registered: uuid.UUID  # registered with an idempotency key
    registered_position: int
    read_id: int  # a read-access row: an inspector read the new resident's ID number
    erased: uuid.UUID  # erased: their data key destroyed
    erased_key: bytes  # what the DBA copied out of subject_keys before the erasure


@contextlib.contextmanager
def cloned(template: ConnectionParams) -> Iterator[ConnectionParams]:
    admin = test_server().with_dbname("postgres")
    name = f"tamper_clone_{uuid.uuid4().hex[:10]}"
    for attempt in range(50):  # the template's last sessions may take a moment to go
        try:
            with psycopg.connect(**admin.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.dbname}"')
            break
        except psycopg.errors.ObjectInUse:
            if attempt == 49:
                raise
            time.sleep(0.1)
    try:
        yield template.with_dbname(name)
    finally:
        for attempt in range(20):  # a server short of connections (other suites) must not leave it behind
            try:
                drop_database(admin, name)
                break
            except psycopg.OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.5)


@contextlib.asynccontextmanager
async def api_process(params: ConnectionParams, data_dir: Path) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    """The API as deployed: its runtime keeps receipts of what it writes; the sealer's ticks are the test's to
    make (`runtime.inspection.seal()` is exactly one tick), so that the window before sealing is the test's."""
    app = create_app(make_settings(data_dir=data_dir, checkpoint_interval_s=3600.0, **SMALL), params=params,
                     run_projections=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://civicledger.test") as client:
            yield app.state.runtime, client


async def write_recent(runtime: Runtime, world: Any) -> Recent:
    registry = runtime.services.residents
    corrected, erased = world.residents[0], world.residents[3]
    erased_key = await one(runtime, "SELECT wrapped_key FROM subject_keys WHERE subject_id = $1", erased)
    tail = await runtime.run(registry.correct_resident_details,
                             CorrectResidentDetails(corrected, phone="13700137000"), ctx(reason="new number"))
    registered = await runtime.run(
        registry.register_resident,
        RegisterResident(name="冯新", id_number=new_id_number(), district="HAIZHU", street="江海街",
                         community="红卫社区", phone="13600136000"), ctx(idempotency_key=IDEMPOTENCY_KEY))
    async with runtime.pool.acquire() as conn:
        await runtime.access_log.record(conn, INSPECTOR_ZHOU, [(registered.stream_id, "HAIZHU", {"idNumber"})],
                                        purpose="complaint 2026-114 review", correlation_id=str(uuid.uuid4()),
                                        operation="ResidentCard")
    read_id = await one(runtime, "SELECT max(id) FROM personal_data_reads")
    await runtime.run(registry.erase_resident, EraseResident(erased, "PIPL-2026-0042"),
                      ctx(ADMIN_WANG, reason="the resident withdrew consent"))
    return Recent(corrected=corrected, tail_position=tail.position, registered=registered.stream_id,
                  registered_position=registered.position, read_id=read_id, erased=erased,
                  erased_key=bytes(erased_key))


async def one(runtime: Runtime, statement: str, *args: Any) -> Any:
    async with runtime.pool.acquire() as conn:
        return await conn.fetchval(statement, *args)


async def dba(runtime: Runtime, statement: str, *args: Any) -> None:
    """Plain SQL, as a DBA runs it (the application's pool is only the way in)."""
    async with runtime.pool.acquire() as conn:
        await conn.execute(statement, *args)


# -- the attacks ----------------------------------------------------------------------------------------------

async def forge_event(runtime: Runtime, recent: Recent) -> None:
    """A death the registry never recorded, appended to the new resident's stream with the chain hash
    recomputed by the published algorithm and the best MAC a DBA has: a real one, of another event."""
    last = await row(runtime, "SELECT * FROM events WHERE originator_id = $1 ORDER BY originator_version DESC"
                              " LIMIT 1", recent.registered)
    state = b'{"timestamp":"2026-01-01T00:00:00+00:00","date_of_death":"2025-12-31"}'
    topic = "civicledger.domains.residents.resident:Resident.DeathRecorded"
    version = last["originator_version"] + 1
    meta = [last[c] for c in META_COLUMNS]
    forged = chain_hash(bytes(last["chain_hash"]), event_digest(recent.registered, version, topic, state, meta))
    columns = ", ".join(META_COLUMNS)
    await dba(runtime, f"INSERT INTO events (originator_id, originator_version, topic, state, notification_id, tx,"
                       f" {columns}, chain_hash, event_mac) SELECT $1, $2, $3, $4,"
                       f" (SELECT max(notification_id) + 1 FROM events), pg_current_xact_id(), {columns}, $5,"
                       f" event_mac FROM events WHERE notification_id = $6",
              recent.registered, version, topic, state, forged, last["notification_id"])


async def rewrite_and_rechain(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "UPDATE events SET reason = 'resident asked for it' WHERE notification_id = $1",
              recent.tail_position)
    await rewrite_chain(runtime, recent.corrected)


async def rewrite_chain(runtime: Runtime, stream: uuid.UUID, edit: str | None = None) -> None:
    """`edit` (with the stream as $1) then the stream's chain recomputed by the published algorithm."""
    if edit:
        await dba(runtime, edit, stream)
    previous = ZERO_HASH
    async with runtime.pool.acquire() as conn:
        for r in await conn.fetch("SELECT * FROM events WHERE originator_id = $1 ORDER BY originator_version",
                                  stream):
            previous = chain_hash(previous, event_digest(r["originator_id"], r["originator_version"], r["topic"],
                                                         bytes(r["state"]), [r[c] for c in META_COLUMNS]))
            await conn.execute("UPDATE events SET chain_hash = $1 WHERE notification_id = $2", previous,
                               r["notification_id"])


async def delete_stream_tail(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "DELETE FROM events WHERE notification_id = $1", recent.tail_position)


async def reorder_positions(runtime: Runtime, recent: Recent) -> None:
    """Two events of different streams change places, transaction ids included (so that transaction order
    still looks right)."""
    a, b = recent.tail_position, recent.registered_position
    async with runtime.pool.acquire() as conn, conn.transaction():
        tx = {r["notification_id"]: r["tx"] for r in await conn.fetch(
            "SELECT notification_id, tx::text AS tx FROM events WHERE notification_id = ANY($1)", [a, b])}
        await conn.execute("UPDATE events SET notification_id = -1 WHERE notification_id = $1", a)
        await conn.execute("UPDATE events SET notification_id = $1, tx = $2::text::xid8 WHERE notification_id = $3",
                           a, tx[a], b)
        await conn.execute("UPDATE events SET notification_id = $1, tx = $2::text::xid8 WHERE notification_id = -1",
                           b, tx[b])


async def delete_checkpoints(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "DELETE FROM log_checkpoints")


async def alter_read_row(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "UPDATE personal_data_reads SET purpose = 'routine check' WHERE id = $1", recent.read_id)


async def delete_read_row(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "DELETE FROM personal_data_reads WHERE id = $1", recent.read_id)


async def alter_idempotency_record(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "UPDATE idempotency_keys SET command = 'CorrectResidentDetails' WHERE key = $1", IDEMPOTENCY_KEY)


async def delete_idempotency_record(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "DELETE FROM idempotency_keys WHERE key = $1", IDEMPOTENCY_KEY)


async def delete_key_created(runtime: Runtime, recent: Recent) -> None:
    """The new resident's data key gone without an audited erasure."""
    await dba(runtime, "DELETE FROM subject_keys WHERE subject_id = $1", recent.registered)


async def delete_key_destroyed(runtime: Runtime, recent: Recent) -> None:
    """The erasure undone: the key the DBA kept put back, the record of its destruction removed."""
    await dba(runtime, "UPDATE subject_keys SET wrapped_key = $2, erased_at = NULL, erased_tx = NULL,"
                       " erased_mac = NULL WHERE subject_id = $1", recent.erased, recent.erased_key)


async def row(runtime: Runtime, statement: str, *args: Any) -> Any:
    async with runtime.pool.acquire() as conn:
        return await conn.fetchrow(statement, *args)


# -- the inspector's two ways to verify -------------------------------------------------------------------------

async def graphql_kinds(client: httpx.AsyncClient) -> tuple[bool, set[str], str]:
    response = await client.post("/graphql", json={"query": VERIFY}, headers={"Authorization": f"Bearer {INSPECTOR}"})
    report = response.json()["data"]["verifyIntegrity"]
    return report["ok"], {e["node"]["kind"] for e in report["findings"]["edges"]}, report["text"]


def cli_verify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], params: ConnectionParams,
               runtime: Runtime, data_dir: Path) -> tuple[int, str]:
    """`civicledger verify` as an inspector runs it on an application host: settings from the environment."""
    monkeypatch.setenv("DATABASE_URL", params.url)
    monkeypatch.setenv("CIVICLEDGER_DATA_DIR", str(data_dir / "cli"))
    monkeypatch.setenv("CIVICLEDGER_MASTER_KEY", base64.b64encode(MASTER_KEY).decode())
    monkeypatch.setenv("CIVICLEDGER_CHECKPOINT_KEY", base64.b64encode(runtime.settings.checkpoint_seed).decode())
    monkeypatch.setenv("CIVICLEDGER_CHAIN_KEY", base64.b64encode(runtime.settings.chain_mac_key).decode())
    monkeypatch.setenv("CIVICLEDGER_WITNESS", runtime.settings.witness_spec)
    monkeypatch.setenv("CIVICLEDGER_DB_POOL_SIZE", "2")
    monkeypatch.setenv("CIVICLEDGER_READ_POOL_SIZE", "2")
    capsys.readouterr()
    status = cli.main(["verify"])
    return status, capsys.readouterr().out


def copy_witness(source: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, data_dir / "witness.jsonl")


async def drop_checkpoints_table(runtime: Runtime, recent: Recent) -> None:
    await dba(runtime, "DROP TABLE log_checkpoints")


async def seal_all_of_it(runtime: Runtime, timeout: float = 30.0) -> None:
    """The sealer's ticks until everything written so far is sealed and witnessed — events below the safe
    horizon, side records below the transaction bound (which any open transaction on the server holds back
    for a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        await runtime.inspection.seal()
        latest = await runtime.inspection.latest_checkpoint()
        pending = await one(runtime, "SELECT (SELECT max(notification_id) FROM events) > $1"
                                     " OR EXISTS (SELECT 1 FROM personal_data_reads WHERE tx >= $2::text::xid8)"
                                     " OR EXISTS (SELECT 1 FROM idempotency_keys WHERE tx >= $2::text::xid8)"
                                     " OR EXISTS (SELECT 1 FROM subject_keys WHERE tx >= $2::text::xid8"
                                     "            OR erased_tx >= $2::text::xid8)",
                            latest.position if latest else 0, str(latest.side_bound if latest else 0))
        if latest is not None and not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the sealer could not catch up (a long transaction on the server?)")
        await asyncio.sleep(0.05)
