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
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.domains.assistance.case import CaseStatus
from civicledger.domains.assistance.entitlements import EntitlementKind
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.verification import DataSource
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.permissions import sees_personal_data
from civicledger.graphql.relay import (
    connection,
    decode_cursor,
    encode_cursor,
    keyset_page,
    list_connection,
    page_limit,
    page_size,
)

# The lists inside an assistance case or standard (its schedule, a standard's revisions, a preview's lines):
# pages of at most
# 200, 20 by default (a nested list costs its page size in a request's cost estimate).
LIST_MAX, LIST_DEFAULT = 200, 20
ListFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {LIST_MAX} (default "
                                                                  f"{LIST_DEFAULT}).")]
ListAfter = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]

ProgramEnum = strawberry.enum(Program, name="AssistanceProgram",
                              description="The social assistance programs of the bureau (社会救助).")
describe_enum_values("AssistanceProgram", {
    "MINIMUM_LIVING": "Minimum living guarantee (最低生活保障, 低保): a monthly amount tops income up to the standard.",
    "LOW_INCOME": "Low-income household recognition (低收入困难家庭认定).",
    "SPECIAL_HARDSHIP": "Special hardship support (特困人员, 三无): no income, no ability to work, no one liable.",
    "ORPHAN": "Orphan upbringing allowance (孤儿养育).",
    "TEMPORARY": "Temporary assistance (临时救助): a one-off grant for a sudden hardship.",
    "MEDICAL": "Medical assistance (医疗救助).",
    "VAGRANT_ADULT": "Aid to adult vagrants and beggars (成年流浪乞讨受助人员): basic food.",
    "VAGRANT_MINOR": "Aid to minors without care (未成年受助人员).",
})
CaseStatusEnum = strawberry.enum(CaseStatus, name="AssistanceCaseStatus",
                                 description="Where an assistance case stands, from application to its end.")
describe_enum_values("AssistanceCaseStatus", {
    "APPLIED": "Applied for; household verification not yet asked.",
    "VERIFYING": "The household's economic verification is asked of the sources; waiting for their answers.",
    "ASSESSED": "Assessed by a caseworker: eligibility and amount proposed.",
    "IN_NOTICE": "In public notice (公示): objections may be recorded until `noticeEndsOn`.",
    "ACTIVE": "Approved and paying every month.",
    "SUSPENDED": "Approved, payments suspended.",
    "REJECTED": "Refused (ended).",
    "TERMINATED": "Ended after being approved.",
    "COMPLETED": "A one-off grant, paid (ended).",
})
SourceEnum = strawberry.enum(DataSource, name="VerificationSource",
                             description="The 26 sources asked in household economic verification (核对).")
_SOURCE_KINDS = {"INCOME": "monthly income counted in the means test", "ASSETS": "assets counted against the asset"
                 " limit", "STATUS": "facts about a person (flags only)", "COSTS": "medical costs and assistance"
                 " already received this year"}
describe_enum_values("VerificationSource", {
    source.name: (f"{source.info.name_zh} ({source.info.holder}): {_SOURCE_KINDS[source.info.kind.value]}"
                  f"{'' if source.info.mandatory else '; not a means-test source'}.")
    for source in DataSource})
EntitlementKindEnum = strawberry.enum(EntitlementKind, name="EntitlementKind",
                                      description="What an entitlement line pays.")
describe_enum_values("EntitlementKind", {
    "MONTHLY": "The month's amount, payable in the month it is for.",
    "ARREARS": "An amount owed for an earlier month (a late decision, a raised standard), payable now.",
    "ONE_OFF": "A one-off grant (temporary or medical assistance).",
})



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
    from_month: date = strawberry.field(description="The first month the amount applies to.")
    monthly_amount: Decimal | None = strawberry.field(description="Yuan a month; null when hidden from this reader.")
    standard_revision: int = strawberry.field(description=("The revision of the program's standard it was computed "
                                                           "with."))
    standard_amount: Decimal = strawberry.field(description="That standard's monthly amount, in yuan (public).")


ScheduleEdge, ScheduleConnection = connection("AssistanceScheduleEntry", ScheduleEntryType, "A case's schedule, "
                                              "by the month each amount applies from.")


@strawberry.type(name="AssistanceVerificationCell", description="What one source found about one member.")
class VerificationCellType:
    resident_id: UUID = strawberry.field(description="The member's resident UUID.")
    source: SourceEnum = strawberry.field(description="The source asked.")  # type: ignore[valid-type]
    source_name: str = strawberry.field(description="The source's Chinese name (e.g. 税务信息).")
    mandatory: bool = strawberry.field(description="True for a means-test source (its answer is needed to assess).")
    status: str = strawberry.field(description="ANSWERED, FAILED or PENDING")
    monthly_income: Decimal | None = strawberry.field(description=("Monthly income the source reported, in yuan; "
                                                                   "null when hidden from this reader or not "
                                                                   "reported."))
    assets: Decimal | None = strawberry.field(description=("Assets the source reported, in yuan; null when hidden or"
                                                           " not reported."))
    flags: list[str] | None = strawberry.field(description=("What the source flagged about the member (facts such as"
                                                            " a death or a detention); null when hidden."))
    answered_at: datetime | None = strawberry.field(description="When it answered.")
    failure: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    attempts: int = strawberry.field(description="How many times the source was asked in this round.")


@strawberry.type(name="AssistanceMemberMeans", description="A member's declared, verified and counted means.")
class MemberMeansType:
    resident_id: UUID = strawberry.field(description="The member's resident UUID.")
    declared_income: Decimal | None = strawberry.field(description=("Monthly income the member declared, in yuan; "
                                                                    "null when hidden from this reader."))
    declared_assets: Decimal | None = strawberry.field(description=("Assets the member declared, in yuan; null when "
                                                                    "hidden."))
    verified_income: Decimal | None = strawberry.field(description=("Monthly income the sources reported, in yuan; "
                                                                    "null when hidden."))
    verified_assets: Decimal | None = strawberry.field(description=("Assets the sources reported, in yuan; null when"
                                                                    " hidden."))
    counted_income: Decimal | None = strawberry.field(description=("The monthly income the assessment counted, in "
                                                                   "yuan; null when hidden."))
    counted_assets: Decimal | None = strawberry.field(description=("The assets the assessment counted, in yuan; null"
                                                                   " when hidden."))
    flags: list[str] | None = strawberry.field(description=("What the means rules flagged for this member; null when"
                                                            " hidden."))
    erased: bool = strawberry.field(description=("True when the member's personal data was erased: their figures "
                                                 "read as null."))


@strawberry.type(name="AssistanceAssessment", description="The inputs an assessment froze, and its result.")
class AssessmentType:
    assessment_id: UUID = strawberry.field(description="The assessment's UUID.")
    assessed_by: str = strawberry.field(description="User id of the caseworker.")
    assessed_at: datetime = strawberry.field(description="When it was made.")
    standard_revision: int = strawberry.field(description="The standard's revision it used.")
    standard_effective_from: date = strawberry.field(description="The month that revision applied from.")
    standard_amount: Decimal = strawberry.field(description="The standard's monthly amount, in yuan.")
    asset_limit_per_person: Decimal | None = strawberry.field(description=("The standard's asset limit per person, "
                                                                           "in yuan, if any."))
    share: Decimal | None = strawberry.field(description="The standard's fraction the program uses, if any.")
    household_size: int = strawberry.field(description="Members counted.")
    per_capita_income: Decimal | None = strawberry.field(description=("Counted monthly income per member, in yuan; "
                                                                      "null when hidden from this reader."))
    per_capita_assets: Decimal | None = strawberry.field(description=("Counted assets per member, in yuan; null when"
                                                                      " hidden."))
    amount: Decimal | None = strawberry.field(description=("The monthly amount it proposed, in yuan; null when "
                                                           "hidden or not eligible."))
    eligible: bool = strawberry.field(description="Its verdict.")
    findings: list[str] = strawberry.field(description=("Codes such as INCOME_AT_OR_ABOVE_STANDARD, "
                                                        "UNDECLARED_INCOME, CAP_APPLIED."))


@strawberry.type(name="AssistanceEntitlement", description="One entitlement line of a case.")
class EntitlementType:
    line_id: UUID = strawberry.field(description="The line's UUID.")
    case_id: UUID = strawberry.field(description="The case's UUID.")
    kind: EntitlementKindEnum = strawberry.field(description="Monthly, arrears or one-off.")  # type: ignore[valid-type]
    service_month: date = strawberry.field(description="The month the money is for.")
    payable_month: date = strawberry.field(description="The month it is paid in (the payroll month).")
    amount: Decimal | None = strawberry.field(description="Yuan; null when hidden from this reader.")
    standard_revision: int | None = strawberry.field(description=("The revision of the standard it was computed "
                                                                  "with."))
    district: str = strawberry.field(description="District code of the case.")
    program: ProgramEnum = strawberry.field(description="The case's program.")  # type: ignore[valid-type]
    recorded_at: datetime = strawberry.field(description="When the line was recorded.")

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
    position: int = strawberry.field(description="Position of the event in the global log.")
    version: int = strawberry.field(description="The case's version after the event.")
    kind: str = strawberry.field(description="The event's kind, e.g. AssistanceApproved.")
    summary: str = strawberry.field(description="One line for a caseworker.")
    actor_id: str | None = strawberry.field(description=("Who did it (user id; a process's name for automatic "
                                                         "steps)."))
    actor_role: str | None = strawberry.field(description="Their role then.")
    actor_office: str | None = strawberry.field(description="Their office then.")
    reason: str | None = strawberry.field(description="Why, as recorded with the command.")
    occurred_at: datetime = strawberry.field(description="When it happened.")


@strawberry.type(name="AssistanceHistoryEdge")
class HistoryEdge:
    cursor: str
    node: HistoryEntryType


@strawberry.type(name="AssistanceHistoryConnection")
class HistoryConnection:
    edges: list[HistoryEdge]
    page_info: relay.PageInfo


@strawberry.type(description="One published revision of a program's standard (public).",
                 name="AssistanceStandardRevision")
class StandardRevisionType:
    revision: int = strawberry.field(description="The revision number (1 for the first).")
    effective_from: date = strawberry.field(description="The month it applies from.")
    amount: Decimal = strawberry.field(description="The monthly standard, in yuan.")
    asset_limit_per_person: Decimal | None = strawberry.field(description=("The asset limit per person, in yuan, if "
                                                                           "any."))
    share: Decimal | None = strawberry.field(description="The fraction of the standard the program uses, if any.")
    correction_reason: str | None = strawberry.field(description="Why it corrects an earlier revision, if it does.")
    published_by: str | None = strawberry.field(description="User id of the admin who published it.")
    published_at: datetime = strawberry.field(description="When it was published.")
    reason: str | None = strawberry.field(description="The decision it publishes.")


StandardRevisionEdge, StandardRevisionConnection = connection("AssistanceStandardRevision", StandardRevisionType,
                                                              "A program's standard revisions, oldest first.")


@strawberry.type(name="AssistanceStandard", description="A program's standards history and the one in force.")
class StandardType:
    all_revisions: strawberry.Private[list[StandardRevisionType]]
    program: ProgramEnum = strawberry.field(description="The program.")  # type: ignore[valid-type]
    program_name: str = strawberry.field(description="The program's name, with its Chinese name.")
    in_force_today: StandardRevisionType | None = strawberry.field(description=("The revision in force today, if "
                                                                                "any."))

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Every revision, oldest first (by revision "
                      "number; a correction is a new revision, none is ever taken back).")
    def revisions(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> StandardRevisionConnection:
        return list_connection(StandardRevisionEdge, StandardRevisionConnection, self.all_revisions, "arev", first,
                               after, None, LIST_DEFAULT, LIST_MAX)


@strawberry.type(description="What publishing would change for one case.", name="AssistancePreviewLine")
class PreviewLineType:
    case_id: UUID = strawberry.field(description="The case's UUID.")
    district: str = strawberry.field(description="The case's district code.")
    month: date = strawberry.field(description="The first month changed.")
    old_amount: Decimal | None = strawberry.field(description=("The monthly amount now, in yuan; null when hidden "
                                                               "from this reader."))
    new_amount: Decimal | None = strawberry.field(description="The monthly amount after, in yuan; null when hidden.")
    arrears: Decimal | None = strawberry.field(description=("What would be owed for past months, in yuan; null when "
                                                            "hidden."))


PreviewLineEdge, PreviewLineConnection = connection("AssistancePreviewLine", PreviewLineType, "The cases a draft "
                                                    "standard would change, in the order the cases were opened.")


@strawberry.type(name="AssistanceStandardPreview", description="What publishing would do. Nothing is written.")
class StandardPreviewType:
    keyed_lines: strawberry.Private[list[tuple[int, PreviewLineType]]]  # (the case's seq, its line), by seq
    program: ProgramEnum = strawberry.field(description="The program.")  # type: ignore[valid-type]
    effective_from: date = strawberry.field(description="The month the standard would apply from.")
    amount: Decimal = strawberry.field(description="The standard's monthly amount, in yuan.")
    cases: int = strawberry.field(description="Live cases it would change.")
    monthly_increase: Decimal = strawberry.field(description="Sum over cases of new minus old monthly amount.")
    total_arrears: Decimal = strawberry.field(description="Arrears it would create, in yuan.")

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "One line per case it would change, in the "
                      "order the cases were opened (keyed by the case, so a case opened between two pages does not "
                      "shift them).")
    def lines(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> PreviewLineConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
        start = decode_cursor("apreview", after) or 0
        rows = [{"seq": seq, "line": line} for seq, line in self.keyed_lines if seq > start][:limit + 1]
        rows, cursors, info = keyset_page(rows, limit, "apreview")
        info.has_previous_page = after is not None
        return PreviewLineConnection(edges=[PreviewLineEdge(cursor=c, node=r["line"])
                                            for r, c in zip(rows, cursors, strict=True)], page_info=info)


@strawberry.type(description="The payroll month's total for one district, program and kind of line.",
                 name="AssistancePayrollTotal")
class PayrollTotalType:
    district: str = strawberry.field(description="The district code.")
    program: ProgramEnum = strawberry.field(description="The program.")  # type: ignore[valid-type]
    kind: EntitlementKindEnum = strawberry.field(description="Monthly, arrears or one-off.")  # type: ignore[valid-type]
    lines: int = strawberry.field(description="Entitlement lines counted.")
    cases: int = strawberry.field(description="Cases counted.")
    amount: Decimal = strawberry.field(description="Their sum, in yuan.")


@strawberry.type(name="AssistancePayroll", description="A payroll month for the finance office.")
class PayrollType:
    month: date = strawberry.field(description="The payroll month (its first day).")
    district: str | None = strawberry.field(description="The district asked for, if one.")
    program: ProgramEnum | None = strawberry.field(
        description="The program asked for, if one.")  # type: ignore[valid-type]
    totals: list[PayrollTotalType] = strawberry.field(description="Totals by district, program and kind.")
    total_amount: Decimal = strawberry.field(description="Everything payable in the month, in yuan.")
    lines: EntitlementConnection = strawberry.field(description=(
        "The payroll's entitlement lines, one page: at most 200 per page, paged by the `first` (default 50) and"
        " `after` arguments of `assistancePayroll`."))
