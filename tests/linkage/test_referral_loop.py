"""A need walks the whole loop through the linkage service: collected, referred to the advantage-led party,
accepted, worked as tasks, completed, and closed by the resident's own feedback; declines, reassignment and
the resident's withdrawal on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civicledger.core.clock import FixedClock
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import (
    LeadPartyDeviationReasonRequiredError,
    ReferralNotPendingError,
    TaskOfDeclinedReferralError,
)
from civicledger.domains.linkage.need import NeedStatus
from civicledger.domains.linkage.referral import ReferralStatus
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.linkage.task import TaskStatus
from civicledger.domains.linkage.taxonomy import PartyType
from tests.linkage.conftest import CALLED_BACK, SIGNED, World, collect, ctx, log_end, refer


def topics(ledger: Ledger, stream_id: object) -> list[str]:
    with ledger.datastore.get_connection() as conn:
        rows = conn.execute("SELECT topic FROM events WHERE originator_id = %s ORDER BY originator_version",
                            (stream_id,)).fetchall()
    return [r["topic"].rsplit(":", 1)[1] for r in rows]


def test_a_need_walks_from_collection_to_the_residents_feedback(
        linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    need = collect(linkage, world, sub_item="ELDERLY_HOME_CARE")
    referral = refer(linkage, world, need, share_personal_data=True)
    clock.advance(timedelta(hours=5))
    linkage.accept_referral(c.AcceptReferral(referral), ctx(world.org_staff))
    linkage.start_referral_work(c.StartReferralWork(referral), ctx(world.org_staff))
    task = linkage.open_linkage_task(
        c.OpenLinkageTask(referral, "核实长者饭堂送餐路线", owner_organisation_id=world.committee),
        ctx(world.org_staff)).stream_id
    linkage.note_task_progress(c.NoteTaskProgress(task, "已联系楼长"), ctx(world.committee_staff))
    linkage.complete_linkage_task(c.CompleteLinkageTask(task, "送餐路线已确认"), ctx(world.committee_staff))
    clock.advance(timedelta(days=3))
    linkage.complete_referral(c.CompleteReferral(referral, "每日午餐上门,已连续送餐一周"), ctx(world.org_staff))

    linkage.record_resident_feedback(
        c.RecordResidentFeedback(referral, respondent_id=world.resident, satisfaction=5, confirmation=CALLED_BACK,
                                 comment="送餐准时"), ctx(world.committee_staff))

    done = linkage.get_referral(referral)
    assert done.status is ReferralStatus.CLOSED and done.satisfaction == 5
    assert done.lead_party is PartyType.SOCIAL_ORGANISATION
    assert linkage.get_need(need).status is NeedStatus.REFERRED
    assert linkage.get_task(task).status is TaskStatus.COMPLETED
    assert topics(linkage_ledger, referral) == [
        "Referral.Referred", "Referral.PersonalDataShared", "Referral.Accepted", "Referral.WorkStarted",
        "Referral.Completed", "Referral.FeedbackGiven", "Referral.Closed"]


def test_a_declined_referral_is_reassigned_and_the_new_lead_completes_it(
        linkage: LinkageService, world: World) -> None:
    referral = refer(linkage, world, collect(linkage, world))
    linkage.decline_referral(c.DeclineReferral(referral, "本月服务名额已满"), ctx(world.org_staff))

    linkage.reassign_referral(c.ReassignReferral(referral, world.other_org),
                              ctx(world.committee_staff, reason="转介同区另一家长者服务机构"))
    linkage.accept_referral(c.AcceptReferral(referral), ctx(world.other_staff))
    linkage.complete_referral(c.CompleteReferral(referral, "已安排助餐"), ctx(world.other_staff))

    done = linkage.get_referral(referral)
    assert done.status is ReferralStatus.COMPLETED
    assert done.organisation_id == world.other_org and done.assignment == 2


def test_the_organisation_that_declined_can_no_longer_answer(linkage: LinkageService, world: World) -> None:
    referral = refer(linkage, world, collect(linkage, world))
    linkage.decline_referral(c.DeclineReferral(referral, "不在服务范围"), ctx(world.org_staff))

    with pytest.raises(ReferralNotPendingError):
        linkage.accept_referral(c.AcceptReferral(referral), ctx(world.org_staff))


def test_tasks_of_a_declined_assignment_cannot_be_completed_even_after_reassignment(
        linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    referral = refer(linkage, world, collect(linkage, world))
    linkage.accept_referral(c.AcceptReferral(referral), ctx(world.org_staff))
    task = linkage.open_linkage_task(c.OpenLinkageTask(referral, "上门评估", world.social_org),
                                     ctx(world.org_staff)).stream_id
    linkage.decline_referral(c.DeclineReferral(referral, "评估后发现需要专业护理"), ctx(world.org_staff))
    before = log_end(linkage_ledger)

    with pytest.raises(TaskOfDeclinedReferralError) as declined:
        linkage.complete_linkage_task(c.CompleteLinkageTask(task, "评估完成"), ctx(world.org_staff))
    linkage.reassign_referral(c.ReassignReferral(referral, world.other_org), ctx(world.committee_staff, reason="转介"))
    linkage.accept_referral(c.AcceptReferral(referral), ctx(world.other_staff))
    with pytest.raises(TaskOfDeclinedReferralError):
        linkage.complete_linkage_task(c.CompleteLinkageTask(task, "评估完成"), ctx(world.org_staff))

    assert declined.value.code == "RULE_VIOLATION"
    assert log_end(linkage_ledger) == before + 2  # the reassignment and the acceptance, nothing else


def test_routing_proposes_the_lead_and_another_choice_needs_a_reason(linkage: LinkageService, world: World) -> None:
    need = collect(linkage, world, sub_item="ELDERLY_HOME_CARE")  # led by a social organisation

    with pytest.raises(LeadPartyDeviationReasonRequiredError) as missing:
        refer(linkage, world, need, organisation=world.station)
    referral = refer(linkage, world, need, organisation=world.station, deviation_reason="长者同时需要个案辅导")

    chosen = linkage.get_referral(referral)
    assert missing.value.code == "INVALID_INPUT"
    assert missing.value.details["proposedLeadParty"] == "SOCIAL_ORGANISATION"
    assert chosen.lead_party is PartyType.SOCIAL_WORK_STATION


def test_the_resident_withdraws_the_need_and_its_referral(linkage: LinkageService, world: World) -> None:
    need = collect(linkage, world)
    referral = refer(linkage, world, need)

    linkage.withdraw_need(c.WithdrawNeed(need, respondent_id=world.resident, resident_reason="子女已回来照顾",
                                         confirmation=SIGNED), ctx(world.committee_staff))

    assert linkage.get_need(need).status is NeedStatus.WITHDRAWN
    assert linkage.get_referral(referral).status is ReferralStatus.WITHDRAWN
