"""Personal data goes to the lead only with the resident's consent, or under an urgent-safety override with
a reason that inspectors see; and the issue's bad input — each a typed error with a stable code, with nothing
written to the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicledger.core.errors import CivicError
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import (
    FeedbackNotFromResidentError,
    MeetingQuorumError,
    NotOrganisationStaffError,
    NotReferralCoordinatorError,
    PersonalDataSharingWithoutConsentError,
    ResidentConfirmationMissingError,
    SafetyOverrideNotUrgentError,
    TaskOfDeclinedReferralError,
    UnknownSubItemError,
)
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod, SharingBasis
from tests.linkage.conftest import (
    CALLED_BACK,
    OUTSIDER_ZHAO,
    SIGNED,
    SUPERVISOR_CHEN,
    World,
    collect,
    ctx,
    log_end,
    refer,
)


def shared_events(ledger: Ledger, referral: object) -> list[dict[str, Any]]:
    with ledger.datastore.get_connection() as conn:
        return conn.execute("SELECT state FROM events WHERE originator_id = %s AND topic LIKE %s",
                            (referral, "%Referral.PersonalDataShared")).fetchall()


def test_with_consent_the_need_details_go_to_the_lead_sealed_in_the_log(
        linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    referral = refer(linkage, world, collect(linkage, world, consent=True, description="独居,需助餐"),
                     share_personal_data=True)

    stored = bytes(shared_events(linkage_ledger, referral)[0]["state"])
    assert "独居".encode() not in stored and b"13912345678" not in stored and b'"$sealed"' in stored
    assert b'"basis":"CONSENT"' in stored


def test_without_consent_sharing_is_refused_and_nothing_is_written(
        linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    need = collect(linkage, world, consent=False)
    before = log_end(linkage_ledger)

    with pytest.raises(PersonalDataSharingWithoutConsentError) as refused:
        refer(linkage, world, need, share_personal_data=True)
    with pytest.raises(SafetyOverrideNotUrgentError):
        refer(linkage, world, need, share_personal_data=True, safety_override_reason="担心安全")

    assert refused.value.code == "RULE_VIOLATION"
    assert log_end(linkage_ledger) == before


def test_an_urgent_need_may_be_shared_under_a_safety_override_recorded_with_its_reason(
        linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    need = collect(linkage, world, sub_item="CHILDREN_IN_DIFFICULTY", urgency="URGENT", consent=False,
                   description="儿童独自在家两天")

    referral = refer(linkage, world, need, organisation=world.station, share_personal_data=True,
                     safety_override_reason="儿童无人照看,存在人身安全风险")

    assert linkage.get_referral(referral).shared_with == {world.station}
    state = bytes(shared_events(linkage_ledger, referral)[0]["state"]).decode()
    assert f'"basis":"{SharingBasis.SAFETY_OVERRIDE.value}"' in state
    assert "儿童无人照看,存在人身安全风险" in state  # the reason is a decision: readable by inspectors
    assert "儿童独自在家两天" not in state  # the resident's words stay sealed


def test_consent_given_later_lets_the_committee_share_then(linkage: LinkageService, world: World) -> None:
    need = collect(linkage, world, consent=False)
    referral = refer(linkage, world, need)

    linkage.record_consent(c.RecordConsent(need, respondent_id=world.resident, given=True, confirmation=SIGNED),
                           ctx(world.committee_staff))
    linkage.share_personal_data(c.SharePersonalData(referral), ctx(world.committee_staff))

    assert linkage.get_referral(referral).shared_with == {world.social_org}


# -- the bad input -----------------------------------------------------------------------------


def bad_inputs(linkage: LinkageService, w: World) -> dict[str, tuple[Callable[[], object], type[CivicError], str]]:
    need = collect(linkage, w, consent=False)
    referral = refer(linkage, w, need)
    linkage.accept_referral(c.AcceptReferral(referral), ctx(w.org_staff))
    task = linkage.open_linkage_task(c.OpenLinkageTask(referral, "上门评估", w.social_org), ctx(w.org_staff)).stream_id
    linkage.decline_referral(c.DeclineReferral(referral, "需要专业护理"), ctx(w.org_staff))
    pending = refer(linkage, w, collect(linkage, w, resident=w.other_resident, consent=False))
    done = refer(linkage, w, collect(linkage, w))
    linkage.accept_referral(c.AcceptReferral(done), ctx(w.org_staff))
    linkage.complete_referral(c.CompleteReferral(done, "已完成"), ctx(w.org_staff))
    return {
        "unknown sub-item": (lambda: collect(linkage, w, sub_item="FLYING_CARS"), UnknownSubItemError,
                             "INVALID_INPUT"),
        "accepting for an organisation one does not belong to": (
            lambda: linkage.accept_referral(c.AcceptReferral(pending), ctx(w.station_staff)),
            NotOrganisationStaffError, "FORBIDDEN"),
        "declining for an organisation one does not belong to": (
            lambda: linkage.decline_referral(c.DeclineReferral(pending, "no"), ctx(OUTSIDER_ZHAO)),
            NotOrganisationStaffError, "FORBIDDEN"),
        "completing a task of a declined referral": (
            lambda: linkage.complete_linkage_task(c.CompleteLinkageTask(task, "done"), ctx(w.org_staff)),
            TaskOfDeclinedReferralError, "RULE_VIOLATION"),
        "sharing without consent and without an override reason": (
            lambda: linkage.share_personal_data(c.SharePersonalData(pending), ctx(w.committee_staff)),
            PersonalDataSharingWithoutConsentError, "RULE_VIOLATION"),
        "feedback from someone other than the resident": (
            lambda: linkage.record_resident_feedback(
                c.RecordResidentFeedback(done, respondent_id=w.other_resident, satisfaction=5,
                                         confirmation=CALLED_BACK), ctx(w.committee_staff)),
            FeedbackNotFromResidentError, "FORBIDDEN"),
        "feedback recorded by the provider instead of the community": (
            lambda: linkage.record_resident_feedback(
                c.RecordResidentFeedback(done, respondent_id=w.resident, satisfaction=5, confirmation=CALLED_BACK),
                ctx(w.org_staff)),
            NotReferralCoordinatorError, "FORBIDDEN"),
        "feedback without the resident's confirmation": (
            lambda: linkage.record_resident_feedback(
                c.RecordResidentFeedback(done, respondent_id=w.resident, satisfaction=5,
                                         confirmation=Confirmation(ConfirmationMethod.PHONE_CALLBACK, " ")),
                ctx(SUPERVISOR_CHEN)),
            ResidentConfirmationMissingError, "INVALID_INPUT"),
        "a meeting without a social-work station": (
            lambda: linkage.record_three_party_meeting(c.RecordThreePartyMeeting(
                w.committee, (c.MeetingAttendee(w.committee, "主任"), c.MeetingAttendee(w.social_org, "社工")),
                ("下周回访",)), ctx(w.committee_staff)),
            MeetingQuorumError, "RULE_VIOLATION"),
    }


def test_bad_input_gets_typed_errors_and_writes_nothing(
        linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    cases = bad_inputs(linkage, world)
    before = log_end(linkage_ledger)

    outcomes = {}
    for name, (attempt, _, _) in cases.items():
        try:
            attempt()
            outcomes[name] = None
        except CivicError as exc:
            outcomes[name] = exc

    assert log_end(linkage_ledger) == before
    for name, (_, error_type, code) in cases.items():
        assert isinstance(outcomes[name], error_type), name
        assert outcomes[name].code == code, name  # type: ignore[union-attr]
