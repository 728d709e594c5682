"""The AssistanceCase node: a case as caseworkers, supervisors and inspectors see it — status, decision
inputs, verification matrix, entitlement lines and history — with money, means and statements shown only
to readers who may see the household's personal data (and each such read recorded)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.clock import business_date
from civicledger.domains.assistance.case import CaseStatus
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.verification import SOURCES, DataSource
from civicledger.graphql.assistance.types import (
    LIST_DEFAULT,
    LIST_MAX,
    AssessmentType,
    CaseStatusEnum,
    EntitlementConnection,
    EntitlementEdge,
    EntitlementType,
    HistoryConnection,
    HistoryEdge,
    HistoryEntryType,
    ListAfter,
    ListFirst,
    MemberMeansType,
    ProgramEnum,
    ScheduleConnection,
    ScheduleEdge,
    ScheduleEntryType,
    VerificationCellType,
    members_of,
    page,
    reveal,
)
from civicledger.graphql.permissions import sees_personal_data
from civicledger.graphql.relay import decode_cursor, keyset_page, node_uuids, page_limit, page_size
from civicledger.projections.assistance_cases import assessments_of, history_of
from civicledger.projections.assistance_means import member_means, verification_matrix
from civicledger.projections.assistance_payroll import ledger_of

if TYPE_CHECKING:
    from civicledger.graphql.residents.types import HouseholdType, ResidentType

ResidentRef = Annotated["ResidentType", strawberry.lazy("civicledger.graphql.residents.types")]
HouseholdRef = Annotated["HouseholdType", strawberry.lazy("civicledger.graphql.residents.types")]


def _month_key(from_month: str) -> int:
    """A schedule entry's key: its month as yyyymm (entries are one per month they apply from)."""
    day = date.fromisoformat(from_month)
    return day.year * 100 + day.month


@strawberry.type(description=("An assistance case: one household's application to one program, from application to"
                              " its end. Money figures (income, amounts) and the applicant's statement are shown "
                              "only to readers who may see the household's personal data (`figuresMasked` says when"
                              " they are hidden), and each such read is recorded."), name="AssistanceCase")
class AssistanceCaseType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> AssistanceCaseType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loaders.assistance_case.load_many(node_uuids(node_ids, "AssistanceCase"))
        return [cls.from_row(r) if r else None for r in rows]

    def _shown(self, info: Info, field: str) -> bool:
        return reveal(info, self.row["district"], members_of(self.row), field)

    @strawberry.field(description="The case's UUID (the global `id` wraps it).")
    def case_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The assistance program.")
    def program(self) -> ProgramEnum:  # type: ignore[valid-type]
        return Program(self.row["program"])

    @strawberry.field(description="The program's name, with its Chinese name (e.g. minimum living guarantee (低保)).")
    def program_name(self) -> str:
        return Program(self.row["program"]).rule.label

    @strawberry.field(description="Where the case stands.")
    def status(self) -> CaseStatusEnum:  # type: ignore[valid-type]
        return CaseStatus(self.row["status"])

    @strawberry.field(description=("District code of the case (the household's): decides which district's staff may "
                                   "see it."))
    def district(self) -> str:
        return self.row["district"]

    @strawberry.field(description="The office that took the application.")
    def office(self) -> str | None:
        return self.row["office"]

    @strawberry.field(description="The case's version: send it as expectedVersion with the next command.")
    def version(self) -> int:
        return self.row["version"]

    @strawberry.field(description="Members the case covers.")
    def household_size(self) -> int:
        return self.row["household_size"]

    @strawberry.field(description="Set when the application came from a three-society linkage referral.")
    def referral_id(self) -> UUID | None:
        return self.row["referral_id"]

    @strawberry.field(description="The date of the application.")
    def applied_on(self) -> date:
        return self.row["applied_on"]

    @strawberry.field(description="The applying household.")
    async def household(self, info: Info) -> HouseholdRef | None:
        from civicledger.graphql.residents.types import HouseholdType

        row = await info.context.loaders.household.load(self.row["household_id"])
        return HouseholdType.from_row(row) if row else None

    @strawberry.field(description="The resident who applied.")
    async def applicant(self, info: Info) -> ResidentRef | None:
        from civicledger.graphql.residents.types import ResidentType

        row = await info.context.loaders.resident.load(self.row["applicant_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field(description="The members the case covers; each of them sees it on their timeline.")
    async def members(self, info: Info) -> list[ResidentRef]:
        from civicledger.graphql.residents.types import ResidentType

        rows = await info.context.loaders.resident.load_many(members_of(self.row))
        return [ResidentType.from_row(r) for r in rows if r]

    @strawberry.field(description="The applicant's own words (personal data).")
    def statement(self, info: Info) -> str | None:
        return self.row["statement"] if self._shown(info, "assistanceStatement") else None

    @strawberry.field(description="True when money figures and statements are hidden from this reader.")
    def figures_masked(self, info: Info) -> bool:
        return not sees_personal_data(info.context.principal, self.row["district"], info.context.purpose)

    @strawberry.field(description="The latest assessment's verdict; null until assessed.")
    def eligible(self) -> bool | None:
        return self.row["eligible"]

    @strawberry.field(description="Codes such as INCOME_AT_OR_ABOVE_STANDARD, UNDECLARED_INCOME, CAP_APPLIED.")
    def findings(self) -> list[str]:
        findings = self.row["findings"]
        return list(json.loads(findings) if isinstance(findings, str) else findings or [])

    @strawberry.field(description="User id of the caseworker who assessed it.")
    def assessed_by(self) -> str | None:
        return self.row["assessed_by"]

    @strawberry.field(description="User id of the supervisor who approved or rejected it (never the assessor).")
    def decided_by(self) -> str | None:
        return self.row["decided_by"]

    @strawberry.field(description=("Monthly income per member, in yuan, as assessed; null when hidden from this "
                                   "reader or not yet assessed."))
    def per_capita_income(self, info: Info) -> Decimal | None:
        value = self.row["per_capita_income"]
        return value if value is not None and self._shown(info, "assistancePerCapitaIncome") else None

    @strawberry.field(description="What the case pays a month now (its schedule's latest entry).")
    def monthly_amount(self, info: Info) -> Decimal | None:
        value = self.row["monthly_amount"]
        return value if value is not None and self._shown(info, "assistanceAmount") else None

    @strawberry.field(description=("A one-off grant's amount, in yuan (temporary, medical); null when hidden or "
                                   "none."))
    def one_off_amount(self, info: Info) -> Decimal | None:
        value = self.row["one_off_amount"]
        return value if value is not None and self._shown(info, "assistanceAmount") else None

    @strawberry.field(description="Everything the case has accrued so far, in yuan; null when hidden.")
    def total_accrued(self, info: Info) -> Decimal | None:
        value = self.row["total_accrued"]
        return value if value is not None and self._shown(info, "assistanceAmount") else None

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The monthly amount and the month it applies "
                      "from, oldest first: every change of amount (standard raised, circumstances changed). Keyed by "
                      "the month, so a recalculation between two pages neither repeats nor skips one.")
    def schedule(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> ScheduleConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
        start = decode_cursor("asched", after) or 0
        raw = self.row["schedule"]
        entries = sorted(({**e, "month": _month_key(e["fromMonth"])}
                          for e in (json.loads(raw) if isinstance(raw, str) else raw or [])), key=lambda e: e["month"])
        rows, cursors, page_ = keyset_page([e for e in entries if e["month"] > start][:limit + 1], limit, "asched",
                                           key="month")
        page_.has_previous_page = after is not None
        shown = bool(rows) and self._shown(info, "assistanceAmount")
        return ScheduleConnection(edges=[ScheduleEdge(cursor=c, node=ScheduleEntryType(
            from_month=date.fromisoformat(e["fromMonth"]),
            monthly_amount=Decimal(e["monthlyAmount"]) if shown else None, standard_revision=e["standardRevision"],
            standard_amount=Decimal(e["standardAmount"]))) for e, c in zip(rows, cursors, strict=True)],
            page_info=page_)

    @strawberry.field(description="The revision of the program's standard the latest amount was computed with.")
    def standard_revision(self) -> int | None:
        return self.row["standard_revision"]

    @strawberry.field(description=("How many times the household's economic verification has been asked (1 for the "
                                   "first)."))
    def verification_round(self) -> int:
        return self.row["verification_round"]

    @strawberry.field(description="Of the 26 verification sources, how many have answered in this round.")
    def sources_answered(self) -> int:
        return self.row["sources_answered"]

    @strawberry.field(description=("The sources that failed to answer in this round (retried automatically; "
                                   "retryHouseholdVerification asks again)."))
    def sources_failed(self) -> list[str]:
        failed = self.row["sources_failed"]
        return list(json.loads(failed) if isinstance(failed, str) else failed or [])

    @strawberry.field(description="The last day of the public notice (公示), once posted.")
    def notice_ends_on(self) -> date | None:
        return self.row["notice_ends_on"]

    @strawberry.field(description="Objections recorded during the public notice.")
    def objections(self) -> int:
        return self.row["objections"]

    @strawberry.field(description="The first month paid.")
    def first_month(self) -> date | None:
        return self.row["first_month"]

    @strawberry.field(description="The latest month paid.")
    def last_paid_month(self) -> date | None:
        return self.row["last_paid_month"]

    @strawberry.field(description="When the periodic review is due.")
    def next_review_due(self) -> date | None:
        return self.row["next_review_due"]

    @strawberry.field(description="True when the review is past due on a live (active or suspended) case.")
    def review_overdue(self, info: Info) -> bool:
        due = self.row["next_review_due"]
        today = business_date(info.context.runtime.clock.now())
        return bool(due and self.row["status"] in ("ACTIVE", "SUSPENDED") and due < today)

    @strawberry.field(description="Member × source: what household economic verification found.")
    async def verification(self, info: Info) -> list[VerificationCellType]:
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await verification_matrix(conn, self.row["id"])
        shown = {member: reveal(info, self.row["district"], [member], "assistanceVerification")
                 for member in dict.fromkeys(r["member_id"] for r in rows)}
        mandatory = Program(self.row["program"]).rule.mandatory_sources
        return [VerificationCellType(
            resident_id=r["member_id"], source=DataSource(r["source"]),
            source_name=SOURCES[DataSource(r["source"])].name_zh,
            mandatory=DataSource(r["source"]) in mandatory,
            status=r["status"], monthly_income=r["monthly_income"] if shown[r["member_id"]] else None,
            assets=r["assets"] if shown[r["member_id"]] else None,
            flags=r["flags"] if shown[r["member_id"]] else None, answered_at=r["answered_at"], failure=r["failure"],
            attempts=r["attempts"]) for r in rows]

    @strawberry.field(description="Each member's means as the latest assessment counted them.")
    async def member_means(self, info: Info) -> list[MemberMeansType]:
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await member_means(conn, self.row["id"])
        out = []
        for r in rows:
            shown = reveal(info, self.row["district"], [r["member_id"]], "assistanceMeans")
            values = {k: (r[k] if shown else None) for k in ("declared_income", "declared_assets", "verified_income",
                                                             "verified_assets", "counted_income", "counted_assets",
                                                             "flags")}
            out.append(MemberMeansType(resident_id=r["member_id"], erased=r["erased"], **values))
        return out

    @strawberry.field(description="Every assessment of the case with the inputs it froze, oldest first.")
    async def decision_inputs(self, info: Info) -> list[AssessmentType]:
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await assessments_of(conn, self.row["id"])
        shown = bool(rows) and self._shown(info, "assistanceAssessment")
        return [AssessmentType(
            assessment_id=r["assessment_id"], assessed_by=r["assessed_by"], assessed_at=r["assessed_at"],
            standard_revision=r["standard_revision"], standard_effective_from=r["standard_effective_from"],
            standard_amount=r["standard_amount"], asset_limit_per_person=r["asset_limit_per_person"], share=r["share"],
            household_size=r["household_size"], per_capita_income=r["per_capita_income"] if shown else None,
            per_capita_assets=r["per_capita_assets"] if shown else None, amount=r["amount"] if shown else None,
            eligible=r["eligible"], findings=list(r["findings"] or [])) for r in rows]

    @strawberry.field(description=page_limit(200, 50) + "The entitlement lines: monthly, arrears and one-off.")
    async def entitlements(self, info: Info, first: int | None = 50, after: str | None = None
                           ) -> EntitlementConnection:
        limit = page_size(first, default=50, maximum=200)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await ledger_of(conn, self.row["id"], after=decode_cursor("e", after), limit=limit)
        rows, info_, cursors = page(rows, limit, "e", "position")
        members = members_of(self.row)
        return EntitlementConnection(
            edges=[EntitlementEdge(cursor=cur, node=EntitlementType.from_row(info, r, members))
                   for r, cur in zip(rows, cursors, strict=True)], page_info=info_)

    @strawberry.field(description=page_limit(200, 50) + "The case's events, newest first, with who, why and when.")
    async def history(self, info: Info, first: int | None = 50, after: str | None = None) -> HistoryConnection:
        limit = page_size(first, default=50, maximum=200)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await history_of(conn, self.row["id"], before=decode_cursor("h", after), limit=limit)
        rows, info_, cursors = page(rows, limit, "h", "position")
        return HistoryConnection(edges=[HistoryEdge(cursor=cur, node=HistoryEntryType(
            position=r["position"], version=r["version"], kind=r["kind"], summary=r["summary"], actor_id=r["actor_id"],
            actor_role=r["actor_role"], actor_office=r["actor_office"], reason=r["reason"],
            occurred_at=r["occurred_at"])) for r, cur in zip(rows, cursors, strict=True)], page_info=info_)


@strawberry.type(name="AssistanceCaseEdge")
class AssistanceCaseEdge:
    cursor: str
    node: AssistanceCaseType


@strawberry.type(name="AssistanceCaseConnection")
class AssistanceCaseConnection:
    edges: list[AssistanceCaseEdge]
    page_info: relay.PageInfo
