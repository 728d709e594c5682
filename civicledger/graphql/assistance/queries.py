"""Assistance queries: the caseload, one case, standards history, a standard's preview, a payroll month."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.auth import Role
from civicledger.core.clock import business_date
from civicledger.core.errors import NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.core.money import ZERO, yuan
from civicledger.domains.assistance.case import CaseStatus
from civicledger.domains.assistance.commands import PreviewAssistanceStandard
from civicledger.domains.assistance.entitlements import EntitlementKind
from civicledger.domains.assistance.programs import Program
from civicledger.graphql.assistance.cases import AssistanceCaseConnection, AssistanceCaseEdge, AssistanceCaseType
from civicledger.graphql.assistance.types import (
    CaseStatusEnum,
    EntitlementConnection,
    EntitlementEdge,
    EntitlementType,
    PayrollTotalType,
    PayrollType,
    PreviewLineType,
    ProgramEnum,
    StandardPreviewType,
    StandardRevisionType,
    StandardType,
    members_of,
    reveal,
)
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, encode_cursor, page_info, page_limit, page_size, uuid_of
from civicledger.projections.assistance_cases import cases_by_ids, live_case_ids, search_cases
from civicledger.projections.assistance_payroll import payroll_lines, payroll_totals
from civicledger.projections.assistance_standards import standards_history


@strawberry.input(description="Narrows the caseload; every given field must match.", name="AssistanceCaseFilter")
class AssistanceCaseFilter:
    status: list[CaseStatusEnum] | None = strawberry.field(default=None,
        description="Only cases in one of these statuses.")  # type: ignore[valid-type]
    program: ProgramEnum | None = strawberry.field(default=None,
        description="Only cases of this program.")  # type: ignore[valid-type]
    district: str | None = strawberry.field(default=None, description="District code (HAIZHU) or name (海珠区).")
    office: str | None = strawberry.field(default=None, description="Only cases taken by this office.")
    household_id: strawberry.ID | None = None
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="Cases covering this resident.")
    review_overdue: bool | None = strawberry.field(default=None, description="Live cases whose review is overdue.")


@strawberry.input(description="A standard you would publish: what `assistanceStandardPreview` takes.",
                  name="PreviewAssistanceStandardInput")
class PreviewAssistanceStandardInput:
    program: ProgramEnum = strawberry.field(
        description="The program whose standard would change.")  # type: ignore[valid-type]
    effective_from: date = strawberry.field(description="The first day of the month it would apply from.")
    amount: str = strawberry.field(description="Monthly yuan, e.g. \"950\".")
    asset_limit_per_person: str | None = strawberry.field(default=None, description=("The asset limit per person, in"
                                                                                     " yuan; omitted: unchanged."))
    share: str | None = strawberry.field(default=None, description=("A fraction of the standard (0 < share ≤ 1) the "
                                                                    "program uses, where it uses one; omitted: "
                                                                    "unchanged."))
    correction_reason: str | None = strawberry.field(default=None, description=("Required when dated on or before "
                                                                                "the latest revision."))


async def standards(info: Info, program: Program | None) -> list[StandardType]:
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await standards_history(conn, program.value if program else None)
    today = business_date(info.context.runtime.clock.now())
    out = []
    for p in Program:
        revisions = [StandardRevisionType(
            revision=r["revision"], effective_from=r["effective_from"], amount=r["amount"],
            asset_limit_per_person=r["asset_limit_per_person"], share=r["share"],
            correction_reason=r["correction_reason"], published_by=r["published_by"],
            published_at=r["published_at"], reason=r["reason"]) for r in rows if r["program"] == p.value]
        if not revisions:
            continue
        candidates = [r for r in revisions if r.effective_from <= today]
        current = max(candidates, key=lambda r: (r.effective_from, r.revision), default=None)
        out.append(StandardType(program=p, program_name=p.rule.label, all_revisions=revisions,
                                in_force_today=current))
    return out


@strawberry.type
class AssistanceQueries:
    @strawberry.field(
        description=("One assistance case by its global ID, with its household, verification, assessment, entitlements"
                     " and history; money, means and statements shown only to the roles that may see them."),
        permission_classes=[CanRead])
    async def assistance_case(self, info: Info, id: strawberry.ID) -> AssistanceCaseType:
        case_id = uuid_of(id, "AssistanceCase")
        row = await info.context.loaders.assistance_case.load(case_id)
        if row is None:
            raise NotFoundError(f"assistance case {case_id} not found", id=str(id))
        return AssistanceCaseType.from_row(row)

    @strawberry.field(permission_classes=[CanRead], description=page_limit() + "The caseload, in application order.")
    async def assistance_cases(
        self, info: Info,
        filter: Annotated[AssistanceCaseFilter | None, strawberry.argument(
                description="Narrows the cases (district, program, status ...); omitted: every case the "
                            "caller may see.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> AssistanceCaseConnection:
        limit = page_size(first)
        f = filter or AssistanceCaseFilter()
        today = business_date(info.context.runtime.clock.now())
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_cases(
                conn, status=[CaseStatus(s).value for s in f.status] if f.status else None,
                program=Program(f.program).value if f.program else None,
                district=parse_district(f.district).value if f.district else None, office=f.office,
                household_id=uuid_of(f.household_id, "Household") if f.household_id else None,
                resident_id=uuid_of(f.resident_id, "Resident") if f.resident_id else None,
                review_overdue_on=today if f.review_overdue else None,
                after_seq=decode_cursor("ac", after), limit=limit)
        has_next = len(rows) > limit
        edges = [AssistanceCaseEdge(cursor=encode_cursor("ac", r["seq"]), node=AssistanceCaseType.from_row(r))
                 for r in rows[:limit]]
        return AssistanceCaseConnection(edges=edges, page_info=page_info(edges, has_next, after is not None))

    @strawberry.field(permission_classes=[CanRead], description="Every program's standards history.")
    async def assistance_standards(
        self, info: Info,
        program: Annotated[ProgramEnum | None, strawberry.argument(  # type: ignore[valid-type]
                description="Only this program's standard; omitted: all eight.")] = None,
    ) -> list[StandardType]:
        return await standards(info, Program(program) if program else None)

    @strawberry.field(permission_classes=[CanRead],
                      description="What publishing a standard would do to every live case. Writes nothing.")
    async def assistance_standard_preview(
        self, info: Info,
        input: Annotated[PreviewAssistanceStandardInput, strawberry.argument(
                description="The standard you would publish: program, effective month and amount.")],
    ) -> StandardPreviewType:
        ctx = info.context
        ctx.principal.require_role(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
        program = Program(input.program)
        cmd = PreviewAssistanceStandard(program=program.value, effective_from=input.effective_from,
                                        amount=input.amount, asset_limit_per_person=input.asset_limit_per_person,
                                        share=input.share, correction_reason=input.correction_reason)
        async with ctx.runtime.read_pool.acquire() as conn:
            ids = await live_case_ids(conn, program=program.value)
            cases = {r["id"]: r for r in await cases_by_ids(conn, ids)}
        preview = await ctx.run(ctx.runtime.services.assistance.preview_standard, cmd, ids)
        lines = []
        for p in preview:
            row = cases.get(p.case_id)
            if row is None:  # the ids and rows were read together: cannot happen, and a line needs its case's key
                continue
            shown = reveal(info, p.district, members_of(row), "assistanceAmount")
            lines.append((row["seq"], PreviewLineType(case_id=p.case_id, district=p.district, month=p.month,
                                                      old_amount=p.old_amount if shown else None,
                                                      new_amount=p.new_amount if shown else None,
                                                      arrears=p.arrears if shown else None)))
        lines.sort(key=lambda pair: pair[0])
        return StandardPreviewType(
            program=program, effective_from=input.effective_from, amount=yuan(input.amount), cases=len(preview),
            monthly_increase=sum((p.new_amount - p.old_amount for p in preview), ZERO),
            total_arrears=sum((p.arrears for p in preview), ZERO), keyed_lines=lines)

    @strawberry.field(permission_classes=[CanRead], description="A payroll month by district and program.")
    async def assistance_payroll(
        self, info: Info,
        month: Annotated[date, strawberry.argument(
                description="The payroll month: any date in it (the first of the month is used).")],
        district: Annotated[str | None, strawberry.argument(
                description="District code (HAIZHU) or name (海珠区); omitted: every district the caller may "
                            "see.")] = None,
        program: Annotated[ProgramEnum | None, strawberry.argument(  # type: ignore[valid-type]
                description="Only this assistance program; omitted: every program.")] = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> PayrollType:
        limit = page_size(first, default=50, maximum=200)
        month = month.replace(day=1)
        code = parse_district(district).value if district else None
        program_code = Program(program).value if program else None
        async with info.context.runtime.read_pool.acquire() as conn:
            totals = await payroll_totals(conn, month, district=code, program=program_code)
            rows = await payroll_lines(conn, month, district=code, program=program_code,
                                       after=decode_cursor("pl", after), limit=limit)
        has_next = len(rows) > limit
        edges = [EntitlementEdge(cursor=encode_cursor("pl", r["position"]),
                                 node=EntitlementType.from_row(info, r, members_of(r)))
                 for r in rows[:limit]]
        return PayrollType(
            month=month, district=code, program=Program(program) if program else None,
            totals=[PayrollTotalType(district=t["district"], program=Program(t["program"]),
                                     kind=EntitlementKind(t["kind"]),
                                     lines=t["lines"], cases=t["cases"], amount=t["amount"]) for t in totals],
            total_amount=sum((t["amount"] for t in totals), ZERO),
            lines=EntitlementConnection(edges=edges, page_info=page_info(edges, has_next, after is not None)))
