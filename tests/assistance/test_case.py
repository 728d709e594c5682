"""The assistance case as a domain object: its life cycle, maker-checker, payroll once per month,
recalculation with arrears, and its entries on every member's timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from civicledger.domains.assistance.case import AssistanceCase, CaseStatus
from civicledger.domains.assistance.entitlements import EntitlementKind
from civicledger.domains.assistance.errors import (
    AssessmentIneligibleError,
    AssessorCannotDecideError,
    AssistanceCaseStateError,
    PublicNoticeRequiredError,
    PublicNoticeRunningError,
    VerificationIncompleteError,
)
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.timeline import CONTRIBUTION
from civicledger.domains.assistance.verification import (
    DataSource,
    FailureKind,
    SimulatedBureauDataService,
)
from tests.assistance.builders import (
    CASEWORKER_LI,
    LI_WEI,
    LI_XIAOMING,
    SUPERVISOR_CHEN,
    WANG_FANG,
    a_standard,
    an_application,
    an_approved_case,
    an_assessed_case,
    verify,
)

D = Decimal
MARCH, JULY = date(2018, 3, 1), date(2018, 7, 1)


def accrued_lines(case: AssistanceCase) -> list[tuple[str, date, Decimal]]:
    return [(e.kind.value, e.service_month, e.amount) for e in case.collect_events()
            if isinstance(e, AssistanceCase.EntitlementAccrued)]


def test_the_assessor_cannot_approve_their_own_assessment() -> None:
    standard = a_standard()
    case = an_assessed_case(standard)
    case.post_notice(7, date(2018, 3, 6))

    with pytest.raises(AssessorCannotDecideError):
        case.approve(CASEWORKER_LI, date(2018, 3, 14), standard)
    with pytest.raises(AssessorCannotDecideError):
        case.reject(CASEWORKER_LI)

    assert case.status is CaseStatus.IN_NOTICE


def test_another_person_approves_after_the_public_notice_and_the_schedule_follows_the_standard() -> None:
    standard = a_standard(Program.MINIMUM_LIVING, (date(2017, 7, 1), "900"), (JULY, "950"))
    case = an_assessed_case(standard)
    case.post_notice(7, date(2018, 3, 6))

    case.approve(SUPERVISOR_CHEN, date(2018, 3, 13), standard)

    assert case.status is CaseStatus.ACTIVE and case.first_month == MARCH
    assert [(e.from_month, e.monthly_amount) for e in case.schedule] == [(MARCH, D("1500.00")), (JULY, D("1650.00"))]
    assert case.next_review_due == date(2019, 3, 13)


def test_approval_waits_for_the_public_notice_to_end() -> None:
    standard = a_standard()
    case = an_assessed_case(standard)

    with pytest.raises(PublicNoticeRequiredError):
        case.approve(SUPERVISOR_CHEN, date(2018, 3, 6), standard)
    case.post_notice(7, date(2018, 3, 6))
    with pytest.raises(PublicNoticeRunningError):
        case.approve(SUPERVISOR_CHEN, date(2018, 3, 12), standard)  # the 7th day of the notice


def test_an_ineligible_assessment_cannot_be_posted_or_approved() -> None:
    standard = a_standard()
    case = an_assessed_case(standard, income="1000")

    assert case.assessment is not None and not case.assessment.eligible
    with pytest.raises(AssessmentIneligibleError):
        case.post_notice(7, date(2018, 3, 6))
    case.reject(SUPERVISOR_CHEN)
    assert case.status is CaseStatus.REJECTED


def test_a_case_cannot_be_assessed_while_a_mandatory_source_is_missing() -> None:
    case = an_application()
    bureau = SimulatedBureauDataService()
    bureau.outage(DataSource.BANK_DEPOSITS)

    verify(case, bureau)

    assert case.failures[DataSource.BANK_DEPOSITS] == (FailureKind.UNAVAILABLE, 3)
    with pytest.raises(VerificationIncompleteError) as raised:
        case.assess(CASEWORKER_LI, a_standard().revisions[0])
    assert raised.value.details["missingSources"] == ["BANK_DEPOSITS"]


def test_an_optional_source_may_be_missing() -> None:
    case = an_application()
    bureau = SimulatedBureauDataService()
    bureau.outage(DataSource.MARRIAGE_REGISTRATION)

    verify(case, bureau)
    assessment = case.assess(CASEWORKER_LI, a_standard().revisions[0])

    assert assessment.eligible


def test_a_month_is_paid_once_however_often_payroll_runs() -> None:
    case = an_approved_case(a_standard())
    case.collect_events()

    first = case.accrue_month(MARCH, date(2018, 3, 20))
    again = case.accrue_month(MARCH, date(2018, 3, 21))

    assert (first, again) == (True, False)
    assert accrued_lines(case) == [("MONTHLY", MARCH, D("1500.00"))]


def test_nothing_is_paid_before_the_first_month_or_while_suspended() -> None:
    case = an_approved_case(a_standard())
    case.suspend(date(2018, 4, 10))
    case.collect_events()

    assert case.accrue_month(date(2018, 2, 1), date(2018, 4, 10)) is False
    assert case.accrue_month(date(2018, 4, 1), date(2018, 4, 10)) is False
    case.resume(date(2018, 5, 3))
    assert case.accrue_month(date(2018, 5, 1), date(2018, 5, 3)) is True


def test_a_raised_standard_recalculates_from_its_effective_date_with_arrears_for_months_paid() -> None:
    standard = a_standard()  # 900 only: the 950 decision is not published yet
    case = an_approved_case(standard, approved_on=date(2018, 4, 10))
    for month in (4, 5, 6, 7):
        case.accrue_month(date(2018, month, 1), date(2018, 7, 2))
    case.collect_events()
    standard.publish(JULY, D("950"), D("22800"), None, None, by="admin-wang")

    changed = case.recalculate(standard, date(2018, 8, 3))

    assert changed
    assert [(e.from_month, e.monthly_amount) for e in case.schedule] == [(date(2018, 4, 1), D("1500.00")),
                                                                           (JULY, D("1650.00"))]
    assert accrued_lines(case) == [("ARREARS", JULY, D("150.00"))]
    assert case.accrued[JULY] == D("1650.00")
    assert case.recalculate(standard, date(2018, 8, 4)) is False


def test_the_entitlement_in_force_on_a_date_follows_the_schedule_and_says_whether_the_month_is_payable() -> None:
    standard = a_standard()
    case = an_approved_case(standard, approved_on=date(2018, 4, 10))
    standard.publish(JULY, D("950"), D("22800"), None, None, by="admin-wang")
    case.recalculate(standard, date(2018, 8, 3))
    case.suspend(date(2018, 9, 10))

    before = case.in_force_on(date(2018, 3, 31))
    may = case.in_force_on(date(2018, 5, 20))
    august = case.in_force_on(date(2018, 8, 31))
    september = case.in_force_on(date(2018, 9, 1))

    assert before is None
    assert may is not None and (may["monthlyAmount"], may["effectiveFrom"], may["effectiveUntil"], may["payable"]) == (
        D("1500.00"), date(2018, 4, 1), JULY, True)
    assert august is not None and (august["monthlyAmount"], august["standardAmount"], august["effectiveUntil"]) == (
        D("1650.00"), D("950"), None)
    assert september is not None and september["payable"] is False


def test_a_standard_dated_before_months_already_paid_pays_arrears_for_each_of_them() -> None:
    standard = a_standard()
    case = an_approved_case(standard, approved_on=date(2018, 3, 14))
    for month in (3, 4, 5):
        case.accrue_month(date(2018, month, 1), date(2018, 5, 2))
    standard.publish(date(2018, 4, 1), D("910"), D("21600"), None, None, by="admin-wang")
    case.collect_events()

    case.recalculate(standard, date(2018, 5, 20))

    assert [(k, m, a) for k, m, a in accrued_lines(case)] == [
        ("ARREARS", date(2018, 4, 1), D("30.00")), ("ARREARS", date(2018, 5, 1), D("30.00"))]


def test_a_one_off_grant_is_paid_on_approval_and_the_case_completes() -> None:
    standard = a_standard(Program.TEMPORARY, (date(2017, 7, 1), "2700"))
    case = an_application(Program.TEMPORARY, need="4000")
    verify(case, SimulatedBureauDataService())
    case.assess(CASEWORKER_LI, standard.revisions[0])
    case.collect_events()

    case.approve(SUPERVISOR_CHEN, date(2018, 3, 8), standard)

    assert case.status is CaseStatus.COMPLETED
    assert accrued_lines(case) == [(EntitlementKind.ONE_OFF.value, MARCH, D("4000.00"))]


def test_commands_out_of_order_are_refused() -> None:
    case = an_application()

    with pytest.raises(AssistanceCaseStateError):
        case.suspend(date(2018, 3, 6))
    with pytest.raises(AssistanceCaseStateError):
        case.post_notice(7, date(2018, 3, 6))


def test_every_member_of_the_household_sees_the_case_on_their_timeline() -> None:
    standard = a_standard()
    case = an_approved_case(standard)
    events = case.collect_events()

    entries = [entry for e in events for entry in CONTRIBUTION.entries_for(e)]

    kinds = [entry.kind for entry in entries]
    assert kinds == ["assistance.applied", "assistance.verification_requested", "assistance.assessed",
                     "assistance.notice_posted", "assistance.approved"]
    assert all(set(entry.resident_ids) == {WANG_FANG, LI_WEI, LI_XIAOMING} for entry in entries)
    assert "400" not in " ".join(entry.summary for entry in entries)
    assert entries[0].summary == "Applied for minimum living guarantee (低保) for 3 people"


def test_a_case_covering_one_person_is_on_the_whole_households_timeline() -> None:
    standard = a_standard(Program.ORPHAN, (date(2017, 7, 1), "2143"))
    case = an_application(Program.ORPHAN, members=(LI_XIAOMING,))
    verify(case, SimulatedBureauDataService())
    case.assess(CASEWORKER_LI, standard.revisions[0])
    case.approve(SUPERVISOR_CHEN, date(2018, 3, 8), standard)

    entries = [entry for e in case.collect_events() for entry in CONTRIBUTION.entries_for(e)]

    assert entries and all(set(entry.resident_ids) == {WANG_FANG, LI_WEI, LI_XIAOMING} for entry in entries)
    assert entries[0].summary == "Applied for orphan support (孤儿养育) for 1 person"
    assert case.schedule[0].monthly_amount == Decimal("2143.00")
