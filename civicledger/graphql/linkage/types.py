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

from civicledger.core.ascii import ascii_uuid
from civicledger.core.guangzhou import district_name
from civicledger.graphql.linkage import access
from civicledger.graphql.linkage.taxonomy import SubItemType, sub_item_type
from civicledger.graphql.permissions import MASKED_TEXT, mask_phone
from civicledger.graphql.residents.types import ResidentType

if TYPE_CHECKING:
    from civicledger.graphql.linkage.referral_types import ReferralType


@strawberry.enum(name="LinkageParty", description="The three societies: who can lead linkage work.")
class PartyEnum(Enum):
    COMMUNITY_COMMITTEE = "COMMUNITY_COMMITTEE"
    SOCIAL_ORGANISATION = "SOCIAL_ORGANISATION"
    SOCIAL_WORK_STATION = "SOCIAL_WORK_STATION"


@strawberry.enum(name="NeedChannel")
class ChannelEnum(Enum):
    VISIT = "VISIT"
    SURVEY = "SURVEY"
    HOTLINE = "HOTLINE"
    WALK_IN = "WALK_IN"
    PROGRAM_REFERRAL = "PROGRAM_REFERRAL"


@strawberry.enum(name="NeedUrgency")
class UrgencyEnum(Enum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"


@strawberry.enum(name="ReferralStatus")
class ReferralStatusEnum(Enum):
    REFERRED = "REFERRED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"


def _masked(value: str | None) -> str | None:
    return None if value is None else MASKED_TEXT


async def _nodes(cls: Any, loader: Any, node_ids: Iterable[str]) -> list[Any]:
    rows = await loader.load_many([ascii_uuid(i) for i in node_ids])
    return [cls.from_row(r) if r else None for r in rows]


# -- organisations -------------------------------------------------------------------------------------


@strawberry.type(name="LinkageStaffMember")
class StaffMemberType:
    staff_id: str
    title: str


@strawberry.type(name="LinkageOrganisation", description="A community committee, social organisation or "
                                                          "social-work station, with the staff who act for it.")
class OrganisationType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field
    def organisation_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field
    def name(self) -> str:
        return self.row["name"]

    @strawberry.field
    def kind(self) -> PartyEnum:
        return PartyEnum(self.row["kind"])

    @strawberry.field
    def district(self) -> str:
        return self.row["district"]

    @strawberry.field
    def district_name(self) -> str:
        return district_name(self.row["district"])

    @strawberry.field
    def street(self) -> str:
        return self.row["street"]

    @strawberry.field(description="The community a committee serves (committees only).")
    def community(self) -> str | None:
        return self.row["community"]

    @strawberry.field
    def office(self) -> str | None:
        return self.row["office"]

    @strawberry.field
    def service_districts(self) -> list[str]:
        return [d for d in self.row["service_districts"].split(",") if d]

    @strawberry.field(description="One of the 12 pilot communities (committees only).")
    def pilot(self) -> bool:
        return bool(self.row["pilot"])

    @strawberry.field
    def staff(self) -> list[StaffMemberType]:
        return [StaffMemberType(staff_id=s["staffId"], title=s["title"]) for s in json.loads(self.row["staff"])]

    @strawberry.field
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

    @strawberry.field
    def need_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field
    async def resident(self, info: Info) -> ResidentType | None:
        return await _resident(info, self.row["resident_id"])

    @strawberry.field
    async def community(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["community_id"])

    @strawberry.field
    def channel(self) -> ChannelEnum:
        return ChannelEnum(self.row["channel"])

    @strawberry.field
    def sub_item(self) -> SubItemType:
        return sub_item_type(self.row["sub_item"])

    @strawberry.field
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

    @strawberry.field
    async def contact_phone(self, info: Info) -> str | None:
        value = self.row["contact_phone"]
        return value if await self._reveal(info, "needContactPhone") else mask_phone(value)

    @strawberry.field(description="The resident consents to sharing these details with the party taking it on.")
    def consent_given(self) -> bool:
        return bool(self.row["consent_given"])

    @strawberry.field(description="OPEN, REFERRED or WITHDRAWN.")
    def status(self) -> str:
        return self.row["status"]

    @strawberry.field
    async def referral(self, info: Info) -> Annotated[
            ReferralType, strawberry.lazy("civicledger.graphql.linkage.referral_types")] | None:
        from civicledger.graphql.linkage.referral_types import ReferralType

        if self.row["referral_id"] is None:
            return None
        row = await access.referrals(info).load(self.row["referral_id"])
        return ReferralType.from_row(row) if row else None

    @strawberry.field
    def collected_at(self) -> datetime:
        return self.row["collected_at"]

    @strawberry.field
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> NeedType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.needs(info), node_ids)
