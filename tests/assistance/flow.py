"""The caseworker's flow through the service, step by step, for service and process tests."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from civicledger.core.metadata import Actor
from civicledger.domains.assistance import commands as c
from tests.assistance.conftest import SUPERVISOR_CHEN, World, at, caseworker_of, ctx


def _staff(world: World, case_or_household: UUID) -> tuple[Actor, Actor]:
    """The caseworker and the supervisor of the district the case (or household) belongs to."""
    district = world.districts.get(case_or_household, "HAIZHU")
    if district == "HAIZHU":
        return caseworker_of(district), SUPERVISOR_CHEN
    return caseworker_of(district), Actor(id=f"sup-{district.lower()}", role="supervisor",
                                          office=f"{district}-CIVIL-AFFAIRS", district=district)


def apply(world: World, members: list[UUID], household: UUID, *, program: str = "MINIMUM_LIVING",
          income: str = "400", key: str | None = None, need: str | None = None) -> UUID:
    cmd = c.ApplyForAssistance(program=program, household_id=household, applicant_id=members[0],
                               declared=tuple(c.DeclaredMeans(m, income, "1000") for m in members),
                               statement="lost my job at the garment factory", need=need)
    case_id = world.service.apply_for_assistance(cmd, ctx(_staff(world, household)[0], key=key)).stream_id
    world.districts[case_id] = world.districts.get(household, "HAIZHU")
    return case_id


def verify_and_assess(world: World, case_id: UUID, members: list[UUID], *, income: str = "400") -> None:
    for member in members:
        world.bureau.stipulate(member, monthly_income=income, assets="1000")
    caseworker, _ = _staff(world, case_id)
    world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx(caseworker))
    world.service.assess_assistance(c.AssessAssistance(case_id), ctx(caseworker))


def approve(world: World, case_id: UUID, *, on: date) -> None:
    """Post a 7-day notice, let it run, approve as the supervisor on `on`."""
    caseworker, supervisor = _staff(world, case_id)
    world.service.post_public_notice(c.PostPublicNotice(case_id, days=7), ctx(caseworker))
    world.clock.set(at(on.year, on.month, on.day))
    world.service.approve_assistance(c.ApproveAssistance(case_id), ctx(supervisor, "notice ended without objection"))


def an_active_case(world: World, *, size: int = 3, income: str = "400", applied: date = date(2018, 3, 5),
                   approved: date = date(2018, 3, 14)) -> tuple[UUID, list[UUID]]:
    world.clock.set(at(applied.year, applied.month, applied.day))
    household, members = world.household(size)
    case_id = apply(world, members, household, income=income)
    verify_and_assess(world, case_id, members, income=income)
    approve(world, case_id, on=approved)
    return case_id, members


def pay(world: World, case_id: UUID, *months: date) -> None:
    for month in months:
        world.clock.set(at(month.year, month.month, 2))
        world.service.generate_monthly_entitlement(c.GenerateMonthlyEntitlement(case_id, month),
                                                   ctx(_staff(world, case_id)[1]))

