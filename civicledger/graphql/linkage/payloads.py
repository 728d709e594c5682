"""What a linkage mutation recorded: the stream, its new version, the global position (pass it as
`minPosition` to read your write), whether an idempotency key replayed it — and the node as the read model
shows it once it has reached that position."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.commands import CommandPayload
from civicledger.graphql.linkage.referral_types import ReferralType
from civicledger.graphql.linkage.types import NeedType, OrganisationType
from civicledger.graphql.linkage.work_types import LinkageTaskType, ThreePartyMeetingType
from civicledger.projections.linkage_meetings import meetings_by_ids
from civicledger.projections.linkage_needs import needs_by_ids
from civicledger.projections.linkage_organisations import organisations_by_ids
from civicledger.projections.linkage_referrals import referrals_by_ids
from civicledger.projections.linkage_tasks import tasks_by_ids


@strawberry.type(name="LinkageOrganisationPayload")
class OrganisationPayload(CommandPayload):
    organisation_id: UUID

    @strawberry.field
    async def organisation(self, info: Info) -> OrganisationType | None:
        row = await info.context.read_after(self.position, organisations_by_ids,
                                            self.organisation_id)
        return OrganisationType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> OrganisationPayload:
        return cls(organisation_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="NeedPayload")
class NeedPayload(CommandPayload):
    need_id: UUID

    @strawberry.field
    async def need(self, info: Info) -> NeedType | None:
        row = await info.context.read_after(self.position, needs_by_ids, self.need_id)
        return NeedType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded, need_id: UUID | None = None) -> NeedPayload:
        key = need_id or recorded.stream_id
        return cls(need_id=key, version=recorded.version_of(key) or recorded.version, position=recorded.position,
                   replayed=recorded.replayed)


@strawberry.type(name="ReferralPayload")
class ReferralPayload(CommandPayload):
    referral_id: UUID

    @strawberry.field
    async def referral(self, info: Info) -> ReferralType | None:
        row = await info.context.read_after(self.position, referrals_by_ids, self.referral_id)
        return ReferralType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(referral_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="ReferNeedPayload")
class ReferNeedPayload(ReferralPayload):
    pass


@strawberry.type(name="AcceptReferralPayload")
class AcceptReferralPayload(ReferralPayload):
    pass


@strawberry.type(name="DeclineReferralPayload")
class DeclineReferralPayload(ReferralPayload):
    pass


@strawberry.type(name="ReassignReferralPayload")
class ReassignReferralPayload(ReferralPayload):
    pass


@strawberry.type(name="StartReferralWorkPayload")
class StartReferralWorkPayload(ReferralPayload):
    pass


@strawberry.type(name="CompleteReferralPayload")
class CompleteReferralPayload(ReferralPayload):
    pass


@strawberry.type(name="RecordReferralFeedbackPayload")
class RecordReferralFeedbackPayload(ReferralPayload):
    pass


@strawberry.type(name="CloseReferralPayload")
class CloseReferralPayload(ReferralPayload):
    pass


@strawberry.type(name="ShareReferralPersonalDataPayload")
class ShareReferralPersonalDataPayload(ReferralPayload):
    pass


@strawberry.type(name="RequestProgramApplicationPayload")
class RequestProgramApplicationPayload(ReferralPayload):
    pass


@strawberry.type(name="LinkageTaskPayload")
class LinkageTaskPayload(CommandPayload):
    task_id: UUID

    @strawberry.field
    async def task(self, info: Info) -> LinkageTaskType | None:
        row = await info.context.read_after(self.position, tasks_by_ids, self.task_id)
        return LinkageTaskType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> LinkageTaskPayload:
        return cls(task_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="ThreePartyMeetingPayload")
class MeetingPayload(CommandPayload):
    meeting_id: UUID

    @strawberry.field
    async def meeting(self, info: Info) -> ThreePartyMeetingType | None:
        row = await info.context.read_after(self.position, meetings_by_ids, self.meeting_id)
        return ThreePartyMeetingType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> MeetingPayload:
        return cls(meeting_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="ChangeLinkageRoutePayload")
class RoutePayload(CommandPayload):
    pass
