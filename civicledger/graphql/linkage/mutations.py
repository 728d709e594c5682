"""Linkage mutations: one per command. Translate the input, call the linkage service (which checks who may act
for which organisation), return what was recorded. Expected failures arrive as typed errors with stable codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.core.guangzhou import parse_district
from civicledger.domains.linkage.services import LinkageService
from civicledger.graphql.linkage import inputs as i
from civicledger.graphql.linkage import payloads as p
from civicledger.graphql.permissions import CanCommand, may_command_for


def _service(info: Info) -> LinkageService:
    service = info.context.runtime.services.linkage
    if service is None:  # pragma: no cover - the runtime always wires it
        raise RuntimeError("the linkage service is not wired")
    return service


async def _run(info: Info, method: Callable[[LinkageService], Any], command: Any, input: Any) -> Recorded:
    ctx = info.context
    return await ctx.run(method(_service(info)), command,
                         ctx.command(reason=getattr(input, "reason", None), idempotency_key=input.idempotency_key))


@strawberry.type
class LinkageMutations:
    # -- organisations and the routing table ---------------------------------------------------------------

    @strawberry.mutation(permission_classes=[CanCommand])
    async def register_linkage_organisation(self, info: Info,
                                            input: i.RegisterOrganisationInput) -> p.OrganisationPayload:
        may_command_for(info.context.principal, parse_district(input.district).value)
        recorded = await _run(info, lambda s: s.register_organisation, input.to_command(), input)
        return p.OrganisationPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def add_linkage_staff_member(self, info: Info, input: i.StaffMemberInput) -> p.OrganisationPayload:
        return p.OrganisationPayload.of(await _run(info, lambda s: s.add_staff_member, input.add(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def remove_linkage_staff_member(self, info: Info, input: i.StaffMemberInput) -> p.OrganisationPayload:
        return p.OrganisationPayload.of(await _run(info, lambda s: s.remove_staff_member, input.remove(), input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins only; the change history is kept.")
    async def change_linkage_route(self, info: Info, input: i.ChangeRouteInput) -> p.RoutePayload:
        recorded = await _run(info, lambda s: s.change_route, input.to_command(), input)
        return p.RoutePayload(version=recorded.version, position=recorded.position, replayed=recorded.replayed)

    # -- needs ---------------------------------------------------------------------------------------------

    @strawberry.mutation(permission_classes=[CanCommand])
    async def collect_need(self, info: Info, input: i.CollectNeedInput) -> p.NeedPayload:
        cmd = input.to_command()
        community = await info.context.run(_service(info).get_organisation, cmd.community_id)
        may_command_for(info.context.principal, community.district)
        return p.NeedPayload.of(await _run(info, lambda s: s.collect_need, cmd, input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def record_need_consent(self, info: Info, input: i.RecordConsentInput) -> p.NeedPayload:
        cmd = input.to_command()
        return p.NeedPayload.of(await _run(info, lambda s: s.record_consent, cmd, input), cmd.need_id)

    @strawberry.mutation(permission_classes=[CanCommand], description="The resident withdraws the need (and its "
                                                                      "referral).")
    async def withdraw_need(self, info: Info, input: i.WithdrawNeedInput) -> p.NeedPayload:
        cmd = input.to_command()
        return p.NeedPayload.of(await _run(info, lambda s: s.withdraw_need, cmd, input), cmd.need_id)

    # -- referrals -----------------------------------------------------------------------------------------

    @strawberry.mutation(permission_classes=[CanCommand])
    async def refer_need(self, info: Info, input: i.ReferNeedInput) -> p.ReferNeedPayload:
        return p.ReferNeedPayload.of(await _run(info, lambda s: s.refer_need, input.to_command(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def accept_referral(self, info: Info, input: i.AcceptReferralInput) -> p.AcceptReferralPayload:
        return p.AcceptReferralPayload.of(await _run(info, lambda s: s.accept_referral, input.to_command(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def decline_referral(self, info: Info, input: i.DeclineReferralInput) -> p.DeclineReferralPayload:
        return p.DeclineReferralPayload.of(await _run(info, lambda s: s.decline_referral, input.to_command(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def reassign_referral(self, info: Info, input: i.ReassignReferralInput) -> p.ReassignReferralPayload:
        recorded = await _run(info, lambda s: s.reassign_referral, input.to_command(), input)
        return p.ReassignReferralPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def start_referral_work(self, info: Info, input: i.StartReferralWorkInput) -> p.StartReferralWorkPayload:
        recorded = await _run(info, lambda s: s.start_referral_work, input.to_command(), input)
        return p.StartReferralWorkPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def complete_referral(self, info: Info, input: i.CompleteReferralInput) -> p.CompleteReferralPayload:
        recorded = await _run(info, lambda s: s.complete_referral, input.to_command(), input)
        return p.CompleteReferralPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def record_referral_feedback(self, info: Info,
                                       input: i.FeedbackInput) -> p.RecordReferralFeedbackPayload:
        recorded = await _run(info, lambda s: s.record_resident_feedback, input.to_command(), input)
        return p.RecordReferralFeedbackPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def close_referral(self, info: Info, input: i.CloseReferralInput) -> p.CloseReferralPayload:
        return p.CloseReferralPayload.of(await _run(info, lambda s: s.close_referral, input.to_command(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def share_referral_personal_data(self, info: Info,
                                           input: i.ShareInput) -> p.ShareReferralPersonalDataPayload:
        recorded = await _run(info, lambda s: s.share_personal_data, input.to_command(), input)
        return p.ShareReferralPersonalDataPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand], description="Open an application in another program "
                         "(social assistance) for the referral's resident; its decision comes back to the referral.")
    async def request_program_application(self, info: Info, input: i.ProgramApplicationInput
                                          ) -> p.RequestProgramApplicationPayload:
        recorded = await _run(info, lambda s: s.request_program_application, input.to_command(), input)
        return p.RequestProgramApplicationPayload.of(recorded)

    # -- tasks and meetings --------------------------------------------------------------------------------

    @strawberry.mutation(permission_classes=[CanCommand])
    async def open_linkage_task(self, info: Info, input: i.OpenTaskInput) -> p.LinkageTaskPayload:
        return p.LinkageTaskPayload.of(await _run(info, lambda s: s.open_linkage_task, input.to_command(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def note_linkage_task_progress(self, info: Info, input: i.NoteTaskInput) -> p.LinkageTaskPayload:
        return p.LinkageTaskPayload.of(await _run(info, lambda s: s.note_task_progress, input.to_command(), input))

    @strawberry.mutation(permission_classes=[CanCommand])
    async def complete_linkage_task(self, info: Info, input: i.CompleteTaskInput) -> p.LinkageTaskPayload:
        recorded = await _run(info, lambda s: s.complete_linkage_task, input.to_command(), input)
        return p.LinkageTaskPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def record_three_party_meeting(self, info: Info, input: i.MeetingInput) -> p.MeetingPayload:
        recorded = await _run(info, lambda s: s.record_three_party_meeting, input.to_command(), input)
        return p.MeetingPayload.of(recorded)

