"""Assistance fixtures: a database per module (standards are city-wide state), the registry and the
assistance service on one ledger, a fixed clock in 2018, and the simulated bureau data service."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import asyncpg
import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.assistance.verification import RetryPolicy, SimulatedBureauDataService
from civicledger.domains.residents import commands as rc
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.projections.runner import ProjectionRunner
from tests.conftest import MASTER_KEY, new_id_number
from tests.dbutil import fresh_database

CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
CASEWORKER_HE = Actor(id="cw-he", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
SUPERVISOR_HUANG = Actor(id="sup-huang", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
NO_WAIT = RetryPolicy(attempts=3, backoff_seconds=0)


def caseworker_of(district: str) -> Actor:
    return CASEWORKER_LI if district == "HAIZHU" else Actor(id=f"cw-{district.lower()}", role="caseworker",
                                                             office=f"{district}-STATION", district=district)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def ctx(actor: Actor = CASEWORKER_LI, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


class World:
    """One database's write side: registry, assistance service, clock and bureau."""

    def __init__(self, params: ConnectionParams) -> None:
        self.params = params
        self.ledger = Ledger(params, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=6, max_overflow=6)
        self.clock = FixedClock(at(2018, 3, 5))
        self.bureau = SimulatedBureauDataService()
        self.registry = ResidentRegistry(self.ledger, clock=self.clock)
        self.service = AssistanceService(self.ledger, registry=self.registry, clock=self.clock, bureau=self.bureau,
                                         retry=NO_WAIT)
        self.districts: dict[UUID, str] = {}  # households and cases made here outside Haizhu, by id

    def household(self, size: int = 3, district: str = "HAIZHU", street: str = "江海街") -> tuple[UUID, list[UUID]]:
        names = ["王芳", "李伟", "李小明", "李小红", "王秀英", "李建国"]
        local = ctx(caseworker_of(district))
        ids = [self.registry.register_resident(rc.RegisterResident(
            name=names[i % len(names)], id_number=new_id_number(), district=district, street=street,
            community="红卫社区"), local).stream_id for i in range(size)]
        household = self.registry.establish_household(rc.EstablishHousehold(head_id=ids[0]), local).stream_id
        for rid, relation in zip(ids[1:], ["SPOUSE", "CHILD", "CHILD", "PARENT", "PARENT"], strict=False):
            self.registry.add_household_member(rc.AddHouseholdMember(household, rid, relation), local)
        self.districts[household] = district
        return household, ids

    def event_count(self) -> int:
        with self.ledger.datastore.get_connection() as conn:
            return int(conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"])

    def events_of(self, stream_id: UUID) -> list[str]:
        with self.ledger.datastore.get_connection() as conn:
            rows = conn.execute("SELECT topic FROM events WHERE originator_id = %s ORDER BY originator_version",
                                (stream_id,)).fetchall()
        return [r["topic"].rsplit(".", 1)[-1] for r in rows]

    def close(self) -> None:
        self.ledger.close()


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with fresh_database("civicledger_assistance") as params:
        w = World(params)
        w.service.seed_guangzhou_standards(ctx(ADMIN_WANG, "Guangzhou standards as published"))
        yield w
        w.close()


@pytest.fixture
def fresh_world() -> Iterator[World]:
    """A database of its own, with no standards yet: for tests that publish the 2018 change themselves."""
    with fresh_database("civicledger_assistance_fresh") as params:
        w = World(params)
        yield w
        w.close()


async def catch_up_with_the_log(runner: ProjectionRunner, pool: asyncpg.Pool) -> None:
    """Catch up until every event written so far is behind us. The safe horizon of the log can lag while
    any transaction on the server is open (other test sessions share it), so wait for it, never assume it."""
    async with pool.acquire() as conn:
        last = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM events")
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        await runner.catch_up()
        if all(runner.positions.get(p.name, 0) >= last for p in runner.projections):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the log's safe horizon did not reach {last}")
        await asyncio.sleep(0.02)
