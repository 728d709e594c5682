"""Commands of three-society linkage: what a committee, an organisation's staff, an admin or a process asks.

Whatever a caseworker records on the resident's behalf (consent, feedback, withdrawal) names the resident as
`respondent_id` and carries the resident's `Confirmation`: the service rejects anyone else's word."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from civicledger.core.means import DeclaredMeans
from civicledger.domains.linkage.values import Confirmation

# -- organisations and the routing table ---------------------------------------------------------------


@dataclass(frozen=True)
class RegisterOrganisation:
    name: str
    kind: str  # PartyType
    district: str
    street: str
    community: str | None = None  # required for a community committee
    office: str | None = None  # principals whose token names this office act for the organisation
    service_districts: tuple[str, ...] = ()  # default: its own district


@dataclass(frozen=True)
class AddStaffMember:
    organisation_id: UUID
    staff_id: str
    title: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveStaffMember:
    organisation_id: UUID
    staff_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangeRoute:
    sub_item: str
    lead_party: str
    accept_within_hours: int
    complete_within_days: int
    expected_version: int | None = None


# -- needs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectNeed:
    resident_id: UUID
    community_id: UUID
    channel: str
    sub_item: str
    urgency: str
    description: str
    contact_phone: str | None = None
    consent_given: bool = False
    consent_confirmation: Confirmation | None = None


@dataclass(frozen=True)
class RecordConsent:
    need_id: UUID
    respondent_id: UUID
    given: bool
    confirmation: Confirmation
    expected_version: int | None = None


@dataclass(frozen=True)
class WithdrawNeed:
    """The resident withdraws the need, and with it its referral if there is one."""

    need_id: UUID
    respondent_id: UUID
    resident_reason: str
    confirmation: Confirmation


# -- referrals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferNeed:
    need_id: UUID
    organisation_id: UUID
    deviation_reason: str | None = None  # required when the organisation is not of the proposed lead party
    share_personal_data: bool = False
    safety_override_reason: str | None = None  # sharing without consent: urgent needs only


@dataclass(frozen=True)
class AcceptReferral:
    referral_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class DeclineReferral:
    referral_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ReassignReferral:
    referral_id: UUID
    organisation_id: UUID
    deviation_reason: str | None = None
    share_personal_data: bool = False
    safety_override_reason: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class StartReferralWork:
    referral_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteReferral:
    referral_id: UUID
    outcome: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordResidentFeedback:
    referral_id: UUID
    respondent_id: UUID
    satisfaction: int  # 1..5
    confirmation: Confirmation
    comment: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseReferral:
    """Close a completed referral when the resident gives no feedback (the reason says why)."""

    referral_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class SharePersonalData:
    referral_id: UUID
    safety_override_reason: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class EscalateOverdueReferral:
    referral_id: UUID


@dataclass(frozen=True)
class RequestProgramApplication:
    """Ask another program to open an application (a case) for the referral's resident: social assistance for
    the resident's household, with each member's declared means; casework at a social-work station (`unit_id`)."""

    referral_id: UUID
    household_id: UUID | None  # assistance
    statement: str
    declared: tuple[DeclaredMeans, ...]  # assistance
    program: str = "assistance"
    # The program's own scheme: assistance 低保 MINIMUM_LIVING (the default), TEMPORARY, ...; casework the
    # service or special project (default FAMILY).
    scheme: str | None = None
    need: Decimal | str | int | None = None  # a one-off need in yuan (temporary assistance)
    expected_version: int | None = None
    unit_id: UUID | None = None  # the program's unit that takes it: casework's station


@dataclass(frozen=True)
class RecordProgramApplication:
    """Written by the process manager once the other program has the application."""

    referral_id: UUID
    request: int
    application_id: UUID


@dataclass(frozen=True)
class RecordProgramApplicationRefused:
    referral_id: UUID
    request: int
    code: str
    message: str


@dataclass(frozen=True)
class ReportProgramOutcome:
    referral_id: UUID
    program: str
    application_id: UUID
    outcome: str  # APPROVED / REJECTED


# -- tasks and meetings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenLinkageTask:
    referral_id: UUID
    title: str
    owner_organisation_id: UUID
    owner_staff_id: str | None = None
    due_on: date | None = None  # default: the referral's completion deadline


@dataclass(frozen=True)
class NoteTaskProgress:
    task_id: UUID
    note: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteLinkageTask:
    task_id: UUID
    outcome: str
    expected_version: int | None = None


@dataclass(frozen=True)
class MeetingAttendee:
    organisation_id: UUID
    staff_id: str


@dataclass(frozen=True)
class MeetingTask:
    referral_id: UUID
    title: str
    owner_organisation_id: UUID
    owner_staff_id: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class RecordThreePartyMeeting:
    community_id: UUID
    attendees: tuple[MeetingAttendee, ...]
    decisions: tuple[str, ...]
    referrals_discussed: tuple[UUID, ...] = ()
    tasks: tuple[MeetingTask, ...] = ()
    held_on: date | None = None  # default: today in Guangzhou
