"""Upgrading a database made by the previous release (docs: README, Operations).

`fixtures/previous_release.sql.gz` is a `pg_dump` of a database that the release before versioned migrations
made (demo data, read models caught up, the log sealed; `fixtures/make_previous_release.py`), and
`previous_release.answers.json` what some GraphQL queries answered on it then. Restored into a fresh database
and migrated, it must verify clean, answer the same, and have exactly the schema that a new database gets. The
migrations are safe when processes start at once; a read model whose declared schema version changed is
rebuilt on start, while the tables that cannot be rebuilt are never touched by a start (only by migrations)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from civicledger import migrations
from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from civicledger.ops.checksums import read_model_checksums
from civicledger.projections.casework_stations import CaseworkStationsProjection
from civicledger.runtime import Runtime
from tests.conftest import MASTER_KEY, make_settings
from tests.dbutil import fresh_database
from tests.ops.fixtures.make_previous_release import ANSWERS, DUMP, TOKENS

BIN = Path(sys.executable).parent
# The tables that cannot be rebuilt from the log: created and changed by migrations only.
KEPT = ("events", "idempotency_keys", "claims", "subject_keys", "log_identity", "projection_tracking",
        "personal_data_reads", "log_checkpoints", "read_model_versions", "alembic_version")


def restore(params: ConnectionParams) -> None:
    sql = gzip.decompress(DUMP.read_bytes())
    done = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-X", "-d", params.url], input=sql,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def civicledger(params: ConnectionParams, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    # The fixture was made with the tests' master key and no checkpoint key (its seed derives from the master).
    seed = hashlib.sha256(b"civicledger-checkpoint-signing\x00" + MASTER_KEY).digest()
    env = {**os.environ, "DATABASE_URL": params.url, "CIVICLEDGER_DATA_DIR": str(data_dir),
           "CIVICLEDGER_MASTER_KEY": base64.b64encode(MASTER_KEY).decode(),
           "CIVICLEDGER_CHECKPOINT_KEY": base64.b64encode(seed).decode()}
    return subprocess.run([str(BIN / "civicledger"), *args], env=env, capture_output=True, text=True, timeout=300)


def schema_of(params: ConnectionParams, tables: tuple[str, ...] = KEPT) -> str:
    """The DDL of these tables (columns, defaults, constraints, indexes, triggers) and our functions (not an
    extension's)."""
    args = ["pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-d", params.url]
    for table in tables:
        args += ["-t", table]
    ddl = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    functions = subprocess.run(["psql", "-X", "-At", "-d", params.url, "-c",
                                "SELECT p.proname || ':' || md5(pg_get_functiondef(p.oid)) FROM pg_proc p"
                                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND NOT EXISTS"
                                " (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
                                " ORDER BY 1"], capture_output=True, text=True, check=True).stdout
    # (`\restrict` lines carry a random key of each dump.)
    kept = [line for line in ddl.splitlines() if line and not line.startswith(("--", "\\restrict", "\\unrestrict"))]
    return "\n".join(kept) + "\n" + functions


@pytest.fixture(scope="module")
def upgraded() -> Iterator[ConnectionParams]:
    with fresh_database("civicledger_upgrade") as params:
        restore(params)
        yield params


def test_a_previous_release_database_is_adopted_and_migrated(upgraded: ConnectionParams, tmp_path: Path) -> None:
    before = migrations.status(upgraded)
    assert not before.adopted and before.current is None
    assert before.pending == ("0001", "0002", "0003", "0004")
    status = civicledger(upgraded, "migrate", "--status", data_dir=tmp_path)
    assert status.returncode == 0 and "pending: 0001" in status.stdout, status.stdout + status.stderr

    done = civicledger(upgraded, "migrate", data_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "applied: 0001, 0002, 0003, 0004" in done.stdout
    after = migrations.status(upgraded)
    assert after.adopted and after.current == migrations.head() and after.pending == ()
    again = civicledger(upgraded, "migrate", data_dir=tmp_path)
    assert again.returncode == 0 and "applied: nothing" in again.stdout

    with psycopg.connect(upgraded.url) as conn:
        # Every read model of the previous release is recorded as built with version 1: none is rebuilt.
        versions = dict(conn.execute("SELECT name, schema_version FROM read_model_versions").fetchall())
        assert versions and set(versions.values()) == {1}
        assert "casework_stations" in versions
        # Nothing of the log was rewritten.
        count, = conn.execute("SELECT count(*) FROM events WHERE event_mac IS NULL").fetchone()  # type: ignore[misc]
        assert count == 0


def test_the_upgraded_database_verifies_clean(upgraded: ConnectionParams, tmp_path: Path) -> None:
    migrations.upgrade(upgraded)
    report = civicledger(upgraded, "verify", "--no-witness", data_dir=tmp_path)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]


# Lists that became connections since the answers were recorded (issue 13, item 5; README, Schema changes): the
# same question asked in today's shape, and the recorded list read as the connection's nodes.
RESHAPED = {"schedule { fromMonth monthlyAmount }":
            "schedule(first: 200) { edges { node { fromMonth monthlyAmount } } }"}


def as_connections(answer: Any, fields: set[str]) -> Any:
    """A recorded answer with each list under `fields` turned into the connection it is now."""
    if isinstance(answer, dict):
        return {k: {"edges": [{"node": as_connections(n, fields)} for n in v]}
                if k in fields and isinstance(v, list) else as_connections(v, fields) for k, v in answer.items()}
    if isinstance(answer, list):
        return [as_connections(v, fields) for v in answer]
    return answer


def reshaped(query: str, answer: Any) -> tuple[str, Any]:
    fields = set()
    for old, new in RESHAPED.items():
        if old in query:
            query, fields = query.replace(old, new), fields | {old.split()[0]}
    return query, as_connections(answer, fields)


def test_the_upgraded_database_answers_the_same_queries(upgraded: ConnectionParams) -> None:
    migrations.upgrade(upgraded)
    recorded = json.loads(ANSWERS.read_text())
    asked = [reshaped(query, answer) for (_, query), answer in zip(recorded["queries"], recorded["answers"],
                                                                   strict=True)]
    recorded["queries"] = [[role, query] for (role, _), (query, _) in zip(recorded["queries"], asked, strict=True)]
    recorded["answers"] = [answer for _, answer in asked]

    async def ask() -> list[Any]:
        app = create_app(make_settings(), params=upgraded, run_projections=True, run_processes=False)
        answers = []
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            assert runtime.runner is not None
            await runtime.runner.catch_up()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://civicledger.test") as client:
                for role, query in recorded["queries"]:
                    response = await client.post("/graphql", json={"query": query},
                                                 headers={"Authorization": f"Bearer {TOKENS[role]}"})
                    answers.append(response.json())
        return answers

    answers = asyncio.run(ask())
    assert all("errors" not in a for a in recorded["answers"])
    for query, old, new in zip(recorded["queries"], recorded["answers"], answers, strict=True):
        assert new == old, query


def test_an_upgraded_database_has_the_schema_of_a_new_one(upgraded: ConnectionParams) -> None:
    migrations.upgrade(upgraded)
    with fresh_database("civicledger_newschema") as new:
        migrations.upgrade(new)
        assert schema_of(upgraded) == schema_of(new)


def test_processes_starting_at_once_migrate_once(empty_db: ConnectionParams, tmp_path: Path) -> None:
    """Four processes migrate a new database at the same moment (each imports and connects, says it is ready,
    then waits for a file to appear): all succeed, and the revisions ran once. (Without the migration lock the
    others fail on the catalog: two transactions creating `alembic_version`.)"""
    go = tmp_path / "go"
    script = ("import sys, time, pathlib\n"
              "from civicledger import migrations\n"
              "from civicledger.core.db import ConnectionParams\n"
              "import alembic.command, sqlalchemy.dialects.postgresql.psycopg\n"
              "params = ConnectionParams.from_url(sys.argv[1])\n"
              "migrations.head(); migrations.engine(params).connect().close()\n"
              "pathlib.Path(sys.argv[3]).touch()\n"
              "while not pathlib.Path(sys.argv[2]).exists(): time.sleep(0.005)\n"
              "migrations.upgrade(params)\n")
    processes = [subprocess.Popen([sys.executable, "-c", script, empty_db.url, str(go), str(tmp_path / f"ready{n}")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(4)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)  # every process has imported and connected once: they start within milliseconds
    go.touch()
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
    with psycopg.connect(empty_db.url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrations.head(),)]
        assert conn.execute("SELECT count(*) FROM log_identity").fetchone() == (1,)


def test_a_changed_read_model_version_rebuilds_that_read_model_only(upgraded: ConnectionParams) -> None:
    migrations.upgrade(upgraded)
    sums = read_model_checksums(upgraded)
    with psycopg.connect(upgraded.url) as conn:
        # As if the stations read model had been built by code that declared another version (and left a row
        # that the current code would never write): it must be dropped and rebuilt from the log.
        conn.execute("UPDATE read_model_versions SET schema_version = 7 WHERE name = %s",
                     (CaseworkStationsProjection.name,))
        conn.execute("ALTER TABLE casework_stations ADD COLUMN left_by_version_7 text")
        untouched, = conn.execute("SELECT built_at FROM read_model_versions WHERE name = 'residents'").fetchone()  # type: ignore[misc]

    async def start() -> None:
        runtime = Runtime(make_settings(), upgraded)
        await runtime.start(run_projections=False, run_processes=False)
        try:
            assert runtime.runner is not None
            assert runtime.runner.positions[CaseworkStationsProjection.name] == 0
            assert runtime.runner.positions["residents"] > 0
            await runtime.runner.catch_up()
        finally:
            await runtime.close()

    asyncio.run(start())
    assert read_model_checksums(upgraded) == sums
    with psycopg.connect(upgraded.url) as conn:
        columns = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid ="
                                              " 'casework_stations'::regclass AND attnum > 0").fetchall()]
        assert "left_by_version_7" not in columns
        rows = dict(conn.execute("SELECT name, schema_version FROM read_model_versions").fetchall())
        assert rows[CaseworkStationsProjection.name] == CaseworkStationsProjection.schema_version == 1
        assert conn.execute("SELECT built_at FROM read_model_versions WHERE name = 'residents'").fetchone() == (
            untouched,)


def test_a_start_changes_no_table_that_cannot_be_rebuilt(empty_db: ConnectionParams) -> None:
    """An event trigger records every DDL command of the start after the migrations: none may touch the log,
    the idempotency records, claims, keys, checkpoints, the read log or the migration tables."""
    migrations.upgrade(empty_db)
    with psycopg.connect(empty_db.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE ddl_seen (tag text, object text)")
        conn.execute("CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$"
                     " BEGIN INSERT INTO ddl_seen SELECT command_tag, object_identity"
                     " FROM pg_event_trigger_ddl_commands(); END $$")
        conn.execute("CREATE EVENT TRIGGER note_ddl ON ddl_command_end EXECUTE FUNCTION note_ddl()")

    async def start() -> None:
        runtime = Runtime(make_settings(), empty_db)
        await runtime.start(run_projections=False, run_processes=False)
        await runtime.close()

    try:
        asyncio.run(start())
        with psycopg.connect(empty_db.url) as conn:
            seen = conn.execute("SELECT tag, object FROM ddl_seen").fetchall()
    finally:
        with psycopg.connect(empty_db.url, autocommit=True) as conn:
            conn.execute("DROP EVENT TRIGGER note_ddl")
    assert seen, "the read models' tables are created on start: the trigger must have seen them"
    names = [(tag, (obj or "").split(".")[-1].split(" ")[0]) for tag, obj in seen]
    touched = [(tag, name) for tag, name in names if any(name == k or name.startswith(f"{k}_") for k in KEPT)]
    assert not touched, touched
