"""A year of social assistance, 2018, replayed on the demo population through the real service.

Some registered households apply to one of the programs during the first half of the year; each is verified
across the 26 sources (now and then a source fails and is retried the next day), assessed, publicly posted,
and approved by the district's supervisor or rejected; payroll runs on the 2nd of every month. On 3 August the
bureau publishes the 2018 adjustment (低保 900 → 950 from 1 July, and the other programs' new standards) and
every live case is recalculated with July's arrears. Later come changes of circumstances, a suspension, an
ending, reviews — and a few December applications still in progress.

The replay runs on its own fixed clock in 2018 (the registry's demo residents are registered "now"). It is
deterministic per population, and every command carries an idempotency key: loading twice writes nothing
the second time. The recalculations use the recalculation process's own keys, so that process, following
the log when the API starts, replays them rather than paying twice."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from civicledger.core.clock import SHANGHAI, FixedClock, business_date
from civicledger.core.errors import CivicError
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.resident_id import parse_resident_id
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.case import LIVE, CaseStatus
from civicledger.domains.assistance.entitlements import month_of
from civicledger.domains.assistance.errors import VerificationIncompleteError
from civicledger.domains.assistance.programs import GUANGZHOU_STANDARDS, Program, SeedRevision
from civicledger.domains.assistance.recalculation import recalculation_context
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.assistance.verification import DataSource, FailureKind, RetryPolicy, SimulatedBureauDataService

if TYPE_CHECKING:
    from civicledger.demo import PlannedHousehold
    from civicledger.demo.world import DemoWorld

ADMIN = Actor(id="admin-bureau-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
ADJUSTMENT_PUBLISHED = date(2018, 8, 3)


def caseworker(district: str) -> Actor:
    if district == "HAIZHU":  # the demo's caseworker and supervisor tokens (civicledger demo prints them)
        return Actor(id="cw-haizhu-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district=district)
    return Actor(id=f"cw-{district.lower()}-demo", role="caseworker", office=f"{district}-STATION", district=district)


def supervisor(district: str) -> Actor:
    if district == "HAIZHU":
        return Actor(id="sup-haizhu-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district=district)
    return Actor(id=f"sup-{district.lower()}-demo", role="supervisor", office=f"{district}-CIVIL-AFFAIRS",
                 district=district)


@dataclass
class DemoCase:
    key: str
    program: Program
    district: str
    household_id: UUID
    members: list[UUID]
    applicant: UUID
    incomes: dict[UUID, Decimal]
    hidden_income: bool = False
    need: Decimal | None = None
    case_id: UUID | None = None
    decided_on: date | None = None


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    run: Callable[[], None] = field(compare=False)


def _ctx(actor: Actor, key: str, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=f"demo:assistance:{key}",
                          origin="civicledger demo")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


class AssistanceYear:
    def __init__(self, service: AssistanceService, seed: int = 2018) -> None:
        self.clock = FixedClock(_at(date(2017, 6, 20)))
        self.bureau = SimulatedBureauDataService()
        # The demo's own service instance: same ledger and registry, a 2018 clock, no waiting between retries.
        self.service = AssistanceService(service.ledger, registry=service.registry, clock=self.clock,
                                         bureau=self.bureau, retry=RetryPolicy(backoff_seconds=0))
        self.rng = random.Random(seed)
        self.cases: list[DemoCase] = []
        self.steps: list[Step] = []

    # -- choosing the caseload --------------------------------------------------------------------------------

    def choose(self, households: list[tuple[PlannedHousehold, list[UUID], UUID]]) -> None:
        """(planned household, member ids, household id) → the households that apply, and to what. Only
        hukou households: the means-tested programs are for registered residents."""
        rng = self.rng
        for planned, members, household_id in households:
            if planned.residency != "REGISTERED" or rng.random() > 0.12:
                continue
            people = planned.people
            head_age = 2018 - parse_resident_id(people[0].id_number).birth_date.year
            grandchildren = [m for m, p in zip(members, people, strict=True) if p.relationship == "GRANDCHILD"]
            draw = rng.random()
            if len(members) == 1 and head_age >= 60 and draw < 0.4:
                program, covered = Program.SPECIAL_HARDSHIP, members
            elif grandchildren and draw < 0.25:
                program, covered = Program.ORPHAN, grandchildren[:1]
            elif draw < 0.68:
                program, covered = Program.MINIMUM_LIVING, members
            elif draw < 0.78:
                program, covered = Program.LOW_INCOME, members
            elif draw < 0.9:
                program, covered = Program.TEMPORARY, members
            else:
                program, covered = Program.MEDICAL, members[:1]
            self.cases.append(self._case(planned.key, planned.district, program, household_id, members, covered))

    def _case(self, key: str, district: str, program: Program, household_id: UUID, members: list[UUID],
              covered: list[UUID]) -> DemoCase:
        rng = self.rng
        incomes: dict[UUID, Decimal] = {}
        for i, member in enumerate(covered):
            if program is Program.LOW_INCOME:
                income = rng.randint(1000, 1400)
            elif program in (Program.MINIMUM_LIVING, Program.TEMPORARY):
                income = rng.choice([0, 0, 150, 300, 450, 600]) if i == 0 else rng.choice([0, 0, 0, 200])
            else:
                income = 0
            incomes[member] = Decimal(income)
        case = DemoCase(f"{key}:{program.value.lower()}", program, district, household_id, covered, members[0],
                        incomes, hidden_income=program is Program.MINIMUM_LIVING and rng.random() < 0.15)
        if program is Program.TEMPORARY:
            case.need = Decimal(rng.randrange(2000, 9000, 100))
        for member, declared in incomes.items():
            hidden = 1900 if case.hidden_income and member == covered[0] else 0
            costs = rng.randrange(5000, 60000, 10) if program is Program.MEDICAL else 0
            self.bureau.stipulate(member, monthly_income=str(declared + hidden), assets=str(rng.randrange(0, 8000, 10)),
                                  medical_costs=str(costs),
                                  medical_assistance_received=str(rng.choice([0, 0, 1500])))
        return case

    # -- the year, step by step ------------------------------------------------------------------------------

    def plan(self) -> None:
        add = self._add
        for seed in GUANGZHOU_STANDARDS:
            day = date(2017, 6, 20) if seed.effective_from.year == 2017 else ADJUSTMENT_PUBLISHED
            add(day, 0, partial(self._publish, seed))
        add(ADJUSTMENT_PUBLISHED, 1, self._recalculate_all)
        for month in range(2, 13):
            add(date(2018, month, 2), 5, partial(self._payroll, date(2018, month, 1)))
        for i, case in enumerate(self.cases):
            late = i % 17 == 5  # a few December applications, still in progress at the end of the demo
            start = date(2018, 12, 3 + i % 10) if late else date(2018, 1, 8) + timedelta(days=(i * 37) % 170)
            self._plan_case(case, start, stop_after=(i % 3) if late else None, index=i)

    def _add(self, day: date, order: int, run: Callable[[], None]) -> None:
        self.steps.append(Step(_at(day, 9 + order), len(self.steps), run))

    def _plan_case(self, case: DemoCase, start: date, stop_after: int | None, index: int) -> None:
        add = self._add
        add(start, 1, lambda: self._apply(case))
        if stop_after == 0:
            return
        flaky = index % 9 == 4
        add(start + timedelta(days=1), 1, lambda: self._verify(case, flaky))
        if flaky:
            add(start + timedelta(days=2), 1, lambda: self._retry(case))
        if stop_after == 1:
            return
        add(start + timedelta(days=3), 1, lambda: self._assess(case))
        add(start + timedelta(days=3), 2, lambda: self._notice(case))
        if stop_after == 2:
            return
        case.decided_on = start + timedelta(days=12)
        add(case.decided_on, 1, lambda: self._decide(case))
        if index % 11 == 3:
            add(date(2018, 9, 12), 1, lambda: self._change(case))
        if index % 13 == 7:
            add(date(2018, 10, 15), 1, lambda: self._life(case, "suspend", "resident in hospital out of the city"))
        if index % 19 == 11:
            add(date(2018, 11, 20), 1, lambda: self._life(case, "terminate", "found stable employment"))
        if index % 5 == 0:
            add(date(2018, 12, 14), 1, lambda: self._life(case, "review", "annual home visit"))

    def run(self) -> int:
        for step in sorted(self.steps):
            self.clock.set(step.at)
            step.run()
        return len(self.cases)

    # -- what each step does ---------------------------------------------------------------------------------

    def _publish(self, s: SeedRevision) -> None:
        cmd = c.PublishAssistanceStandard(program=s.program.value, effective_from=s.effective_from, amount=s.amount,
                                          asset_limit_per_person=s.asset_limit_per_person, share=s.share)
        reason = "2017 standards" if s.effective_from.year == 2017 else "2018 adjustment of the standards"
        self.service.publish_standard(cmd, _ctx(ADMIN, f"standard:{s.program.value}:{s.effective_from}", reason))

    def _apply(self, case: DemoCase) -> None:
        declared = tuple(c.DeclaredMeans(m, str(case.incomes.get(m, Decimal(0))), "3000") for m in case.members)
        statements = {Program.MINIMUM_LIVING: "家庭成员失业，收入无法维持基本生活",
                      Program.LOW_INCOME: "收入微薄，申请低收入困难家庭认定",
                      Program.SPECIAL_HARDSHIP: "无劳动能力、无生活来源、无法定赡养人",
                      Program.ORPHAN: "父母双亡，由祖父母抚养", Program.TEMPORARY: "突发火灾，生活陷入困境",
                      Program.MEDICAL: "大病住院，自付医疗费用负担沉重"}
        cmd = c.ApplyForAssistance(program=case.program.value, household_id=case.household_id,
                                   applicant_id=case.applicant, declared=declared,
                                   statement=statements.get(case.program, "申请救助"),
                                   need=str(case.need) if case.need is not None else None)
        case.case_id = self.service.apply_for_assistance(cmd, _ctx(caseworker(case.district), f"{case.key}:apply")
                                                         ).stream_id

    def _verify(self, case: DemoCase, flaky: bool) -> None:
        if flaky:
            self.bureau.fail(DataSource.HOUSING_PROVIDENT_FUND, times=3, kind=FailureKind.TIMEOUT)
        self.service.request_verification(c.RequestHouseholdVerification(self._id(case)),
                                          _ctx(caseworker(case.district), f"{case.key}:verify"))

    def _retry(self, case: DemoCase) -> None:
        self.service.retry_verification(c.RetryHouseholdVerification(self._id(case)),
                                        _ctx(caseworker(case.district), f"{case.key}:retry"))

    def _assess(self, case: DemoCase) -> None:
        self.service.assess_assistance(c.AssessAssistance(self._id(case)),
                                       _ctx(caseworker(case.district), f"{case.key}:assess"))

    def _notice(self, case: DemoCase) -> None:
        current = self.service.get_case(self._id(case))
        if current.status is not CaseStatus.ASSESSED:
            return  # loaded before: the case has moved on
        if current.program.rule.public_notice and current.assessment and current.assessment.eligible:
            self.service.post_public_notice(c.PostPublicNotice(self._id(case), days=7),
                                            _ctx(caseworker(case.district), f"{case.key}:notice"))

    def _decide(self, case: DemoCase) -> None:
        current = self.service.get_case(self._id(case))
        if current.status not in (CaseStatus.ASSESSED, CaseStatus.IN_NOTICE):
            return  # loaded before: already decided
        boss = supervisor(case.district)
        if current.assessment is not None and current.assessment.eligible:
            reason = "verified; notice ended without objection"
            self.service.approve_assistance(c.ApproveAssistance(self._id(case)),
                                            _ctx(boss, f"{case.key}:approve", reason))
            if case.program.rule.monthly:  # the first month is paid on approval; later months by the payroll
                self.service.generate_monthly_entitlement(
                    c.GenerateMonthlyEntitlement(self._id(case), month_of(business_date(self.clock.now()))),
                    _ctx(boss, f"{case.key}:first-payment"))
        else:
            reason = "means above the standard after verification"
            self.service.reject_assistance(c.RejectAssistance(self._id(case)), _ctx(boss, f"{case.key}:reject", reason))

    def _change(self, case: DemoCase) -> None:
        current = self.service.get_case(self._id(case))
        if current.status is not CaseStatus.ACTIVE or not current.program.rule.monthly:
            return
        worker, first = caseworker(case.district), case.members[0]
        self.bureau.stipulate(first, monthly_income=str(case.incomes[first] + 300), assets="3000")
        declared = tuple(c.DeclaredMeans(m, str(case.incomes[m] + (300 if m == first else 0)), "3000")
                         for m in case.members)
        self.service.report_change_of_circumstances(
            c.ReportChangeOfCircumstances(self._id(case), declared, "找到临时工作，每月增加收入约300元"),
            _ctx(worker, f"{case.key}:change"))
        self.service.request_verification(c.RequestHouseholdVerification(self._id(case)),
                                          _ctx(worker, f"{case.key}:change-verify"))
        for attempt in range(3):
            try:
                self.service.assess_assistance(c.AssessAssistance(self._id(case)),
                                               _ctx(worker, f"{case.key}:change-assess"))
                break
            except VerificationIncompleteError:
                # A source that timed out is asked again, as a caseworker would.
                self.service.retry_verification(c.RetryHouseholdVerification(self._id(case)),
                                                _ctx(worker, f"{case.key}:change-retry{attempt}"))
        boss = supervisor(case.district)
        reassessed = self.service.get_case(self._id(case)).assessment
        if reassessed is not None and not reassessed.eligible:
            # The new wages lift the household above the standard: the case ends, it is not re-approved.
            self.service.terminate_assistance(c.TerminateAssistance(self._id(case)),
                                              _ctx(boss, f"{case.key}:adjust", "income above the standard after"
                                                   " the change of circumstances"))
            return
        self.service.approve_assistance(c.ApproveAssistance(self._id(case)),
                                        _ctx(boss, f"{case.key}:adjust", "part-time wages verified"))

    def _life(self, case: DemoCase, what: str, reason: str) -> None:
        case_id, boss = self._id(case), supervisor(case.district)
        if self.service.get_case(case_id).status not in LIVE:
            return
        if what == "suspend":
            self.service.suspend_assistance(c.SuspendAssistance(case_id), _ctx(boss, f"{case.key}:suspend", reason))
        elif what == "terminate":
            self.service.terminate_assistance(c.TerminateAssistance(case_id),
                                              _ctx(boss, f"{case.key}:terminate", reason))
        else:
            self.service.complete_review(c.CompleteReview(case_id),
                                         _ctx(caseworker(case.district), f"{case.key}:review", reason))

    def _payroll(self, month: date) -> None:
        """The payroll of the 2nd of the month, for the cases decided before it (so that loading again, when
        every case is decided, pays exactly what the first load paid)."""
        for district in sorted({case.district for case in self.cases}):
            ids = [case.case_id for case in self.cases if case.district == district and case.case_id
                   and case.decided_on is not None and case.decided_on < month.replace(day=2)]
            self.service.generate_payroll(c.GeneratePayroll(month=month, district=district, case_ids=tuple(ids)),
                                          CommandContext(actor=supervisor(district), origin="civicledger demo"))

    def _recalculate_all(self) -> None:
        revisions = {p: s.latest_revision for p in {case.program for case in self.cases}
                     if (s := self.service.get_standard(p)) is not None}
        for case in self.cases:
            if case.case_id is None:
                continue
            current = self.service.get_case(case.case_id)
            if current.status not in LIVE or current.program not in revisions:
                continue
            revision = revisions[current.program]
            self.service.recalculate_assistance(c.RecalculateAssistance(case.case_id, revision),
                                                recalculation_context(current.program.value, revision, case.case_id))

    def _id(self, case: DemoCase) -> UUID:
        if case.case_id is None:
            raise CivicError("the demo case was never applied for")
        return case.case_id


def load_assistance(world: DemoWorld) -> int:
    """Replay 2018's assistance caseload over the loaded households; returns the number of cases."""
    year = AssistanceYear(world.services.assistance)
    year.choose(list(zip(world.households, world.member_ids, world.household_ids, strict=True)))
    year.plan()
    return year.run()
