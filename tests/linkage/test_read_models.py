"""The linkage read models, built by the real projections from known events: the community dashboard, work
queues, three-party meetings, the routing table's history, and PIPL erasure of personal columns."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest

from civicledger.core.clock import FixedClock, business_date
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import RoutingChangeForbiddenError
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.residents.commands import EraseResident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.projections.linkage_dashboard import community_dashboard
from civicledger.projections.linkage_queues import queue_counts, queue_page
from civicledger.projections.linkage_referrals import search_referrals
from civicledger.runtime import Runtime
from tests.linkage.conftest import (
    ADMIN_WANG,
    CALLED_BACK,
    MONDAY_9AM,
    SUPERVISOR_CHEN,
    World,
    collect,
    ctx,
    log_end,
    refer,
)

HOUR = timedelta(hours=1)


async def caught_up(runtime: Runtime, ledger: Ledger) -> None:
    await runtime.positions.wait_for(log_end(ledger), timeout=20)


async def fetch(runtime: Runtime, sql: str, *args: Any) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return [dict(r) for r in await conn.fetch(sql, *args)]


def a_known_month(linkage: LinkageService, w: World, clock: FixedClock) -> None:
    """Four referrals and an unreferred need in one community, answered at known hours after 09:00 Monday."""
    home_care = refer(linkage, w, collect(linkage, w, sub_item="ELDERLY_HOME_CARE"))
    dispute = refer(linkage, w, collect(linkage, w, sub_item="DISPUTE_MEDIATION"), organisation=w.committee)
    child = refer(linkage, w, collect(linkage, w, sub_item="CHILDREN_IN_DIFFICULTY"), organisation=w.station)
    unanswered = refer(linkage, w, collect(linkage, w, sub_item="ELDERLY_HOME_CARE", resident=w.other_resident))
    collect(linkage, w, sub_item="VOLUNTEERING")

    def at(hours: int) -> None:
        clock.set(MONDAY_9AM + hours * HOUR)

    at(1)
    linkage.decline_referral(c.DeclineReferral(child, "个案已满"), ctx(w.station_staff))
    linkage.reassign_referral(c.ReassignReferral(child, w.other_org, deviation_reason="机构有儿童服务项目"),
                              ctx(w.committee_staff, reason="转介"))
    at(2)
    linkage.accept_referral(c.AcceptReferral(home_care), ctx(w.org_staff))
    at(6)
    linkage.accept_referral(c.AcceptReferral(dispute), ctx(w.committee_staff))
    at(10)
    linkage.accept_referral(c.AcceptReferral(child), ctx(w.other_staff))
    linkage.start_referral_work(c.StartReferralWork(child), ctx(w.other_staff))
    at(26)
    linkage.complete_referral(c.CompleteReferral(home_care, "已送餐"), ctx(w.org_staff))
    linkage.record_resident_feedback(c.RecordResidentFeedback(home_care, w.resident, 4, CALLED_BACK),
                                     ctx(w.committee_staff))
    at(50)
    linkage.complete_referral(c.CompleteReferral(dispute, "双方达成调解协议"), ctx(w.committee_staff))
    linkage.record_resident_feedback(c.RecordResidentFeedback(dispute, w.resident, 2, CALLED_BACK),
                                     ctx(SUPERVISOR_CHEN))
    at(72)
    linkage.sweep_overdue([home_care, dispute, child, unanswered])
    linkage.record_three_party_meeting(c.RecordThreePartyMeeting(
        w.committee, (c.MeetingAttendee(w.committee, "周主任"), c.MeetingAttendee(w.station, "何社工"),
                      c.MeetingAttendee(w.other_org, "麦社工")),
        decisions=("儿童个案每周家访一次",), referrals_discussed=(child,),
        tasks=(c.MeetingTask(child, "每周家访", w.other_org),)), ctx(w.committee_staff))


async def test_the_dashboard_shows_a_communitys_figures_from_known_events(
        runtime: Runtime, linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    await asyncio.to_thread(a_known_month, linkage, world, clock)
    await caught_up(runtime, linkage_ledger)

    async with runtime.pool.acquire() as conn:
        board = await community_dashboard(conn, world.committee, MONDAY_9AM + 72 * HOUR)

    assert board.needs_by_category == {"COMMUNITY_DEVELOPMENT": 1, "COMMUNITY_PUBLIC_SERVICES": 2,
                                       "PUBLIC_AFFAIRS_MANAGEMENT": 1, "SPECIAL_POPULATION_SERVICES": 1}
    assert board.referrals_by_status == {"CLOSED": 2, "IN_PROGRESS": 1, "REFERRED": 1}
    assert board.median_hours_to_accept == 6.0  # 2, 6 and 10 hours: the child waited through a decline
    assert board.median_hours_to_complete == 38.0  # 26 and 50 hours
    assert board.overdue == 1 and board.escalated == 1  # the unanswered one, past its 48 hours
    assert board.satisfaction_mean == 3.0 and board.satisfaction_count == 2
    assert board.meetings == 1 and board.last_meeting_on == business_date(MONDAY_9AM + 72 * HOUR)
    async with runtime.pool.acquire() as conn:
        escalated = await search_referrals(conn, community_id=world.committee, district="HAIZHU", street="江海街",
                                           escalated=True)
    assert [r["status"] for r in escalated] == ["REFERRED"]  # what the street office sees


async def test_work_queues_bucket_by_due_time(
        runtime: Runtime, linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    def arrange() -> tuple[Any, Any, Any]:
        soon = refer(linkage, world, collect(linkage, world))  # answer within 48 h
        late = refer(linkage, world, collect(linkage, world, resident=world.other_resident))
        linkage.accept_referral(c.AcceptReferral(late), ctx(world.org_staff))  # complete within 14 days
        clock.advance(timedelta(hours=40))
        task = linkage.open_linkage_task(c.OpenLinkageTask(late, "上门送餐", world.social_org, world.org_staff.id,
                                                           due_on=business_date(clock.now())), ctx(world.org_staff))
        return soon, late, task.stream_id

    soon, late, task = await asyncio.to_thread(arrange)
    await caught_up(runtime, linkage_ledger)
    as_of = clock.now()

    async with runtime.pool.acquire() as conn:
        counts = await queue_counts(conn, organisation_id=world.social_org, as_of=as_of, due_soon=timedelta(hours=24))
        page = await queue_page(conn, organisation_id=world.social_org, as_of=as_of, due_soon=timedelta(hours=24))
        later = await queue_counts(conn, organisation_id=world.social_org, as_of=as_of + timedelta(days=15),
                                   due_soon=timedelta(hours=24))
        mine = await queue_page(conn, staff_id=world.org_staff.id, as_of=as_of, due_soon=timedelta(hours=24))

    assert counts == {"OVERDUE": 0, "DUE_SOON": 2, "OPEN": 1}
    assert [(r["kind"], r["item_id"]) for r in page] == [
        ("REFERRAL_TO_ANSWER", soon), ("TASK", task), ("REFERRAL_TO_COMPLETE", late)]
    assert later == {"OVERDUE": 3, "DUE_SOON": 0, "OPEN": 0}
    assert [r["item_id"] for r in mine] == [task]


async def test_the_committee_queue_shows_needs_to_refer_declines_to_reassign_and_feedback_to_collect(
        runtime: Runtime, linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    def arrange() -> tuple[Any, Any, Any]:
        waiting = collect(linkage, world)
        declined = refer(linkage, world, collect(linkage, world))
        linkage.decline_referral(c.DeclineReferral(declined, "名额已满"), ctx(world.org_staff))
        done = refer(linkage, world, collect(linkage, world))
        linkage.accept_referral(c.AcceptReferral(done), ctx(world.org_staff))
        linkage.complete_referral(c.CompleteReferral(done, "完成"), ctx(world.org_staff))
        return waiting, declined, done

    waiting, declined, done = await asyncio.to_thread(arrange)
    await caught_up(runtime, linkage_ledger)

    async with runtime.pool.acquire() as conn:
        page = await queue_page(conn, organisation_id=world.committee, as_of=MONDAY_9AM,
                                due_soon=timedelta(hours=24))

    assert {(r["kind"], r["item_id"]) for r in page} == {
        ("NEED_TO_REFER", waiting), ("REFERRAL_TO_REASSIGN", declined), ("FEEDBACK_TO_COLLECT", done)}


async def test_a_meeting_records_attendees_decisions_and_the_tasks_it_gave_out(
        runtime: Runtime, linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    await asyncio.to_thread(a_known_month, linkage, world, clock)
    await caught_up(runtime, linkage_ledger)

    meetings = await fetch(runtime, "SELECT * FROM linkage_meetings WHERE community_id = $1", world.committee)
    tasks = await fetch(runtime, "SELECT * FROM linkage_tasks WHERE meeting_id = $1", meetings[0]["id"])

    assert len(meetings) == 1 and json.loads(meetings[0]["decisions"]) == ["儿童个案每周家访一次"]
    assert {a["party"] for a in json.loads(meetings[0]["attendees"])} == {
        "COMMUNITY_COMMITTEE", "SOCIAL_WORK_STATION", "SOCIAL_ORGANISATION"}
    assert [(t["title"], t["owner_organisation_id"]) for t in tasks] == [("每周家访", world.other_org)]


async def test_routing_edits_are_versioned_events_with_a_visible_history(
        runtime: Runtime, linkage: LinkageService, world: World, linkage_ledger: Ledger) -> None:
    version, routes = linkage.routing_table()
    with pytest.raises(RoutingChangeForbiddenError):
        linkage.change_route(c.ChangeRoute("CULTURE_AND_RECREATION", "SOCIAL_WORK_STATION", 48, 21),
                             ctx(SUPERVISOR_CHEN, reason="x"))

    changed = linkage.change_route(
        c.ChangeRoute("CULTURE_AND_RECREATION", "SOCIAL_WORK_STATION", 48, 21, expected_version=version),
        ctx(ADMIN_WANG, reason="试点经验:文体活动由社工站统筹更有效"))
    referral = refer(linkage, world, collect(linkage, world, sub_item="CULTURE_AND_RECREATION"),
                     organisation=world.station)  # now the proposed lead: no reason needed
    await caught_up(runtime, linkage_ledger)

    assert routes["CULTURE_AND_RECREATION"].lead.value == "SOCIAL_ORGANISATION"
    assert linkage.routing_table()[0] == changed.version
    history = await fetch(runtime, "SELECT * FROM linkage_routing_changes WHERE version = $1", changed.version)
    assert history[0]["sub_item"] == "CULTURE_AND_RECREATION" and history[0]["changed_by"] == "admin-wang"
    assert history[0]["reason"] == "试点经验:文体活动由社工站统筹更有效"
    row = await fetch(runtime, "SELECT routing_version, deviation_reason FROM linkage_referrals WHERE id = $1",
                      referral)
    assert row == [{"routing_version": changed.version, "deviation_reason": None}]


async def test_erasing_a_resident_blanks_their_personal_data_in_every_linkage_read_model(
        runtime: Runtime, linkage: LinkageService, registry: ResidentRegistry, world: World,
        linkage_ledger: Ledger) -> None:
    def arrange() -> tuple[Any, Any, Any]:
        need = collect(linkage, world, description="独居,需助餐")
        referral = refer(linkage, world, need, share_personal_data=True)
        linkage.accept_referral(c.AcceptReferral(referral), ctx(world.org_staff))
        task = linkage.open_linkage_task(c.OpenLinkageTask(referral, "上门", world.social_org),
                                         ctx(world.org_staff)).stream_id
        linkage.note_task_progress(c.NoteTaskProgress(task, "老人腿伤未愈"), ctx(world.org_staff))
        registry.erase_resident(EraseResident(world.resident, "PIPL-2026-031"), ctx(ADMIN_WANG, reason="本人申请"))
        return need, referral, task

    need, referral, task = await asyncio.to_thread(arrange)
    await caught_up(runtime, linkage_ledger)

    assert await fetch(runtime, "SELECT description, contact_phone, erased FROM linkage_needs WHERE id = $1",
                       need) == [{"description": None, "contact_phone": None, "erased": True}]
    assert await fetch(runtime, "SELECT shared_description, shared_contact_phone, erased FROM linkage_referrals"
                                " WHERE id = $1", referral) == [
        {"shared_description": None, "shared_contact_phone": None, "erased": True}]
    assert await fetch(runtime, "SELECT last_note, erased FROM linkage_tasks WHERE id = $1", task) == [
        {"last_note": None, "erased": True}]
    other = await fetch(runtime, "SELECT count(*) AS n FROM linkage_needs WHERE resident_id = $1 AND erased",
                        world.other_resident)
    assert other == [{"n": 0}]
