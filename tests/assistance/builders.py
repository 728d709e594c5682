"""Memorable data and small builders for the assistance tests (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from civicledger.domains.assistance.case import AssistanceCase
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.rules import Declaration
from civicledger.domains.assistance.standard import AssistanceStandard
from civicledger.domains.assistance.verification import (
    ALL_SOURCES,
    MemberQuery,
    RetryPolicy,
    SimulatedBureauDataService,
    query_source,
)

WANG_FANG, LI_WEI, LI_XIAOMING = uuid4(), uuid4(), uuid4()
HOUSEHOLD = uuid4()
CASEWORKER_LI, SUPERVISOR_CHEN = "cw-li", "sup-chen"
NO_WAIT = RetryPolicy(attempts=3, backoff_seconds=0)


def a_standard(program: Program = Program.MINIMUM_LIVING, *revisions: tuple[date, str]) -> AssistanceStandard:
    standard = AssistanceStandard(program=program)
    for effective_from, amount in revisions or ((date(2017, 7, 1), "900"),):
        standard.publish(effective_from, Decimal(amount), Decimal("21600"), None, None, by="admin-wang")
    return standard


def an_application(program: Program = Program.MINIMUM_LIVING, members: tuple[UUID, ...] = (WANG_FANG, LI_WEI, LI_XIAOMING),
                   declared_income: str = "400", need: str | None = None) -> AssistanceCase:
    return AssistanceCase(
        program=program, household_id=HOUSEHOLD, district="HAIZHU", applicant_id=members[0], members=members,
        household_members=(WANG_FANG, LI_WEI, LI_XIAOMING),
        declared={m: Declaration(Decimal(declared_income), Decimal("0")) for m in members},
        statement="lost my job in January", need=Decimal(need) if need else None, referral_id=None,
        applied_on=date(2018, 3, 5),
    )


def verify(case: AssistanceCase, bureau: SimulatedBureauDataService, *, income: str = "400",
           assets: str = "1000") -> None:
    for member in case.members:
        bureau.stipulate(member, monthly_income=income, assets=assets)
    case.start_verification(ALL_SOURCES)
    queries = [MemberQuery(m) for m in case.members]
    for source in case.unanswered():
        case.record_source(query_source(bureau, source, queries, NO_WAIT))


def an_assessed_case(standard: AssistanceStandard, *, income: str = "400", today: date = date(2018, 3, 6),
                     program: Program = Program.MINIMUM_LIVING) -> AssistanceCase:
    case = an_application(program, declared_income=income)
    verify(case, SimulatedBureauDataService(), income=income)
    revision = standard.in_force(today)
    assert revision is not None
    case.assess(CASEWORKER_LI, revision)
    return case


def an_approved_case(standard: AssistanceStandard, *, income: str = "400",
                     approved_on: date = date(2018, 3, 14)) -> AssistanceCase:
    case = an_assessed_case(standard, income=income)
    case.post_notice(7, date(2018, 3, 6))
    case.approve(SUPERVISOR_CHEN, approved_on, standard)
    return case
