"""The casework demo: stations in every district with every special project somewhere, cases in every state
(transfers included), a linkage referral that the real process turns into a casework case — and loading it
again writes nothing."""

from __future__ import annotations

import asyncio

import asyncpg

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.casework.catalogue import SPECIAL_PROJECTS
from civicledger.domains.casework.services import CaseworkService
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.processes.linkage_programs import LinkageProgramsProcess
from civicledger.programs import casework, read_models, residents
from civicledger.projections.runner import ProjectionRunner
from civicledger.slice import ProcessWiring, Services
from tests.casework.conftest import log_end
from tests.conftest import MASTER_KEY

# The registry and casework (the linkage service is wired for the demo's referrals, without linkage's own demo).
PROGRAMS = (residents.SLICE, casework.SLICE)


async def test_the_demo_has_cases_in_every_state_transfers_and_a_referred_case_and_reloads_idempotently(
        scratch_db: ConnectionParams) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    registry = ResidentRegistry(ledger)
    services = Services(residents=registry, linkage=LinkageService(ledger, residents=registry),
                        casework=CaseworkService(ledger, residents=registry))
    pool = await asyncpg.create_pool(scratch_db.url, min_size=1, max_size=4)
    try:
        await asyncio.to_thread(demo.load, services, 120, threads=2, programs=PROGRAMS)
        end = log_end(ledger)
        await asyncio.to_thread(demo.load, services, 120, threads=2, programs=PROGRAMS)
        reloaded_end = log_end(ledger)
        process = LinkageProgramsProcess(ProcessWiring.over(services, mapper=ledger.mapper, pool=pool))
        runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, [*read_models(ledger.mapper), process])
        await runner.create_tables()
        await runner.catch_up()
        await runner.catch_up()  # what the process filed

        async with pool.acquire() as conn:
            districts = await conn.fetchval("SELECT count(DISTINCT district) FROM casework_stations")
            projects = {r["s"] for r in await conn.fetch(
                "SELECT DISTINCT jsonb_array_elements_text(services) AS s FROM casework_stations")}
            statuses = {r["status"] for r in await conn.fetch("SELECT DISTINCT status FROM casework_cases")}
            outcomes = {r["outcome"] for r in await conn.fetch("SELECT DISTINCT outcome FROM casework_cases")}
            transferred = await conn.fetchval("SELECT count(*) FROM casework_cases WHERE transfers > 0")
            overdue = await conn.fetchval("SELECT count(*) FROM casework_cases WHERE next_review_due < current_date")
            referred = await conn.fetch("SELECT c.id, r.program_application_id FROM casework_cases c"
                                        " JOIN linkage_referrals r ON r.id = c.referral_id"
                                        " WHERE c.source = 'LINKAGE_REFERRAL'")
            jianghai = await conn.fetchrow("SELECT office, social_workers FROM casework_stations"
                                           " WHERE office = 'HAIZHU-JIANGHAI-STATION'")
    finally:
        await pool.close()
        ledger.close()

    assert reloaded_end == end
    assert districts == 11
    assert {p.code for p in SPECIAL_PROJECTS} <= projects
    assert statuses == {"INTAKE", "ASSESSED", "IN_SERVICE", "CLOSED"}
    assert {"ACHIEVED", "PARTLY_ACHIEVED", "NO_SERVICE_PLAN"} <= outcomes
    assert transferred > 0 and overdue > 0
    assert referred and all(r["id"] == r["program_application_id"] for r in referred)
    assert "cw-haizhu-li" in jianghai["social_workers"]
