"""The casework service on the real database: a case from intake to closure, who may act on it, and the one
open case per resident and service."""

from __future__ import annotations

from datetime import date

import pytest

from civicledger.core.errors import ForbiddenError, StaleVersionError
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.errors import (
    CaseworkCaseAlreadyOpenError,
    NotStationSocialWorkerError,
    StationAdministrationForbiddenError,
    StationOfficeTakenError,
    StationServiceNotOfferedError,
)
from civicledger.domains.casework.services import CaseworkService
from civicledger.domains.casework.values import CaseOutcome, CaseStatus, IntakeSource
from civicledger.domains.residents.commands import RecordDeath
from civicledger.domains.residents.services import ResidentRegistry
from tests.casework.conftest import (
    ADMIN_WANG,
    INTEGRATOR,
    NOTES,
    SUPERVISOR_CHEN,
    World,
    case_in_service,
    ctx,
    log_end,
    open_case,
    register_resident,
)


def test_a_case_goes_from_walk_in_to_closure_with_an_outcome_per_goal(casework: CaseworkService, world: World) -> None:
    case_id = case_in_service(casework, world)
    casework.record_casework_session(c.RecordCaseworkSession(case_id, "HOME_VISIT", 50, NOTES, goals_addressed=(1, 2)),
                                     ctx(world.worker_he))
    casework.review_casework_case(c.ReviewCaseworkCase(case_id, (c.GoalProgressGiven(1, "ON_TRACK"),
                                                                 c.GoalProgressGiven(2, "ACHIEVED")),
                                                       "PREPARE_CLOSURE", "情绪好转,已加入长者小组"),
                                  ctx(world.worker_he))

    closed = casework.close_casework_case(c.CloseCaseworkCase(case_id, "GOALS_MET", (
        c.GoalOutcomeGiven(1, "PARTLY_ACHIEVED"), c.GoalOutcomeGiven(2, "ACHIEVED"))), ctx(world.worker_he))

    case = casework.get_case(case_id)
    assert (case.status, case.outcome, case.sessions, case.reviews) == (CaseStatus.CLOSED, CaseOutcome.PARTLY_ACHIEVED,
                                                                        1, 1)
    assert closed.version == 6
    assert case.social_worker_id == world.worker_he.id  # the intake worker, on the staff list, holds it


def test_a_team_member_is_anyone_whose_token_names_the_station_office(casework: CaseworkService,
                                                                      world: World) -> None:
    from civicledger.core.metadata import Actor

    colleague = Actor("sw-new-hire", "caseworker", world.jianghai_office, "HAIZHU")

    case_id = open_case(casework, world, by=colleague)

    assert casework.get_case(case_id).social_worker_id is None  # not on the staff list: nobody assigned yet


def test_only_the_holding_stations_social_workers_record_sessions(casework: CaseworkService, world: World,
                                                                  casework_ledger: Ledger) -> None:
    case_id = case_in_service(casework, world)
    before = log_end(casework_ledger)

    for outsider in (world.worker_liang, SUPERVISOR_CHEN, INTEGRATOR, ADMIN_WANG):
        with pytest.raises(ForbiddenError):
            casework.record_casework_session(c.RecordCaseworkSession(case_id, "PHONE", 20, NOTES),
                                             ctx(outsider))
    assert log_end(casework_ledger) == before


def test_after_a_transfer_the_old_station_may_no_longer_work_the_case(casework: CaseworkService,
                                                                      world: World) -> None:
    case_id = case_in_service(casework, world)

    casework.transfer_casework_case(c.TransferCaseworkCase(case_id, world.shayuan, world.worker_liang.id),
                                    ctx(world.worker_he, reason="居民搬至沙园街"))

    with pytest.raises(NotStationSocialWorkerError):
        casework.record_casework_session(c.RecordCaseworkSession(case_id, "PHONE", 20, NOTES), ctx(world.worker_he))
    casework.record_casework_session(c.RecordCaseworkSession(case_id, "PHONE", 20, NOTES), ctx(world.worker_liang))
    case = casework.get_case(case_id)
    assert (case.station_id, case.social_worker_id, case.sessions) == (world.shayuan, world.worker_liang.id, 1)


def test_a_transfer_across_districts_needs_a_right_over_both(casework: CaseworkService, world: World) -> None:
    case_id = case_in_service(casework, world)

    with pytest.raises(ForbiddenError):
        casework.transfer_casework_case(c.TransferCaseworkCase(case_id, world.shipai),
                                        ctx(world.worker_he, reason="居民搬至天河区"))
    casework.transfer_casework_case(c.TransferCaseworkCase(case_id, world.shipai),
                                    ctx(INTEGRATOR, reason="居民搬至天河区"))

    assert casework.get_case(case_id).district == "TIANHE"


def test_a_station_receives_only_cases_of_services_it_runs(casework: CaseworkService, world: World) -> None:
    case_id = open_case(casework, world, service="BEREAVED_PARENTS")

    with pytest.raises(StationServiceNotOfferedError):
        casework.transfer_casework_case(c.TransferCaseworkCase(case_id, world.shipai), ctx(INTEGRATOR, reason="搬家"))


def test_a_resident_has_one_open_case_per_service_until_it_closes(casework: CaseworkService, world: World) -> None:
    first = open_case(casework, world)

    with pytest.raises(CaseworkCaseAlreadyOpenError):
        open_case(casework, world, station=world.shayuan, by=world.worker_liang)
    open_case(casework, world, service="FAMILY")  # another service is another case
    casework.close_casework_case(c.CloseCaseworkCase(first, "RESIDENT_WITHDREW", ()), ctx(world.worker_he))
    again = open_case(casework, world, station=world.shayuan, by=world.worker_liang)

    assert casework.get_case(again).status is CaseStatus.INTAKE
    assert casework.get_case(first).outcome is CaseOutcome.NO_SERVICE_PLAN


def test_another_program_takes_a_resident_in_through_an_integrator(casework: CaseworkService, world: World) -> None:
    case_id = open_case(casework, world, by=INTEGRATOR, service="FAMILY", source="OTHER_PROGRAM",
                        source_program="Assistance", source_reference="case 2026-0001")

    case = casework.get_case(case_id)
    assert (case.source, case.social_worker_id) == (IntakeSource.OTHER_PROGRAM, None)


def test_a_stale_expected_version_is_a_conflict(casework: CaseworkService, world: World) -> None:
    case_id = case_in_service(casework, world)

    with pytest.raises(StaleVersionError):
        casework.record_casework_session(c.RecordCaseworkSession(case_id, "PHONE", 20, NOTES, expected_version=1),
                                         ctx(world.worker_he))


def test_a_retried_session_is_recorded_once(casework: CaseworkService, world: World, casework_ledger: Ledger) -> None:
    case_id = case_in_service(casework, world)
    cmd = c.RecordCaseworkSession(case_id, "OFFICE", 30, NOTES, held_on=date(2026, 3, 2))

    first = casework.record_casework_session(cmd, ctx(world.worker_he, key=f"session-{case_id}"))
    end = log_end(casework_ledger)
    again = casework.record_casework_session(cmd, ctx(world.worker_he, key=f"session-{case_id}"))

    assert (again.replayed, again.position, log_end(casework_ledger)) == (True, first.position, end)


def test_stations_and_their_staff_are_the_admins_or_the_district_supervisors(casework: CaseworkService,
                                                                            world: World) -> None:
    with pytest.raises(StationAdministrationForbiddenError):
        casework.add_station_social_worker(c.AddStationSocialWorker(world.shipai, "sw-x"), ctx(SUPERVISOR_CHEN))
    with pytest.raises(StationAdministrationForbiddenError):
        casework.register_casework_station(c.RegisterCaseworkStation("海幢街社工站", "STREET", "HAIZHU", "海幢街", "X-1",
                                                                     ("FAMILY",)), ctx(world.worker_he))
    casework.add_station_social_worker(c.AddStationSocialWorker(world.shayuan, "sw-new"), ctx(SUPERVISOR_CHEN))

    assert "sw-new" in casework.get_station(world.shayuan).social_workers


def test_an_office_code_belongs_to_one_station(casework: CaseworkService, world: World) -> None:
    with pytest.raises(StationOfficeTakenError):
        casework.register_casework_station(c.RegisterCaseworkStation("另一个站", "STREET", "HAIZHU", "海幢街",
                                                                     world.jianghai_office, ("FAMILY",)),
                                           ctx(ADMIN_WANG))


def test_no_case_is_opened_for_a_resident_whose_death_is_recorded(casework: CaseworkService, world: World,
                                                                  registry: ResidentRegistry) -> None:
    from civicledger.core.errors import RuleViolationError

    resident = register_resident(registry, "陈伯")
    registry.record_death(RecordDeath(resident, date(2026, 2, 1)), ctx(SUPERVISOR_CHEN, reason="死亡证明"))

    with pytest.raises(RuleViolationError):
        open_case(casework, world, resident=resident)


def test_two_stations_taking_the_same_resident_in_at_once_open_one_case(casework: CaseworkService,
                                                                        world: World) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(2)

    def take_in(station: object, worker: object) -> str:
        start.wait()
        try:
            open_case(casework, world, station=station, by=worker)  # type: ignore[arg-type]
            return "opened"
        except CaseworkCaseAlreadyOpenError:
            return "already open"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(take_in, (world.jianghai, world.shayuan), (world.worker_he, world.worker_liang)))

    assert results == ["already open", "opened"]
