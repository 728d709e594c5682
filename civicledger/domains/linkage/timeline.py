"""Linkage entries on a resident's timeline. Summaries name sub-items, parties and organisations, never the
resident's words (descriptions, comments, notes, reasons they gave) or contact details."""

from __future__ import annotations

from typing import Any

from civicledger.core.timeline import TimelineContribution, entry
from civicledger.domains.linkage.need import Need
from civicledger.domains.linkage.referral import Deadline, Referral
from civicledger.domains.linkage.task import LinkageTask
from civicledger.domains.linkage.taxonomy import BY_CODE, CATEGORY_LABELS, PartyType
from civicledger.domains.linkage.values import SharingBasis

PARTY = {
    PartyType.COMMUNITY_COMMITTEE: "the community committee",
    PartyType.SOCIAL_ORGANISATION: "a social organisation",
    PartyType.SOCIAL_WORK_STATION: "a social-work station",
}
CHANNEL = {"VISIT": "a home visit", "SURVEY": "a needs survey", "HOTLINE": "the hotline", "WALK_IN": "a walk-in",
           "PROGRAM_REFERRAL": "a referral from another program"}


def _item(code: str) -> str:
    item = BY_CODE.get(code)
    if item is None:
        return code.replace("_", " ").lower()
    return f"{item.label} ({CATEGORY_LABELS[item.category][0]})"


def _collected(e: Need.Collected) -> object:
    urgent = ", urgent" if e.urgency.value == "URGENT" else ""
    return entry(e.resident_id, "linkage.need_collected",
                 f"Need recorded through {CHANNEL.get(e.channel.value, e.channel.value)}: {_item(e.sub_item)}{urgent}")


def _referred(e: Referral.Referred) -> object:
    chosen = "" if e.lead_party is e.proposed_lead_party else f" (routing proposed {PARTY[e.proposed_lead_party]})"
    return entry(e.resident_id, "linkage.referred",
                 f"Need referred to {e.organisation_name}, {PARTY[e.lead_party]}{chosen}")


def _shared(e: Any) -> object:
    basis = "with the resident's consent" if e.basis is SharingBasis.CONSENT else "under an urgent-safety override"
    return entry(e.resident_id, "linkage.personal_data_shared", f"Need details shared with the lead {basis}")


def _escalated(e: Any) -> object:
    what = "not accepted in time" if e.deadline is Deadline.ACCEPT else "not completed in time"
    return entry(e.resident_id, "linkage.escalated", f"Referral {what}: escalated to the {e.street} street office")


def _outcome(e: Any) -> object:
    outcome = {"APPROVED": "approved", "REJECTED": "rejected"}.get(e.outcome, str(e.outcome).lower())
    return entry(e.resident_id, "linkage.program_outcome",
                 f"The {e.program} application the referral opened was {outcome}")


CONTRIBUTION = TimelineContribution(
    program="linkage",
    rules={
        Need.Collected: _collected,
        Need.ConsentGiven: lambda e: entry(e.resident_id, "linkage.consent_given",
                                           "Consented to sharing the need's details with the party that takes it on"),
        Need.ConsentWithdrawn: lambda e: entry(e.resident_id, "linkage.consent_withdrawn",
                                               "Withdrew consent to sharing the need's details"),
        Need.Withdrawn: lambda e: entry(e.resident_id, "linkage.need_withdrawn", "Withdrew the need"),
        Referral.Referred: _referred,
        Referral.Accepted: lambda e: entry(e.resident_id, "linkage.referral_accepted",
                                           "The lead organisation accepted the referral"),
        Referral.Declined: lambda e: entry(e.resident_id, "linkage.referral_declined",
                                           "The organisation declined the referral; it goes back for reassignment"),
        Referral.Reassigned: lambda e: entry(e.resident_id, "linkage.referral_reassigned",
                                             f"Referral reassigned to {e.organisation_name}, {PARTY[e.lead_party]}"),
        Referral.WorkStarted: lambda e: entry(e.resident_id, "linkage.work_started", "Work on the need started"),
        Referral.Escalated: _escalated,
        Referral.Withdrawn: lambda e: entry(e.resident_id, "linkage.referral_withdrawn",
                                            "Withdrew the referral"),
        Referral.Closed: lambda e: entry(e.resident_id, "linkage.referral_closed", "Referral closed"),
        Referral.PersonalDataShared: _shared,
        Referral.Completed: lambda e: entry(e.resident_id, "linkage.referral_completed",
                                            "The lead organisation completed the work on the need"),
        Referral.FeedbackGiven: lambda e: entry(e.resident_id, "linkage.feedback_given",
                                                f"Gave feedback on the referral: satisfaction {e.satisfaction} of 5"),
        Referral.ProgramApplicationRequested: lambda e: entry(
            e.resident_id, "linkage.program_application_requested",
            f"The referral asked the {e.program} program to open an application"),
        Referral.ProgramOutcomeReported: _outcome,
        Referral.ProgramApplicationRefused: lambda e: entry(
            e.resident_id, "linkage.program_application_refused",
            f"The {e.program} program could not open the application the referral asked for"),
        LinkageTask.Opened: lambda e: entry(e.resident_id, "linkage.task_opened",
                                            f"Linkage task opened for {PARTY[e.owner_party]}, due {e.due_on}"),
        LinkageTask.Completed: lambda e: entry(e.resident_id, "linkage.task_completed", "Linkage task completed"),
    },
)
