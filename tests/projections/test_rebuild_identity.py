"""A rebuild gives the read models the incremental build gave, byte for byte: every table of every read model
(residents, households, assistance, linkage, casework, meals, the timeline, the audit log), built event batch by
event batch as the followers do, then rebuilt in one process (one transaction per batch for all of them) and in
two processes (`rebuild --processes 2`: the append-only read models in ranges of the log, one per process), and
the timeline once more alone (no personal field decrypted)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.programs import read_model_names
from civicledger.projections.runner import ProjectionRunner, rebuild
from civicledger.rebuild import LAST_PROCESS_CPU, _begin_parts, rebuild_in_processes
from civicledger.runtime import Runtime
from tests.conftest import make_settings


@pytest_asyncio.fixture
async def demo_runtime(scratch_db: ConnectionParams) -> AsyncIterator[Runtime]:
    runtime = Runtime(make_settings(), scratch_db)
    await runtime.start(run_projections=False)
    try:
        await asyncio.to_thread(demo.load, runtime.services, 400, programs=runtime.programs)
        yield runtime
    finally:
        await runtime.close()


async def checksums(pool: asyncpg.Pool, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of every row's text, in a stable order, per table."""
    sums = {}
    async with pool.acquire() as conn:
        for table in tables:
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum"
                f" FROM {table} t")
            sums[table] = (row["n"], row["sum"])
    return sums


async def test_a_rebuild_equals_the_incremental_build_for_every_read_model(demo_runtime: Runtime) -> None:
    runtime = demo_runtime
    assert runtime.runner is not None and runtime.pool is not None
    names = read_model_names()
    chosen = [p for p in runtime.projections if p.name in names]
    tables = sorted({t for p in chosen for t in p.tables})
    # Incremental: small batches, one transaction per read model per batch, as the followers run.
    follower = ProjectionRunner(runtime.pool, runtime.ledger.mapper, runtime.ledger.keyring, chosen, batch_size=97)
    for projection in chosen:
        await follower.reset(projection)
    await follower.catch_up()
    incremental = await checksums(runtime.pool, tables)

    await rebuild(runtime.runner, names)
    one_process = await checksums(runtime.pool, tables)
    async with runtime.pool.acquire() as conn:  # a rebuilt read model is analyzed: the planner knows its rows
        analyzed = await conn.fetch("SELECT relname FROM pg_stat_user_tables WHERE relname = ANY($1)"
                                    " AND last_analyze IS NOT NULL", tables)
    assert {"residents", "assistance_cases", "audit_log"} <= {r["relname"] for r in analyzed}
    await asyncio.to_thread(rebuild_in_processes, runtime.settings, runtime.params, names, 2)
    two_processes = await checksums(runtime.pool, tables)
    # ... the timeline and the audit log written in parts, a range of the log by each process (`split`).
    assert sum("client_timeline(" in label for label in LAST_PROCESS_CPU) == 2
    assert sum("audit_log(" in label for label in LAST_PROCESS_CPU) == 2
    # Rebuilt alone, the timeline reads only its own topics and decrypts nothing (it reads no personal data:
    # every personal field reads None to it); the same rows all the same.
    await rebuild(runtime.runner, ["client_timeline"])
    timeline_alone = await checksums(runtime.pool, ["client_timeline"])

    programs = {"residents", "households", "assistance_cases", "assistance_member_means", "linkage_needs",
                "linkage_referrals", "client_timeline", "audit_log"}
    assert programs <= set(tables) and all(incremental[t][0] > 0 for t in programs)
    assert one_process == incremental
    assert two_processes == incremental
    assert timeline_alone["client_timeline"] == incremental["client_timeline"]

    # A rebuild in parts whose parent process died after one part was written (its tracking rows still at 0, rows
    # there, indexes dropped): the followers of a restarted runtime start those read models from 0 on an empty
    # table, and they come out as the incremental build (not stopped on a duplicate key, nothing twice).
    split = [p for p in chosen if p.name in ("client_timeline", "audit_log")]
    await _begin_parts(runtime.params, split)
    half = await runtime.runner.log_horizon() // 2
    await rebuild(runtime.runner, [p.name for p in split], ranges={p.name: (0, half) for p in split})
    assert (await checksums(runtime.pool, ["audit_log"]))["audit_log"][0] > 0
    restarted = Runtime(runtime.settings, runtime.params)
    await restarted.start(run_projections=False)
    try:
        assert restarted.runner is not None
        await restarted.runner.load_positions()
        await restarted.runner.catch_up()
        assert not restarted.runner.errors
    finally:
        await restarted.close()
    assert await checksums(runtime.pool, tables) == incremental
