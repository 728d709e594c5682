"""The assistance program's application service: get, decide, save; return what was recorded.

Households and residents are read through the registry's own service (write-model truth, passed in); the
bureau's data-sharing service through the verification adapter. Unique claims keep a member in at most one
live case per program, city-wide and under concurrency."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from civicledger.core import text
from civicledger.core.access import ADMIN, STAFF, SUPERVISOR, may_act_in, require_role
from civicledger.core.clock import Clock, business_date, using_clock
from civicledger.core.commands import handles
from civicledger.core.errors import ClaimTakenError, ConflictError, InvalidInputError
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.eventstore.claims import Claim
from civicledger.core.metadata import CommandContext
from civicledger.core.money import ZERO, decimal_number, yuan_to_the_fen
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.case import ENDED, LIVE, AssistanceCase
from civicledger.domains.assistance.entitlements import amount_for, month_of
from civicledger.domains.assistance.errors import (
    ApplicantNotInHouseholdError,
    AssistanceCaseStateError,
    AssistanceProgramUnknownError,
    DeclaredMeansInvalidError,
    DeclaredMembersInvalidError,
    HouseholdMemberDeceasedError,
    MemberInActiveCaseError,
    NeedInvalidError,
    NoticeDaysInvalidError,
    PayrollMonthInFutureError,
    StandardAmountInvalidError,
    StandardNotInForceError,
)
from civicledger.domains.assistance.programs import GUANGZHOU_STANDARDS, Payment, Program
from civicledger.domains.assistance.rules import Declaration
from civicledger.domains.assistance.standard import AssistanceStandard, standard_id
from civicledger.domains.assistance.verification import (
    ALL_SOURCES,
    BureauDataService,
    MemberQuery,
    RetryPolicy,
    SimulatedBureauDataService,
    query_source,
)


class HouseholdView(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def district(self) -> str: ...

    @property
    def members(self) -> Mapping[UUID, Any]: ...


class ResidentView(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def id_number(self) -> str | None: ...

    @property
    def date_of_death(self) -> date | None: ...


class Registry(Protocol):
    """What this program needs from the resident registry (its service satisfies it)."""

    def get_household(self, household_id: UUID) -> HouseholdView: ...

    def get_resident(self, resident_id: UUID) -> ResidentView: ...


@dataclass(frozen=True)
class PreviewLine:
    case_id: UUID
    household_id: UUID
    district: str
    month: date
    old_amount: Decimal
    new_amount: Decimal
    arrears: Decimal


@dataclass(frozen=True)
class PayrollRun:
    month: date
    generated: int
    unchanged: int
    positions: tuple[int, ...]


def parse_program(value: str) -> Program:
    try:
        return Program(str(value).strip().upper())
    except ValueError:
        raise AssistanceProgramUnknownError(value) from None


def _amount(value: object, field: str) -> Decimal:
    try:
        return yuan_to_the_fen(value, field=field)
    except InvalidInputError:
        raise StandardAmountInvalidError(field, value) from None


class AssistanceService(CivicApplication):
    program = "assistance"

    def __init__(self, ledger: Ledger, *, registry: Registry, clock: Clock | None = None,
                 bureau: BureauDataService | None = None, retry: RetryPolicy | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.registry = registry
        self.bureau: BureauDataService = bureau or SimulatedBureauDataService()
        self.retry = retry or RetryPolicy()

    # -- reads (write-model truth) --------------------------------------------------------------------------

    def get_case(self, case_id: UUID) -> AssistanceCase:
        return self._get(AssistanceCase, case_id, label="assistance case")

    def get_standard(self, program: Program) -> AssistanceStandard | None:
        return self._find(AssistanceStandard, standard_id(program))

    def _standard(self, program: Program) -> AssistanceStandard:
        standard = self.get_standard(program)
        if standard is None:
            raise StandardNotInForceError(program.value, business_date())
        return standard

    def _claim(self, program: Program, member: UUID, case_id: UUID) -> Claim:
        scope = f"assistance:{program.value}"
        return Claim(scope, self.ledger.claim_key(scope, str(member)), case_id)

    def _save_case(self, case: AssistanceCase, ctx: CommandContext, command: object,
                   claims: Iterable[Claim] = (), releases: Iterable[Claim] = ()) -> Recorded:
        if case.status in ENDED:
            releases = [*releases, *(self._claim(case.program, m, case.id) for m in case.members)]
        try:
            return self._save(case, ctx=ctx, command=command, claims=claims, releases=releases)
        except ClaimTakenError:
            raise MemberInActiveCaseError(case.program.value) from None

    @staticmethod
    def _unchanged(case: AssistanceCase) -> Recorded:
        return Recorded(stream_id=case.id, version=case.version, positions=(), streams=((case.id, case.version),))

    def _case(self, cmd: Any, ctx: CommandContext, *roles: str) -> AssistanceCase:
        """The command's case, at the version the caller saw, when the caller may act on it: in the case's
        district, and in one of `roles` when given."""
        if roles:
            require_role(ctx.actor, *roles)
        case = self._get(AssistanceCase, cmd.case_id, expected_version=getattr(cmd, "expected_version", None))
        may_act_in(ctx.actor, case.district)
        return case

    # -- application ----------------------------------------------------------------------------------------

    @handles
    def apply_for_assistance(self, cmd: c.ApplyForAssistance, ctx: CommandContext) -> Recorded:
        program = parse_program(cmd.program)
        statement = text.free_text(cmd.statement, "statement")
        household = self.registry.get_household(cmd.household_id)
        may_act_in(ctx.actor, household.district)
        if cmd.applicant_id not in household.members:
            raise ApplicantNotInHouseholdError(cmd.applicant_id)
        members, declared = self._declared(program, household, cmd.declared)
        need = self._need(program, cmd.need)
        case = AssistanceCase(program=program, household_id=household.id, district=household.district,
                              applicant_id=cmd.applicant_id, members=members,
                              household_members=_audience(household, members), declared=declared,
                              statement=statement, need=need, referral_id=cmd.referral_id,
                              applied_on=business_date())
        return self._save_case(case, ctx, cmd, claims=[self._claim(program, m, case.id) for m in members])

    def _declared(self, program: Program, household: HouseholdView, given: Sequence[c.DeclaredMeans]
                  ) -> tuple[tuple[UUID, ...], dict[UUID, Declaration]]:
        declared: dict[UUID, Declaration] = {}
        for d in given:
            if d.resident_id in declared:
                raise DeclaredMembersInvalidError("a member is declared twice", [d.resident_id])
            declared[d.resident_id] = Declaration(_means(d.resident_id, d.monthly_income, "monthlyIncome"),
                                                  _means(d.resident_id, d.assets, "assets"))
        strangers = [r for r in declared if r not in household.members]
        if strangers:
            raise DeclaredMembersInvalidError("declared people who are not members of the household", strangers)
        if not declared:
            raise DeclaredMembersInvalidError("declare at least one member's income and assets")
        if program.rule.whole_household:
            missing = [m for m in household.members if m not in declared]
            if missing:
                raise DeclaredMembersInvalidError("every household member's income and assets must be declared",
                                                  missing)
        for member in (household.members if program.rule.whole_household else declared):
            if self.registry.get_resident(member).date_of_death is not None:
                raise HouseholdMemberDeceasedError(member)
        return tuple(m for m in household.members if m in declared), declared

    @staticmethod
    def _need(program: Program, value: object) -> Decimal | None:
        if program.rule.payment is not Payment.ONE_OFF_CAPPED:
            return None
        try:
            need = yuan_to_the_fen(value, field="need") if value is not None else ZERO
        except InvalidInputError:
            raise NeedInvalidError(program.value) from None
        if need <= 0:
            raise NeedInvalidError(program.value)
        return need

    # -- verification -----------------------------------------------------------------------------------------

    @handles
    def request_verification(self, cmd: c.RequestHouseholdVerification, ctx: CommandContext) -> Recorded:
        case = self._case(cmd, ctx)
        case.start_verification(ALL_SOURCES)
        return self._query_sources(case, ctx, cmd)

    @handles
    def retry_verification(self, cmd: c.RetryHouseholdVerification, ctx: CommandContext) -> Recorded:
        case = self._case(cmd, ctx)
        if case.status in ENDED or case.round == 0 or not case.unanswered():
            raise AssistanceCaseStateError(case.id, "without unanswered sources", "retry verification of")
        return self._query_sources(case, ctx, cmd)

    def _query_sources(self, case: AssistanceCase, ctx: CommandContext, cmd: object) -> Recorded:
        """Every unanswered source, each retried; all answers and failures saved together or not at all."""
        queries = [MemberQuery(m, self.registry.get_resident(m).id_number) for m in case.members]
        for source in case.unanswered():
            case.record_source(query_source(self.bureau, source, queries, self.retry))
        return self._save_case(case, ctx, cmd)

    # -- assessment, notice, decisions ------------------------------------------------------------------------

    @handles
    def assess_assistance(self, cmd: c.AssessAssistance, ctx: CommandContext) -> Recorded:
        case = self._case(cmd, ctx, *STAFF)
        revision = self._standard(case.program).in_force(business_date())
        if revision is None:
            raise StandardNotInForceError(case.program.value, business_date())
        case.assess(ctx.actor.id, revision)
        return self._save_case(case, ctx, cmd)

    @handles
    def post_public_notice(self, cmd: c.PostPublicNotice, ctx: CommandContext) -> Recorded:
        if not 1 <= cmd.days <= 30:
            raise NoticeDaysInvalidError(cmd.days)
        case = self._case(cmd, ctx, *STAFF)
        case.post_notice(cmd.days, business_date())
        return self._save_case(case, ctx, cmd)

    @handles
    def record_objection(self, cmd: c.RecordObjection, ctx: CommandContext) -> Recorded:
        summary = text.free_text(cmd.summary, "summary")
        case = self._case(cmd, ctx, *STAFF)
        case.record_objection(summary, business_date())
        return self._save_case(case, ctx, cmd)

    @handles
    def approve_assistance(self, cmd: c.ApproveAssistance, ctx: CommandContext) -> Recorded:
        """Supervisors only, never the assessor (the case checks the latter)."""
        return self._decide(cmd, ctx, (SUPERVISOR,), lambda case: case.approve(
            ctx.actor.id, business_date(), self._standard(case.program)))

    @handles
    def reject_assistance(self, cmd: c.RejectAssistance, ctx: CommandContext) -> Recorded:
        return self._decide(cmd, ctx, (SUPERVISOR,), lambda case: case.reject(ctx.actor.id))

    # -- the life of a live case ----------------------------------------------------------------------------

    @handles
    def report_change_of_circumstances(self, cmd: c.ReportChangeOfCircumstances, ctx: CommandContext) -> Recorded:
        statement = text.free_text(cmd.statement, "statement")
        case = self._case(cmd, ctx, *STAFF)
        household = self.registry.get_household(case.household_id)
        members, declared = self._declared(case.program, household, cmd.declared)
        before = set(case.members)
        case.report_change(members, _audience(household, members), declared, statement)
        claims = [self._claim(case.program, m, case.id) for m in members if m not in before]
        releases = [self._claim(case.program, m, case.id) for m in before if m not in members]
        return self._save_case(case, ctx, cmd, claims=claims, releases=releases)

    @handles
    def complete_review(self, cmd: c.CompleteReview, ctx: CommandContext) -> Recorded:
        return self._decide(cmd, ctx, STAFF, lambda case: case.complete_review(ctx.actor.id, business_date()))

    @handles
    def suspend_assistance(self, cmd: c.SuspendAssistance, ctx: CommandContext) -> Recorded:
        return self._decide(cmd, ctx, (SUPERVISOR,), lambda case: case.suspend(business_date()))

    @handles
    def resume_assistance(self, cmd: c.ResumeAssistance, ctx: CommandContext) -> Recorded:
        return self._decide(cmd, ctx, (SUPERVISOR,), lambda case: case.resume(business_date()))

    @handles
    def terminate_assistance(self, cmd: c.TerminateAssistance, ctx: CommandContext) -> Recorded:
        return self._decide(cmd, ctx, (SUPERVISOR,), lambda case: case.terminate(business_date()))

    def _decide(self, cmd: Any, ctx: CommandContext, roles: Sequence[str],
                decide: Callable[[AssistanceCase], object]) -> Recorded:
        """A decision on a case: by one of `roles` of the case's district; the reason is required and recorded."""
        reason = ctx.require_reason()
        case = self._case(cmd, ctx, *roles)
        decide(case)
        return self._save_case(case, ctx.with_reason(reason), cmd)

    # -- payroll and recalculation ----------------------------------------------------------------------------

    def _payroll_month(self, month: date) -> date:
        month, current = month_of(month), month_of(business_date())
        if month > current:
            raise PayrollMonthInFutureError(month, current)
        return month

    @handles
    def generate_monthly_entitlement(self, cmd: c.GenerateMonthlyEntitlement, ctx: CommandContext) -> Recorded:
        """A month's entitlement for one case: written once; asking again changes nothing."""
        month = self._payroll_month(cmd.month)
        case = self._case(cmd, ctx, SUPERVISOR, ADMIN)
        if not case.accrue_month(month, business_date()):
            return self._unchanged(case)
        return self._save_case(case, ctx, cmd)

    @handles(batch=True)
    def generate_payroll(self, cmd: c.GeneratePayroll, ctx: CommandContext) -> PayrollRun:
        """Each case's entitlement for the month, one transaction per case, so a crash part-way resumes; each
        case keyed by the run's idempotency key, so running it again pays nobody twice."""
        require_role(ctx.actor, SUPERVISOR, ADMIN)
        may_act_in(ctx.actor, cmd.district)
        with using_clock(self.clock):
            month = self._payroll_month(cmd.month)
        generated, unchanged, positions = 0, 0, list[int]()
        for case_id in cmd.case_ids:
            per_case = c.GenerateMonthlyEntitlement(case_id=case_id, month=month)
            case_ctx = ctx.keyed_for(str(case_id))
            for attempt in range(3):
                try:
                    recorded = self.generate_monthly_entitlement(per_case, case_ctx)
                    break
                except ConflictError:
                    if attempt == 2:
                        raise
            if recorded.positions and not recorded.replayed:
                generated += 1
                positions.extend(recorded.positions)
            else:
                unchanged += 1
        return PayrollRun(month, generated, unchanged, tuple(positions))

    @handles
    def recalculate_assistance(self, cmd: c.RecalculateAssistance, ctx: CommandContext) -> Recorded:
        """Sent by the recalculation process (the system) when a standard changes; admins may send it too."""
        case = self._case(cmd, ctx, ADMIN)
        if not case.recalculate(self._standard(case.program), business_date()):
            return self._unchanged(case)
        return self._save_case(case, ctx, cmd)

    # -- standards ------------------------------------------------------------------------------------------

    @handles
    def publish_standard(self, cmd: c.PublishAssistanceStandard, ctx: CommandContext) -> Recorded:
        """Admins only, with the decision as the reason."""
        require_role(ctx.actor, ADMIN)
        reason = ctx.require_reason()
        program = parse_program(cmd.program)
        amount, limit, share = self._figures(cmd)
        standard = self.get_standard(program) or AssistanceStandard(program=program)
        standard.publish(cmd.effective_from, amount, limit, share, cmd.correction_reason, ctx.actor.id)
        return self._save(standard, ctx=ctx.with_reason(reason), command=cmd)

    def preview_standard(self, cmd: c.PreviewAssistanceStandard, case_ids: Iterable[UUID]) -> list[PreviewLine]:
        """For each live case of the program: its amount before and after, and the arrears — writes nothing."""
        with using_clock(self.clock):
            program = parse_program(cmd.program)
            amount, limit, share = self._figures(cmd)
            standard = self.get_standard(program) or AssistanceStandard(program=program)
            standard.check(cmd.effective_from, amount, limit, share, cmd.correction_reason)
            draft = standard.with_draft(cmd.effective_from, amount, limit, share)
            lines = []
            for case_id in case_ids:
                case = self.get_case(case_id)
                if case.program is not program or case.status not in LIVE or case.first_month is None:
                    continue
                schedule, _, owed = case.recalculation(draft)
                month = max(cmd.effective_from, case.first_month)
                lines.append(PreviewLine(case.id, case.household_id, case.district, month,
                                         amount_for(case.schedule, month), amount_for(schedule, month),
                                         sum((line.amount for line in owed), ZERO)))
            return lines

    @staticmethod
    def _figures(cmd: c.PublishAssistanceStandard | c.PreviewAssistanceStandard
                 ) -> tuple[Decimal, Decimal | None, Decimal | None]:
        amount = _amount(cmd.amount, "amount")
        limit = _amount(cmd.asset_limit_per_person, "assetLimitPerPerson") \
            if cmd.asset_limit_per_person is not None else None
        share = None
        if cmd.share is not None:
            try:
                share = decimal_number(cmd.share, field="share")
            except InvalidInputError:
                raise StandardAmountInvalidError("share", cmd.share) from None
        return amount, limit, share

    def seed_guangzhou_standards(self, ctx: CommandContext) -> list[Recorded]:
        """Publish Guangzhou's 2017 and 2018 standards, skipping any already published with the same date and
        amount (and keyed by program and date, so a retry replays)."""
        recorded = []
        for seed in GUANGZHOU_STANDARDS:
            standard = self.get_standard(seed.program)
            if standard and any((r.effective_from, r.amount) == (seed.effective_from, seed.amount)
                                for r in standard.revisions):
                continue
            key = f"seed-standard:{seed.program.value}:{seed.effective_from.isoformat()}"
            cmd = c.PublishAssistanceStandard(
                program=seed.program.value, effective_from=seed.effective_from, amount=seed.amount,
                asset_limit_per_person=seed.asset_limit_per_person, share=seed.share)
            recorded.append(self.publish_standard(cmd, _keyed(ctx, key)))
        return recorded


def _keyed(ctx: CommandContext, key: str) -> CommandContext:
    return replace(ctx, idempotency_key=key)


def _audience(household: HouseholdView, covered: Sequence[UUID]) -> tuple[UUID, ...]:
    """Everyone in the household (and anyone covered): each of them sees the case on their timeline."""
    return tuple(dict.fromkeys([*household.members, *covered]))


def _means(resident_id: UUID, value: object, field: str) -> Decimal:
    try:
        return yuan_to_the_fen(value, field=field)
    except InvalidInputError:
        raise DeclaredMeansInvalidError(resident_id, field, value) from None
