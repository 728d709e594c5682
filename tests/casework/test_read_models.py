"""The casework read models, built by the real projections from known events: a station's caseload, a case's
goals, sessions and reviews that follow the station holding the case, its history without personal data,
the timeline, and PIPL erasure."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.services import CaseworkService
from civicledger.domains.residents.commands import EraseResident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.projections.casework_cases import caseload
from civicledger.projections.casework_stations import stations_of
from civicledger.runtime import Runtime
from tests.casework.conftest import ADMIN_WANG, NOTES, World, case_in_service, ctx, log_end, open_case


async def caught_up(runtime: Runtime, ledger: Ledger) -> None:
    await runtime.positions.wait_for(log_end(ledger), timeout=20)


async def fetch(runtime: Runtime, sql: str, *args: Any) -> list[dict[str, Any]]:
    async with runtime.pool.acquire() as conn:
        return [dict(r) for r in await conn.fetch(sql, *args)]


def a_transferred_case(casework: CaseworkService, w: World) -> Any:
    """Two sessions and a review at Jianghai, then the case moves to Shayuan, which records one more session."""
    case_id = case_in_service(casework, w)
    for minutes in (50, 40):
        casework.record_casework_session(c.RecordCaseworkSession(case_id, "HOME_VISIT", minutes, NOTES,
                                                                 goals_addressed=(1,)), ctx(w.worker_he))
    casework.review_casework_case(c.ReviewCaseworkCase(case_id, (c.GoalProgressGiven(1, "ON_TRACK"),
                                                                 c.GoalProgressGiven(2, "AT_RISK")), "CONTINUE",
                                                       "情绪有改善"), ctx(w.worker_he))
    casework.transfer_casework_case(c.TransferCaseworkCase(case_id, w.shayuan, w.worker_liang.id),
                                    ctx(w.worker_he, reason="居民搬至沙园街"))
    casework.record_casework_session(c.RecordCaseworkSession(case_id, "OFFICE", 30, "到站面谈"), ctx(w.worker_liang))
    return case_id


async def test_sessions_and_reviews_follow_the_case_to_the_station_that_holds_it(
        casework: CaseworkService, world: World, runtime: Runtime, casework_ledger: Ledger) -> None:
    case_id = await asyncio.to_thread(a_transferred_case, casework, world)
    await caught_up(runtime, casework_ledger)

    sessions = await fetch(runtime, "SELECT number, station_id, recorded_station_id, minutes, notes"
                                    " FROM casework_sessions WHERE case_id = $1 ORDER BY number", case_id)
    reviews = await fetch(runtime, "SELECT station_id, progress FROM casework_reviews WHERE case_id = $1", case_id)
    assert [(s["number"], s["station_id"], s["recorded_station_id"], s["minutes"]) for s in sessions] == [
        (1, world.shayuan, world.jianghai, 50), (2, world.shayuan, world.jianghai, 40),
        (3, world.shayuan, world.shayuan, 30)]
    assert sessions[0]["notes"] == NOTES
    assert reviews[0]["station_id"] == world.shayuan


async def test_a_caseload_lists_what_a_station_holds_now_with_its_goals(
        casework: CaseworkService, world: World, runtime: Runtime, casework_ledger: Ledger) -> None:
    moved = await asyncio.to_thread(a_transferred_case, casework, world)
    stayed = await asyncio.to_thread(open_case, casework, world, service="FAMILY")
    await caught_up(runtime, casework_ledger)

    async with runtime.pool.acquire() as conn:
        jianghai = await caseload(conn, world.jianghai)
        shayuan = await caseload(conn, world.shayuan, status="IN_SERVICE", social_worker_id=world.worker_liang.id)
        due = await caseload(conn, world.shayuan, review_due_by=date(2026, 3, 31))
    assert [r["id"] for r in jianghai] == [stayed]
    assert [r["id"] for r in shayuan] == [moved]
    row = shayuan[0]
    assert (row["sessions"], row["session_minutes"], row["reviews"], row["transfers"]) == (3, 120, 1, 1)
    assert _json(row["previous_station_ids"]) == [str(world.jianghai)]
    assert [(g["number"], g["progress"]) for g in _json(row["goals"])] == [(1, "ON_TRACK"), (2, "AT_RISK")]
    assert due == []  # reviewed 2 March, next due in 90 days


async def test_the_history_and_the_timeline_hold_no_personal_data(
        casework: CaseworkService, world: World, runtime: Runtime, casework_ledger: Ledger) -> None:
    case_id = await asyncio.to_thread(a_transferred_case, casework, world)
    await caught_up(runtime, casework_ledger)

    history = await fetch(runtime, "SELECT kind, details::text AS details, reason FROM casework_case_history"
                                   " WHERE case_id = $1 ORDER BY position", case_id)
    timeline = await fetch(runtime, "SELECT kind, summary FROM client_timeline WHERE stream_id = $1"
                                    " ORDER BY position", case_id)
    assert [h["kind"] for h in history] == [
        "CaseworkCase.Opened", "CaseworkCase.Assessed", "CaseworkCase.PlanAgreed", "CaseworkCase.SessionRecorded",
        "CaseworkCase.SessionRecorded", "CaseworkCase.Reviewed", "CaseworkCase.Transferred",
        "CaseworkCase.SessionRecorded"]
    assert history[6]["reason"] == "居民搬至沙园街"
    assert [t["summary"] for t in timeline] == [
        "Taken into casework (elder services) as a walk-in", "Casework assessment made",
        "Casework service plan 1 agreed: 2 goals, reviewed every 90 days", "Casework session 1: home visit, 50 minutes",
        "Casework session 2: home visit, 40 minutes", "Casework review 1: continue",
        "Casework case transferred to another station", "Casework session 3: office, 30 minutes"]
    for text in [h["details"] for h in history] + [t["summary"] for t in timeline]:
        for secret in (NOTES, "独居长者", "情绪", "睡眠", "到站面谈"):
            assert secret not in text


async def test_a_special_project_is_not_named_on_the_timeline(
        casework: CaseworkService, world: World, runtime: Runtime, casework_ledger: Ledger) -> None:
    case_id = await asyncio.to_thread(open_case, casework, world, service="BEREAVED_PARENTS")
    await caught_up(runtime, casework_ledger)

    assert await fetch(runtime, "SELECT summary FROM client_timeline WHERE stream_id = $1", case_id) == [
        {"summary": "Taken into casework (a special project) as a walk-in"}]


async def test_erasure_blanks_what_was_said_about_the_resident(
        casework: CaseworkService, world: World, runtime: Runtime, casework_ledger: Ledger,
        registry: ResidentRegistry) -> None:
    case_id = await asyncio.to_thread(a_transferred_case, casework, world)
    await asyncio.to_thread(registry.erase_resident, EraseResident(world.wang_fang, "PIPL-2026-0042"),
                            ctx(ADMIN_WANG, reason="本人申请删除"))
    await caught_up(runtime, casework_ledger)

    case = (await fetch(runtime, "SELECT presenting_need, assessment_summary, goal_descriptions, erased, sessions"
                                 " FROM casework_cases WHERE id = $1", case_id))[0]
    assert case == {"presenting_need": None, "assessment_summary": None, "goal_descriptions": None, "erased": True,
                    "sessions": 3}
    assert await fetch(runtime, "SELECT DISTINCT notes, erased FROM casework_sessions WHERE case_id = $1",
                       case_id) == [{"notes": None, "erased": True}]
    assert await fetch(runtime, "SELECT summary FROM casework_reviews WHERE case_id = $1", case_id) == [
        {"summary": None}]
    assert casework.get_case(case_id).sessions == 3  # the case still loads: its events replay with None


async def test_a_social_worker_works_for_the_stations_that_list_them_or_share_their_office(
        world: World, runtime: Runtime, casework_ledger: Ledger) -> None:
    await caught_up(runtime, casework_ledger)

    async with runtime.pool.acquire() as conn:
        by_list = await stations_of(conn, world.worker_he.id, "SOMEWHERE-ELSE")
        by_office = await stations_of(conn, "sw-new-hire", world.jianghai_office)
        nobody = await stations_of(conn, "sw-new-hire", None)
    assert (by_list, by_office, nobody) == ({world.jianghai}, {world.jianghai}, frozenset())


def _json(value: Any) -> Any:
    import orjson

    return orjson.loads(value) if isinstance(value, (str, bytes)) else value
