"""SLA deadlines, followed by an injected clock: a referral nobody accepts in time, or nobody completes in
time, is escalated to the street office once per deadline and assignment — running the sweep again changes
nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from civicledger.core.clock import FixedClock
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.referral import Deadline
from civicledger.domains.linkage.services import LinkageService
from civicledger.processes.linkage_sla import EscalationSweep
from civicledger.runtime import Runtime
from civicledger.slice import ProcessWiring, Services
from tests.linkage.conftest import World, collect, ctx, log_end, refer


def escalations(linkage: LinkageService, referral: object) -> set[tuple[Deadline, int]]:
    return set(linkage.get_referral(referral).escalations)  # type: ignore[arg-type]


def test_an_unanswered_referral_escalates_once_when_its_accept_deadline_passes(
        linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    referral = refer(linkage, world, collect(linkage, world, sub_item="ELDERLY_HOME_CARE"))  # accept within 48 h
    clock.advance(timedelta(hours=47, minutes=59))
    assert linkage.sweep_overdue([referral]) == []

    clock.advance(timedelta(minutes=1))
    first = linkage.sweep_overdue([referral])
    end = log_end(linkage_ledger)
    again = linkage.sweep_overdue([referral])

    assert len(first) == 1 and not first[0].replayed
    assert again == [] and log_end(linkage_ledger) == end
    assert escalations(linkage, referral) == {(Deadline.ACCEPT, 1)}
    with linkage_ledger.datastore.get_connection() as conn:
        row = conn.execute("SELECT actor_id, idempotency_key, reason FROM events WHERE notification_id = %s",
                           (first[0].position,)).fetchone()
    assert row["actor_id"] == "linkage-sla-sweep"
    assert row["idempotency_key"] == f"sla:{referral}:ACCEPT:1"


def test_an_escalation_replayed_by_its_key_writes_nothing(
        linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    referral = refer(linkage, world, collect(linkage, world))
    clock.advance(timedelta(days=3))
    key = ctx(world.committee_staff, key=f"manual-escalation-{referral}")
    first = linkage.escalate_overdue_referral(c.EscalateOverdueReferral(referral), key)
    end = log_end(linkage_ledger)

    replay = linkage.escalate_overdue_referral(c.EscalateOverdueReferral(referral), key)

    assert replay.replayed and replay.position == first.position and log_end(linkage_ledger) == end


def test_work_not_completed_in_time_escalates_and_a_decline_does_not_stop_the_accept_clock(
        linkage: LinkageService, world: World, clock: FixedClock) -> None:
    late = refer(linkage, world, collect(linkage, world))
    stuck = refer(linkage, world, collect(linkage, world, resident=world.other_resident))
    linkage.accept_referral(c.AcceptReferral(late), ctx(world.org_staff))  # complete within 14 days
    linkage.decline_referral(c.DeclineReferral(stuck, "名额已满"), ctx(world.org_staff))

    clock.advance(timedelta(days=14, hours=1))
    linkage.sweep_overdue([late, stuck])
    linkage.sweep_overdue([late, stuck])

    assert escalations(linkage, late) == {(Deadline.COMPLETE, 1)}
    assert escalations(linkage, stuck) == {(Deadline.ACCEPT, 1)}


def test_urgent_needs_get_half_the_deadline_and_a_reassignment_restarts_it(
        linkage: LinkageService, world: World, clock: FixedClock) -> None:
    need = collect(linkage, world, sub_item="SAFETY_HAZARDS", urgency="URGENT")  # 8 h, halved: 4 h
    referral = refer(linkage, world, need, organisation=world.committee)
    clock.advance(timedelta(hours=4))
    linkage.sweep_overdue([referral])
    linkage.decline_referral(c.DeclineReferral(referral, "需物业公司处理"), ctx(world.committee_staff))
    linkage.reassign_referral(c.ReassignReferral(referral, world.other_org, deviation_reason="物业纠纷需专业调解"),
                              ctx(world.committee_staff, reason="转介"))

    clock.advance(timedelta(hours=3, minutes=59))
    linkage.sweep_overdue([referral])
    assert escalations(linkage, referral) == {(Deadline.ACCEPT, 1)}
    clock.advance(timedelta(minutes=1))
    linkage.sweep_overdue([referral])
    assert escalations(linkage, referral) == {(Deadline.ACCEPT, 1), (Deadline.ACCEPT, 2)}


async def test_the_worker_sweep_finds_candidates_in_the_read_model_and_reruns_write_nothing(
        runtime: Runtime, linkage: LinkageService, world: World, clock: FixedClock, linkage_ledger: Ledger) -> None:
    referral = await asyncio.to_thread(lambda: refer(linkage, world, collect(linkage, world)))
    await runtime.positions.wait_for(log_end(linkage_ledger), timeout=10, names=["linkage_referrals"])
    clock.advance(timedelta(days=2, minutes=1))
    sweep = EscalationSweep(ProcessWiring.over(Services(linkage=linkage), mapper=linkage_ledger.mapper,
                                               pool=runtime.pool, clock=clock))

    first = await sweep.sweep_once()
    end = log_end(linkage_ledger)
    second = await sweep.sweep_once()  # the read model may still show the referral unescalated

    assert referral in {r.stream_id for r in first}
    assert all(r.replayed for r in second) and log_end(linkage_ledger) == end
    await runtime.positions.wait_for(end, timeout=10, names=["linkage_referrals"])
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT escalations FROM linkage_referrals WHERE id = $1", referral)
    assert row["escalations"] == '["ACCEPT:1"]'
