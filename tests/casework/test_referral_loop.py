"""A three-society linkage referral to a social-work station opens a casework case at the casework station it
names, and gets the case's outcome back when the case closes — through the linkage process manager following
the log and sending commands through the bus to the real linkage and casework services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date
from uuid import UUID

import pytest
import pytest_asyncio

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.casework import commands as cw
from civicledger.domains.casework.services import CaseworkService
from civicledger.domains.casework.values import IntakeSource
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import LinkageValueInvalidError, ProgramApplicationPendingError
from civicledger.domains.linkage.referral import ReferralStatus
from civicledger.domains.linkage.services import LinkageService
from civicledger.processes.linkage_programs import LinkageProgramsProcess
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Runtime
from civicledger.slice import ProcessWiring, Services
from tests.casework.conftest import World as CaseworkWorld
from tests.casework.conftest import build_world, log_end
from tests.linkage.conftest import World as LinkageWorld
from tests.linkage.conftest import build_world as build_linkage_world
from tests.linkage.conftest import collect, ctx, refer

STATEMENT = "孩子长期缺课,家长求助"


@pytest.fixture
def linkage(casework_ledger: Ledger, registry: object, clock: object) -> LinkageService:
    return LinkageService(casework_ledger, residents=registry, clock=clock)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def process(runtime: Runtime, casework_ledger: Ledger, linkage: LinkageService,
                  casework: CaseworkService) -> AsyncIterator[ProjectionRunner]:
    programs = LinkageProgramsProcess(ProcessWiring.over(Services(linkage=linkage, casework=casework),
                                                        mapper=casework_ledger.mapper, pool=runtime.pool))
    runner = ProjectionRunner(runtime.pool, casework_ledger.mapper, casework_ledger.keyring, [programs],
                              batch_size=50)
    await runner.create_tables()
    yield runner


async def follow_until(runner: ProjectionRunner, done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(done):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the process manager did not get there in time")
        await runner.catch_up()
        await asyncio.sleep(0.02)


def a_referral_asking_for_casework(linkage: LinkageService, lw: LinkageWorld, station: UUID,
                                   service: str = "YOUTH") -> UUID:
    """A need for a child in difficulty, referred to the street's social-work station, which accepts it and asks
    casework to take the child's family in at its casework station."""
    referral = refer(linkage, lw, collect(linkage, lw, sub_item="CHILDREN_IN_DIFFICULTY"), organisation=lw.station)
    linkage.accept_referral(c.AcceptReferral(referral), ctx(lw.station_staff))
    linkage.request_program_application(
        c.RequestProgramApplication(referral, None, STATEMENT, (), program="casework", scheme=service,
                                    unit_id=station), ctx(lw.station_staff))
    return referral


@pytest.fixture
def worlds(linkage: LinkageService, casework: CaseworkService, registry: object) -> tuple[LinkageWorld, CaseworkWorld]:
    return build_linkage_world(linkage, registry), build_world(casework, registry)  # type: ignore[arg-type]


async def test_a_referral_opens_a_casework_case_and_gets_its_outcome_back(
        process: ProjectionRunner, linkage: LinkageService, casework: CaseworkService,
        worlds: tuple[LinkageWorld, CaseworkWorld], runtime: Runtime, casework_ledger: Ledger) -> None:
    lw, cw_world = worlds
    referral = await asyncio.to_thread(a_referral_asking_for_casework, linkage, lw, cw_world.jianghai)

    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][1] is not None)
    _, case_id, undecided = linkage.get_referral(referral).applications[1]
    case = casework.get_case(case_id)
    assert undecided is None
    assert (case.source, case.referral_id, case.station_id, case.service, case.resident_id) == (
        IntakeSource.LINKAGE_REFERRAL, referral, cw_world.jianghai, "YOUTH", lw.resident)
    with pytest.raises(ProgramApplicationPendingError):
        await asyncio.to_thread(linkage.complete_referral, c.CompleteReferral(referral, "已转个案"),
                                ctx(lw.station_staff))

    def work_and_close() -> None:
        he = ctx(cw_world.worker_he)
        casework.assess_casework_case(cw.AssessCaseworkCase(case_id, "MEDIUM", ("EDUCATION_AND_EMPLOYMENT",), "厌学"),
                                      he)
        casework.agree_service_plan(cw.AgreeServicePlan(case_id, (
            cw.PlanGoal("EDUCATION_AND_EMPLOYMENT", "恢复正常上学", date(2026, 6, 30)),)), he)
        casework.close_casework_case(cw.CloseCaseworkCase(case_id, "GOALS_MET", (cw.GoalOutcomeGiven(1, "ACHIEVED"),)),
                                     he)

    await asyncio.to_thread(work_and_close)
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][2] is not None)

    assert linkage.get_referral(referral).applications[1] == ("casework", case_id, "ACHIEVED")
    await asyncio.to_thread(linkage.complete_referral, c.CompleteReferral(referral, "个案已结案"), ctx(lw.station_staff))
    assert linkage.get_referral(referral).status is ReferralStatus.COMPLETED
    await runtime.positions.wait_for(log_end(casework_ledger), timeout=10,
                                     names=["linkage_referrals", "casework_cases"])
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT program, program_scheme, program_application_id, program_outcome"
                                  " FROM linkage_referrals WHERE id = $1", referral)
        case_row = await conn.fetchrow("SELECT source, referral_id, outcome FROM casework_cases WHERE id = $1",
                                       case_id)
    assert dict(row) == {"program": "casework", "program_scheme": "YOUTH", "program_application_id": case_id,
                         "program_outcome": "ACHIEVED"}
    assert dict(case_row) == {"source": "LINKAGE_REFERRAL", "referral_id": referral, "outcome": "ACHIEVED"}


async def test_replaying_the_log_files_nothing_twice(
        process: ProjectionRunner, linkage: LinkageService, casework: CaseworkService,
        worlds: tuple[LinkageWorld, CaseworkWorld], casework_ledger: Ledger) -> None:
    lw, cw_world = worlds
    referral = await asyncio.to_thread(a_referral_asking_for_casework, linkage, lw, cw_world.jianghai)
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][1] is not None)
    case_id = linkage.get_referral(referral).applications[1][1]
    await asyncio.to_thread(casework.close_casework_case, cw.CloseCaseworkCase(case_id, "RESIDENT_WITHDREW", ()),
                            ctx(cw_world.worker_he))
    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][2] is not None)
    end = log_end(casework_ledger)

    await process.reset(process.projections[0])  # as if the process crashed and lost its place
    await follow_until(process, lambda: process.positions["linkage_programs"] >= end)

    assert linkage.get_referral(referral).applications[1] == ("casework", case_id, "NO_SERVICE_PLAN")
    assert log_end(casework_ledger) == end


async def test_a_case_casework_will_not_open_is_refused_on_the_referral(
        process: ProjectionRunner, linkage: LinkageService, worlds: tuple[LinkageWorld, CaseworkWorld]) -> None:
    lw, cw_world = worlds
    # Shipai runs no special projects: the request for one is casework's RULE_VIOLATION, recorded on the referral.
    referral = await asyncio.to_thread(a_referral_asking_for_casework, linkage, lw, cw_world.shipai,
                                       "COMMUNITY_CORRECTIONS")

    await follow_until(process, lambda: linkage.get_referral(referral).applications[1][2] is not None)

    assert linkage.get_referral(referral).applications[1] == ("casework", None, "REFUSED")


def test_a_casework_request_names_the_station(linkage: LinkageService,
                                              worlds: tuple[LinkageWorld, CaseworkWorld]) -> None:
    lw, _ = worlds
    referral = refer(linkage, lw, collect(linkage, lw, sub_item="CHILDREN_IN_DIFFICULTY"), organisation=lw.station)

    with pytest.raises(LinkageValueInvalidError) as raised:
        linkage.request_program_application(
            c.RequestProgramApplication(referral, None, STATEMENT, (), program="casework"), ctx(lw.station_staff))
    assert raised.value.details["field"] == "unitId"
