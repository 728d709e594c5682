"""`python -m bench.rebuild_floor`: the parts of a rebuild no handler can remove, measured on a rebuilt demo log.
No timing asserts: that every part is measured over the whole log and every read model's rows, and that the
server's copies are gone afterwards."""

from __future__ import annotations

import asyncio

import psycopg

from bench import rebuild_floor, rebuild_realistic
from civicledger.core.db import ConnectionParams
from civicledger.projections.runner import rebuild
from civicledger.runtime import Runtime
from tests.conftest import make_settings


async def rebuilt(settings: object, params: ConnectionParams) -> dict[str, int]:
    """Every read model rebuilt; its tables' row counts."""
    runtime = Runtime(settings, params)  # type: ignore[arg-type]
    await runtime.start(run_projections=False)
    try:
        assert runtime.runner is not None and runtime.pool is not None
        await rebuild(runtime.runner)
        tables = sorted({t for p in runtime.runner.projections for t in p.tables})
        async with runtime.pool.acquire() as conn:
            return {t: int(await conn.fetchval(f'SELECT count(*) FROM "{t}"')) for t in tables}
    finally:
        await runtime.close()


async def test_the_floors_cover_the_whole_log_and_every_read_models_rows(scratch_db: ConnectionParams) -> None:
    settings = make_settings(database_url=scratch_db.url)
    await rebuild_realistic._load(settings, scratch_db, 12)
    rows = await rebuilt(settings, scratch_db)

    floors = await asyncio.to_thread(rebuild_floor.floors, settings, scratch_db, target=30_000.0, cores=2)

    with psycopg.connect(scratch_db.url) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
    assert floors["events"] == events
    assert floors["read_models_rows"] == sum(rows.values()) > 0
    assert {t["table"] for t in floors["write_tables"]} <= {t for t, n in rows.items() if n}
    assert floors["read_client_cpu_s"] > 0 and floors["decode_cpu_s"] > 0 and floors["write_cpu_s"] > 0
    assert floors["floor_cpu_s"] == floors["read_cpu_s"] + floors["decode_cpu_s"] + floors["write_cpu_s"]
    assert floors["budget_cpu_s"] == events / 30_000 * 2
    assert floors["handlers_budget_s"] == floors["budget_cpu_s"] - floors["floor_cpu_s"]
    with psycopg.connect(scratch_db.url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'floor\\_%'").fetchone() == (0,)
