"""An assistance case: one household's application to one program, from application to its end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.money import ZERO
from civicledger.domains.assistance.entitlements import (
    ArrearsLine,
    EntitlementKind,
    ScheduleEntry,
    add_months,
    arrears,
    entry_for,
    first_difference,
    merged,
    month_of,
)
from civicledger.domains.assistance.errors import (
    AssessmentIneligibleError,
    AssessorCannotDecideError,
    AssistanceCaseStateError,
    PublicNoticeRequiredError,
    PublicNoticeRunningError,
    StandardNotInForceError,
    VerificationIncompleteError,
)
from civicledger.domains.assistance.programs import Program, ProgramRule
from civicledger.domains.assistance.rules import (
    Declaration,
    MemberMeans,
    Revision,
    evaluate,
    member_means,
    monthly_amount,
)
from civicledger.domains.assistance.standard import AssistanceStandard
from civicledger.domains.assistance.verification import DataSource, FailureKind, MemberRecord, SourceOutcome

Ids = tuple[UUID, ...]  # residents


class CaseStatus(str, Enum):
    APPLIED = "APPLIED"
    VERIFYING = "VERIFYING"
    ASSESSED = "ASSESSED"
    IN_NOTICE = "IN_NOTICE"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REJECTED = "REJECTED"
    TERMINATED = "TERMINATED"
    COMPLETED = "COMPLETED"  # a one-off grant, paid


UNDECIDED = frozenset({CaseStatus.APPLIED, CaseStatus.VERIFYING, CaseStatus.ASSESSED, CaseStatus.IN_NOTICE})
LIVE = frozenset({CaseStatus.ACTIVE, CaseStatus.SUSPENDED})
ENDED = frozenset({CaseStatus.REJECTED, CaseStatus.TERMINATED, CaseStatus.COMPLETED})


@dataclass(frozen=True)
class Assessment:
    assessment_id: UUID
    assessed_by: str
    standard: Revision
    household_size: int
    total_income: Decimal
    amount: Decimal
    eligible: bool
    findings: tuple[str, ...]


@dataclass(frozen=True)
class Notice:
    starts_on: date
    ends_on: date
    days: int


class AssistanceCase(CivicAggregate):
    """A household's case in one program. Nobody decides an assessment they made; nothing is paid before
    approval, nor twice for a month; an assessment freezes every input it used (standard, verified means per
    member, household size) so the decision can be re-checked years later. A member is in at most one live
    case per program (the service claims each membership)."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {
            "declared": "keys", "answers": "keys", "means": "keys",
            "statement": "field:applicant_id", "summary": "field:applicant_id",
        }

    class Applied(Event, CivicAggregate.Created):
        program: Program
        household_id: UUID
        district: str
        applicant_id: UUID
        members: Ids
        household_members: Ids
        declared: dict[UUID, Declaration]
        statement: str
        need: Decimal | None
        referral_id: UUID | None
        applied_on: date

    class VerificationRequested(Event):
        round: int
        sources: tuple[DataSource, ...]
        members: Ids
        household_members: Ids

    class SourceAnswered(Event):
        round: int
        source: DataSource
        answered_at: datetime
        attempts: int
        answers: dict[UUID, MemberRecord]

    class SourceFailed(Event):
        round: int
        source: DataSource
        failure: FailureKind
        attempts: int

    class Assessed(Event):
        assessment_id: UUID
        assessed_by: str
        round: int
        standard: Revision
        means: dict[UUID, MemberMeans]
        need: Decimal | None
        household_size: int
        total_income: Decimal
        per_capita_income: Decimal
        per_capita_assets: Decimal
        amount: Decimal
        eligible: bool
        findings: tuple[str, ...]
        members: Ids
        household_members: Ids

    class NoticePosted(Event):
        starts_on: date
        ends_on: date
        days: int
        members: Ids
        household_members: Ids

    class ObjectionRecorded(Event):
        objection_id: UUID
        applicant_id: UUID
        summary: str
        received_on: date

    class Approved(Event):
        approved_by: str
        assessment_id: UUID
        first_month: date
        schedule: tuple[ScheduleEntry, ...]
        one_off_amount: Decimal | None
        standard_revision_seen: int
        next_review_due: date | None
        members: Ids
        household_members: Ids

    class Rejected(Event):
        rejected_by: str
        assessment_id: UUID | None
        members: Ids
        household_members: Ids

    class EntitlementAccrued(Event):
        line_id: UUID
        kind: EntitlementKind
        service_month: date
        payable_month: date
        amount: Decimal
        standard_revision: int | None
        program: Program
        district: str
        household_id: UUID

    class Recalculated(Event):
        standard_revision_seen: int
        from_month: date
        schedule: tuple[ScheduleEntry, ...]
        members: Ids
        household_members: Ids

    class CircumstancesChanged(Event):
        applicant_id: UUID
        members: Ids
        household_members: Ids
        declared: dict[UUID, Declaration]
        statement: str

    class AmountAdjusted(Event):
        adjusted_by: str
        assessment_id: UUID
        from_month: date
        schedule: tuple[ScheduleEntry, ...]
        standard_revision_seen: int
        members: Ids
        household_members: Ids

    class ReviewCompleted(Event):
        reviewed_by: str
        next_review_due: date
        members: Ids
        household_members: Ids

    class Suspended(Event):
        from_month: date
        members: Ids
        household_members: Ids

    class Resumed(Event):
        from_month: date
        members: Ids
        household_members: Ids

    class Terminated(Event):
        from_month: date
        members: Ids
        household_members: Ids

    # -- application --------------------------------------------------------------------------------------

    @event(Applied)
    def __init__(self, program: Program, household_id: UUID, district: str, applicant_id: UUID,
                 members: Ids, household_members: Ids, declared: dict[UUID, Declaration],
                 statement: str, need: Decimal | None, referral_id: UUID | None, applied_on: date) -> None:
        self.program = program
        self.household_id = household_id
        self.district = district
        self.applicant_id = applicant_id
        self.members = tuple(members)  # the persons the case covers
        self.household_members = tuple(household_members)  # everyone whose timeline shows the case
        self.declared = dict(declared)
        self.need = need
        self.referral_id = referral_id
        self.applied_on = applied_on
        self.status = CaseStatus.APPLIED
        self.round = 0
        self.round_sources: tuple[DataSource, ...] = ()
        self.answers: dict[DataSource, dict[UUID, MemberRecord]] = {}
        self.failures: dict[DataSource, tuple[FailureKind, int]] = {}
        self.assessments: dict[UUID, Assessment] = {}
        self.assessment: Assessment | None = None  # the latest, until decided
        self.notice: Notice | None = None
        self.objections = 0
        self.bases: list[tuple[date, UUID]] = []  # (from month, assessment) behind the schedule
        self.first_month: date | None = None
        self.schedule: tuple[ScheduleEntry, ...] = ()
        self.standard_revision_seen = 0
        self.next_review_due: date | None = None
        self.accrued: dict[date, Decimal] = {}
        self.paid_months: set[date] = set()
        self.pauses: list[tuple[date, date | None]] = []
        self.terminated_from: date | None = None

    def _people(self) -> dict[str, Ids]:
        """Whom an event is about: the persons covered, and the household whose timelines show it."""
        return {"members": self.members, "household_members": self.household_members}

    @property
    def rule(self) -> ProgramRule:
        return self.program.rule

    def _require(self, allowed: frozenset[CaseStatus] | set[CaseStatus], action: str) -> None:
        if self.status not in allowed:
            raise AssistanceCaseStateError(self.id, self.status.value, action)

    # -- verification -------------------------------------------------------------------------------------

    def start_verification(self, sources: tuple[DataSource, ...]) -> None:
        self._require(UNDECIDED | LIVE, "verify")
        self._verification_requested(round=self.round + 1, sources=sources, **self._people())

    @event(VerificationRequested)
    def _verification_requested(self, round: int, sources: tuple[DataSource, ...], members: Ids,
                                household_members: Ids) -> None:
        self.round = round
        self.round_sources = tuple(sources)
        self.answers, self.failures = {}, {}
        self.assessment = None
        if self.status in UNDECIDED:
            self.status, self.notice = CaseStatus.VERIFYING, None

    def unanswered(self) -> list[DataSource]:
        return [s for s in self.round_sources if s not in self.answers]

    def record_source(self, outcome: SourceOutcome) -> None:
        if outcome.source not in self.round_sources or outcome.source in self.answers:
            return
        if outcome.answer is not None:
            self._source_answered(round=self.round, source=outcome.source, answered_at=outcome.answer.answered_at,
                                  attempts=outcome.attempts, answers=dict(outcome.answer.records))
        else:
            self._source_failed(round=self.round, source=outcome.source,
                                failure=outcome.failure or FailureKind.UNAVAILABLE, attempts=outcome.attempts)

    @event(SourceAnswered)
    def _source_answered(self, round: int, source: DataSource, answered_at: datetime, attempts: int,
                         answers: dict[UUID, MemberRecord]) -> None:
        self.answers[source] = answers
        self.failures.pop(source, None)

    @event(SourceFailed)
    def _source_failed(self, round: int, source: DataSource, failure: FailureKind, attempts: int) -> None:
        previous = self.failures.get(source, (failure, 0))[1]
        self.failures[source] = (failure, previous + attempts)

    # -- assessment, notice -------------------------------------------------------------------------------

    def assess(self, assessor: str, revision: Revision) -> Assessment:
        self._require(UNDECIDED | LIVE, "assess")
        missing = [s.value for s in self.rule.mandatory_sources if s not in self.answers]
        if self.round == 0 or missing:
            raise VerificationIncompleteError(missing or [s.value for s in self.rule.mandatory_sources])
        means = {}
        for member in self.members:
            declared = self.declared.get(member) or Declaration(ZERO, ZERO)
            records = {s: a[member] or MemberRecord() for s, a in self.answers.items() if member in a}
            means[member] = member_means(declared.monthly_income, declared.assets, records)
        outcome = evaluate(self.rule, revision, means, self.need)
        assessment_id = uuid4()
        self._assessed(assessment_id=assessment_id, assessed_by=assessor, round=self.round, standard=revision,
                       means=means, need=self.need, household_size=outcome.household_size,
                       total_income=outcome.total_income, per_capita_income=outcome.per_capita_income,
                       per_capita_assets=outcome.per_capita_assets, amount=outcome.amount, eligible=outcome.eligible,
                       findings=outcome.findings, **self._people())
        return self.assessments[assessment_id]

    @event(Assessed)
    def _assessed(self, assessment_id: UUID, assessed_by: str, round: int, standard: Revision,
                  means: dict[UUID, MemberMeans], need: Decimal | None, household_size: int, total_income: Decimal,
                  per_capita_income: Decimal, per_capita_assets: Decimal, amount: Decimal, eligible: bool,
                  findings: tuple[str, ...], members: Ids, household_members: Ids) -> None:
        assessment = Assessment(assessment_id, assessed_by, standard, household_size, total_income, amount,
                                eligible, tuple(findings))
        self.assessments[assessment_id] = assessment
        self.assessment = assessment
        if self.status in UNDECIDED:
            self.status, self.notice = CaseStatus.ASSESSED, None

    def post_notice(self, days: int, today: date) -> None:
        self._require({CaseStatus.ASSESSED}, "post a public notice for")
        if self.assessment is None or not self.assessment.eligible:
            raise AssessmentIneligibleError(self.assessment.findings if self.assessment else ())
        self._notice_posted(starts_on=today, ends_on=today + timedelta(days=days - 1), days=days,
                            **self._people())

    @event(NoticePosted)
    def _notice_posted(self, starts_on: date, ends_on: date, days: int, members: Ids, household_members: Ids) -> None:
        self.notice = Notice(starts_on, ends_on, days)
        self.status = CaseStatus.IN_NOTICE

    def record_objection(self, summary: str, today: date) -> UUID:
        self._require({CaseStatus.IN_NOTICE}, "record an objection on")
        if self.notice is not None and today > self.notice.ends_on:
            raise AssistanceCaseStateError(self.id, "past its public notice", "record an objection on")
        objection_id = uuid4()
        self._objection_recorded(objection_id=objection_id, applicant_id=self.applicant_id, summary=summary,
                                 received_on=today)
        return objection_id

    @event(ObjectionRecorded)
    def _objection_recorded(self, objection_id: UUID, applicant_id: UUID, summary: str, received_on: date) -> None:
        self.objections += 1

    # -- decisions ----------------------------------------------------------------------------------------

    def _check_decider(self, decider: str) -> Assessment:
        if self.assessment is None:
            raise AssistanceCaseStateError(self.id, "not assessed", "decide")
        if self.assessment.assessed_by == decider:
            raise AssessorCannotDecideError(decider)
        return self.assessment

    def approve(self, by: str, today: date, standard: AssistanceStandard) -> None:
        if self.status in LIVE:
            self._approve_adjustment(by, today, standard)
            return
        self._require({CaseStatus.ASSESSED, CaseStatus.IN_NOTICE}, "approve")
        assessment = self._check_decider(by)
        if not assessment.eligible:
            raise AssessmentIneligibleError(assessment.findings)
        if self.rule.public_notice:
            if self.notice is None:
                raise PublicNoticeRequiredError()
            if today <= self.notice.ends_on:
                raise PublicNoticeRunningError(self.notice.ends_on)
        first = month_of(today)
        months = self.rule.review_months
        review = add_months(today, months) if months else None
        if not self.rule.monthly:
            self._approved(approved_by=by, assessment_id=assessment.assessment_id, first_month=first, schedule=(),
                           one_off_amount=assessment.amount, standard_revision_seen=standard.latest_revision,
                           next_review_due=None, **self._people())
            self._accrue(EntitlementKind.ONE_OFF, first, first, assessment.amount, assessment.standard.revision)
            return
        schedule = self._build_schedule(standard, [(first, assessment.assessment_id)])
        self._approved(approved_by=by, assessment_id=assessment.assessment_id, first_month=first, schedule=schedule,
                       one_off_amount=None, standard_revision_seen=standard.latest_revision, next_review_due=review,
                       **self._people())

    @event(Approved)
    def _approved(self, approved_by: str, assessment_id: UUID, first_month: date, schedule: tuple[ScheduleEntry, ...],
                  one_off_amount: Decimal | None, standard_revision_seen: int, next_review_due: date | None,
                  members: Ids, household_members: Ids) -> None:
        self.status = CaseStatus.ACTIVE if one_off_amount is None else CaseStatus.COMPLETED
        self.first_month = first_month
        self.bases = [(first_month, assessment_id)]
        self.schedule = tuple(schedule)
        self.standard_revision_seen = standard_revision_seen
        self.next_review_due = next_review_due
        self.assessment = None

    def _approve_adjustment(self, by: str, today: date, standard: AssistanceStandard) -> None:
        assessment = self._check_decider(by)
        if not assessment.eligible:
            raise AssessmentIneligibleError(assessment.findings)
        start = max(month_of(today), self.first_month or month_of(today))
        bases = [b for b in self.bases if b[0] < start] + [(start, assessment.assessment_id)]
        schedule = self._build_schedule(standard, bases)
        self._amount_adjusted(adjusted_by=by, assessment_id=assessment.assessment_id, from_month=start,
                              schedule=schedule, standard_revision_seen=standard.latest_revision, **self._people())
        self._accrue_arrears(arrears(schedule, self.accrued, sorted(self.paid_months), start), today)

    @event(AmountAdjusted)
    def _amount_adjusted(self, adjusted_by: str, assessment_id: UUID, from_month: date,
                         schedule: tuple[ScheduleEntry, ...], standard_revision_seen: int,
                         members: Ids, household_members: Ids) -> None:
        self.bases = [b for b in self.bases if b[0] < from_month] + [(from_month, assessment_id)]
        self.schedule = tuple(schedule)
        self.standard_revision_seen = standard_revision_seen
        self.assessment = None

    def reject(self, by: str) -> None:
        self._require(UNDECIDED, "reject")
        if self.assessment is not None:
            self._check_decider(by)
        self._rejected(rejected_by=by, assessment_id=self.assessment.assessment_id if self.assessment else None,
                       **self._people())

    @event(Rejected)
    def _rejected(self, rejected_by: str, assessment_id: UUID | None, members: Ids, household_members: Ids) -> None:
        self.status = CaseStatus.REJECTED

    # -- schedule and entitlements --------------------------------------------------------------------------

    def _build_schedule(self, standard: AssistanceStandard,
                        bases: list[tuple[date, UUID]]) -> tuple[ScheduleEntry, ...]:
        entries = []
        for i, (start, assessment_id) in enumerate(bases):
            end = bases[i + 1][0] if i + 1 < len(bases) else None
            basis = self.assessments[assessment_id]
            for month, revision in standard.periods_from(start):
                if end is not None and month >= end:
                    break
                if revision is None:
                    raise StandardNotInForceError(self.program.value, month)
                amount = monthly_amount(self.rule.payment, revision.amount, basis.total_income, basis.household_size)
                entries.append(ScheduleEntry(month, amount, revision.revision, revision.amount, assessment_id))
        return merged(entries)

    def is_payable(self, month: date) -> bool:
        if self.first_month is None or month < self.first_month or not self.rule.monthly:
            return False
        if self.terminated_from is not None and month >= self.terminated_from:
            return False
        return not any(start <= month and (end is None or month < end) for start, end in self.pauses)

    def in_force_on(self, day: date) -> Mapping[str, object] | None:
        """`core.effective.EffectiveDated`: the monthly entitlement in force for the month of `day` — the
        schedule entry behind it, until when, and whether that month is payable (paused, terminated)."""
        month = month_of(day)
        entry = entry_for(self.schedule, month)
        if self.first_month is None or month < self.first_month or entry is None:
            return None
        following = next((e.from_month for e in self.schedule if e.from_month > month), None)
        ends = [d for d in (following, self.terminated_from) if d is not None and d > month]
        return {"effectiveFrom": entry.from_month, "effectiveUntil": min(ends, default=None),
                "monthlyAmount": entry.monthly_amount, "standardRevision": entry.standard_revision,
                "standardAmount": entry.standard_amount, "assessmentId": entry.assessment_id,
                "payable": self.is_payable(month)}

    def accrue_month(self, month: date, today: date) -> bool:
        """Payroll: the month's entitlement, once. False when there is nothing (more) to pay for it."""
        if self.status not in LIVE | {CaseStatus.TERMINATED} or month in self.paid_months:
            return False
        if not self.is_payable(month):
            return False
        entry = entry_for(self.schedule, month)
        if entry is None or entry.monthly_amount <= 0:
            return False
        self._accrue(EntitlementKind.MONTHLY, month, month, entry.monthly_amount, entry.standard_revision)
        return True

    def _accrue(self, kind: EntitlementKind, service_month: date, payable_month: date, amount: Decimal,
                revision: int | None) -> None:
        self._entitlement_accrued(line_id=uuid4(), kind=kind, service_month=service_month,
                                  payable_month=payable_month, amount=amount, standard_revision=revision,
                                  program=self.program, district=self.district, household_id=self.household_id)

    def _accrue_arrears(self, lines: list[ArrearsLine], today: date) -> None:
        for line in lines:
            entry = entry_for(self.schedule, line.service_month)
            self._accrue(EntitlementKind.ARREARS, line.service_month, month_of(today), line.amount,
                         entry.standard_revision if entry else None)

    @event(EntitlementAccrued)
    def _entitlement_accrued(self, line_id: UUID, kind: EntitlementKind, service_month: date, payable_month: date,
                             amount: Decimal, standard_revision: int | None, program: Program, district: str,
                             household_id: UUID) -> None:
        self.accrued[service_month] = self.accrued.get(service_month, ZERO) + amount
        if kind is EntitlementKind.MONTHLY:
            self.paid_months.add(service_month)

    def recalculation(self, standard: AssistanceStandard) -> tuple[tuple[ScheduleEntry, ...], date | None,
                                                                   list[ArrearsLine]]:
        """What the schedule becomes under `standard`, from which month it changes, and the arrears owed."""
        if self.status not in LIVE or not self.rule.monthly or not self.bases:
            return self.schedule, None, []
        schedule = self._build_schedule(standard, self.bases)
        since = first_difference(self.schedule, schedule)
        if since is None:
            return schedule, None, []
        return schedule, since, arrears(schedule, self.accrued, sorted(self.paid_months), since)

    def recalculate(self, standard: AssistanceStandard, today: date) -> bool:
        schedule, since, lines = self.recalculation(standard)
        if since is None:
            return False
        self._recalculated(standard_revision_seen=standard.latest_revision, from_month=since, schedule=schedule,
                           **self._people())
        self._accrue_arrears(lines, today)
        return True

    @event(Recalculated)
    def _recalculated(self, standard_revision_seen: int, from_month: date, schedule: tuple[ScheduleEntry, ...],
                      members: Ids, household_members: Ids) -> None:
        self.schedule = tuple(schedule)
        self.standard_revision_seen = standard_revision_seen

    # -- life of an active case ---------------------------------------------------------------------------

    def report_change(self, members: Ids, household_members: Ids,
                      declared: dict[UUID, Declaration], statement: str) -> None:
        self._require(LIVE, "report a change of circumstances on")
        self._circumstances_changed(applicant_id=self.applicant_id, members=members,
                                    household_members=household_members, declared=declared, statement=statement)

    @event(CircumstancesChanged)
    def _circumstances_changed(self, applicant_id: UUID, members: Ids,
                               household_members: Ids, declared: dict[UUID, Declaration],
                               statement: str) -> None:
        self.members = tuple(members)
        self.household_members = tuple(household_members)
        self.declared = dict(declared)
        self.assessment = None
        self.round_sources, self.answers, self.failures = (), {}, {}

    def complete_review(self, by: str, today: date) -> None:
        self._require(LIVE, "review")
        self._review_completed(reviewed_by=by, next_review_due=add_months(today, self.rule.review_months or 12),
                               **self._people())

    @event(ReviewCompleted)
    def _review_completed(self, reviewed_by: str, next_review_due: date, members: Ids, household_members: Ids) -> None:
        self.next_review_due = next_review_due

    def next_unpaid_month(self, today: date) -> date:
        month = month_of(today)
        while month in self.paid_months:
            month = add_months(month, 1)
        return month

    def suspend(self, today: date) -> None:
        self._require({CaseStatus.ACTIVE}, "suspend")
        self._suspended(from_month=self.next_unpaid_month(today), **self._people())

    @event(Suspended)
    def _suspended(self, from_month: date, members: Ids, household_members: Ids) -> None:
        self.status = CaseStatus.SUSPENDED
        self.pauses.append((from_month, None))

    def resume(self, today: date) -> None:
        self._require({CaseStatus.SUSPENDED}, "resume")
        self._resumed(from_month=max(self.next_unpaid_month(today), self.pauses[-1][0]), **self._people())

    @event(Resumed)
    def _resumed(self, from_month: date, members: Ids, household_members: Ids) -> None:
        self.status = CaseStatus.ACTIVE
        start, _ = self.pauses[-1]
        self.pauses[-1] = (start, from_month)

    def terminate(self, today: date) -> None:
        self._require(LIVE, "terminate")
        self._terminated(from_month=self.next_unpaid_month(today), **self._people())

    @event(Terminated)
    def _terminated(self, from_month: date, members: Ids, household_members: Ids) -> None:
        self.status = CaseStatus.TERMINATED
        self.terminated_from = from_month
