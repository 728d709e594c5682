"""Recalculation when a standard is published: the process that follows the log recalculates every live case
from the effective date with arrears as separate lines, changes nothing when run again, resumes after a crash,
and agrees with the preview an admin saw before publishing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.commands import RecalculateAssistance
from civicledger.domains.assistance.programs import Program
from civicledger.processes.assistance_recalculation import AssistanceRecalculation
from civicledger.projections.runner import ProjectionRunner, rebuild
from tests.assistance.conftest import ADMIN_WANG, World, at, catch_up_with_the_log, ctx
from tests.assistance.flow import an_active_case, pay

D = Decimal
JULY, AUGUST = date(2018, 7, 1), date(2018, 8, 1)


class Crash(Exception):
    pass


class Follower:
    """The recalculation process on its own runner, calling the real service on a worker thread."""

    def __init__(self, world: World, pool: asyncpg.Pool) -> None:
        self.world, self.pool = world, pool
        self.crash_after: int | None = None
        self.calls = 0

    async def recalculate(self, cmd: RecalculateAssistance, context: CommandContext) -> Recorded:
        if self.crash_after is not None and self.calls >= self.crash_after:
            raise Crash("worker killed mid-batch")
        self.calls += 1
        return await asyncio.to_thread(self.world.service.recalculate_assistance, cmd, context)

    def runner(self) -> ProjectionRunner:
        process = AssistanceRecalculation(self.world.ledger.mapper, self.recalculate)
        return ProjectionRunner(self.pool, self.world.ledger.mapper, self.world.ledger.keyring, [process],
                                batch_size=50)

    async def run(self) -> None:
        runner = self.runner()
        await runner.create_tables()
        await catch_up_with_the_log(runner, self.pool)



@pytest_asyncio.fixture
async def follower(fresh_world: World) -> AsyncIterator[Follower]:
    pool = await asyncpg.create_pool(fresh_world.params.url, min_size=1, max_size=4)
    yield Follower(fresh_world, pool)
    await pool.close()


def publish(world: World, effective_from: date, amount: str, *, on: date) -> None:
    world.clock.set(at(on.year, on.month, on.day))
    world.service.publish_standard(c.PublishAssistanceStandard("MINIMUM_LIVING", effective_from, amount, "22800"),
                                   ctx(ADMIN_WANG, reason="穗民〔2018〕 standards adjustment"))


def lines(world: World, case_id: Any) -> list[tuple[str, date, date, Decimal]]:
    events = world.service.repository.event_store.get(case_id)
    return [(e.kind.value, e.service_month, e.payable_month, e.amount) for e in events
            if type(e).__name__ == "EntitlementAccrued"]


def a_case_paid_at_900_until_july(world: World) -> Any:
    publish(world, date(2017, 7, 1), "900", on=date(2017, 6, 20))
    case_id, _ = an_active_case(world, size=3, income="400", applied=date(2018, 4, 2), approved=date(2018, 4, 10))
    pay(world, case_id, date(2018, 4, 1), date(2018, 5, 1), date(2018, 6, 1), JULY)
    return case_id


async def test_900_to_950_recalculates_a_case_approved_before_the_change_with_arrears(follower: Follower) -> None:
    world = follower.world
    case_id = a_case_paid_at_900_until_july(world)

    publish(world, JULY, "950", on=date(2018, 8, 3))
    await follower.run()
    pay(world, case_id, AUGUST)

    assert lines(world, case_id) == [
        ("MONTHLY", date(2018, 4, 1), date(2018, 4, 1), D("1500.00")),
        ("MONTHLY", date(2018, 5, 1), date(2018, 5, 1), D("1500.00")),
        ("MONTHLY", date(2018, 6, 1), date(2018, 6, 1), D("1500.00")),
        ("MONTHLY", JULY, JULY, D("1500.00")),
        ("ARREARS", JULY, AUGUST, D("150.00")),  # (950 − 900) × 3 for July, paid with August
        ("MONTHLY", AUGUST, AUGUST, D("1650.00")),
    ]
    assert world.events_of(case_id).count("Recalculated") == 1


async def test_running_the_recalculation_again_changes_nothing(follower: Follower) -> None:
    world = follower.world
    case_id = a_case_paid_at_900_until_july(world)
    publish(world, JULY, "950", on=date(2018, 8, 3))
    await follower.run()
    before = world.event_count()

    await follower.run()  # caught up: nothing to do
    runner = follower.runner()
    await rebuild(runner)  # from position zero: every command replays its idempotency key
    await catch_up_with_the_log(runner, follower.pool)

    assert world.event_count() == before
    assert follower.calls >= 2
    assert world.events_of(case_id).count("Recalculated") == 1


async def test_a_crash_part_way_resumes_and_pays_each_case_once(follower: Follower) -> None:
    world = follower.world
    first = a_case_paid_at_900_until_july(world)
    second, _ = an_active_case(world, size=2, income="300", applied=date(2018, 5, 2), approved=date(2018, 5, 14))
    pay(world, second, JULY)
    publish(world, JULY, "950", on=date(2018, 8, 3))

    follower.crash_after = 1
    with pytest.raises(Crash):
        await follower.run()
    written_before_crash = sum(world.events_of(case).count("Recalculated") for case in (first, second))
    follower.crash_after = None
    await follower.run()

    assert written_before_crash == 1
    assert [world.events_of(case).count("Recalculated") for case in (first, second)] == [1, 1]
    assert lines(world, second)[-1] == ("ARREARS", JULY, AUGUST, D("100.00"))


async def test_the_preview_shows_what_publishing_will_do_and_writes_nothing(follower: Follower) -> None:
    world = follower.world
    case_id = a_case_paid_at_900_until_july(world)
    world.clock.set(at(2018, 8, 2))
    before = world.event_count()

    preview = world.service.preview_standard(
        c.PreviewAssistanceStandard("MINIMUM_LIVING", JULY, "950", "22800"), [case_id])

    assert world.event_count() == before
    assert [(p.case_id, p.month, p.old_amount, p.new_amount, p.arrears) for p in preview] == [
        (case_id, JULY, D("1500.00"), D("1650.00"), D("150.00"))]
    publish(world, JULY, "950", on=date(2018, 8, 3))
    await follower.run()
    assert [line[3] for line in lines(world, case_id) if line[0] == "ARREARS"] == [preview[0].arrears]


async def test_an_approval_that_raced_a_publication_is_recalculated_too(follower: Follower,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    world = follower.world
    publish(world, date(2017, 7, 1), "900", on=date(2017, 6, 20))
    stale = world.service.get_standard(Program.MINIMUM_LIVING)
    publish(world, JULY, "950", on=date(2018, 8, 1))
    monkeypatch.setattr(world.service, "get_standard", lambda program: stale)  # read before the publication
    case_id, _ = an_active_case(world, size=3, income="400", applied=date(2018, 8, 2), approved=date(2018, 8, 10))
    monkeypatch.undo()
    assert world.service.get_case(case_id).schedule[-1].monthly_amount == D("1500.00")

    await follower.run()

    assert world.service.get_case(case_id).schedule[-1].monthly_amount == D("1650.00")
