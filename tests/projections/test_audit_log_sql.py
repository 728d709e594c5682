"""The audit log's rows are made by PostgreSQL from the event rows (`INSERT … SELECT`): its reading of an event's
instant, program and kind must be the Python one (`occurred_at`, `program_of`, `kind_of`), which inspection still
uses: on every event of a real log, and on stored states the mapper does not write today (the timestamp not
first, other offsets, no fraction)."""

from __future__ import annotations

import asyncpg
import orjson
import pytest

from civicledger.core.db import ConnectionParams
from civicledger.projections.audit_log import INSTANT_SQL, occurred_at
from civicledger.projections.base import kind_of, program_of
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL

STATES = [
    b'{"timestamp":"2026-12-03T16:06:25.907358+00:00","name":null}',
    b'{"timestamp":"2026-12-03T16:06:25+08:00","x":1}',
    b'{"timestamp":"2026-02-28T23:59:59.5-05:30"}',
    b'{"a":"\\"timestamp\\"","timestamp":"2026-12-03T00:00:00.000001+00:00"}',
    b'{"b":1,"timestamp":"1999-12-31T23:59:59+14:00","c":[1,2]}',
    orjson.dumps({"note": "\u4e2d\u6587", "timestamp": "2026-06-01T12:00:00+00:00"}),
]


@pytest.mark.parametrize("state", STATES)
async def test_the_instant_read_in_sql_is_the_one_read_in_python(library_db: ConnectionParams, state: bytes) -> None:
    conn = await asyncpg.connect(library_db.url)
    try:
        read = await conn.fetchval(f"SELECT {INSTANT_SQL} FROM (VALUES ($1::bytea)) AS e(state)", state)
    finally:
        await conn.close()
    assert read == occurred_at(state)


async def test_every_audit_row_reads_its_event_as_python_does(runtime: Runtime, gql: GQL) -> None:
    await register(gql, as_=CASEWORKER_HAIZHU, name="审计行")
    await runtime.runner.catch_up(next(p for p in runtime.projections if p.name == "audit_log"))
    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.position, a.program, a.kind, a.topic, a.occurred_at, a.actor_id, a.reason, e.topic AS t,"
            " e.state, e.actor_id AS actor, e.reason AS why FROM audit_log a JOIN events e"
            " ON e.notification_id = a.position ORDER BY a.position")
    assert rows  # (in the whole suite: every event the session wrote before)
    for row in rows:
        assert (row["program"], row["kind"], row["topic"]) == (program_of(row["t"]), kind_of(row["t"]), row["t"])
        assert row["occurred_at"] == occurred_at(bytes(row["state"])), row["position"]
        assert (row["actor_id"], row["reason"]) == (row["actor"], row["why"])


async def test_every_filter_is_an_index_scan_on_columns_collated_c(runtime: Runtime) -> None:
    """The filter columns compare bytes (collated "C": cheaper index builds and comparisons), and a filter on each
    is still answered by its index, not a scan of the log."""
    from civicledger.projections.audit_log import FILTERS, audit_filters

    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        collations = dict(await conn.fetch(
            "SELECT a.attname, c.collname FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation"
            " WHERE a.attrelid = 'audit_log'::regclass AND a.attname = ANY($1)", list(FILTERS)))
        assert {k: v for k, v in collations.items() if k != "stream_id"} == {
            f: "C" for f in FILTERS if f != "stream_id"}
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            for column in FILTERS:
                args: list[object] = []
                value = "00000000-0000-0000-0000-000000000000" if column == "stream_id" else "x"
                where = " AND ".join(audit_filters(args, filters={column: value}))
                plan = "\n".join(r[0] for r in await conn.fetch(
                    f"EXPLAIN SELECT * FROM audit_log WHERE {where} ORDER BY occurred_at DESC, position DESC"
                    " LIMIT 51", *args))
                assert f"audit_log_{column}_idx" in plan, plan
