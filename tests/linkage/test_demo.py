"""The linkage demo: the pilot communities with referrals in every state, overdue ones escalated, meetings
held — and loading it again writes nothing."""

from __future__ import annotations

import asyncio

import asyncpg

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.programs import read_models
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Services
from tests.conftest import MASTER_KEY
from tests.linkage.conftest import log_end


async def test_the_demo_has_every_referral_state_overdue_escalations_and_meetings_and_reloads_idempotently(
        scratch_db: ConnectionParams) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    registry = ResidentRegistry(ledger)
    services = Services(residents=registry, assistance=AssistanceService(ledger, registry=registry),
                        linkage=LinkageService(ledger, residents=registry))
    pool = await asyncpg.create_pool(scratch_db.url, min_size=1, max_size=4)
    try:
        await asyncio.to_thread(demo.load, services, 60, threads=2)
        end = log_end(ledger)
        await asyncio.to_thread(demo.load, services, 60, threads=2)
        reloaded_end = log_end(ledger)
        runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, read_models(ledger.mapper))
        await runner.create_tables()
        await runner.catch_up()

        async with pool.acquire() as conn:
            statuses = {r["status"] for r in await conn.fetch("SELECT DISTINCT status FROM linkage_referrals")}
            escalated = await conn.fetchval("SELECT count(*) FROM linkage_referrals"
                                            " WHERE jsonb_array_length(escalations) > 0")
            pilots = await conn.fetchval("SELECT count(*) FROM linkage_organisations WHERE pilot")
            meetings = await conn.fetchval("SELECT count(DISTINCT community_id) FROM linkage_meetings")
            overrides = await conn.fetchval("SELECT count(*) FROM linkage_data_sharing WHERE basis = 'SAFETY_OVERRIDE'")
            open_needs = await conn.fetchval("SELECT count(*) FROM linkage_needs WHERE status = 'OPEN'")
    finally:
        await pool.close()
        ledger.close()

    assert reloaded_end == end
    assert statuses == {"REFERRED", "DECLINED", "ACCEPTED", "IN_PROGRESS", "COMPLETED", "CLOSED", "WITHDRAWN"}
    assert escalated > 0 and pilots == 12 and meetings == 14 and overrides == 14 and open_needs == 14
