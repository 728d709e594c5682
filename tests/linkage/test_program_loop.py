"""A referral that needs social assistance opens an assistance application linked to it, and shows the
decision when assistance makes it — through the process manager following the log, with the real assistance
service. The loop is closed in the system: the referral cannot complete while the application is undecided."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date
from uuid import UUID

import pytest
import pytest_asyncio

from civicledger.core.clock import FixedClock
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor
from civicledger.domains.assistance import commands as a
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.assistance.verification import SimulatedBureauDataService
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import ProgramApplicationPendingError
from civicledger.domains.linkage.referral import ReferralStatus
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.residents.commands import EstablishHousehold
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.processes.linkage_programs import LinkageProgramsProcess
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Runtime
from civicledger.slice import ProcessWiring, Services
from tests.linkage.conftest import ADMIN_WANG, SUPERVISOR_CHEN, World, collect, ctx, log_end, refer

ASSESSOR_HUANG = Actor(id="sup-huang", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")


@pytest.fixture
def bureau() -> SimulatedBureauDataService:
    return SimulatedBureauDataService()


@pytest.fixture
def assistance(linkage_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock,
               bureau: SimulatedBureauDataService) -> AssistanceService:
    service = AssistanceService(linkage_ledger, registry=registry, clock=clock, bureau=bureau)
    if service.get_standard(service_program("TEMPORARY")) is None:
        service.publish_standard(a.PublishAssistanceStandard("TEMPORARY", date(2018, 7, 1), "2850", "22800"),
                                 ctx(ADMIN_WANG, reason="2018 adjustment"))
    return service


def service_program(name: str) -> object:
    from civicledger.domains.assistance.programs import Program

    return Program(name)


@pytest_asyncio.fixture
async def process(runtime: Runtime, linkage_ledger: Ledger, linkage: LinkageService,
                  assistance: AssistanceService) -> AsyncIterator[ProjectionRunner]:
    programs = LinkageProgramsProcess(ProcessWiring.over(Services(linkage=linkage, assistance=assistance),
                                                        mapper=linkage_ledger.mapper, pool=runtime.pool))
    runner = ProjectionRunner(runtime.pool, linkage_ledger.mapper, linkage_ledger.keyring, [programs], batch_size=50)
    await runner.create_tables()
    yield runner


async def follow_until(runner: ProjectionRunner, done: Callable[[], bool], timeout: float = 20.0) -> None:
    """Follow the log until `done()`: one catch-up may stop short of the newest events while other
    transactions hold the safe horizon back (projection batches here, other databases on the server)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(done):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the process manager did not get there in time")
        await runner.catch_up()
        await asyncio.sleep(0.02)


async def a_hardship_referral_asking_for(linkage: LinkageService, registry: ResidentRegistry, w: World,
                                         scheme: str) -> tuple[UUID, UUID]:
    def arrange() -> tuple[UUID, UUID]:
        household = registry.establish_household(EstablishHousehold(head_id=w.resident), ctx(SUPERVISOR_CHEN))
        referral = refer(linkage, w, collect(linkage, w, sub_item="HARDSHIP_HOUSEHOLDS"), organisation=w.station)
        linkage.accept_referral(c.AcceptReferral(referral), ctx(w.station_staff))
        linkage.request_program_application(
            c.RequestProgramApplication(referral, household.stream_id, "丈夫住院,家庭本月无收入",
                                        declared=(c.DeclaredMeans(w.resident, "0", "1200"),), scheme=scheme,
                                        need="2000"),
            ctx(w.station_staff))
        return referral, household.stream_id

    return await asyncio.to_thread(arrange)


async def test_a_referral_opens_an_assistance_application_and_shows_its_approval(
        process: ProjectionRunner, linkage: LinkageService, assistance: AssistanceService, registry: ResidentRegistry,
        world: World, bureau: SimulatedBureauDataService, runtime: Runtime, linkage_ledger: Ledger) -> None:
    referral, household = await a_hardship_referral_asking_for(linkage, registry, world, "TEMPORARY")
    with pytest.raises(ProgramApplicationPendingError):
        await asyncio.to_thread(linkage.complete_referral, c.CompleteReferral(referral, "已转介救助"),
                                ctx(world.station_staff))

    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][1] is not None)
    _, case_id, undecided = linkage.get_referral(referral).applications[1]
    case = assistance.get_case(case_id)
    assert undecided is None and case.referral_id == referral and case.household_id == household

    bureau.stipulate(world.resident, monthly_income="0", assets="1200")
    await asyncio.to_thread(lambda: (
        assistance.request_verification(a.RequestHouseholdVerification(case_id), ctx(SUPERVISOR_CHEN)),
        assistance.assess_assistance(a.AssessAssistance(case_id), ctx(ASSESSOR_HUANG)),
        assistance.approve_assistance(a.ApproveAssistance(case_id), ctx(SUPERVISOR_CHEN, reason="符合临时救助条件")),
    ))
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][2] is not None)

    assert linkage.get_referral(referral).applications[1] == ("assistance", case_id, "APPROVED")
    await asyncio.to_thread(linkage.complete_referral, c.CompleteReferral(referral, "临时救助已批准"),
                            ctx(world.station_staff))
    assert linkage.get_referral(referral).status is ReferralStatus.COMPLETED
    await runtime.positions.wait_for(log_end(linkage_ledger), timeout=10, names=["linkage_referrals"])
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT program, program_scheme, program_application_id, program_outcome"
                                  " FROM linkage_referrals WHERE id = $1", referral)
    assert dict(row) == {"program": "assistance", "program_scheme": "TEMPORARY", "program_application_id": case_id,
                         "program_outcome": "APPROVED"}


async def test_a_rejection_is_reported_back_and_replaying_the_log_writes_nothing(
        process: ProjectionRunner, linkage: LinkageService, assistance: AssistanceService, registry: ResidentRegistry,
        world: World, linkage_ledger: Ledger) -> None:
    referral, _ = await a_hardship_referral_asking_for(linkage, registry, world, "TEMPORARY")
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][1] is not None)
    case_id = linkage.get_referral(referral).applications[1][1]
    await asyncio.to_thread(assistance.reject_assistance, a.RejectAssistance(case_id),
                            ctx(SUPERVISOR_CHEN, reason="申请人撤回救助申请"))
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][2] is not None)
    end = log_end(linkage_ledger)

    await process.reset(process.projections[0])  # as if the process crashed and lost its place
    await follow_until(process, lambda: process.positions["linkage_programs"] >= end)

    assert linkage.get_referral(referral).applications[1] == ("assistance", case_id, "REJECTED")
    assert log_end(linkage_ledger) == end


async def test_an_application_the_program_will_not_open_is_refused_on_the_referral(
        process: ProjectionRunner, linkage: LinkageService, registry: ResidentRegistry, world: World) -> None:
    def arrange() -> UUID:
        stranger_household = registry.establish_household(EstablishHousehold(head_id=world.other_resident),
                                                          ctx(SUPERVISOR_CHEN)).stream_id
        referral = refer(linkage, world, collect(linkage, world, sub_item="HARDSHIP_HOUSEHOLDS"),
                         organisation=world.station)
        linkage.request_program_application(
            c.RequestProgramApplication(referral, stranger_household, "申请低保",
                                        declared=(c.DeclaredMeans(world.resident, "0"),)),
            ctx(world.committee_staff))
        return referral

    referral = await asyncio.to_thread(arrange)
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][2] is not None)

    program, application, outcome = linkage.get_referral(referral).applications[1]
    assert (program, application, outcome) == ("assistance", None, "REFUSED")


async def test_what_the_process_writes_names_the_event_that_caused_it(
        process: ProjectionRunner, linkage: LinkageService, registry: ResidentRegistry, world: World,
        linkage_ledger: Ledger) -> None:
    referral, _ = await a_hardship_referral_asking_for(linkage, registry, world, "TEMPORARY")
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][1] is not None)
    case_id = linkage.get_referral(referral).applications[1][1]

    with linkage_ledger.datastore.get_connection() as conn:
        requested = conn.execute(
            "SELECT notification_id, correlation_id FROM events WHERE originator_id = %s AND topic LIKE %s",
            (referral, "%ProgramApplicationRequested")).fetchone()
        written = conn.execute(
            "SELECT causation_id, correlation_id, actor_id FROM events WHERE originator_id = %s"
            " OR (originator_id = %s AND topic LIKE %s)",
            (case_id, referral, "%ProgramApplicationOpened")).fetchall()

    assert len(written) == 2  # the application it filed and the referral's note of it
    assert {(r["causation_id"], r["correlation_id"], r["actor_id"]) for r in written} == {
        (str(requested["notification_id"]), requested["correlation_id"], "linkage-programs")}
