"""Assistance mutations: one per command. Translate the input, check the caller's role and district, call the
service, return what was recorded (and the case once the read model has caught up with it)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.auth import Role
from civicledger.core.eventstore.application import Recorded
from civicledger.core.guangzhou import parse_district
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.programs import Program
from civicledger.graphql.assistance.queries import standards
from civicledger.graphql.assistance.types import AssistanceCaseType, ProgramEnum, StandardType
from civicledger.graphql.permissions import CanCommand, may_command_for
from civicledger.graphql.relay import uuid_of
from civicledger.projections.assistance_cases import cases_by_ids, live_case_ids

STAFF = (Role.CASEWORKER, Role.SUPERVISOR)


@strawberry.interface(name="AssistanceCasePayload", description="What an assistance command recorded.")
class AssistanceCasePayload:
    case_id: UUID
    version: int
    position: int = strawberry.field(description="Global log position; pass as minPosition to read your write.")
    replayed: bool = strawberry.field(description="True when an idempotency key returned an earlier result.")

    @strawberry.field(description="The case as the read model shows it once it has reached `position`.")
    async def case(self, info: Info) -> AssistanceCaseType | None:
        runtime = info.context.runtime
        await runtime.positions.wait_for(self.position, timeout=runtime.settings.consistency_timeout_s,
                                         names=["assistance_cases"])
        async with runtime.pool.acquire() as conn:
            rows = await cases_by_ids(conn, [self.case_id])
        return AssistanceCaseType.from_row(rows[0]) if rows else None

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(case_id=recorded.stream_id, version=recorded.version, position=recorded.position,
                   replayed=recorded.replayed)


def _payload(name: str, description: str) -> Any:
    return strawberry.type(type(name, (AssistanceCasePayload,), {"__doc__": description}), name=name,
                           description=description)


ApplyForAssistancePayload = _payload("ApplyForAssistancePayload", "A new application.")
RequestHouseholdVerificationPayload = _payload("RequestHouseholdVerificationPayload", "A verification round.")
RetryHouseholdVerificationPayload = _payload("RetryHouseholdVerificationPayload", "Failed sources asked again.")
AssessAssistancePayload = _payload("AssessAssistancePayload", "An assessment with its frozen inputs.")
PostAssistanceNoticePayload = _payload("PostAssistanceNoticePayload", "A public notice posted.")
RecordAssistanceObjectionPayload = _payload("RecordAssistanceObjectionPayload", "An objection recorded.")
ApproveAssistancePayload = _payload("ApproveAssistancePayload", "An approval (or an approved adjustment).")
RejectAssistancePayload = _payload("RejectAssistancePayload", "A rejection.")
ReportAssistanceChangePayload = _payload("ReportAssistanceChangePayload", "A change of circumstances.")
CompleteAssistanceReviewPayload = _payload("CompleteAssistanceReviewPayload", "A periodic review completed.")
SuspendAssistancePayload = _payload("SuspendAssistancePayload", "A suspension.")
ResumeAssistancePayload = _payload("ResumeAssistancePayload", "A resumption.")
TerminateAssistancePayload = _payload("TerminateAssistancePayload", "A termination.")


@strawberry.input(name="DeclaredMeansInput", description="One member's own declaration, in yuan.")
class DeclaredMeansInput:
    resident_id: strawberry.ID
    monthly_income: str = strawberry.field(description="Monthly income, e.g. \"400\" or \"1234.50\".")
    assets: str = "0"

    def to_command(self) -> c.DeclaredMeans:
        return c.DeclaredMeans(uuid_of(self.resident_id, "Resident"), self.monthly_income, self.assets)


@strawberry.input(name="ApplyForAssistanceInput")
class ApplyForAssistanceInput:
    program: ProgramEnum  # type: ignore[valid-type]
    household_id: strawberry.ID
    applicant_id: strawberry.ID
    declared: list[DeclaredMeansInput] = strawberry.field(
        description="Every household member (minimum living guarantee, low income, temporary) or the persons covered.")
    statement: str
    referral_id: strawberry.ID | None = strawberry.field(default=None, description="A linkage referral, if any.")
    need: str | None = strawberry.field(default=None, description="Temporary assistance: the one-off need in yuan.")
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input(name="AssistanceCaseInput")
class CaseInput:
    case_id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = strawberry.field(default=None, description="Required for decisions.")
    idempotency_key: str | None = None


def _input(name: str) -> Any:
    return strawberry.input(type(name, (CaseInput,), {}), name=name)


RequestHouseholdVerificationInput = _input("RequestHouseholdVerificationInput")
RetryHouseholdVerificationInput = _input("RetryHouseholdVerificationInput")
AssessAssistanceInput = _input("AssessAssistanceInput")
ApproveAssistanceInput = _input("ApproveAssistanceInput")
RejectAssistanceInput = _input("RejectAssistanceInput")
CompleteAssistanceReviewInput = _input("CompleteAssistanceReviewInput")
SuspendAssistanceInput = _input("SuspendAssistanceInput")
ResumeAssistanceInput = _input("ResumeAssistanceInput")
TerminateAssistanceInput = _input("TerminateAssistanceInput")


@strawberry.input(name="PostAssistanceNoticeInput")
class PostAssistanceNoticeInput(CaseInput):
    days: int = strawberry.field(default=7, description="How long the notice runs (1–30 days).")


@strawberry.input(name="RecordAssistanceObjectionInput")
class RecordAssistanceObjectionInput(CaseInput):
    summary: str = ""


@strawberry.input(name="ReportAssistanceChangeInput")
class ReportAssistanceChangeInput(CaseInput):
    declared: list[DeclaredMeansInput] = strawberry.field(default_factory=list)
    statement: str = ""


@strawberry.input(name="GenerateAssistancePayrollInput")
class GenerateAssistancePayrollInput:
    month: date
    district: str | None = strawberry.field(default=None, description="Supervisors: their own district.")
    program: ProgramEnum | None = None  # type: ignore[valid-type]
    idempotency_key: str | None = None


@strawberry.type(name="GenerateAssistancePayrollPayload")
class GenerateAssistancePayrollPayload:
    month: date
    generated: int = strawberry.field(description="Cases given their entitlement for the month by this run.")
    unchanged: int = strawberry.field(description="Cases already paid for the month, or owed nothing.")
    position: int


@strawberry.input(name="PublishAssistanceStandardInput")
class PublishAssistanceStandardInput:
    program: ProgramEnum  # type: ignore[valid-type]
    effective_from: date = strawberry.field(description="The first day of a month.")
    amount: str
    reason: str = strawberry.field(description="The decision being published.")
    asset_limit_per_person: str | None = None
    share: str | None = None
    correction_reason: str | None = strawberry.field(
        default=None, description="Required when dated on or before the latest revision.")
    idempotency_key: str | None = None


@strawberry.type(name="PublishAssistanceStandardPayload")
class PublishAssistanceStandardPayload:
    program: ProgramEnum  # type: ignore[valid-type]
    position: int
    replayed: bool

    @strawberry.field
    async def standard(self, info: Info) -> StandardType | None:
        runtime = info.context.runtime
        await runtime.positions.wait_for(self.position, timeout=runtime.settings.consistency_timeout_s,
                                         names=["assistance_standards"])
        found = await standards(info, Program(self.program))
        return found[0] if found else None


async def _case_command(info: Info, input: CaseInput, method: str, cmd: Any, *roles: Role) -> Recorded:
    ctx = info.context
    if roles:
        ctx.principal.require_role(*roles)
    service = ctx.runtime.services.assistance
    case = await ctx.run(service.get_case, cmd.case_id)
    may_command_for(ctx.principal, case.district)
    return await ctx.run(getattr(service, method), cmd,  # type: ignore[no-any-return]
                         ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))


def _case_id(input: CaseInput) -> UUID:
    return uuid_of(input.case_id, "AssistanceCase")


@strawberry.type
class AssistanceMutations:
    @strawberry.mutation(permission_classes=[CanCommand])
    async def apply_for_assistance(self, info: Info, input: ApplyForAssistanceInput) -> ApplyForAssistancePayload:
        ctx = info.context
        household_id = uuid_of(input.household_id, "Household")
        household = await ctx.run(ctx.runtime.services.residents.get_household, household_id)
        may_command_for(ctx.principal, household.district)
        cmd = c.ApplyForAssistance(
            program=Program(input.program).value, household_id=household_id,
            applicant_id=uuid_of(input.applicant_id, "Resident"),
            declared=tuple(d.to_command() for d in input.declared), statement=input.statement,
            referral_id=uuid_of(input.referral_id, "Referral") if input.referral_id else None, need=input.need)
        recorded = await ctx.run(ctx.runtime.services.assistance.apply_for_assistance, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return ApplyForAssistancePayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand], description="Ask all 26 sources; failures are retried.")
    async def request_household_verification(self, info: Info, input: RequestHouseholdVerificationInput
                                             ) -> RequestHouseholdVerificationPayload:
        cmd = c.RequestHouseholdVerification(_case_id(input), input.expected_version)
        return RequestHouseholdVerificationPayload.of(await _case_command(info, input, "request_verification", cmd))

    @strawberry.mutation(permission_classes=[CanCommand], description="Ask the unanswered sources again.")
    async def retry_household_verification(self, info: Info, input: RetryHouseholdVerificationInput
                                           ) -> RetryHouseholdVerificationPayload:
        cmd = c.RetryHouseholdVerification(_case_id(input), input.expected_version)
        return RetryHouseholdVerificationPayload.of(await _case_command(info, input, "retry_verification", cmd))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def assess_assistance(self, info: Info, input: AssessAssistanceInput) -> AssessAssistancePayload:
        cmd = c.AssessAssistance(_case_id(input), input.expected_version)
        return AssessAssistancePayload.of(await _case_command(info, input, "assess_assistance", cmd, *STAFF))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def post_assistance_notice(self, info: Info, input: PostAssistanceNoticeInput) -> PostAssistanceNoticePayload:
        cmd = c.PostPublicNotice(_case_id(input), input.days, input.expected_version)
        return PostAssistanceNoticePayload.of(await _case_command(info, input, "post_public_notice", cmd, *STAFF))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def record_assistance_objection(self, info: Info, input: RecordAssistanceObjectionInput
                                          ) -> RecordAssistanceObjectionPayload:
        cmd = c.RecordObjection(_case_id(input), input.summary, input.expected_version)
        return RecordAssistanceObjectionPayload.of(await _case_command(info, input, "record_objection", cmd, *STAFF))

    @strawberry.mutation(permission_classes=[CanCommand], description="Supervisors only; never the assessor.")
    async def approve_assistance(self, info: Info, input: ApproveAssistanceInput) -> ApproveAssistancePayload:
        cmd = c.ApproveAssistance(_case_id(input), input.expected_version)
        return ApproveAssistancePayload.of(
            await _case_command(info, input, "approve_assistance", cmd, Role.SUPERVISOR))

    @strawberry.mutation(permission_classes=[CanCommand], description="Supervisors only; never the assessor.")
    async def reject_assistance(self, info: Info, input: RejectAssistanceInput) -> RejectAssistancePayload:
        cmd = c.RejectAssistance(_case_id(input), input.expected_version)
        return RejectAssistancePayload.of(await _case_command(info, input, "reject_assistance", cmd, Role.SUPERVISOR))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def report_assistance_change(self, info: Info, input: ReportAssistanceChangeInput
                                       ) -> ReportAssistanceChangePayload:
        cmd = c.ReportChangeOfCircumstances(_case_id(input), tuple(d.to_command() for d in input.declared),
                                            input.statement, input.expected_version)
        return ReportAssistanceChangePayload.of(
            await _case_command(info, input, "report_change_of_circumstances", cmd, *STAFF))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def complete_assistance_review(self, info: Info, input: CompleteAssistanceReviewInput
                                         ) -> CompleteAssistanceReviewPayload:
        cmd = c.CompleteReview(_case_id(input), input.expected_version)
        return CompleteAssistanceReviewPayload.of(await _case_command(info, input, "complete_review", cmd, *STAFF))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def suspend_assistance(self, info: Info, input: SuspendAssistanceInput) -> SuspendAssistancePayload:
        cmd = c.SuspendAssistance(_case_id(input), input.expected_version)
        return SuspendAssistancePayload.of(
            await _case_command(info, input, "suspend_assistance", cmd, Role.SUPERVISOR))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def resume_assistance(self, info: Info, input: ResumeAssistanceInput) -> ResumeAssistancePayload:
        cmd = c.ResumeAssistance(_case_id(input), input.expected_version)
        return ResumeAssistancePayload.of(await _case_command(info, input, "resume_assistance", cmd, Role.SUPERVISOR))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def terminate_assistance(self, info: Info, input: TerminateAssistanceInput) -> TerminateAssistancePayload:
        cmd = c.TerminateAssistance(_case_id(input), input.expected_version)
        return TerminateAssistancePayload.of(
            await _case_command(info, input, "terminate_assistance", cmd, Role.SUPERVISOR))

    @strawberry.mutation(permission_classes=[CanCommand],
                         description="A month's entitlements for every live case (of a district / program); "
                                     "running it again pays nobody twice.")
    async def generate_assistance_payroll(self, info: Info, input: GenerateAssistancePayrollInput
                                          ) -> GenerateAssistancePayrollPayload:
        ctx = info.context
        ctx.principal.require_role(Role.SUPERVISOR, Role.ADMIN)
        district = parse_district(input.district).value if input.district else ctx.principal.district
        may_command_for(ctx.principal, district)
        program = Program(input.program).value if input.program else None
        async with ctx.runtime.pool.acquire() as conn:
            ids = await live_case_ids(conn, program=program, district=district)
        run = await ctx.run(ctx.runtime.services.assistance.generate_payroll,
                            c.GeneratePayroll(month=input.month, program=program, district=district), ids,
                            ctx.command(idempotency_key=input.idempotency_key))
        return GenerateAssistancePayrollPayload(month=run.month, generated=run.generated, unchanged=run.unchanged,
                                                position=max(run.positions, default=0))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins only.")
    async def publish_assistance_standard(self, info: Info, input: PublishAssistanceStandardInput
                                          ) -> PublishAssistanceStandardPayload:
        ctx = info.context
        ctx.principal.require_role(Role.ADMIN)
        program = Program(input.program)
        cmd = c.PublishAssistanceStandard(
            program=program.value, effective_from=input.effective_from, amount=input.amount,
            asset_limit_per_person=input.asset_limit_per_person, share=input.share,
            correction_reason=input.correction_reason)
        recorded = await ctx.run(ctx.runtime.services.assistance.publish_standard, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return PublishAssistanceStandardPayload(program=program, position=recorded.position,
                                                replayed=recorded.replayed)
