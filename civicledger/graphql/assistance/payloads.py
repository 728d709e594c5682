"""What assistance mutations take and return: inputs (money as decimal strings, checked by the service) and
payloads (what was recorded, and the case once the read model shows it)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.programs import Program
from civicledger.graphql.assistance.cases import AssistanceCaseType
from civicledger.graphql.assistance.queries import standards
from civicledger.graphql.assistance.types import ProgramEnum, StandardType
from civicledger.graphql.commands import CommandPayload
from civicledger.graphql.means import DeclaredMeansInput
from civicledger.graphql.relay import uuid_of
from civicledger.projections.assistance_cases import cases_by_ids


@strawberry.interface(name="AssistanceCasePayload", description="What an assistance command recorded.")
class AssistanceCasePayload(CommandPayload):
    case_id: UUID

    @strawberry.field(description="The case as the read model shows it once it has reached `position`.")
    async def case(self, info: Info) -> AssistanceCaseType | None:
        row = await info.context.read_after(self.position, cases_by_ids, self.case_id)
        return AssistanceCaseType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(case_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="ApplyForAssistancePayload", description="A new application.")
class ApplyForAssistancePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="RequestHouseholdVerificationPayload", description="A verification round.")
class RequestHouseholdVerificationPayload(AssistanceCasePayload):
    pass

@strawberry.type(name="RetryHouseholdVerificationPayload", description="Failed sources asked again.")
class RetryHouseholdVerificationPayload(AssistanceCasePayload):
    pass

@strawberry.type(name="AssessAssistancePayload", description="An assessment with its frozen inputs.")
class AssessAssistancePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="PostAssistanceNoticePayload", description="A public notice posted.")
class PostAssistanceNoticePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="RecordAssistanceObjectionPayload", description="An objection recorded.")
class RecordAssistanceObjectionPayload(AssistanceCasePayload):
    pass

@strawberry.type(name="ApproveAssistancePayload", description="An approval (or an approved adjustment).")
class ApproveAssistancePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="RejectAssistancePayload", description="A rejection.")
class RejectAssistancePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="ReportAssistanceChangePayload", description="A change of circumstances.")
class ReportAssistanceChangePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="CompleteAssistanceReviewPayload", description="A periodic review completed.")
class CompleteAssistanceReviewPayload(AssistanceCasePayload):
    pass

@strawberry.type(name="SuspendAssistancePayload", description="A suspension.")
class SuspendAssistancePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="ResumeAssistancePayload", description="A resumption.")
class ResumeAssistancePayload(AssistanceCasePayload):
    pass

@strawberry.type(name="TerminateAssistancePayload", description="A termination.")
class TerminateAssistancePayload(AssistanceCasePayload):
    pass



@strawberry.input(name="ApplyForAssistanceInput")
class ApplyForAssistanceInput:
    program: ProgramEnum = strawberry.field(description="The program applied for.")  # type: ignore[valid-type]
    household_id: strawberry.ID
    applicant_id: strawberry.ID
    declared: list[DeclaredMeansInput] = strawberry.field(
        description="Every household member (minimum living guarantee, low income, temporary) or the persons covered.")
    statement: str = strawberry.field(description=("The applicant's own account of their situation (personal data: "
                                                   "shown only to readers who may see it), at most 2000 characters."))
    referral_id: strawberry.ID | None = strawberry.field(default=None, description="A linkage referral, if any.")
    need: str | None = strawberry.field(default=None, description="Temporary assistance: the one-off need in yuan.")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.ApplyForAssistance:
        return c.ApplyForAssistance(
            program=Program(self.program).value, household_id=uuid_of(self.household_id, "Household"),
            applicant_id=uuid_of(self.applicant_id, "Resident"), declared=tuple(d.to_command() for d in self.declared),
            statement=self.statement,
            referral_id=uuid_of(self.referral_id, "Referral") if self.referral_id else None, need=self.need)


@strawberry.input(name="AssistanceCaseInput")
class CaseInput:
    """A command on one case: its command class is the subclass's `COMMAND`."""

    COMMAND: ClassVar[type]
    case_id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = strawberry.field(default=None, description="Required for decisions.")
    idempotency_key: str | None = None

    def to_command(self) -> Any:
        return self.COMMAND(case_id=uuid_of(self.case_id, "AssistanceCase"), expected_version=self.expected_version,
                            **self.details())

    def details(self) -> dict[str, Any]:
        return {}


@strawberry.input(name="RequestHouseholdVerificationInput")
class RequestHouseholdVerificationInput(CaseInput):
    COMMAND = c.RequestHouseholdVerification


@strawberry.input(name="RetryHouseholdVerificationInput")
class RetryHouseholdVerificationInput(CaseInput):
    COMMAND = c.RetryHouseholdVerification


@strawberry.input(name="AssessAssistanceInput")
class AssessAssistanceInput(CaseInput):
    COMMAND = c.AssessAssistance


@strawberry.input(name="ApproveAssistanceInput")
class ApproveAssistanceInput(CaseInput):
    COMMAND = c.ApproveAssistance


@strawberry.input(name="RejectAssistanceInput")
class RejectAssistanceInput(CaseInput):
    COMMAND = c.RejectAssistance


@strawberry.input(name="CompleteAssistanceReviewInput")
class CompleteAssistanceReviewInput(CaseInput):
    COMMAND = c.CompleteReview


@strawberry.input(name="SuspendAssistanceInput")
class SuspendAssistanceInput(CaseInput):
    COMMAND = c.SuspendAssistance


@strawberry.input(name="ResumeAssistanceInput")
class ResumeAssistanceInput(CaseInput):
    COMMAND = c.ResumeAssistance


@strawberry.input(name="TerminateAssistanceInput")
class TerminateAssistanceInput(CaseInput):
    COMMAND = c.TerminateAssistance


@strawberry.input(name="PostAssistanceNoticeInput")
class PostAssistanceNoticeInput(CaseInput):
    COMMAND = c.PostPublicNotice
    days: int = strawberry.field(default=7, description="How long the notice runs (1–30 days).")

    def details(self) -> dict[str, Any]:
        return {"days": self.days}


@strawberry.input(name="RecordAssistanceObjectionInput")
class RecordAssistanceObjectionInput(CaseInput):
    COMMAND = c.RecordObjection
    summary: str = strawberry.field(default="", description="What the objection says, at most 2000 characters.")

    def details(self) -> dict[str, Any]:
        return {"summary": self.summary}


@strawberry.input(name="ReportAssistanceChangeInput")
class ReportAssistanceChangeInput(CaseInput):
    COMMAND = c.ReportChangeOfCircumstances
    declared: list[DeclaredMeansInput] = strawberry.field(description=("Each member's new declaration (income and "
                                                                       "assets, in yuan)."), default_factory=list)
    statement: str = strawberry.field(default="", description=("What changed, in the household's words, at most 2000"
                                                               " characters."))

    def details(self) -> dict[str, Any]:
        return {"declared": tuple(d.to_command() for d in self.declared), "statement": self.statement}


@strawberry.input(description="Generate a month's payroll: each live case's entitlement for the month.",
                  name="GenerateAssistancePayrollInput")
class GenerateAssistancePayrollInput:
    month: date = strawberry.field(description="The payroll month: any date in it; not a future month.")
    district: str | None = strawberry.field(default=None, description="Supervisors: their own district.")
    program: ProgramEnum | None = strawberry.field(default=None, description=("Only this program; omitted: every "
                                                                              "program."))  # type: ignore[valid-type]
    idempotency_key: str | None = None


@strawberry.type(name="GenerateAssistancePayrollPayload")
class GenerateAssistancePayrollPayload:
    month: date = strawberry.field(description="The month the payroll was generated for: its first day.")
    generated: int = strawberry.field(description="Cases given their entitlement for the month by this run.")
    unchanged: int = strawberry.field(description="Cases already paid for the month, or owed nothing.")
    position: int


@strawberry.input(description="A new revision of a program's standard (admins only).",
                  name="PublishAssistanceStandardInput")
class PublishAssistanceStandardInput:
    program: ProgramEnum = strawberry.field(
        description="The program whose standard changes.")  # type: ignore[valid-type]
    effective_from: date = strawberry.field(description="The first day of a month.")
    amount: str = strawberry.field(description="The monthly standard in yuan, e.g. \"950\".")
    reason: str = strawberry.field(description="The decision being published.")
    asset_limit_per_person: str | None = strawberry.field(default=None, description=("The asset limit per person, in"
                                                                                     " yuan; omitted: unchanged."))
    share: str | None = strawberry.field(default=None, description=("A fraction of the standard (0 < share ≤ 1) the "
                                                                    "program uses, where it uses one; omitted: "
                                                                    "unchanged."))
    correction_reason: str | None = strawberry.field(
        default=None, description="Required when dated on or before the latest revision.")
    idempotency_key: str | None = None

    def to_command(self) -> c.PublishAssistanceStandard:
        return c.PublishAssistanceStandard(
            program=Program(self.program).value, effective_from=self.effective_from, amount=self.amount,
            asset_limit_per_person=self.asset_limit_per_person, share=self.share,
            correction_reason=self.correction_reason)


@strawberry.type(name="PublishAssistanceStandardPayload")
class PublishAssistanceStandardPayload:
    program: ProgramEnum = strawberry.field(description="The program whose standard was published.")  # type: ignore[valid-type]
    position: int
    replayed: bool

    @strawberry.field(description="The program's standard, every revision, as the read models show it once they "
                      "have reached `position`.")
    async def standard(self, info: Info) -> StandardType | None:
        runtime = info.context.runtime
        await runtime.positions.wait_for(self.position, timeout=runtime.settings.consistency_timeout_s)
        found = await standards(info, Program(self.program))
        return found[0] if found else None
