"""The time bank's demo at a small size: volunteers with verified hours, a redemption and a household transfer
each; loading it again writes nothing; the read models agree with the write model."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import asyncpg

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.demo.timebank import load_timebank
from civicledger.demo.world import DemoWorld
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.domains.timebank.services import TimeBankService
from civicledger.programs import read_models
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Services
from tests.conftest import MASTER_KEY
from tests.timebank.conftest import event_count


async def test_the_demo_banks_redeems_and_shares_hours_and_reloads_idempotently(scratch_db: ConnectionParams) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    registry = ResidentRegistry(ledger)
    services = Services(residents=registry, timebank=TimeBankService(ledger, residents=registry))
    world = DemoWorld(services=services, households=demo.plan(40), threads=2)
    pool = await asyncpg.create_pool(scratch_db.url, min_size=1, max_size=4)
    try:
        await asyncio.to_thread(demo.load_residents, world)
        volunteers = await asyncio.to_thread(load_timebank, world)
        end = event_count(ledger)
        again = await asyncio.to_thread(load_timebank, world)
        reloaded_end = event_count(ledger)
        runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, read_models(ledger.mapper))
        await runner.create_tables()
        await runner.catch_up()
        async with pool.acquire() as conn:
            accounts = await conn.fetch("SELECT * FROM timebank_accounts")
            negative = await conn.fetchval("SELECT count(*) FROM timebank_ledger WHERE balance_after < 0")
            verified = await conn.fetchval("SELECT count(*) FROM timebank_records WHERE status = 'VERIFIED'")
            entries = await conn.fetchval("SELECT count(*) FROM client_timeline WHERE kind LIKE 'timebank.%'")
    finally:
        await pool.close()
        ledger.close()

    assert volunteers > 0 and again == volunteers and reloaded_end == end
    assert verified == 2 * volunteers and negative == 0
    givers = [a for a in accounts if a["earned"] > 0]
    assert len(givers) == volunteers
    assert all(a["balance"] == Decimal("5.5") - a["redeemed"] - a["transferred_out"] for a in givers)
    assert sum(a["transferred_in"] for a in accounts) == sum(a["transferred_out"] for a in accounts) > 0
    assert entries >= 4 * volunteers
