"""Linkage mutation inputs; each turns itself into its command. Every input takes `idempotencyKey` (a retry
returns the first result) and, on an existing stream, `expectedVersion`; `reason` goes into the event
metadata (required where the command is a decision)."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod
from civicledger.graphql.linkage.types import ChannelEnum, PartyEnum, UrgencyEnum
from civicledger.graphql.means import DeclaredMeansInput
from civicledger.graphql.relay import uuid_of

ORG, NEED, REFERRAL, TASK, RESIDENT = "LinkageOrganisation", "Need", "Referral", "LinkageTask", "Resident"


@strawberry.enum(name="ConfirmationMethod", description="How the resident confirmed what is recorded for them.")
class ConfirmationMethodEnum(Enum):
    SIGNED_FORM = strawberry.enum_value("SIGNED_FORM", description="A form the resident signed.")
    IN_PERSON = strawberry.enum_value("IN_PERSON", description="Said in person to the staff member recording it.")
    PHONE_CALLBACK = strawberry.enum_value("PHONE_CALLBACK", description="Confirmed on a call back to the resident.")
    SMS_REPLY = strawberry.enum_value("SMS_REPLY", description="The resident's reply to a text message.")
    ONLINE = strawberry.enum_value("ONLINE", description="Confirmed online by the resident.")


@strawberry.input(name="ResidentConfirmationInput", description="The resident's own confirmation: how, and a "
                  "reference that finds the signed form, call log or message.")
class ConfirmationInput:
    method: ConfirmationMethodEnum = strawberry.field(description="How the resident confirmed.")
    reference: str = strawberry.field(description=("Where the proof is: a form number, a call log or message id (no "
                                                   "personal data)."))

    def value(self) -> Confirmation:
        return Confirmation(ConfirmationMethod(self.method.value), self.reference)


@strawberry.input(name="RegisterLinkageOrganisationInput")
class RegisterOrganisationInput:
    name: str = strawberry.field(description="The organisation's name.")
    kind: PartyEnum = strawberry.field(description="Which of the three societies it is.")
    district: str = strawberry.field(description="District code (HAIZHU) or name (海珠区) where it is based.")
    street: str = strawberry.field(description="The street (街道) where it is based.")
    community: str | None = strawberry.field(default=None, description="Required for a community committee.")
    office: str | None = strawberry.field(default=None, description="Principals whose token names this office "
                                                                    "act for the organisation.")
    service_districts: list[str] | None = strawberry.field(default=None, description=("District codes it serves "
                                                                                      "(default: its own district)."))
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RegisterOrganisation:
        return c.RegisterOrganisation(name=self.name, kind=self.kind.value, district=self.district,
                                      street=self.street, community=self.community, office=self.office,
                                      service_districts=tuple(self.service_districts or ()))


@strawberry.input(name="LinkageStaffMemberInput")
class StaffMemberInput:
    organisation_id: strawberry.ID
    staff_id: str = strawberry.field(description="The user id (token subject) of the staff member.")
    title: str = strawberry.field(default="社工", description="Their title (default 社工, social worker).")
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def add(self) -> c.AddStaffMember:
        return c.AddStaffMember(uuid_of(self.organisation_id, ORG), self.staff_id, self.title, self.expected_version)

    def remove(self) -> c.RemoveStaffMember:
        return c.RemoveStaffMember(uuid_of(self.organisation_id, ORG), self.staff_id, self.expected_version)


@strawberry.input(description="A new route for one sub-item of the taxonomy.", name="ChangeLinkageRouteInput")
class ChangeRouteInput:
    sub_item: str = strawberry.field(description="The sub-item code (see linkageTaxonomy).")
    lead_party: PartyEnum = strawberry.field(description="Which party leads needs of this sub-item.")
    accept_within_hours: int = strawberry.field(description="Hours the lead has to accept a referral.")
    complete_within_days: int = strawberry.field(description="Days the lead has to complete it.")
    reason: str = strawberry.field(description="Required: why the route changes.")
    expected_version: int | None = strawberry.field(default=None, description="The table's version (0: defaults).")
    idempotency_key: str | None = None

    def to_command(self) -> c.ChangeRoute:
        return c.ChangeRoute(self.sub_item, self.lead_party.value, self.accept_within_hours,
                             self.complete_within_days, self.expected_version)


@strawberry.input(name="CollectNeedInput")
class CollectNeedInput:
    resident_id: strawberry.ID
    community_id: strawberry.ID = strawberry.field(description="The community committee collecting the need.")
    channel: ChannelEnum = strawberry.field(description="How the need reached the community.")
    sub_item: str = strawberry.field(description="One of the 16 sub-item codes (see `linkageTaxonomy`).")
    description: str = strawberry.field(description=("The resident's own words (personal data: masked on reads), at "
                                                     "most 2000 characters."))
    urgency: UrgencyEnum = strawberry.field(default=UrgencyEnum.ROUTINE, description="Routine (default) or urgent.")
    contact_phone: str | None = strawberry.field(default=None, description=("A phone to reach the resident about "
                                                                            "this need (masked on reads)."))
    consent_given: bool = strawberry.field(default=False, description=("The resident consents to sharing these "
                                                                       "details with the party taking the need on "
                                                                       "(default false)."))
    consent_confirmation: ConfirmationInput | None = strawberry.field(default=None,
        description="How the resident confirmed their consent: required when consentGiven.")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.CollectNeed:
        return c.CollectNeed(
            resident_id=uuid_of(self.resident_id, RESIDENT), community_id=uuid_of(self.community_id, ORG),
            channel=self.channel.value, sub_item=self.sub_item, urgency=self.urgency.value,
            description=self.description, contact_phone=self.contact_phone, consent_given=self.consent_given,
            consent_confirmation=self.consent_confirmation.value() if self.consent_confirmation else None)


@strawberry.input(name="RecordNeedConsentInput")
class RecordConsentInput:
    need_id: strawberry.ID
    respondent_id: strawberry.ID = strawberry.field(description="The resident giving or withdrawing consent.")
    given: bool = strawberry.field(description="True: consent given; false: withdrawn.")
    confirmation: ConfirmationInput = strawberry.field(description="How the resident confirmed.")
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RecordConsent:
        return c.RecordConsent(uuid_of(self.need_id, NEED), uuid_of(self.respondent_id, RESIDENT), self.given,
                               self.confirmation.value(), self.expected_version)


@strawberry.input(name="WithdrawNeedInput")
class WithdrawNeedInput:
    need_id: strawberry.ID
    respondent_id: strawberry.ID
    resident_reason: str = strawberry.field(description=("Why the resident withdraws, in their words (at most 500 "
                                                         "characters)."))
    confirmation: ConfirmationInput = strawberry.field(description="How the resident confirmed.")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.WithdrawNeed:
        return c.WithdrawNeed(uuid_of(self.need_id, NEED), uuid_of(self.respondent_id, RESIDENT),
                              self.resident_reason, self.confirmation.value())


@strawberry.input(name="ReferNeedInput")
class ReferNeedInput:
    need_id: strawberry.ID
    organisation_id: strawberry.ID
    deviation_reason: str | None = strawberry.field(default=None, description="Required when the organisation is "
                                                    "not of the lead party the routing table proposes.")
    share_personal_data: bool = strawberry.field(default=False, description=("Share the resident's details with the "
                                                                             "organisation now (needs their consent,"
                                                                             " or safetyOverrideReason)."))
    safety_override_reason: str | None = strawberry.field(default=None, description="Share without consent: urgent "
                                                          "needs only; shown to inspectors.")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.ReferNeed:
        return c.ReferNeed(uuid_of(self.need_id, NEED), uuid_of(self.organisation_id, ORG), self.deviation_reason,
                           self.share_personal_data, self.safety_override_reason)


@strawberry.input(name="ReferralActionInput")
class ReferralActionInput:
    referral_id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input(name="AcceptReferralInput")
class AcceptReferralInput(ReferralActionInput):
    def to_command(self) -> c.AcceptReferral:
        return c.AcceptReferral(uuid_of(self.referral_id, REFERRAL), self.expected_version)


@strawberry.input(name="StartReferralWorkInput")
class StartReferralWorkInput(ReferralActionInput):
    def to_command(self) -> c.StartReferralWork:
        return c.StartReferralWork(uuid_of(self.referral_id, REFERRAL), self.expected_version)


@strawberry.input(name="CloseReferralInput", description="Close a completed referral whose resident gave no "
                                                         "feedback.")
class CloseReferralInput:
    referral_id: strawberry.ID
    reason: str = strawberry.field(description="Required: why there is no feedback (e.g. three calls unanswered).")
    expected_version: int | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.CloseReferral:
        return c.CloseReferral(uuid_of(self.referral_id, REFERRAL), self.expected_version)


@strawberry.input(name="DeclineReferralInput")
class DeclineReferralInput:
    referral_id: strawberry.ID
    reason: str = strawberry.field(description="Required: why the organisation declines.")
    expected_version: int | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.DeclineReferral:
        return c.DeclineReferral(uuid_of(self.referral_id, REFERRAL), self.reason, self.expected_version)


@strawberry.input(name="ReassignReferralInput")
class ReassignReferralInput:
    referral_id: strawberry.ID
    organisation_id: strawberry.ID
    reason: str
    deviation_reason: str | None = strawberry.field(default=None, description=("Required when the organisation is "
                                                                               "not of the lead party the routing "
                                                                               "table proposes (at most 500 "
                                                                               "characters)."))
    share_personal_data: bool = strawberry.field(default=False, description=("Share the resident's details with the "
                                                                             "new organisation (needs consent, or "
                                                                             "safetyOverrideReason)."))
    safety_override_reason: str | None = strawberry.field(default=None, description=("Share without consent: urgent "
                                                                                     "needs only; shown to "
                                                                                     "inspectors (at most 500 "
                                                                                     "characters)."))
    expected_version: int | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.ReassignReferral:
        return c.ReassignReferral(uuid_of(self.referral_id, REFERRAL), uuid_of(self.organisation_id, ORG),
                                  self.deviation_reason, self.share_personal_data, self.safety_override_reason,
                                  self.expected_version)


@strawberry.input(name="CompleteReferralInput")
class CompleteReferralInput:
    referral_id: strawberry.ID
    outcome: str = strawberry.field(description=("What was done for the resident (may hold personal data: masked on "
                                                 "reads), at most 2000 characters."))
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.CompleteReferral:
        return c.CompleteReferral(uuid_of(self.referral_id, REFERRAL), self.outcome, self.expected_version)


@strawberry.input(name="RecordReferralFeedbackInput", description="The resident's feedback, recorded by the "
                  "community committee (or a supervisor) with the resident's confirmation.")
class FeedbackInput:
    referral_id: strawberry.ID
    respondent_id: strawberry.ID = strawberry.field(description="The resident: nobody else may give feedback.")
    satisfaction: int = strawberry.field(description="1 (very dissatisfied) to 5 (very satisfied).")
    confirmation: ConfirmationInput = strawberry.field(description=("How the resident confirmed the feedback is "
                                                                    "theirs."))
    comment: str | None = strawberry.field(default=None, description=("The resident's comment, at most 2000 "
                                                                      "characters."))
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RecordResidentFeedback:
        return c.RecordResidentFeedback(uuid_of(self.referral_id, REFERRAL), uuid_of(self.respondent_id, RESIDENT),
                                        self.satisfaction, self.confirmation.value(), self.comment,
                                        self.expected_version)


@strawberry.input(description="Share the resident's details with the organisation handling the referral.",
                  name="ShareReferralPersonalDataInput")
class ShareInput:
    referral_id: strawberry.ID
    safety_override_reason: str | None = strawberry.field(default=None, description=("Share without consent: urgent "
                                                                                     "needs only; shown to "
                                                                                     "inspectors (at most 500 "
                                                                                     "characters)."))
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.SharePersonalData:
        return c.SharePersonalData(uuid_of(self.referral_id, REFERRAL), self.safety_override_reason,
                                   self.expected_version)


@strawberry.input(name="RequestProgramApplicationInput")
class ProgramApplicationInput:
    referral_id: strawberry.ID
    statement: str = strawberry.field(description=("The applicant's statement for the other program, at most 2000 "
                                                   "characters."))
    household_id: strawberry.ID | None = strawberry.field(default=None, description="assistance: the household.")
    declared: list[DeclaredMeansInput] = strawberry.field(
        default_factory=list, description="assistance: each member's declared income and assets.")
    program: str = strawberry.field(default="assistance", description="assistance or casework.")
    scheme: str | None = strawberry.field(default=None, description="The program's scheme: for assistance "
                                          "MINIMUM_LIVING (低保, the default), LOW_INCOME, SPECIAL_HARDSHIP, "
                                          "TEMPORARY; for casework the service or special project (default FAMILY).")
    need: str | None = strawberry.field(default=None, description="A one-off need in yuan (TEMPORARY).")
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="casework: the CaseworkStation "
                                                     "that is to take the case.")
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RequestProgramApplication:
        return c.RequestProgramApplication(
            uuid_of(self.referral_id, REFERRAL),
            uuid_of(self.household_id, "Household") if self.household_id is not None else None, self.statement,
            tuple(c.DeclaredMeans(uuid_of(d.resident_id, RESIDENT), d.monthly_income, d.assets)
                  for d in self.declared),
            self.program, self.scheme, self.need, self.expected_version,
            uuid_of(self.unit_id, "CaseworkStation") if self.unit_id is not None else None)


@strawberry.input(name="OpenLinkageTaskInput")
class OpenTaskInput:
    referral_id: strawberry.ID
    title: str = strawberry.field(description="The work, not the person: no personal data in titles.")
    owner_organisation_id: strawberry.ID
    owner_staff_id: str | None = strawberry.field(default=None, description=("The staff member (user id) it is "
                                                                             "assigned to, if one."))
    due_on: date | None = strawberry.field(default=None, description="When it is due (optional).")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.OpenLinkageTask:
        return c.OpenLinkageTask(uuid_of(self.referral_id, REFERRAL), self.title,
                                 uuid_of(self.owner_organisation_id, ORG), self.owner_staff_id, self.due_on)


@strawberry.input(name="NoteLinkageTaskProgressInput")
class NoteTaskInput:
    task_id: strawberry.ID
    note: str = strawberry.field(description=("What was done or found (may hold personal data: masked on reads), at "
                                              "most 2000 characters."))
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.NoteTaskProgress:
        return c.NoteTaskProgress(uuid_of(self.task_id, TASK), self.note, self.expected_version)


@strawberry.input(name="CompleteLinkageTaskInput")
class CompleteTaskInput:
    task_id: strawberry.ID
    outcome: str = strawberry.field(description=("What was done (may hold personal data: masked on reads), at most "
                                                 "2000 characters."))
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.CompleteLinkageTask:
        return c.CompleteLinkageTask(uuid_of(self.task_id, TASK), self.outcome, self.expected_version)


@strawberry.input(description="Who attended a meeting, for an organisation.", name="MeetingAttendeeInput")
class AttendeeInput:
    organisation_id: strawberry.ID
    staff_id: str = strawberry.field(description="The attendee's user id.")


@strawberry.input(description="A task the meeting opened.", name="MeetingTaskInput")
class MeetingTaskInput:
    referral_id: strawberry.ID
    title: str = strawberry.field(description="The work, not the person: no personal data in titles.")
    owner_organisation_id: strawberry.ID
    owner_staff_id: str | None = strawberry.field(default=None, description=("The staff member (user id) it is "
                                                                             "assigned to, if one."))
    due_on: date | None = strawberry.field(default=None, description="When it is due (optional).")


@strawberry.input(name="RecordThreePartyMeetingInput")
class MeetingInput:
    community_id: strawberry.ID
    attendees: list[AttendeeInput] = strawberry.field(description="Who attended, for which organisation.")
    decisions: list[str] = strawberry.field(description=("What was decided, one line each (at most 500 characters "
                                                         "each)."))
    referrals_discussed: list[strawberry.ID] | None = strawberry.field(default=None,
        description="The referrals discussed (global IDs).")
    tasks: list[MeetingTaskInput] | None = strawberry.field(default=None, description="The tasks it opened.")
    held_on: date | None = strawberry.field(default=None, description="The date it was held (default: today).")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RecordThreePartyMeeting:
        return c.RecordThreePartyMeeting(
            uuid_of(self.community_id, ORG),
            tuple(c.MeetingAttendee(uuid_of(a.organisation_id, ORG), a.staff_id) for a in self.attendees),
            tuple(self.decisions), tuple(uuid_of(r, REFERRAL) for r in self.referrals_discussed or ()),
            tuple(c.MeetingTask(uuid_of(t.referral_id, REFERRAL), t.title, uuid_of(t.owner_organisation_id, ORG),
                                t.owner_staff_id, t.due_on) for t in self.tasks or ()),
            self.held_on)
