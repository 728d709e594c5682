"""GraphQL types of social assistance: cases with their verification matrix, decision inputs, entitlement
ledger and history; standards; previews; payroll.

Incomes, assets, statements and the money a household receives are personal data: they are `null` (with
`figuresMasked: true`) unless the reader may see the household's personal data, and every unmasked read is
recorded against each resident it concerns."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.domains.assistance.case import CaseStatus
from civicledger.domains.assistance.entitlements import EntitlementKind
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.verification import DataSource
from civicledger.graphql.permissions import sees_personal_data
from civicledger.graphql.relay import encode_cursor

ProgramEnum = strawberry.enum(Program, name="AssistanceProgram")
CaseStatusEnum = strawberry.enum(CaseStatus, name="AssistanceCaseStatus")
SourceEnum = strawberry.enum(DataSource, name="VerificationSource")
EntitlementKindEnum = strawberry.enum(EntitlementKind, name="EntitlementKind")



def reveal(info: Info, district: str | None, residents: Iterable[UUID], field: str) -> bool:
    """May this reader see these residents' figures? If so, the read is recorded for each of them."""
    ctx = info.context
    if not sees_personal_data(ctx.principal, district, ctx.purpose):
        return False
    for resident in residents:
        ctx.record_read(resident, district, field)
    return True


def members_of(row: Any) -> list[UUID]:
    members = row["members"]
    return [UUID(m) for m in (json.loads(members) if isinstance(members, str) else members or [])]


def page(rows: list[Any], limit: int, kind: str, key: str) -> tuple[list[Any], relay.PageInfo, list[str]]:
    has_next = len(rows) > limit
    rows = rows[:limit]
    cursors = [encode_cursor(kind, r[key]) for r in rows]
    return rows, relay.PageInfo(has_next_page=has_next, has_previous_page=False,
                                start_cursor=cursors[0] if cursors else None,
                                end_cursor=cursors[-1] if cursors else None), cursors


@strawberry.type(name="AssistanceScheduleEntry", description="From which month a case pays what, under which standard.")
class ScheduleEntryType:
    from_month: date
    monthly_amount: Decimal | None
    standard_revision: int
    standard_amount: Decimal


@strawberry.type(name="AssistanceVerificationCell", description="What one source found about one member.")
class VerificationCellType:
    resident_id: UUID
    source: SourceEnum  # type: ignore[valid-type]
    source_name: str
    mandatory: bool
    status: str = strawberry.field(description="ANSWERED, FAILED or PENDING")
    monthly_income: Decimal | None
    assets: Decimal | None
    flags: list[str] | None
    answered_at: datetime | None
    failure: str | None
    attempts: int


@strawberry.type(name="AssistanceMemberMeans", description="A member's declared, verified and counted means.")
class MemberMeansType:
    resident_id: UUID
    declared_income: Decimal | None
    declared_assets: Decimal | None
    verified_income: Decimal | None
    verified_assets: Decimal | None
    counted_income: Decimal | None
    counted_assets: Decimal | None
    flags: list[str] | None
    erased: bool


@strawberry.type(name="AssistanceAssessment", description="The inputs an assessment froze, and its result.")
class AssessmentType:
    assessment_id: UUID
    assessed_by: str
    assessed_at: datetime
    standard_revision: int
    standard_effective_from: date
    standard_amount: Decimal
    asset_limit_per_person: Decimal | None
    share: Decimal | None
    household_size: int
    per_capita_income: Decimal | None
    per_capita_assets: Decimal | None
    amount: Decimal | None
    eligible: bool
    findings: list[str]


@strawberry.type(name="AssistanceEntitlement", description="One entitlement line of a case.")
class EntitlementType:
    line_id: UUID
    case_id: UUID
    kind: EntitlementKindEnum  # type: ignore[valid-type]
    service_month: date
    payable_month: date
    amount: Decimal | None
    standard_revision: int | None
    district: str
    program: ProgramEnum  # type: ignore[valid-type]
    recorded_at: datetime

    @classmethod
    def from_row(cls, info: Info, row: Any, members: Iterable[UUID]) -> EntitlementType:
        shown = reveal(info, row["district"], members, "assistanceAmount")
        return cls(line_id=row["line_id"], case_id=row["case_id"], kind=EntitlementKind(row["kind"]),
                   service_month=row["service_month"], payable_month=row["payable_month"],
                   amount=row["amount"] if shown else None, standard_revision=row["standard_revision"],
                   district=row["district"], program=Program(row["program"]), recorded_at=row["recorded_at"])


@strawberry.type(name="AssistanceEntitlementEdge")
class EntitlementEdge:
    cursor: str
    node: EntitlementType


@strawberry.type(name="AssistanceEntitlementConnection")
class EntitlementConnection:
    edges: list[EntitlementEdge]
    page_info: relay.PageInfo


@strawberry.type(name="AssistanceHistoryEntry", description="One event of the case: what, who, why, when.")
class HistoryEntryType:
    position: int
    version: int
    kind: str
    summary: str
    actor_id: str | None
    actor_role: str | None
    actor_office: str | None
    reason: str | None
    occurred_at: datetime


@strawberry.type(name="AssistanceHistoryEdge")
class HistoryEdge:
    cursor: str
    node: HistoryEntryType


@strawberry.type(name="AssistanceHistoryConnection")
class HistoryConnection:
    edges: list[HistoryEdge]
    page_info: relay.PageInfo


@strawberry.type(name="AssistanceStandardRevision")
class StandardRevisionType:
    revision: int
    effective_from: date
    amount: Decimal
    asset_limit_per_person: Decimal | None
    share: Decimal | None
    correction_reason: str | None
    published_by: str | None
    published_at: datetime
    reason: str | None


@strawberry.type(name="AssistanceStandard", description="A program's standards history and the one in force.")
class StandardType:
    program: ProgramEnum  # type: ignore[valid-type]
    program_name: str
    revisions: list[StandardRevisionType]
    in_force_today: StandardRevisionType | None


@strawberry.type(name="AssistancePreviewLine")
class PreviewLineType:
    case_id: UUID
    district: str
    month: date
    old_amount: Decimal | None
    new_amount: Decimal | None
    arrears: Decimal | None


@strawberry.type(name="AssistanceStandardPreview", description="What publishing would do. Nothing is written.")
class StandardPreviewType:
    program: ProgramEnum  # type: ignore[valid-type]
    effective_from: date
    amount: Decimal
    cases: int
    monthly_increase: Decimal = strawberry.field(description="Sum over cases of new minus old monthly amount.")
    total_arrears: Decimal
    lines: list[PreviewLineType]


@strawberry.type(name="AssistancePayrollTotal")
class PayrollTotalType:
    district: str
    program: ProgramEnum  # type: ignore[valid-type]
    kind: EntitlementKindEnum  # type: ignore[valid-type]
    lines: int
    cases: int
    amount: Decimal


@strawberry.type(name="AssistancePayroll", description="A payroll month for the finance office.")
class PayrollType:
    month: date
    district: str | None
    program: ProgramEnum | None  # type: ignore[valid-type]
    totals: list[PayrollTotalType]
    total_amount: Decimal
    lines: EntitlementConnection = strawberry.field(description=(
        "The payroll's entitlement lines, one page: at most 200 per page, paged by the `first` (default 50) and"
        " `after` arguments of `assistancePayroll`."))
