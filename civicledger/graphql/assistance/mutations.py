"""Assistance mutations: one per command. Translate the input, check the caller's role and district, call the
service, return what was recorded (and the case once the read model has caught up with it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.auth import Role
from civicledger.core.eventstore.application import Recorded
from civicledger.core.guangzhou import parse_district
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.programs import Program
from civicledger.graphql.assistance.payloads import (
    ApplyForAssistanceInput,
    ApplyForAssistancePayload,
    ApproveAssistanceInput,
    ApproveAssistancePayload,
    AssessAssistanceInput,
    AssessAssistancePayload,
    CaseInput,
    CompleteAssistanceReviewInput,
    CompleteAssistanceReviewPayload,
    GenerateAssistancePayrollInput,
    GenerateAssistancePayrollPayload,
    PostAssistanceNoticeInput,
    PostAssistanceNoticePayload,
    PublishAssistanceStandardInput,
    PublishAssistanceStandardPayload,
    RecordAssistanceObjectionInput,
    RecordAssistanceObjectionPayload,
    RejectAssistanceInput,
    RejectAssistancePayload,
    ReportAssistanceChangeInput,
    ReportAssistanceChangePayload,
    RequestHouseholdVerificationInput,
    RequestHouseholdVerificationPayload,
    ResumeAssistanceInput,
    ResumeAssistancePayload,
    RetryHouseholdVerificationInput,
    RetryHouseholdVerificationPayload,
    SuspendAssistanceInput,
    SuspendAssistancePayload,
    TerminateAssistanceInput,
    TerminateAssistancePayload,
)
from civicledger.graphql.permissions import CanCommand, may_command_for
from civicledger.graphql.relay import uuid_of
from civicledger.projections.assistance_cases import live_case_ids

STAFF = (Role.CASEWORKER, Role.SUPERVISOR)


async def _case_command(info: Info, input: CaseInput, method: str, cmd: Any, *roles: Role) -> Recorded:
    ctx = info.context
    if roles:
        ctx.principal.require_role(*roles)
    service = ctx.runtime.services.assistance
    case = await ctx.run(service.get_case, cmd.case_id)
    may_command_for(ctx.principal, case.district)
    return await ctx.run(getattr(service, method), cmd,
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
