"""Assistance mutations: one per command, each input → command → the one command path → payload (the case
once the read models have caught up with it). The service decides who may act."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

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
from civicledger.graphql.commands import execute
from civicledger.graphql.permissions import CanCommand
from civicledger.projections.assistance_cases import live_case_ids


@strawberry.type
class AssistanceMutations:
    @strawberry.mutation(
        description=("Open an application for social assistance (minimum living guarantee, low income, special "
                     "hardship, ...) for a household; the household is then verified and the case assessed."),
        permission_classes=[CanCommand])
    async def apply_for_assistance(self, info: Info, input: ApplyForAssistanceInput) -> ApplyForAssistancePayload:
        return ApplyForAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Ask all 26 sources; failures are retried.")
    async def request_household_verification(self, info: Info, input: RequestHouseholdVerificationInput
                                             ) -> RequestHouseholdVerificationPayload:
        return RequestHouseholdVerificationPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Ask the unanswered sources again.")
    async def retry_household_verification(self, info: Info, input: RetryHouseholdVerificationInput
                                           ) -> RetryHouseholdVerificationPayload:
        return RetryHouseholdVerificationPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Record the caseworker's assessment of a verified case: the household's means against the "
                     "program's standard, and the proposed monthly amount."),
        permission_classes=[CanCommand])
    async def assess_assistance(self, info: Info, input: AssessAssistanceInput) -> AssessAssistancePayload:
        return AssessAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Record that the public notice (公示) of an assessed case was posted; objections may be recorded "
                     "until it ends."),
        permission_classes=[CanCommand])
    async def post_assistance_notice(self, info: Info, input: PostAssistanceNoticeInput) -> PostAssistanceNoticePayload:
        return PostAssistanceNoticePayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Record an objection raised during the public notice (refused once the notice has ended).",
        permission_classes=[CanCommand])
    async def record_assistance_objection(self, info: Info, input: RecordAssistanceObjectionInput
                                          ) -> RecordAssistanceObjectionPayload:
        return RecordAssistanceObjectionPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Supervisors only; never the assessor.")
    async def approve_assistance(self, info: Info, input: ApproveAssistanceInput) -> ApproveAssistancePayload:
        return ApproveAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Supervisors only; never the assessor.")
    async def reject_assistance(self, info: Info, input: RejectAssistanceInput) -> RejectAssistancePayload:
        return RejectAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Report a change in an approved household's circumstances (income, members).",
        permission_classes=[CanCommand])
    async def report_assistance_change(self, info: Info, input: ReportAssistanceChangeInput
                                       ) -> ReportAssistanceChangePayload:
        return ReportAssistanceChangePayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Record that the periodic review of an approved case is complete.",
        permission_classes=[CanCommand])
    async def complete_assistance_review(self, info: Info, input: CompleteAssistanceReviewInput
                                         ) -> CompleteAssistanceReviewPayload:
        return CompleteAssistanceReviewPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Suspend payments of an approved case from a month, with a reason.",
        permission_classes=[CanCommand])
    async def suspend_assistance(self, info: Info, input: SuspendAssistanceInput) -> SuspendAssistancePayload:
        return SuspendAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Resume a suspended case from a month.",
        permission_classes=[CanCommand])
    async def resume_assistance(self, info: Info, input: ResumeAssistanceInput) -> ResumeAssistancePayload:
        return ResumeAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(
        description="End an approved case from a month, with a reason.",
        permission_classes=[CanCommand])
    async def terminate_assistance(self, info: Info, input: TerminateAssistanceInput) -> TerminateAssistancePayload:
        return TerminateAssistancePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand],
                         description="A month's entitlements for every live case (of a district / program); "
                                     "running it again pays nobody twice.")
    async def generate_assistance_payroll(self, info: Info, input: GenerateAssistancePayrollInput
                                          ) -> GenerateAssistancePayrollPayload:
        ctx = info.context
        # The run covers the live cases the caseload lists for the district (the caller's own by default);
        # the service decides whether the caller may run it there.
        district = parse_district(input.district).value if input.district else ctx.principal.district
        program = Program(input.program).value if input.program else None
        async with ctx.runtime.pool.acquire() as conn:
            ids = await live_case_ids(conn, program=program, district=district)
        run = await execute(info, input, c.GeneratePayroll(month=input.month, program=program, district=district,
                                                           case_ids=tuple(ids)))
        return GenerateAssistancePayrollPayload(month=run.month, generated=run.generated, unchanged=run.unchanged,
                                                position=max(run.positions, default=0))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins only.")
    async def publish_assistance_standard(self, info: Info, input: PublishAssistanceStandardInput
                                          ) -> PublishAssistanceStandardPayload:
        recorded = await execute(info, input)
        return PublishAssistanceStandardPayload(program=input.program, position=recorded.position,
                                                replayed=recorded.replayed)
