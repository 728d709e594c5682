"""The deliberation read models, built by the real projections (the app's runtime follows the same log): an item
as it stands with its participants, votes and tally, decision, tasks and report; its history stage by stage;
outcome statistics per community and per street; the timeline of residents who take part; PIPL erasure of what
a resident said."""

from __future__ import annotations

import asyncio
from typing import Any

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.domains.deliberation.values import Stage
from civicledger.domains.residents.commands import EraseResident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.projections.deliberation_records import outcome_statistics
from civicledger.runtime import Runtime
from tests.deliberation.conftest import ADMIN_WANG, CASEWORKER_LI, World, ctx, item_at, log_end


async def caught_up(runtime: Runtime, ledger: Ledger) -> None:
    await runtime.positions.wait_for(log_end(ledger), timeout=20)


async def fetch(runtime: Runtime, sql: str, *args: Any) -> list[dict[str, Any]]:
    async with runtime.pool.acquire() as conn:
        return [dict(r) for r in await conn.fetch(sql, *args)]


async def test_an_item_as_it_stands_and_its_history_stage_by_stage(
        service: DeliberationService, world: World, runtime: Runtime, deliberation_ledger: Ledger) -> None:
    item = await asyncio.to_thread(item_at, service, world, Stage.SUPERVISION)
    await caught_up(runtime, deliberation_ledger)

    row = (await fetch(runtime, "SELECT * FROM deliberation_items WHERE id = $1", item))[0]
    history = await fetch(runtime, "SELECT kind, actor_id FROM deliberation_history WHERE item_id = $1"
                                   " ORDER BY position", item)
    assert (row["stage"], row["concluded"], row["community"], row["decision"]) == (
        "SUPERVISION", True, world.community, "ADOPTED")
    assert (row["votes_for"], row["votes_against"], row["abstentions"]) == (2, 0, 0)
    assert '"LAWYER"' in row["participants"] and str(world.wang_fang) in row["participants"]
    assert '"done": true' in row["tasks"] and '"LIFTS_INSTALLED"' in row["outcomes"]
    assert [h["kind"] for h in history] == [
        "AgendaItem.Proposed", "AgendaItem.Prepared", "AgendaItem.ParticipantAdded", "AgendaItem.ParticipantAdded",
        "AgendaItem.ConsultationOpened", "AgendaItem.VoteCast", "AgendaItem.VoteCast", "AgendaItem.Decided",
        "AgendaItem.ExecutionStarted", "AgendaItem.TaskCompleted", "AgendaItem.Supervised"]
    assert {h["actor_id"] for h in history} == {CASEWORKER_LI.id}


def two_supervised_items(service: DeliberationService, w: World) -> None:
    """A lift and a dispute: LIFTS_INSTALLED 1 each, DISPUTES_RESOLVED 3 for the second; and an item still in
    consultation (which counts nothing)."""
    item_at(service, w, Stage.SUPERVISION)
    second = item_at(service, w, Stage.EXECUTION)
    service.complete_deliberation_task(c.CompleteDeliberationTask(second, 1, "已完成"), ctx(CASEWORKER_LI))
    service.report_deliberation_supervision(c.ReportDeliberationSupervision(
        second, "回访满意", (c.OutcomeGiven("LIFTS_INSTALLED", 1), c.OutcomeGiven("DISPUTES_RESOLVED", 3))),
        ctx(CASEWORKER_LI))
    item_at(service, w, Stage.CONSULTATION)


async def test_outcome_statistics_per_community_and_per_street(
        service: DeliberationService, world: World, runtime: Runtime, deliberation_ledger: Ledger) -> None:
    async with runtime.pool.acquire() as conn:
        streets_before = {(r["street"], r["kind"]): r["total"]
                          for r in await outcome_statistics(conn, district="HAIZHU")}

    await asyncio.to_thread(two_supervised_items, service, world)
    await caught_up(runtime, deliberation_ledger)

    async with runtime.pool.acquire() as conn:
        communities = [dict(r) for r in await outcome_statistics(conn, district="HAIZHU", street="江海街")
                       if r["community"] == world.community]
        streets = {(r["street"], r["kind"]): r["total"] for r in await outcome_statistics(conn, district="HAIZHU")}
        tianhe = await outcome_statistics(conn, district="TIANHE", street="江海街")
    assert communities == [
        {"street": "江海街", "community": world.community, "kind": "DISPUTES_RESOLVED", "total": 3, "items": 1},
        {"street": "江海街", "community": world.community, "kind": "LIFTS_INSTALLED", "total": 2, "items": 2}]
    assert streets[("江海街", "LIFTS_INSTALLED")] - streets_before.get(("江海街", "LIFTS_INSTALLED"), 0) == 2
    assert streets[("江海街", "DISPUTES_RESOLVED")] - streets_before.get(("江海街", "DISPUTES_RESOLVED"), 0) == 3
    assert tianhe == []


async def test_residents_who_take_part_see_it_on_their_timeline(
        service: DeliberationService, world: World, runtime: Runtime, deliberation_ledger: Ledger) -> None:
    item = await asyncio.to_thread(item_at, service, world, Stage.SUPERVISION)
    await caught_up(runtime, deliberation_ledger)

    entries = await fetch(runtime, "SELECT resident_id, kind, summary, program FROM client_timeline"
                                   " WHERE stream_id = $1 ORDER BY position", item)
    assert {e["resident_id"] for e in entries} == {world.wang_fang}
    assert [e["kind"] for e in entries] == ["deliberation.participant_added", "deliberation.vote_cast",
                                            "deliberation.item_decided", "deliberation.item_supervised"]
    assert entries[1]["summary"] == "Voted for in a community deliberation"
    assert entries[2]["summary"].endswith("adopted (2 for, 0 against, 0 abstaining)")
    assert all(e["program"] == "deliberation" for e in entries)


async def test_erasure_blanks_what_the_resident_said_and_keeps_what_others_said(
        service: DeliberationService, registry: ResidentRegistry, world: World, runtime: Runtime,
        deliberation_ledger: Ledger) -> None:
    def said() -> Any:
        item = item_at(service, world, Stage.CONSULTATION)
        service.state_deliberation_position(c.StateDeliberationPosition(item, 1, "OPPOSE", "低层采光会受影响"),
                                            ctx(CASEWORKER_LI))
        service.state_deliberation_position(c.StateDeliberationPosition(item, 2, "SUPPORT", "程序合法"),
                                            ctx(CASEWORKER_LI))
        return item

    item = await asyncio.to_thread(said)
    await asyncio.to_thread(registry.erase_resident, EraseResident(world.wang_fang, "PIPL-2026-0099"),
                            ctx(ADMIN_WANG, reason="本人申请删除"))
    await caught_up(runtime, deliberation_ledger)

    positions = await fetch(runtime, "SELECT number, statement, erased FROM deliberation_positions"
                                     " WHERE item_id = $1 ORDER BY number", item)
    assert positions == [{"number": 1, "statement": None, "erased": True},
                         {"number": 2, "statement": "程序合法", "erased": False}]
    assert (await asyncio.to_thread(service.get_item, item)).positions == 2
