"""GraphQL types of three-society linkage: organisations, needs, referrals, tasks, meetings (Relay nodes)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.guangzhou import district_name
from civicledger.graphql.linkage import access
from civicledger.graphql.linkage.taxonomy import SubItemType, sub_item_type
from civicledger.graphql.permissions import MASKED_TEXT, mask_phone
from civicledger.graphql.relay import connection, list_connection, node_uuids, page_limit
from civicledger.graphql.residents.types import ResidentType

if TYPE_CHECKING:
    from civicledger.graphql.linkage.referral_types import ReferralType

# The lists inside a linkage node (staff, escalations, a meeting's attendees, decisions, referrals and tasks,
# a referral's tasks): pages of at most
# 200, 20 by default (a nested list costs its page size in a request's cost estimate).
LIST_MAX, LIST_DEFAULT = 200, 20
ListFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {LIST_MAX} (default "
                                                                  f"{LIST_DEFAULT}).")]
ListAfter = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]


@strawberry.enum(name="LinkageParty", description="The three societies: who can lead linkage work.")
class PartyEnum(Enum):
    COMMUNITY_COMMITTEE = strawberry.enum_value("COMMUNITY_COMMITTEE", description="A community (residents')"
                                                " committee (社区居委会).")
    SOCIAL_ORGANISATION = strawberry.enum_value("SOCIAL_ORGANISATION", description="A social organisation (社会组织).")
    SOCIAL_WORK_STATION = strawberry.enum_value("SOCIAL_WORK_STATION", description="A social-work station (社工站)"
                                                " and its social workers.")


@strawberry.enum(description="How the need reached the community.", name="NeedChannel")
class ChannelEnum(Enum):
    VISIT = strawberry.enum_value("VISIT", description="A home visit by community staff.")
    SURVEY = strawberry.enum_value("SURVEY", description="A community survey.")
    HOTLINE = strawberry.enum_value("HOTLINE", description="A call to the hotline.")
    WALK_IN = strawberry.enum_value("WALK_IN", description="The resident came to the community office.")
    PROGRAM_REFERRAL = strawberry.enum_value("PROGRAM_REFERRAL", description=("Sent by another program (e.g. an "
                                                                              "assistance case's caseworker)."))


@strawberry.enum(description="How soon the need must be taken on: urgent needs have shorter deadlines.",
                 name="NeedUrgency")
class UrgencyEnum(Enum):
    ROUTINE = strawberry.enum_value("ROUTINE", description="The routing table's deadlines apply.")
    URGENT = strawberry.enum_value("URGENT", description="A risk to safety or health: halves the routing table's"
                                   " deadlines, and allows sharing personal data without consent with a recorded"
                                   " safety-override reason.")


@strawberry.enum(description="Where a referral stands, from referred to closed.", name="ReferralStatus")
class ReferralStatusEnum(Enum):
    REFERRED = strawberry.enum_value("REFERRED", description=("Sent to the lead organisation; waiting for it to "
                                                              "accept."))
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="Accepted by the lead; work not started.")
    DECLINED = strawberry.enum_value("DECLINED", description="Declined by the lead; to be reassigned.")
    IN_PROGRESS = strawberry.enum_value("IN_PROGRESS", description="The lead is working on it.")
    COMPLETED = strawberry.enum_value("COMPLETED", description=("The lead reported the service done; waiting for the"
                                                                " resident's feedback."))
    CLOSED = strawberry.enum_value("CLOSED", description="Closed, with or without feedback (ended).")
    WITHDRAWN = strawberry.enum_value("WITHDRAWN", description="The resident withdrew the need (ended).")


def _masked(value: str | None) -> str | None:
    return None if value is None else MASKED_TEXT


async def _nodes(cls: Any, loader: Any, node_ids: Iterable[str]) -> list[Any]:
    rows = await loader.load_many(node_uuids(node_ids, cls.__name__))
    return [cls.from_row(r) if r else None for r in rows]


# -- organisations -------------------------------------------------------------------------------------


@strawberry.type(description="A person who acts for a linkage organisation (by staff id: no personal data).",
                 name="LinkageStaffMember")
class StaffMemberType:
    staff_id: str = strawberry.field(description="The staff member's id within the organisation.")
    title: str = strawberry.field(description="Their title (e.g. social worker, committee member).")


StaffEdge, StaffConnection = connection("LinkageStaffMember", StaffMemberType, "An organisation's staff, in the "
                                        "order they were added.")


@strawberry.type(name="LinkageOrganisation", description="A community committee, social organisation or "
                                                          "social-work station, with the staff who act for it.")
class OrganisationType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The organisation's UUID (the global id wraps it).")
    def organisation_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The organisation's name.")
    def name(self) -> str:
        return self.row["name"]

    @strawberry.field(description="Which of the three societies it is.")
    def kind(self) -> PartyEnum:
        return PartyEnum(self.row["kind"])

    @strawberry.field(description="District code where it is based.")
    def district(self) -> str:
        return self.row["district"]

    @strawberry.field(description="The district's Chinese name.")
    def district_name(self) -> str:
        return district_name(self.row["district"])

    @strawberry.field(description="The street (街道) where it is based.")
    def street(self) -> str:
        return self.row["street"]

    @strawberry.field(description="The community a committee serves (committees only).")
    def community(self) -> str | None:
        return self.row["community"]

    @strawberry.field(description="The office it belongs to, if any.")
    def office(self) -> str | None:
        return self.row["office"]

    @strawberry.field(description="District codes it serves (at most Guangzhou's 11).")
    def service_districts(self) -> list[str]:
        return [d for d in self.row["service_districts"].split(",") if d]

    @strawberry.field(description="One of the 12 pilot communities (committees only).")
    def pilot(self) -> bool:
        return bool(self.row["pilot"])

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The people who act for it, in the order "
                      "they were added (a removal takes one out of the list: page again from the start after one).")
    def staff(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> StaffConnection:
        return list_connection(StaffEdge, StaffConnection, json.loads(self.row["staff"]), "lstaff", first, after,
                               lambda s: StaffMemberType(staff_id=s["staffId"], title=s["title"]), LIST_DEFAULT,
                               LIST_MAX)

    @strawberry.field(description="The organisation's version: send it as expectedVersion to change its staff.")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> OrganisationType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.organisations(info), node_ids)


async def _organisation(info: Info, organisation_id: UUID | None) -> OrganisationType | None:
    if organisation_id is None:
        return None
    row = await access.organisations(info).load(organisation_id)
    return OrganisationType.from_row(row) if row else None


async def _resident(info: Info, resident_id: UUID) -> ResidentType | None:
    row = await info.context.loaders.resident.load(resident_id)
    return ResidentType.from_row(row) if row else None


# -- needs ---------------------------------------------------------------------------------------------


@strawberry.type(name="Need", description="A resident's need as the community collected it.")
class NeedType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The need's UUID (the global id wraps it).")
    def need_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The resident the need is about.")
    async def resident(self, info: Info) -> ResidentType | None:
        return await _resident(info, self.row["resident_id"])

    @strawberry.field(description="The community committee that collected it.")
    async def community(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["community_id"])

    @strawberry.field(description="How the need reached the community.")
    def channel(self) -> ChannelEnum:
        return ChannelEnum(self.row["channel"])

    @strawberry.field(description="The need's category and sub-item in the linkage taxonomy.")
    def sub_item(self) -> SubItemType:
        return sub_item_type(self.row["sub_item"])

    @strawberry.field(description="Routine or urgent.")
    def urgency(self) -> UrgencyEnum:
        return UrgencyEnum(self.row["urgency"])

    async def _reveal(self, info: Info, field: str) -> bool:
        return await access.reveal(info, resident_id=self.row["resident_id"], district=self.row["district"],
                                   erased=self.row["erased"], field=field)

    @strawberry.field(description="The resident's own words: masked unless the reader may see personal data "
                                  "(staff of a social organisation or station see them only through a referral "
                                  "that shared them).")
    async def description(self, info: Info) -> str | None:
        value = self.row["description"]
        return value if await self._reveal(info, "needDescription") else _masked(value)

    @strawberry.field(description=("A phone to reach the resident about the need: masked unless the reader may see "
                                   "personal data."))
    async def contact_phone(self, info: Info) -> str | None:
        value = self.row["contact_phone"]
        return value if await self._reveal(info, "needContactPhone") else mask_phone(value)

    @strawberry.field(description="The resident consents to sharing these details with the party taking it on.")
    def consent_given(self) -> bool:
        return bool(self.row["consent_given"])

    @strawberry.field(description="OPEN, REFERRED or WITHDRAWN.")
    def status(self) -> str:
        return self.row["status"]

    @strawberry.field(description="The referral it led to, if referred.")
    async def referral(self, info: Info) -> Annotated[
            ReferralType, strawberry.lazy("civicledger.graphql.linkage.referral_types")] | None:
        from civicledger.graphql.linkage.referral_types import ReferralType

        if self.row["referral_id"] is None:
            return None
        row = await access.referrals(info).load(self.row["referral_id"])
        return ReferralType.from_row(row) if row else None

    @strawberry.field(description="When it was collected.")
    def collected_at(self) -> datetime:
        return self.row["collected_at"]

    @strawberry.field(description="The need's version: send it as expectedVersion with the next command.")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> NeedType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.needs(info), node_ids)
