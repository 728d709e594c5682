"""A party's death, recorded by the resident registry, ends the marriage through the process that follows the log:
the survivor is widowed from the date of death and may marry again; a replay writes nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date

import pytest
import pytest_asyncio

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.errors import PartyNotDeceasedError
from civicledger.domains.marriage.marital_record import MaritalStatus
from civicledger.domains.marriage.marriage import MarriageStatus
from civicledger.domains.marriage.services import MarriageService
from civicledger.domains.residents.commands import RecordDeath
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.processes.marriage_deaths import PROCESS, MarriageDeaths
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Runtime
from civicledger.slice import ProcessWiring, Services
from tests.marriage.conftest import ADMIN_WANG, Couple, World, ctx, event_count

DIED_ON = date(2026, 6, 15)


@pytest_asyncio.fixture
async def process(runtime: Runtime, marriage_ledger: Ledger, marriage: MarriageService,
                  registry: ResidentRegistry) -> AsyncIterator[ProjectionRunner]:
    deaths = MarriageDeaths(ProcessWiring.over(Services(residents=registry, marriage=marriage),
                                               mapper=marriage_ledger.mapper, pool=runtime.pool))
    runner = ProjectionRunner(runtime.pool, marriage_ledger.mapper, marriage_ledger.keyring, [deaths], batch_size=50)
    await runner.create_tables()
    yield runner


async def follow_until(runner: ProjectionRunner, done: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(done):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the process did not get there in time")
        await runner.catch_up()
        await asyncio.sleep(0.02)


async def test_a_husbands_death_widows_his_wife_who_may_marry_again(world: World, process: ProjectionRunner) -> None:
    couple = world.couple()
    marriage_id = await asyncio.to_thread(world.marry, couple)
    await asyncio.to_thread(world.registry.record_death, RecordDeath(couple.husband, DIED_ON),
                            ctx(ADMIN_WANG, reason="death certificate 2026-0520"))

    def ended() -> bool:
        return world.marriage.get_marriage(marriage_id).status is MarriageStatus.ENDED_BY_DEATH

    await follow_until(process, ended)
    before = event_count(world.marriage.ledger)
    await process.catch_up()

    record = world.marriage.marital_record(couple.wife)
    assert record is not None and record.status_on(DIED_ON) is MaritalStatus.WIDOWED
    assert record.status_on(date(2026, 6, 14)) is MaritalStatus.MARRIED
    assert world.marriage.get_marriage(marriage_id).ended_on == DIED_ON
    assert event_count(world.marriage.ledger) == before, "nothing more to do"
    await asyncio.to_thread(world.marry, Couple(world.man(), couple.wife))  # her claim was released


def test_ending_by_death_is_refused_for_the_living_and_a_replay_writes_nothing(world: World) -> None:
    couple = world.couple()
    world.marry(couple)
    system = ctx(PROCESS, key=f"marriage-death:{couple.wife}")

    with pytest.raises(PartyNotDeceasedError):
        world.marriage.end_marriage_by_death(c.EndMarriageByDeath(couple.wife), ctx(PROCESS))
    world.registry.record_death(RecordDeath(couple.wife, DIED_ON), ctx(ADMIN_WANG, reason="death certificate"))
    first = world.marriage.end_marriage_by_death(c.EndMarriageByDeath(couple.wife), system)
    again = world.marriage.end_marriage_by_death(c.EndMarriageByDeath(couple.wife), system)
    nothing = world.marriage.end_marriage_by_death(c.EndMarriageByDeath(couple.wife), ctx(PROCESS))

    assert first.positions and again.replayed and again.positions == first.positions
    assert nothing.positions == ()
