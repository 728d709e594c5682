"""The work under referrals as GraphQL: linkage tasks and three-party meetings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.graphql.linkage import access
from civicledger.graphql.linkage.referral_types import ReferralType
from civicledger.graphql.linkage.types import (
    LIST_DEFAULT,
    LIST_MAX,
    ListAfter,
    ListFirst,
    OrganisationType,
    PartyEnum,
    _masked,
    _nodes,
    _organisation,
)
from civicledger.graphql.relay import connection, decode_cursor, keyset_page, list_connection, page_limit, page_size
from civicledger.projections.linkage_tasks import tasks_of

if TYPE_CHECKING:
    from civicledger.graphql.linkage.queries import ReferralConnection


@strawberry.type(name="LinkageTask", description="One piece of the work under a referral, owned by one of the "
                                                 "three parties.")
class LinkageTaskType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The task's UUID (the global id wraps it).")
    def task_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The referral the task is under.")
    async def referral(self, info: Info) -> ReferralType | None:
        row = await access.referrals(info).load(self.row["referral_id"])
        return ReferralType.from_row(row) if row else None

    @strawberry.field(description="The work (never personal data).")
    def title(self) -> str:
        return self.row["title"]

    @strawberry.field(description="The organisation that owns the task.")
    async def owner(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["owner_organisation_id"])

    @strawberry.field(description="Which of the three societies owns it.")
    def owner_party(self) -> PartyEnum:
        return PartyEnum(self.row["owner_party"])

    @strawberry.field(description="The staff member it is assigned to, if any.")
    def owner_staff_id(self) -> str | None:
        return self.row["owner_staff_id"]

    @strawberry.field(description="The date it is due.")
    def due_on(self) -> date:
        return self.row["due_on"]

    @strawberry.field(description="OPEN or COMPLETED.")
    def status(self) -> str:
        return self.row["status"]

    @strawberry.field(description="How many progress notes were recorded.")
    def notes(self) -> int:
        return self.row["notes"]

    async def _personal(self, info: Info, column: str, field: str) -> str | None:
        value = self.row[column]
        referral = await access.referrals(info).load(self.row["referral_id"])
        revealed = referral is not None and await access.reveal(
            info, resident_id=self.row["resident_id"], district=referral["district"], erased=self.row["erased"],
            field=field, shared_with=self.row["owner_organisation_id"], through_referral=True)
        return value if revealed else _masked(value)

    @strawberry.field(description="The latest progress note (about the resident: masked as needed).")
    async def last_note(self, info: Info) -> str | None:
        return await self._personal(info, "last_note", "taskNote")

    @strawberry.field(description="What was done, on completion (about the resident: masked as needed).")
    async def outcome(self, info: Info) -> str | None:
        return await self._personal(info, "outcome", "taskOutcome")

    @strawberry.field(description="When it was opened.")
    def opened_at(self) -> datetime:
        return self.row["opened_at"]

    @strawberry.field(description="When it was completed.")
    def completed_at(self) -> datetime | None:
        return self.row["completed_at"]

    @strawberry.field(description="The three-party meeting that gave this task out, if one did.")
    async def meeting(self, info: Info) -> ThreePartyMeetingType | None:
        if self.row["meeting_id"] is None:
            return None
        row = await access.meetings(info).load(self.row["meeting_id"])
        return ThreePartyMeetingType.from_row(row) if row else None

    @strawberry.field(description="The task's version: send it as expectedVersion with the next command.")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> LinkageTaskType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.tasks(info), node_ids)


@strawberry.type(name="MeetingAttendee", description="Who attended a three-party meeting: a staff member of one "
                                                     "of the three parties' organisations.")
class AttendeeType:
    organisation_id: strawberry.Private[UUID]
    party: PartyEnum = strawberry.field(description="Which of the three societies they came for.")
    staff_id: str = strawberry.field(description="The staff member's id in their organisation.")

    @strawberry.field(description="Their organisation.")
    async def organisation(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.organisation_id)


LinkageTaskEdge, LinkageTaskConnection = connection("LinkageTask", LinkageTaskType, "Linkage tasks, in the order "
                                                    "they were opened.")
AttendeeEdge, AttendeeConnection = connection("MeetingAttendee", AttendeeType, "Who attended a meeting, in the "
                                              "order its record lists them.")
DecisionEdge, DecisionConnection = connection("MeetingDecision", str, "What a meeting decided, one line each, in "
                                              "order.")


async def task_page(info: Info, first: int | None, after: str | None, **owner: Any) -> Any:
    """A page of the tasks under a referral (`referral_id=`) or given out by a meeting (`meeting_id=`), keyed by
    the order they were opened."""
    limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await tasks_of(conn, after=decode_cursor("ltask", after), limit=limit, **owner)
    rows, cursors, page = keyset_page(rows, limit, "ltask")
    page.has_previous_page = after is not None
    return LinkageTaskConnection(edges=[LinkageTaskEdge(cursor=c, node=LinkageTaskType.from_row(r))
                                        for r, c in zip(rows, cursors, strict=True)], page_info=page)


@strawberry.type(name="ThreePartyMeeting", description="A regular meeting of the community committee, social "
                                                       "organisations and social workers of one community.")
class ThreePartyMeetingType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The meeting's UUID (the global id wraps it).")
    def meeting_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The community committee that held it.")
    async def community(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["community_id"])

    @strawberry.field(description="The day it was held.")
    def held_on(self) -> date:
        return self.row["held_on"]

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Who attended, for which organisation, "
                      "in the order the record lists them.")
    def attendees(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> AttendeeConnection:
        return list_connection(AttendeeEdge, AttendeeConnection, json.loads(self.row["attendees"]), "lma", first,
                               after, lambda a: AttendeeType(organisation_id=UUID(a["organisationId"]),
                                                             party=PartyEnum(a["party"]), staff_id=a["staffId"]),
                               LIST_DEFAULT, LIST_MAX)

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The referrals discussed, in the order the "
                      "record lists them (one the read model does not hold yet is left out of its page; "
                      "their residents' words are masked as on the referral itself).")
    async def referrals_discussed(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                                  ) -> Annotated[ReferralConnection, strawberry.lazy(
                                      "civicledger.graphql.linkage.queries")]:
        from civicledger.graphql.linkage.queries import ReferralConnection, ReferralEdge

        page = list_connection(ReferralEdge, ReferralConnection, list(self.row["referrals_discussed"]), "lmr",
                               first, after, None, LIST_DEFAULT, LIST_MAX)
        rows = await access.referrals(info).load_many([e.node for e in page.edges])
        page.edges = [ReferralEdge(cursor=e.cursor, node=ReferralType.from_row(r))
                      for e, r in zip(page.edges, rows, strict=True) if r]
        return page

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "What was decided, one line each, in order.")
    def decisions(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> DecisionConnection:
        return list_connection(DecisionEdge, DecisionConnection, json.loads(self.row["decisions"]), "lmd", first,
                               after, None, LIST_DEFAULT, LIST_MAX)

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The tasks it opened, in the order they "
                      "were opened.")
    async def tasks(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                    ) -> LinkageTaskConnection:
        return await task_page(info, first, after, meeting_id=self.row["id"])

    @strawberry.field(description="User id of who recorded it.")
    def recorded_by(self) -> str:
        return self.row["recorded_by"]

    @strawberry.field(description="When it was recorded.")
    def recorded_at(self) -> datetime:
        return self.row["recorded_at"]

    @classmethod
    def from_row(cls, row: Any) -> ThreePartyMeetingType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.meetings(info), node_ids)
