"""Linkage mutations: one per command, each input → command → the one command path → payload. The linkage
service checks who may act for which organisation; expected failures arrive as typed errors with stable codes."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from civicledger.graphql.commands import execute
from civicledger.graphql.linkage import inputs as i
from civicledger.graphql.linkage import payloads as p
from civicledger.graphql.permissions import CanCommand


@strawberry.type
class LinkageMutations:
    # -- organisations and the routing table ---------------------------------------------------------------

    @strawberry.mutation(
        description=("Register a social organisation, social-work station or community party in the three-society "
                     "linkage (三社联动), with the districts it serves."),
        permission_classes=[CanCommand])
    async def register_linkage_organisation(self, info: Info,
                                            input: i.RegisterOrganisationInput) -> p.OrganisationPayload:
        recorded = await execute(info, input)
        return p.OrganisationPayload.of(recorded)

    @strawberry.mutation(
        description="Add a staff member (social worker, volunteer lead) to a linkage organisation.",
        permission_classes=[CanCommand])
    async def add_linkage_staff_member(self, info: Info, input: i.StaffMemberInput) -> p.OrganisationPayload:
        return p.OrganisationPayload.of(await execute(info, input, input.add()))

    @strawberry.mutation(
        description="Remove a staff member from a linkage organisation.",
        permission_classes=[CanCommand])
    async def remove_linkage_staff_member(self, info: Info, input: i.StaffMemberInput) -> p.OrganisationPayload:
        return p.OrganisationPayload.of(await execute(info, input, input.remove()))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins only; the change history is kept.")
    async def change_linkage_route(self, info: Info, input: i.ChangeRouteInput) -> p.RoutePayload:
        recorded = await execute(info, input)
        return p.RoutePayload(version=recorded.version, position=recorded.position, replayed=recorded.replayed)

    # -- needs ---------------------------------------------------------------------------------------------

    @strawberry.mutation(
        description=("Record a resident's need collected in the community (category, channel, what was said). Personal"
                     " data in it is masked by role on every read."),
        permission_classes=[CanCommand])
    async def collect_need(self, info: Info, input: i.CollectNeedInput) -> p.NeedPayload:
        return p.NeedPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Record the resident's consent (or refusal) to share the need's personal data with the "
                     "organisation it is referred to."),
        permission_classes=[CanCommand])
    async def record_need_consent(self, info: Info, input: i.RecordConsentInput) -> p.NeedPayload:
        cmd = input.to_command()
        return p.NeedPayload.of(await execute(info, input, cmd), cmd.need_id)

    @strawberry.mutation(permission_classes=[CanCommand], description="The resident withdraws the need (and its "
                                                                      "referral).")
    async def withdraw_need(self, info: Info, input: i.WithdrawNeedInput) -> p.NeedPayload:
        cmd = input.to_command()
        return p.NeedPayload.of(await execute(info, input, cmd), cmd.need_id)

    # -- referrals -----------------------------------------------------------------------------------------

    @strawberry.mutation(
        description=("Refer a collected need to an organisation; one not of the lead party the routing table proposes "
                     "needs `deviationReason`. Opens a referral."),
        permission_classes=[CanCommand])
    async def refer_need(self, info: Info, input: i.ReferNeedInput) -> p.ReferNeedPayload:
        return p.ReferNeedPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="The organisation accepts a referral sent to it.",
        permission_classes=[CanCommand])
    async def accept_referral(self, info: Info, input: i.AcceptReferralInput) -> p.AcceptReferralPayload:
        return p.AcceptReferralPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="The organisation declines a referral sent to it.",
        permission_classes=[CanCommand])
    async def decline_referral(self, info: Info, input: i.DeclineReferralInput) -> p.DeclineReferralPayload:
        return p.DeclineReferralPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Send a referral to another organisation, with the required reason; its history keeps who had it "
                     "before."),
        permission_classes=[CanCommand])
    async def reassign_referral(self, info: Info, input: i.ReassignReferralInput) -> p.ReassignReferralPayload:
        recorded = await execute(info, input)
        return p.ReassignReferralPayload.of(recorded)

    @strawberry.mutation(
        description="The organisation starts working on an accepted referral.",
        permission_classes=[CanCommand])
    async def start_referral_work(self, info: Info, input: i.StartReferralWorkInput) -> p.StartReferralWorkPayload:
        recorded = await execute(info, input)
        return p.StartReferralWorkPayload.of(recorded)

    @strawberry.mutation(
        description="The organisation reports the referral's service done, with its outcome.",
        permission_classes=[CanCommand])
    async def complete_referral(self, info: Info, input: i.CompleteReferralInput) -> p.CompleteReferralPayload:
        recorded = await execute(info, input)
        return p.CompleteReferralPayload.of(recorded)

    @strawberry.mutation(
        description=("Record the resident's own feedback on a completed referral (satisfaction 1 to 5, confirmation, "
                     "comment)."),
        permission_classes=[CanCommand])
    async def record_referral_feedback(self, info: Info,
                                       input: i.FeedbackInput) -> p.RecordReferralFeedbackPayload:
        recorded = await execute(info, input)
        return p.RecordReferralFeedbackPayload.of(recorded)

    @strawberry.mutation(
        description=("Close a referral without the resident's feedback, with the required reason (e.g. three calls "
                     "unanswered)."),
        permission_classes=[CanCommand])
    async def close_referral(self, info: Info, input: i.CloseReferralInput) -> p.CloseReferralPayload:
        return p.CloseReferralPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Share the resident's personal data with the organisation handling the referral, on the recorded "
                     "consent and legal basis; each share is logged."),
        permission_classes=[CanCommand])
    async def share_referral_personal_data(self, info: Info,
                                           input: i.ShareInput) -> p.ShareReferralPersonalDataPayload:
        recorded = await execute(info, input)
        return p.ShareReferralPersonalDataPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand], description="Open an application in another program "
                         "for the referral's resident — social assistance, or a casework case at a station "
                         "(`unitId`); its decision comes back to the referral.")
    async def request_program_application(self, info: Info, input: i.ProgramApplicationInput
                                          ) -> p.RequestProgramApplicationPayload:
        recorded = await execute(info, input)
        return p.RequestProgramApplicationPayload.of(recorded)

    # -- tasks and meetings --------------------------------------------------------------------------------

    @strawberry.mutation(
        description=("Open a task on a referral for an organisation (and optionally one of its staff), with an "
                     "optional due date."),
        permission_classes=[CanCommand])
    async def open_linkage_task(self, info: Info, input: i.OpenTaskInput) -> p.LinkageTaskPayload:
        return p.LinkageTaskPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Note progress on an open linkage task.",
        permission_classes=[CanCommand])
    async def note_linkage_task_progress(self, info: Info, input: i.NoteTaskInput) -> p.LinkageTaskPayload:
        return p.LinkageTaskPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Complete a linkage task, with what was done.",
        permission_classes=[CanCommand])
    async def complete_linkage_task(self, info: Info, input: i.CompleteTaskInput) -> p.LinkageTaskPayload:
        recorded = await execute(info, input)
        return p.LinkageTaskPayload.of(recorded)

    @strawberry.mutation(
        description=("Record a three-party meeting of a community (community, social organisation, social workers): "
                     "attendees, referrals discussed, decisions and the tasks it opened."),
        permission_classes=[CanCommand])
    async def record_three_party_meeting(self, info: Info, input: i.MeetingInput) -> p.MeetingPayload:
        recorded = await execute(info, input)
        return p.MeetingPayload.of(recorded)

