"""The assistance service on the real event store: the caseworker's flow, the bad-input list (each a typed
error with nothing written), verification failures and retries, maker-checker, payroll, claims."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from civicledger.core.errors import CivicError, InvalidInputError
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.case import CaseStatus
from civicledger.domains.assistance.errors import (
    AssessorCannotDecideError,
    AssistanceCaseStateError,
    DeclaredMeansInvalidError,
    DeclaredMembersInvalidError,
    HouseholdMemberDeceasedError,
    MemberInActiveCaseError,
    PayrollMonthInFutureError,
    StandardAmountInvalidError,
    StandardBackdatedError,
    VerificationIncompleteError,
)
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.verification import DataSource, FailureKind
from civicledger.domains.residents import commands as rc
from tests.assistance.conftest import ADMIN_WANG, SUPERVISOR_CHEN, SUPERVISOR_HUANG, World, at, ctx
from tests.assistance.flow import an_active_case, apply, pay, verify_and_assess

D = Decimal
AUGUST = date(2018, 8, 1)


def test_the_worked_example_pays_1500_before_and_1650_after_the_2018_adjustment(world: World) -> None:
    case_id, _ = an_active_case(world, size=3, income="400")

    pay(world, case_id, date(2018, 6, 1), date(2018, 7, 1))

    case = world.service.get_case(case_id)
    assert case.accrued == {date(2018, 6, 1): D("1500.00"), date(2018, 7, 1): D("1650.00")}
    assert case.status is CaseStatus.ACTIVE


def test_the_assessment_freezes_every_input_it_used(world: World) -> None:
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(3)
    case_id = apply(world, members, household)

    verify_and_assess(world, case_id, members, income="400")

    case = world.service.get_case(case_id)
    assessed = next(e for e in world.service.repository.event_store.get(case_id) if type(e).__name__ == "Assessed")
    assert (assessed.standard.revision, assessed.standard.amount, assessed.household_size) == (2, D("950.00"), 3)
    assert {m: v.verified_income for m, v in assessed.means.items()} == {m: D("400.00") for m in members}
    assert assessed.amount == D("1650.00") and assessed.assessed_by == "cw-li"
    assert case.status is CaseStatus.ASSESSED


def bad(world: World, action: Any, error: type[CivicError]) -> CivicError:
    before = world.event_count()
    with pytest.raises(error) as raised:
        action()
    assert world.event_count() == before, "a refused command must write nothing"
    return raised.value


def test_negative_or_non_numeric_incomes_are_invalid_input_and_write_nothing(world: World) -> None:
    household, members = world.household(2)

    def applying(income: object) -> Any:
        declared = (c.DeclaredMeans(members[0], income), c.DeclaredMeans(members[1], "0"))
        return lambda: world.service.apply_for_assistance(
            c.ApplyForAssistance("MINIMUM_LIVING", household, members[0], declared, "statement"), ctx())

    for income in ("-1", "abc", "NaN", None, True, "1e400x"):
        error = bad(world, applying(income), DeclaredMeansInvalidError)
        assert error.code == "INVALID_INPUT" and error.details["residentId"] == str(members[0])


@pytest.mark.parametrize("income", ["1234.567", "0.001", "950.005"])
def test_means_finer_than_the_fen_are_refused_not_rounded(world: World, income: str) -> None:
    household, members = world.household(2)
    declared = (c.DeclaredMeans(members[0], income), c.DeclaredMeans(members[1], "0"))

    error = bad(world, lambda: world.service.apply_for_assistance(
        c.ApplyForAssistance("MINIMUM_LIVING", household, members[0], declared, "statement"), ctx()),
        DeclaredMeansInvalidError)

    assert error.code == "INVALID_INPUT"


def test_a_standard_finer_than_the_fen_is_refused_not_rounded(world: World) -> None:
    publish = c.PublishAssistanceStandard("MINIMUM_LIVING", date(2030, 1, 1), "1100.005")

    error = bad(world, lambda: world.service.publish_standard(publish, ctx(ADMIN_WANG, "new decision")),
                StandardAmountInvalidError)

    assert error.code == "INVALID_INPUT"


def test_every_household_member_must_be_declared_and_only_members(world: World) -> None:
    household, members = world.household(2)
    _, strangers = world.household(1)

    partial = (c.DeclaredMeans(members[0], "0"),)
    foreign = (*partial, c.DeclaredMeans(members[1], "0"), c.DeclaredMeans(strangers[0], "0"))
    for declared in (partial, foreign):
        bad(world, lambda d=declared: world.service.apply_for_assistance(
            c.ApplyForAssistance("MINIMUM_LIVING", household, members[0], d, "statement"), ctx()),
            DeclaredMembersInvalidError)


def test_a_deceased_household_member_is_a_rule_violation_and_writes_nothing(world: World) -> None:
    household, members = world.household(2)
    world.registry.record_death(rc.RecordDeath(members[1], date(2018, 1, 20)), ctx(reason="death certificate"))

    error = bad(world, lambda: apply(world, members, household), HouseholdMemberDeceasedError)

    assert error.code == "RULE_VIOLATION" and error.details["residentId"] == str(members[1])


def test_a_member_of_an_active_case_cannot_join_another_case_of_the_same_program(world: World) -> None:
    household, members = world.household(2)
    apply(world, members, household)

    error = bad(world, lambda: apply(world, members, household), MemberInActiveCaseError)

    assert error.code == "CONFLICT"
    apply(world, members, household, program="MEDICAL")  # another program is fine


def test_two_applications_racing_for_the_same_members_leave_exactly_one_case(world: World) -> None:
    household, members = world.household(3)
    barrier = threading.Barrier(4)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            apply(world, members, household)
            return "applied"
        except MemberInActiveCaseError:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))

    assert outcomes == ["applied", "refused", "refused", "refused"]


def test_the_assessor_cannot_approve_and_the_refusal_writes_nothing(world: World) -> None:
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(2)
    case_id = apply(world, members, household)
    for member in members:
        world.bureau.stipulate(member, monthly_income="400", assets="1000")
    world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx())
    world.service.assess_assistance(c.AssessAssistance(case_id), ctx(SUPERVISOR_CHEN))  # a supervisor assesses
    world.service.post_public_notice(c.PostPublicNotice(case_id, days=5), ctx())
    world.clock.set(at(2018, 8, 13))

    bad(world, lambda: world.service.approve_assistance(c.ApproveAssistance(case_id),
                                                        ctx(SUPERVISOR_CHEN, reason="looks fine")),
        AssessorCannotDecideError)
    world.service.approve_assistance(c.ApproveAssistance(case_id), ctx(SUPERVISOR_HUANG, reason="second pair of eyes"))

    assert world.service.get_case(case_id).status is CaseStatus.ACTIVE


def test_decisions_need_a_reason(world: World) -> None:
    case_id, _ = an_active_case(world)

    error = bad(world, lambda: world.service.suspend_assistance(c.SuspendAssistance(case_id), ctx(SUPERVISOR_CHEN)),
                InvalidInputError)

    assert error.details["field"] == "reason"


def test_payroll_for_a_future_month_is_refused(world: World) -> None:
    case_id, _ = an_active_case(world)
    world.clock.set(at(2018, 7, 31, 23))  # 23:00 in Guangzhou: still July

    bad(world, lambda: world.service.generate_payroll(c.GeneratePayroll(AUGUST, case_ids=(case_id,)), ctx(SUPERVISOR_CHEN)),
        PayrollMonthInFutureError)


def test_a_standard_dated_before_the_current_one_needs_a_correction_reason(world: World) -> None:
    publish = c.PublishAssistanceStandard("MINIMUM_LIVING", date(2018, 1, 1), "925")

    error = bad(world, lambda: world.service.publish_standard(publish, ctx(ADMIN_WANG, "new decision")),
                StandardBackdatedError)

    assert error.code == "RULE_VIOLATION"
    standard = world.service.get_standard(Program.MINIMUM_LIVING)
    assert standard is not None and standard.latest_revision == 2


def test_running_payroll_twice_pays_each_case_once(world: World) -> None:
    cases = [an_active_case(world)[0] for _ in range(3)]
    world.clock.set(at(2018, 4, 3))
    run = c.GeneratePayroll(date(2018, 4, 1), case_ids=tuple(cases))

    first = world.service.generate_payroll(run, ctx(SUPERVISOR_CHEN))
    before = world.event_count()
    second = world.service.generate_payroll(run, ctx(SUPERVISOR_CHEN))

    assert (first.generated, first.unchanged) == (3, 0)
    assert (second.generated, second.unchanged) == (0, 3)
    assert world.event_count() == before


def test_concurrent_payroll_runs_still_pay_each_month_once(world: World) -> None:
    cases = [an_active_case(world)[0] for _ in range(2)]
    world.clock.set(at(2018, 5, 3))
    barrier = threading.Barrier(3)

    def run(_: int) -> int:
        barrier.wait()
        return world.service.generate_payroll(c.GeneratePayroll(date(2018, 5, 1), case_ids=tuple(cases)),
                                             ctx(SUPERVISOR_CHEN)).generated

    with ThreadPoolExecutor(3) as pool:
        generated = sum(pool.map(run, range(3)))

    assert generated == 2
    assert all(world.events_of(case).count("EntitlementAccrued") == 1 for case in cases)


def test_a_failing_source_is_retried_and_recorded_and_blocks_assessment_until_answered(world: World) -> None:
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(2)
    case_id = apply(world, members, household)
    for member in members:
        world.bureau.stipulate(member, monthly_income="300")
    world.bureau.fail(DataSource.TAX, times=4, kind=FailureKind.TIMEOUT)

    world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx())
    case = world.service.get_case(case_id)
    assert case.failures == {DataSource.TAX: (FailureKind.TIMEOUT, 3)}
    error = bad(world, lambda: world.service.assess_assistance(c.AssessAssistance(case_id), ctx()),
                VerificationIncompleteError)
    assert error.details["missingSources"] == ["TAX"]

    world.service.retry_verification(c.RetryHouseholdVerification(case_id), ctx())
    world.service.assess_assistance(c.AssessAssistance(case_id), ctx())

    events = [e for e in world.service.repository.event_store.get(case_id)]
    tax = [(type(e).__name__, e.attempts) for e in events if getattr(e, "source", None) is DataSource.TAX]
    assert tax == [("SourceFailed", 3), ("SourceAnswered", 2)]
    assert world.bureau.calls[DataSource.TAX] >= 5
    assert world.service.get_case(case_id).status is CaseStatus.ASSESSED


def test_a_source_answering_for_only_some_members_is_a_failure_not_a_partial_record(world: World) -> None:
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(3)
    case_id = apply(world, members, household)
    world.bureau.answer_partially(DataSource.SECURITIES)
    try:
        world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx())
    finally:
        world.bureau.restore(DataSource.SECURITIES)

    case = world.service.get_case(case_id)
    assert case.failures[DataSource.SECURITIES][0] is FailureKind.INCOMPLETE
    assert DataSource.SECURITIES not in case.answers
    assert len(case.answers) == 25


def test_a_crash_in_the_middle_of_verification_writes_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(2)
    case_id = apply(world, members, household)
    original = world.bureau.query

    def crash_on_vehicles(source: DataSource, queries: Any) -> Any:
        if source is DataSource.VEHICLES:
            raise RuntimeError("adapter process killed")
        return original(source, queries)

    monkeypatch.setattr(world.bureau, "query", crash_on_vehicles)

    bad(world, lambda: world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx()),
        RuntimeError)  # type: ignore[arg-type]
    assert world.events_of(case_id) == ["Applied"]


def test_an_idempotency_key_replays_the_application(world: World) -> None:
    household, members = world.household(1)

    first = apply(world, members, household, key="intake-2018-0042")
    again = apply(world, members, household, key="intake-2018-0042")

    assert first == again
    assert world.events_of(first) == ["Applied"]


def test_a_change_of_circumstances_is_reverified_reassessed_and_approved_by_someone_else(world: World) -> None:
    case_id, members = an_active_case(world, income="400")
    pay(world, case_id, date(2018, 9, 1))
    world.clock.set(at(2018, 9, 10))
    lower = tuple(c.DeclaredMeans(m, "100" if m == members[0] else "400") for m in members)

    world.service.report_change_of_circumstances(
        c.ReportChangeOfCircumstances(case_id, lower, "hours cut at the factory"), ctx())
    world.bureau.stipulate(members[0], monthly_income="100")
    world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx())
    world.service.assess_assistance(c.AssessAssistance(case_id), ctx(SUPERVISOR_HUANG))
    bad(world, lambda: world.service.approve_assistance(c.ApproveAssistance(case_id), ctx(SUPERVISOR_HUANG, "me")),
        AssessorCannotDecideError)
    world.service.approve_assistance(c.ApproveAssistance(case_id), ctx(SUPERVISOR_CHEN, "payslips checked"))

    case = world.service.get_case(case_id)
    assert case.accrued[date(2018, 9, 1)] == D("1950.00")  # 1650 paid + 300 arrears for September
    assert world.events_of(case_id)[-2:] == ["AmountAdjusted", "EntitlementAccrued"]


def test_termination_ends_payments_and_frees_the_members_for_a_new_case(world: World) -> None:
    case_id, members = an_active_case(world)
    world.clock.set(at(2018, 10, 8))
    household = world.service.get_case(case_id).household_id

    world.service.terminate_assistance(c.TerminateAssistance(case_id), ctx(SUPERVISOR_CHEN, "moved to Shenzhen"))
    pay(world, case_id, date(2018, 10, 1))
    again = apply(world, members, household)

    assert world.service.get_case(case_id).status is CaseStatus.TERMINATED
    assert "EntitlementAccrued" not in world.events_of(case_id)[-1:]
    assert world.service.get_case(again).status is CaseStatus.APPLIED


def test_objections_are_recorded_during_the_notice_and_refused_after_it(world: World) -> None:
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(2)
    case_id = apply(world, members, household)
    verify_and_assess(world, case_id, members)
    world.service.post_public_notice(c.PostPublicNotice(case_id, days=5), ctx())

    world.service.record_objection(c.RecordObjection(case_id, "neighbour reports a car parked outside"), ctx())
    world.clock.set(at(2018, 8, 11))
    bad(world, lambda: world.service.record_objection(c.RecordObjection(case_id, "late"), ctx()),
        AssistanceCaseStateError)

    assert world.service.get_case(case_id).objections == 1


def test_suspension_resumption_and_review_are_decisions_with_reasons(world: World) -> None:
    case_id, _ = an_active_case(world)
    pay(world, case_id, date(2018, 4, 1))
    world.clock.set(at(2018, 4, 20))

    world.service.suspend_assistance(c.SuspendAssistance(case_id), ctx(SUPERVISOR_CHEN, "in hospital in Hunan"))
    pay(world, case_id, date(2018, 5, 1))
    world.clock.set(at(2018, 6, 5))
    world.service.resume_assistance(c.ResumeAssistance(case_id), ctx(SUPERVISOR_CHEN, "back home"))
    pay(world, case_id, date(2018, 6, 1))
    world.clock.set(at(2019, 3, 1))
    world.service.complete_review(c.CompleteReview(case_id), ctx(reason="annual home visit"))

    case = world.service.get_case(case_id)
    assert sorted(case.paid_months) == [date(2018, 4, 1), date(2018, 6, 1)]  # nothing for May
    assert case.pauses == [(date(2018, 5, 1), date(2018, 6, 1))]
    assert case.next_review_due == date(2020, 3, 1)


def test_a_backdated_standard_with_a_correction_reason_is_published(fresh_world: World) -> None:
    service = fresh_world.service
    fresh_world.clock.set(at(2018, 8, 3))
    service.publish_standard(c.PublishAssistanceStandard("MINIMUM_LIVING", date(2018, 7, 1), "950", "22800"),
                             ctx(ADMIN_WANG, "2018 adjustment"))

    service.publish_standard(c.PublishAssistanceStandard("MINIMUM_LIVING", date(2018, 7, 1), "955", "22800",
                                                         correction_reason="misprint in the decision"),
                             ctx(ADMIN_WANG, "correction"))

    standard = service.get_standard(Program.MINIMUM_LIVING)
    assert standard is not None and standard.in_force(date(2018, 7, 1)).amount == D("955.00")  # type: ignore[union-attr]


def test_one_payroll_idempotency_key_covers_every_case_of_the_run(world: World) -> None:
    cases = [an_active_case(world)[0] for _ in range(2)]
    world.clock.set(at(2018, 4, 3))
    run = c.GeneratePayroll(date(2018, 4, 1), case_ids=tuple(cases))

    first = world.service.generate_payroll(run, ctx(SUPERVISOR_CHEN, key="finance-2018-04"))
    again = world.service.generate_payroll(run, ctx(SUPERVISOR_CHEN, key="finance-2018-04"))

    assert (first.generated, again.generated, again.unchanged) == (2, 0, 2)
