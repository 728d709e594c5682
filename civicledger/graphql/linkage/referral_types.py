"""The Referral node: status, deadlines, escalations, sharing, feedback, the other program's decision, its
tasks and its full history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.graphql.linkage import access
from civicledger.graphql.linkage.taxonomy import SubItemType, sub_item_type
from civicledger.graphql.linkage.types import (
    LIST_DEFAULT,
    LIST_MAX,
    ListAfter,
    ListFirst,
    NeedType,
    OrganisationType,
    PartyEnum,
    ReferralStatusEnum,
    UrgencyEnum,
    _masked,
    _nodes,
    _organisation,
    _resident,
)
from civicledger.graphql.permissions import mask_phone
from civicledger.graphql.relay import (
    connection,
    decode_cursor,
    encode_cursor,
    list_connection,
    page_info,
    page_limit,
    page_size,
)
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.linkage_referrals import referral_history

if TYPE_CHECKING:
    from civicledger.graphql.linkage.work_types import LinkageTaskConnection

OPEN = {"REFERRED": "accept_due", "DECLINED": "accept_due", "ACCEPTED": "complete_due", "IN_PROGRESS": "complete_due"}


# -- referrals -----------------------------------------------------------------------------------------


@strawberry.type(name="ReferralSharing", description="The need's details as shared with the lead: the basis is "
                 "CONSENT or SAFETY_OVERRIDE (then with the reason, shown to inspectors).")
class SharingType:
    row: strawberry.Private[Any]

    @strawberry.field(description="CONSENT or SAFETY_OVERRIDE.")
    def basis(self) -> str:
        return self.row["sharing_basis"]

    @strawberry.field(description="Who it was shared with.")
    async def organisation(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["shared_organisation_id"])

    @strawberry.field(description="When it was shared.")
    def shared_at(self) -> datetime | None:
        return self.row["shared_at"]

    @strawberry.field(description="Why the details were shared without consent (overrides only).")
    def override_reason(self) -> str | None:
        return self.row["override_reason"]

    async def _reveal(self, info: Info, field: str) -> bool:
        return await access.reveal(info, resident_id=self.row["resident_id"], district=self.row["district"],
                                   erased=self.row["erased"], field=field,
                                   shared_with=self.row["shared_organisation_id"], through_referral=True)

    @strawberry.field(description=("The need's description as shared: masked unless the reader may see personal "
                                   "data."))
    async def description(self, info: Info) -> str | None:
        value = self.row["shared_description"]
        return value if await self._reveal(info, "sharedDescription") else _masked(value)

    @strawberry.field(description="The contact phone as shared: masked unless the reader may see personal data.")
    async def contact_phone(self, info: Info) -> str | None:
        value = self.row["shared_contact_phone"]
        return value if await self._reveal(info, "sharedContactPhone") else mask_phone(value)


@strawberry.type(name="ReferralFeedback", description="The resident's own feedback, confirmed by them.")
class FeedbackType:
    row: strawberry.Private[Any]

    @strawberry.field(description="1 (very dissatisfied) to 5 (very satisfied).")
    def satisfaction(self) -> int:
        return self.row["satisfaction"]

    @strawberry.field(description="When it was given.")
    def given_at(self) -> datetime | None:
        return self.row["feedback_at"]

    @strawberry.field(description="The resident's comment: masked unless the reader may see personal data.")
    async def comment(self, info: Info) -> str | None:
        value = self.row["feedback_comment"]
        revealed = await access.reveal(info, resident_id=self.row["resident_id"], district=self.row["district"],
                                       erased=self.row["erased"], field="feedbackComment")
        return value if revealed else _masked(value)


@strawberry.type(name="ReferralProgramApplication", description="An application the referral opened in another "
                 "program, and that program's decision: assistance APPROVED or REJECTED; casework the closed case's "
                 "outcome (ACHIEVED, PARTLY_ACHIEVED, NOT_ACHIEVED, NO_SERVICE_PLAN); REFUSED when it would not "
                 "open it.")
class ProgramApplicationType:
    program: str = strawberry.field(description="assistance or casework.")
    scheme: str | None = strawberry.field(description=("The program's scheme (for assistance: the assistance "
                                                       "program)."))
    application_id: UUID | None = strawberry.field(description="The case opened there, once it is.")
    outcome: str | None = strawberry.field(description="What the program decided, once it has.")
    requested_at: datetime | None = strawberry.field(description="When it was requested.")
    decided_at: datetime | None = strawberry.field(description="When the program decided.")


@strawberry.type(name="ReferralHistoryEntry", description="One event of the referral: what, who, why, when.")
class HistoryEntryType:
    kind: str = strawberry.field(description="The event's kind, e.g. ReferralAccepted.")
    details: strawberry.scalars.JSON = strawberry.field(description=("The event's own fields, personal data masked "
                                                                     "as needed."))
    actor_id: str | None = strawberry.field(description=("Who did it (user id; a process's name for automatic "
                                                         "steps)."))
    actor_role: str | None = strawberry.field(description="Their role then.")
    actor_office: str | None = strawberry.field(description="Their office then.")
    reason: str | None = strawberry.field(description="Why, as recorded with the command.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    position: int = strawberry.field(description="Position of the event in the global log.")


@strawberry.type(name="ReferralHistoryEdge")
class HistoryEdge:
    cursor: str
    node: HistoryEntryType


@strawberry.type(name="ReferralHistoryConnection")
class HistoryConnection:
    edges: list[HistoryEdge]
    page_info: relay.PageInfo


EscalationEdge, EscalationConnection = connection("ReferralEscalation", str, "A referral's escalated deadlines "
                                                  "(DEADLINE:assignment), in the order they were escalated.")


@strawberry.type(name="Referral", description="A need handed to the party best placed to lead it, followed until "
                                              "the resident has had their say.")
class ReferralType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The referral's UUID (the global id wraps it).")
    def referral_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The need referred.")
    async def need(self, info: Info) -> NeedType | None:
        row = await access.needs(info).load(self.row["need_id"])
        return NeedType.from_row(row) if row else None

    @strawberry.field(description="The resident the need is about.")
    async def resident(self, info: Info) -> ResidentType | None:
        return await _resident(info, self.row["resident_id"])

    @strawberry.field(description="The community committee the need came from.")
    async def community(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["community_id"])

    @strawberry.field(description="The organisation the referral is with now.")
    async def organisation(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["organisation_id"])

    @strawberry.field(description="The need's category and sub-item.")
    def sub_item(self) -> SubItemType:
        return sub_item_type(self.row["sub_item"])

    @strawberry.field(description="Routine or urgent (urgent: shorter deadlines).")
    def urgency(self) -> UrgencyEnum:
        return UrgencyEnum(self.row["urgency"])

    @strawberry.field(description="Where the referral stands.")
    def status(self) -> ReferralStatusEnum:
        return ReferralStatusEnum(self.row["status"])

    @strawberry.field(description="The party of the organisation leading the work now.")
    def lead_party(self) -> PartyEnum:
        return PartyEnum(self.row["lead_party"])

    @strawberry.field(description="The lead party the routing table proposed.")
    def proposed_lead_party(self) -> PartyEnum:
        return PartyEnum(self.row["proposed_lead_party"])

    @strawberry.field(description="Why the caseworker chose another party than the table proposed.")
    def deviation_reason(self) -> str | None:
        return self.row["deviation_reason"]

    @strawberry.field(description="The version of the routing table the referral was routed with.")
    def routing_version(self) -> int:
        return self.row["routing_version"]

    @strawberry.field(description="1 for the first organisation, one more for each reassignment.")
    def assignment(self) -> int:
        return self.row["assignment"]

    @strawberry.field(description="How many organisations have declined it.")
    def declines(self) -> int:
        return self.row["declines"]

    @strawberry.field(description="Why it was last declined.")
    def last_decline_reason(self) -> str | None:
        return self.row["last_decline_reason"]

    @strawberry.field(description="When it was referred.")
    def referred_at(self) -> datetime:
        return self.row["referred_at"]

    @strawberry.field(description="When the lead accepted it.")
    def accepted_at(self) -> datetime | None:
        return self.row["accepted_at"]

    @strawberry.field(description="When the lead reported it done.")
    def completed_at(self) -> datetime | None:
        return self.row["completed_at"]

    @strawberry.field(description="When it was closed.")
    def closed_at(self) -> datetime | None:
        return self.row["closed_at"]

    @strawberry.field(description="The deadline running now: to accept, or to complete; none once done.")
    def due(self) -> datetime | None:
        column = OPEN.get(self.row["status"])
        return self.row[column] if column else None

    @strawberry.field(description="Past the running deadline at `asOf` (default: now).")
    def overdue(
        self,
        as_of: Annotated[datetime | None, strawberry.argument(
                description="The instant to judge at (default: now).")] = None,
    ) -> bool:
        due = self.due()
        return due is not None and due < (as_of or datetime.now(due.tzinfo))

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Deadlines escalated to the street office, "
                      "as DEADLINE:assignment, in the order they were escalated (each deadline of each assignment "
                      "once).")
    def escalations(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> EscalationConnection:
        return list_connection(EscalationEdge, EscalationConnection, json.loads(self.row["escalations"]), "lesc",
                               first, after, None, LIST_DEFAULT, LIST_MAX)

    @strawberry.field(description="What personal data was shared with the lead, on what basis, and by whom.")
    def sharing(self) -> SharingType | None:
        return SharingType(row=self.row) if self.row["sharing_basis"] else None

    @strawberry.field(description="What the lead reported on completion (personal data: masked as needed).")
    async def outcome(self, info: Info) -> str | None:
        value = self.row["outcome"]
        revealed = await access.reveal(info, resident_id=self.row["resident_id"], district=self.row["district"],
                                       erased=self.row["erased"], field="referralOutcome")
        return value if revealed else _masked(value)

    @strawberry.field(description="The resident's feedback, once given.")
    def feedback(self) -> FeedbackType | None:
        return FeedbackType(row=self.row) if self.row["satisfaction"] is not None else None

    @strawberry.field(description=("The application opened in another program (e.g. assistance) for the resident, if"
                                   " any."))
    def program_application(self) -> ProgramApplicationType | None:
        r = self.row
        if r["program"] is None:
            return None
        return ProgramApplicationType(program=r["program"], scheme=r["program_scheme"],
                                      application_id=r["program_application_id"], outcome=r["program_outcome"],
                                      requested_at=r["program_requested_at"], decided_at=r["program_decided_at"])

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The tasks under the referral, in the order "
                      "they were opened.")
    async def tasks(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> Annotated[
            LinkageTaskConnection, strawberry.lazy("civicledger.graphql.linkage.work_types")]:
        from civicledger.graphql.linkage.work_types import task_page

        return await task_page(info, first, after, referral_id=self.row["id"])

    @strawberry.field(description=page_limit(200, 50) + "Every event of the referral, oldest first.")
    async def history(self, info: Info, first: int | None = 50, after: str | None = None) -> HistoryConnection:
        limit = page_size(first, default=50, maximum=200)
        start = decode_cursor("h", after)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await referral_history(conn, self.row["id"], after=start, limit=limit)
        edges = [HistoryEdge(cursor=encode_cursor("h", r["position"]), node=HistoryEntryType(
            kind=r["kind"], details=json.loads(r["details"]), actor_id=r["actor_id"], actor_role=r["actor_role"],
            actor_office=r["actor_office"], reason=r["reason"], occurred_at=r["occurred_at"],
            position=r["position"])) for r in rows[:limit]]
        return HistoryConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, start is not None))

    @strawberry.field(description="The referral's version: send it as expectedVersion with the next command.")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> ReferralType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.referrals(info), node_ids)
