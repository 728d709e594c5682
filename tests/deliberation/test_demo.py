"""The deliberation demo: items of a few communities in three districts through all six stages, one rejected at
its decision, one still in consultation, residents taking part (on their timelines), outcome counts per community
— and loading it again writes nothing."""

from __future__ import annotations

import asyncio

import asyncpg

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.programs import deliberation, read_models, residents
from civicledger.projections.runner import ProjectionRunner
from civicledger.slice import Services
from tests.conftest import MASTER_KEY
from tests.deliberation.conftest import log_end

PROGRAMS = (residents.SLICE, deliberation.SLICE)


async def test_the_demo_takes_items_through_every_stage_and_reloads_idempotently(scratch_db: ConnectionParams) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    registry = ResidentRegistry(ledger)
    services = Services(residents=registry, deliberation=DeliberationService(ledger, residents=registry))
    pool = await asyncpg.create_pool(scratch_db.url, min_size=1, max_size=4)
    try:
        await asyncio.to_thread(demo.load, services, 60, threads=2, programs=PROGRAMS)
        end = log_end(ledger)
        await asyncio.to_thread(demo.load, services, 60, threads=2, programs=PROGRAMS)
        reloaded_end = log_end(ledger)
        runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, read_models(ledger.mapper, PROGRAMS))
        await runner.create_tables()
        await runner.catch_up()

        async with pool.acquire() as conn:
            items = await conn.fetch("SELECT district, community, stage, decision, concluded FROM deliberation_items"
                                     " ORDER BY seq")
            kinds = {r["k"] for r in await conn.fetch(
                "SELECT DISTINCT jsonb_array_elements(participants)->>'kind' AS k FROM deliberation_items")}
            outcomes = {(r["community"], r["kind"]): r["total"] for r in await conn.fetch(
                "SELECT community, kind, sum(count) AS total FROM deliberation_outcomes GROUP BY community, kind")}
            timeline = await conn.fetchval("SELECT count(DISTINCT resident_id) FROM client_timeline"
                                           " WHERE program = 'deliberation'")
            history = await conn.fetchval("SELECT count(DISTINCT kind) FROM deliberation_history")
    finally:
        await pool.close()
        ledger.close()

    assert reloaded_end == end
    assert {r["district"] for r in items} == {"HAIZHU", "YUEXIU", "TIANHE"}
    assert [r["stage"] for r in items].count("SUPERVISION") == 3
    assert {(r["stage"], r["decision"], r["concluded"]) for r in items} == {
        ("SUPERVISION", "ADOPTED", True), ("DECISION", "REJECTED", True), ("CONSULTATION", None, False)}
    assert len(kinds) == 7
    assert outcomes[("红卫社区", "LIFTS_INSTALLED")] == 1 and outcomes[("华师社区", "SERVICES_DELIVERED")] == 24
    assert timeline >= 6
    assert history == 10
