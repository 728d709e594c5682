"""A recall through the process manager following the log: every canteen that cooked from the batch or served
from those runs is notified once (a late meal recorded after the recall notifies its canteen too), and the
follow-up with each elder is recorded on the elder's record and timeline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
import pytest_asyncio

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.errors import SupplierBatchNotRecalledError
from civicledger.domains.meals.services import MealService
from civicledger.domains.meals.traceability import SupplierBatch
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.processes.meals_recall import RecallNotices
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Runtime
from civicledger.slice import ProcessWiring, Services
from tests.meals.conftest import (
    CASEWORKER_LI,
    CASEWORKER_ZHANG,
    SUPERVISOR_CHEN,
    WEDNESDAY,
    World,
    born_aged,
    ctx,
    event_count,
)


@pytest_asyncio.fixture
async def process(runtime: Runtime, meals_ledger: Ledger, meals: MealService,
                  registry: ResidentRegistry) -> AsyncIterator[ProjectionRunner]:
    notices = RecallNotices(ProcessWiring.over(Services(residents=registry, meals=meals), mapper=meals_ledger.mapper,
                                               pool=runtime.pool))
    runner = ProjectionRunner(runtime.pool, meals_ledger.mapper, meals_ledger.keyring, [notices], batch_size=50)
    await runner.create_tables()
    yield runner


async def follow_until(runner: ProjectionRunner, done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(done):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the recall process did not get there in time")
        await runner.catch_up()
        await asyncio.sleep(0.02)


async def test_a_recall_notifies_the_kitchen_and_every_canteen_that_served_from_its_runs_once(
        world: World, process: ProjectionRunner) -> None:
    kitchen = world.canteen()
    point = world.canteen("HAIZHU", "素社街", kind="DELIVERY_POINT", kitchen=kitchen, name="素社社区助餐点")
    elsewhere = world.canteen("HAIZHU", "琶洲街", name="琶洲街长者饭堂")
    eggs = world.batch(kitchen)
    run = world.run(kitchen, eggs)
    world.serve(point, world.elder(born_aged(81)), runs=(run,))
    world.serve(elsewhere, world.elder(born_aged(70)), runs=(world.run(elsewhere, world.batch(elsewhere)),))
    world.meals.recall_supplier_batch(c.RecallSupplierBatch(eggs, "沙门氏菌超标"), ctx(SUPERVISOR_CHEN, reason="抽检通报"))

    def notified() -> set[object]:
        return set(world.meals._get(SupplierBatch, eggs).notified)

    await follow_until(process, lambda: len(notified()) >= 2)
    before = event_count(world.meals.ledger)
    await process.catch_up()

    assert notified() == {kitchen.id, point.id}
    assert event_count(world.meals.ledger) == before, "nothing more to notify"


async def test_a_late_meal_from_a_recalled_batch_notifies_its_canteen_too(world: World,
                                                                          process: ProjectionRunner) -> None:
    kitchen = world.canteen()
    point = world.canteen("HAIZHU", "素社街", kind="DELIVERY_POINT", kitchen=kitchen, name="素社社区助餐点")
    eggs = world.batch(kitchen, received=WEDNESDAY - timedelta(days=2))
    tuesday = WEDNESDAY - timedelta(days=1)
    run = world.run(kitchen, eggs, on=tuesday)
    world.meals.recall_supplier_batch(c.RecallSupplierBatch(eggs, "沙门氏菌超标"), ctx(SUPERVISOR_CHEN, reason="抽检通报"))
    await follow_until(process, lambda: kitchen.id in world.meals._get(SupplierBatch, eggs).notified)

    world.serve(point, world.elder(born_aged(81)), runs=(run,), on=tuesday)  # Tuesday's paper sheet, entered today

    await follow_until(process, lambda: point.id in world.meals._get(SupplierBatch, eggs).notified)


async def test_follow_up_is_recorded_per_elder_by_their_own_districts_caseworker(world: World, runtime: Runtime
                                                                                 ) -> None:
    kitchen = world.canteen()
    chen = world.elder(born_aged(85))
    eggs = world.batch(kitchen)
    world.serve(kitchen, chen, runs=(world.run(kitchen, eggs),))
    follow_up = c.RecordRecallFollowUp(eggs, chen, "CONTACTED_WELL", "电话回访,无不适")

    with pytest.raises(SupplierBatchNotRecalledError):
        world.meals.record_recall_follow_up(follow_up, ctx(CASEWORKER_LI))
    world.meals.recall_supplier_batch(c.RecallSupplierBatch(eggs, "沙门氏菌超标"), ctx(SUPERVISOR_CHEN, reason="抽检通报"))
    with pytest.raises(Exception) as outsider:
        world.meals.record_recall_follow_up(follow_up, ctx(CASEWORKER_ZHANG))
    world.meals.record_recall_follow_up(follow_up, ctx(CASEWORKER_LI))
    await runtime.positions.wait_for(event_count(world.meals.ledger), timeout=20)

    assert getattr(outsider.value, "code", None) == "FORBIDDEN"
    async with runtime.pool.acquire() as conn:
        entry = await conn.fetchrow("SELECT kind, summary FROM client_timeline WHERE resident_id = $1"
                                    " ORDER BY position DESC LIMIT 1", chen)
        [row] = await conn.fetch("SELECT outcome, note FROM meal_recall_follow_ups WHERE batch_id = $1", eggs)
    assert (entry["kind"], entry["summary"]) == ("meals.recall_contact", "Contacted after a food recall: contacted, well")
    assert (row["outcome"], row["note"]) == ("CONTACTED_WELL", "电话回访,无不适")
