"""The realistic rebuild bench grows its log past what the services can load in reasonable time by copying the
demo log through the recorder's append (`bench.rebuild_realistic.replicate`): the copies must be demo events —
the same topics in the same numbers — of streams and residents of their own, sealed under keys of their own
that a rebuild reads back, and chained and MAC'd as any append."""

from __future__ import annotations

import asyncio

import psycopg

from bench import rebuild_realistic
from bench.rebuild_realistic import SHARED_AGGREGATES
from civicledger.core.db import ConnectionParams
from civicledger.projections.runner import rebuild
from civicledger.runtime import Runtime
from civicledger.settings import Settings
from tests.conftest import make_settings


def shared_stream_ids(params: ConnectionParams) -> set[object]:
    with psycopg.connect(params.url) as conn:
        return {r[0] for r in conn.execute("SELECT originator_id, topic FROM events WHERE originator_version = 1")
                if r[1].rsplit(":", 1)[-1].split(".")[0] in SHARED_AGGREGATES}


async def read_models(settings: Settings, params: ConnectionParams) -> tuple[int, int, int]:
    """Residents rebuilt from the log: (with a readable name, distinct ID numbers, in a household)."""
    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        assert runtime.runner is not None and runtime.pool is not None
        await rebuild(runtime.runner, ["residents", "households"])
        async with runtime.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT count(name) AS named, count(DISTINCT id_number) AS numbers,"
                                      " count(household_id) AS members FROM residents")
            return row["named"], row["numbers"], row["members"]
    finally:
        await runtime.close()


async def test_copies_of_the_demo_log_are_demo_events_of_streams_of_their_own(scratch_db: ConnectionParams) -> None:
    settings = make_settings()
    base = await rebuild_realistic._load(settings, scratch_db, 30)
    with psycopg.connect(scratch_db.url) as conn:
        topics = dict(conn.execute("SELECT topic, count(*) FROM events GROUP BY topic").fetchall())
        streams = conn.execute("SELECT count(DISTINCT originator_id) FROM events").fetchone()[0]
        keys = conn.execute("SELECT count(*) FROM subject_keys").fetchone()[0]
    named, numbers, members = await read_models(settings, scratch_db)
    assert named > 0 and members > 0

    appended = await asyncio.to_thread(rebuild_realistic.replicate, settings, scratch_db, 2, processes=1, threads=2)

    # Every event copied twice but the city's reference tables' (shared by the copies).
    shared = {t: n for t, n in topics.items() if t.rsplit(":", 1)[-1].split(".")[0] in SHARED_AGGREGATES}
    shared_streams = len(shared_stream_ids(scratch_db))
    assert shared and appended == 2 * (base - sum(shared.values()))
    with psycopg.connect(scratch_db.url) as conn:
        assert dict(conn.execute("SELECT topic, count(*) FROM events GROUP BY topic").fetchall()) == {
            t: n if t in shared else 3 * n for t, n in topics.items()}
        assert conn.execute("SELECT count(DISTINCT originator_id) FROM events").fetchone()[0] == (
            3 * streams - 2 * shared_streams)
        assert conn.execute("SELECT count(*) FROM subject_keys").fetchone()[0] == 3 * keys
        # Appended as any command appends: every event chained and MAC'd.
        assert conn.execute("SELECT count(*) FROM events WHERE chain_hash IS NULL OR event_mac IS NULL"
                            ).fetchone()[0] == 0
    # Each copy's residents, their personal data readable under their own keys (the same people: the same
    # ID numbers), and the references between a copy's streams (household -> member) holding.
    assert await read_models(settings, scratch_db) == (3 * named, numbers, 3 * members)
