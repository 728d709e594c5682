"""`client_timeline` is hash-partitioned by resident: the timeline reads the API makes — a page, the resident
with a page (the compiled hot read), a subscription's catch-up — each touch one partition, by index, whether
planned for the values (custom plan) or prepared once for any resident (generic plan, pruned at execution)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from civicledger.core.db import ConnectionParams
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.commands import RegisterResident
from civicledger.projections.client_timeline import TIMELINE_PARTITIONS, resident_with_timeline, timeline_page
from civicledger.projections.runner import rebuild
from civicledger.runtime import Runtime
from tests.conftest import make_settings, new_id_number

CLERK = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
OCCURRED = datetime(2026, 1, 1, tzinfo=UTC)


class Explaining:
    """Runs what a read-model query function sends, as EXPLAIN, on a real connection; keeps the plans."""

    def __init__(self, conn: asyncpg.Connection, *, generic: bool) -> None:
        self.conn = conn
        self.generic = generic
        self.plans: list[dict[str, Any]] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        if self.generic:  # what a prepared statement reused for every resident runs
            await self.conn.execute("SET plan_cache_mode = force_generic_plan")
        statement = await self.conn.prepare(f"EXPLAIN (FORMAT JSON, ANALYZE, COSTS OFF) {sql}")
        self.plans.append(orjson.loads(await statement.fetchval(*args))[0]["Plan"])
        await self.conn.execute("RESET plan_cache_mode")
        return []


def scanned(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(node type, relation) of every scan that ran (`Subplans Removed` ones never show up)."""
    out = []
    if "Relation Name" in plan and plan.get("Actual Loops", 1) > 0:
        out.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        out += scanned(child)
    return out


async def test_each_timeline_read_touches_one_partition_by_index(scratch_db: ConnectionParams) -> None:
    runtime = Runtime(make_settings(db_pool_size=2, read_pool_size=2), scratch_db)
    await runtime.start(run_projections=False)
    try:
        assert runtime.pool is not None
        wang_fang = runtime.services.residents.register_resident(RegisterResident(
            name="王芳", id_number=new_id_number(), district="HAIZHU", street="江海街", community="红卫社区"),
            CommandContext(actor=CLERK, reason=None, idempotency_key=None, origin="test")).stream_id
        assert runtime.runner is not None
        await runtime.runner.catch_up()
        await rebuild(runtime.runner, ["client_timeline"])  # sets indexes aside and builds them again
        async with runtime.pool.acquire() as conn:
            others = [uuid.uuid4() for _ in range(400)]  # enough rows that an index is the plan of choice
            await conn.copy_records_to_table("client_timeline", columns=[
                "resident_id", "position", "stream_id", "stream_version", "program", "kind", "summary",
                "occurred_at"], records=[(r, 10_000 + i * 1000 + n, r, n, "residents", "k", "s", OCCURRED)
                                         for i, r in enumerate([wang_fang, *others]) for n in range(1, 30)])
            await conn.execute("ANALYZE client_timeline")
            partitions = await conn.fetchval("SELECT count(*) FROM pg_inherits"
                                             " WHERE inhparent = 'client_timeline'::regclass")
            indexes = await conn.fetch("SELECT tablename, count(*) AS n FROM pg_indexes"
                                       " WHERE tablename LIKE 'client_timeline_p%' GROUP BY 1")
            for generic in (False, True):
                explain = Explaining(conn, generic=generic)
                await timeline_page(explain, wang_fang, limit=50)
                await timeline_page(explain, wang_fang, before=10_020, limit=50, programs=["residents"])
                await resident_with_timeline(explain, wang_fang, limit=50)

                for plan in explain.plans:
                    scans = [s for s in scanned(plan) if s[1].startswith("client_timeline")]
                    assert len(scans) == 1, (generic, scans)
                    assert scans[0][0] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"), (generic, scans)
    finally:
        await runtime.close()

    assert partitions == TIMELINE_PARTITIONS > 1
    assert len(indexes) == TIMELINE_PARTITIONS and {r["n"] for r in indexes} == {2}  # key and program index
