"""Projections: a crash mid-run resumes with nothing lost or doubled, equal to a clean rebuild; two
runners on the same read model never apply a batch twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.programs import read_models
from civicledger.projections.residents import ResidentsProjection
from civicledger.projections.runner import ProjectionRunner, rebuild
from civicledger.runtime import Services
from tests.conftest import MASTER_KEY, new_id_number

SNAPSHOTS = {
    "residents": "SELECT id, version, seq, name, id_number, phone, district, street, community, household_id,"
                 " relationship, position FROM residents ORDER BY id",
    "households": "SELECT id, version, head_id, members, size, position FROM households ORDER BY id",
    "client_timeline": "SELECT * FROM client_timeline ORDER BY resident_id, position",
}


class Crash(Exception):
    pass


@pytest_asyncio.fixture
async def loaded(scratch_db: ConnectionParams) -> AsyncIterator[tuple[Ledger, asyncpg.Pool]]:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32)
    registry = ResidentRegistry(ledger)
    services = Services(residents=registry, assistance=AssistanceService(ledger, registry=registry))
    await asyncio.to_thread(demo.load, services, 240)
    pool = await asyncpg.create_pool(scratch_db.url, min_size=2, max_size=8)
    yield ledger, pool
    await pool.close()
    ledger.close()


def runner_for(ledger: Ledger, pool: asyncpg.Pool, batch_size: int = 37) -> ProjectionRunner:
    return ProjectionRunner(pool, ledger.mapper, ledger.keyring, read_models(ledger.mapper), batch_size=batch_size)


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[Any]]:
    async with pool.acquire() as conn:
        return {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in SNAPSHOTS.items()}


async def test_a_crash_mid_batch_resumes_to_the_same_state_as_a_clean_rebuild(
        loaded: tuple[Ledger, asyncpg.Pool], monkeypatch: pytest.MonkeyPatch) -> None:
    ledger, pool = loaded
    first = runner_for(ledger, pool)
    await first.create_tables()
    original = ResidentsProjection.apply
    calls = {"n": 0}

    async def crashing_apply(self: ResidentsProjection, conn: asyncpg.Connection, batch: Any) -> None:
        calls["n"] += 1
        await original(self, conn, batch)  # rows written inside the transaction ...
        if calls["n"] == 4:
            raise Crash("power cut")  # ... and lost with it, tracking included

    monkeypatch.setattr(ResidentsProjection, "apply", crashing_apply)
    with pytest.raises(Crash):
        await first.catch_up()
    monkeypatch.setattr(ResidentsProjection, "apply", original)
    async with pool.acquire() as conn:
        stopped_at = await conn.fetchval(
            "SELECT notification_id FROM projection_tracking WHERE application_name = 'residents'")
    assert 0 < stopped_at < await first.log_horizon()

    resumed = runner_for(ledger, pool, batch_size=53)
    await resumed.load_positions()
    await resumed.catch_up()
    after_resume = await snapshot(pool)
    await rebuild(runner_for(ledger, pool, batch_size=500))
    after_rebuild = await snapshot(pool)

    assert after_resume == after_rebuild
    assert len(after_rebuild["residents"]) == 240


async def test_two_runners_on_one_read_model_never_double_apply(loaded: tuple[Ledger, asyncpg.Pool]) -> None:
    ledger, pool = loaded
    a, b = runner_for(ledger, pool, batch_size=29), runner_for(ledger, pool, batch_size=31)
    await a.create_tables()
    await b.load_positions()

    await asyncio.gather(a.catch_up(), b.catch_up())
    concurrent = await snapshot(pool)
    await rebuild(runner_for(ledger, pool, batch_size=1000))

    assert concurrent == await snapshot(pool)


async def test_events_written_while_a_rebuild_runs_are_applied_once(loaded: tuple[Ledger, asyncpg.Pool]) -> None:
    ledger, pool = loaded
    runner = runner_for(ledger, pool, batch_size=100_000)  # the whole log in one (last) batch
    await runner.create_tables()
    await runner.catch_up()
    measured = runner.log_horizon

    async def horizon_then_a_write() -> int:
        horizon = await measured()  # the rebuild's target is measured ...
        registry = ResidentRegistry(ledger)
        for _ in range(3):  # ... then more is written
            await asyncio.to_thread(
                registry.register_resident,
                RegisterResident(name="新来", id_number=new_id_number(), district="HAIZHU", street="江海街",
                                 community="红卫社区"),
                CommandContext(actor=Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION",
                                           district="HAIZHU"), origin="test"))
        return horizon

    runner.log_horizon = horizon_then_a_write  # type: ignore[method-assign]
    await rebuild(runner)
    runner.log_horizon = measured  # type: ignore[method-assign]
    await runner.catch_up()  # the followers take over where the rebuild stopped

    async with pool.acquire() as conn:
        logged, events = await conn.fetchval("SELECT count(*) FROM audit_log"), await conn.fetchval(
            "SELECT count(*) FROM events")
        residents = await conn.fetchval("SELECT count(*) FROM residents")
    assert logged == events and residents == 243
