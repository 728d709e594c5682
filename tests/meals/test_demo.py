"""The meal-service demo at a small size on a known date: canteens (mostly social operators), enrolled elders,
a week of meals closed day by day, a recall with notices and follow-ups, last month settled with a correction,
next month's rule published — and loading it again writes nothing."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.demo.meals import load_meals_for
from civicledger.demo.world import DemoWorld
from civicledger.domains.meals.services import MealService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.processes.meals_recall import RecallNotices
from civicledger.programs import read_models
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Services
from civicledger.slice import ProcessWiring
from tests.conftest import MASTER_KEY
from tests.meals.conftest import event_count


async def test_the_demo_has_a_district_of_meals_a_recall_and_a_settled_month_and_reloads_idempotently(
        scratch_db: ConnectionParams) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    registry = ResidentRegistry(ledger)
    services = Services(residents=registry, meals=MealService(ledger, residents=registry))
    world = DemoWorld(services=services, households=demo.plan(60), threads=2)
    pool = await asyncpg.create_pool(scratch_db.url, min_size=1, max_size=4)
    try:
        await asyncio.to_thread(demo.load_residents, world)
        meals = await asyncio.to_thread(load_meals_for, world, weeks=1, elders=30, visitors=3,
                                        today=date(2026, 3, 4))
        end = event_count(ledger)
        again = await asyncio.to_thread(load_meals_for, world, weeks=1, elders=30, visitors=3,
                                        today=date(2026, 3, 4))
        reloaded_end = event_count(ledger)
        runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, read_models(ledger.mapper))
        await runner.create_tables()
        await runner.catch_up()
        recall = ProjectionRunner(pool, ledger.mapper, ledger.keyring, [RecallNotices(ProcessWiring.over(
            services, mapper=ledger.mapper, pool=pool))])
        await recall.create_tables()
        while recall.positions.get("meals_recall", 0) < end:
            await recall.catch_up()
        after_the_recall_process = event_count(ledger)

        async with pool.acquire() as conn:
            sites = await conn.fetch("SELECT kind, operator_type FROM meal_canteens")
            enrolled = await conn.fetchval("SELECT count(*) FROM meal_elders WHERE active")
            served = await conn.fetchval("SELECT count(*) FROM meals_served WHERE NOT voided")
            open_days = await conn.fetchval("SELECT count(*) FROM meal_days WHERE NOT closed")
            notices = await conn.fetchval("SELECT count(*) FROM meal_recall_notices")
            follow_ups = await conn.fetchval("SELECT count(*) FROM meal_recall_follow_ups")
            kinds = {r["kind"] for r in await conn.fetch("SELECT DISTINCT kind FROM meal_settlement_lines")}
            revisions = await conn.fetchval("SELECT count(*) FROM meal_rule_revisions")
            days_on_timelines = await conn.fetchval("SELECT count(*) FROM client_timeline WHERE kind = 'meals.day'")
    finally:
        await pool.close()
        ledger.close()

    assert reloaded_end == end and again == meals
    assert after_the_recall_process == end, "every canteen concerned was notified by the demo: the recall process writes nothing more"
    assert len(sites) == 6 and sum(s["operator_type"] == "SOCIAL_OPERATOR" for s in sites) == 5
    assert {s["kind"] for s in sites} == {"CANTEEN", "DELIVERY_POINT"}
    assert enrolled >= 33 and served == meals - 1 and open_days == 0
    assert notices >= 1 and follow_ups >= 1
    assert kinds == {"ORIGINAL", "CORRECTION"} and revisions == 2
    assert days_on_timelines > 0
