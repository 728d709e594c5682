"""Shared by the inspection tests: a small recorded world, on its own database when a test destroys things."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from civicledger.core.db import ConnectionParams
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.commands import (
    AddHouseholdMember,
    ChangeAddress,
    CorrectResidentDetails,
    EstablishHousehold,
    RegisterResident,
)
from civicledger.domains.residents.errors import ResidentIdNumberTakenError
from civicledger.inspection.checkpoints import Checkpoint, load_checkpoints
from civicledger.runtime import Runtime
from tests.conftest import make_settings, new_id_number

CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
CASEWORKER_ZHANG = Actor(id="cw-zhang", role="caseworker", office="TIANHE-SHIPAI-STATION", district="TIANHE")
DATA_PROTECTION_OFFICER = Actor(id="dpo-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
PURPOSE = {"X-Access-Purpose": "complaint 2026-114 review"}


def ctx(actor: Actor = CASEWORKER_LI, reason: str | None = "intake", **kw: Any) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, origin="test", **kw)


@dataclass
class World:
    """Residents (the first with a corrected phone and a new address, the third moved to Tianhe), a household,
    and one failed append (a gap in the positions)."""

    residents: list[uuid.UUID] = field(default_factory=list)
    household: uuid.UUID | None = None
    gap: int | None = None


def record_world(runtime: Runtime, residents: int = 4) -> World:
    registry = runtime.services.residents
    world = World()
    numbers = [new_id_number() for _ in range(residents)]
    for i, number in enumerate(numbers):
        world.residents.append(registry.register_resident(
            RegisterResident(name=f"测试{i}", id_number=number, district="HAIZHU", street="江海街",
                             community="红卫社区", phone="13800138000"), ctx()).stream_id)
    # A failed append (the ID number is taken) uses up a position: a legitimate gap in the log.
    with contextlib.suppress(ResidentIdNumberTakenError):
        registry.register_resident(RegisterResident(name="重复", id_number=numbers[0], district="HAIZHU",
                                                    street="江海街", community="红卫社区"), ctx())
    first = world.residents[0]
    registry.correct_resident_details(CorrectResidentDetails(first, phone="13900139000"), ctx(reason="typo"))
    registry.change_address(ChangeAddress(first, "HAIZHU", "南华西街", "同福社区"), ctx(reason="moved"))
    world.household = registry.establish_household(EstablishHousehold(first), ctx()).stream_id
    registry.add_household_member(AddHouseholdMember(world.household, world.residents[1], "SPOUSE"), ctx())
    # A move to another district is recorded by the office of the district the resident leaves.
    registry.change_address(ChangeAddress(world.residents[2], "TIANHE", "石牌街", "华师社区"),
                            ctx(CASEWORKER_LI, reason="moved"))
    return world


@contextlib.asynccontextmanager
async def runtime_on(params: ConnectionParams, **settings: Any) -> AsyncIterator[Runtime]:
    runtime = Runtime(make_settings(**settings), params)
    await runtime.start(run_projections=False)
    try:
        yield runtime
    finally:
        await runtime.close()


async def seal_everything(runtime: Runtime, timeout: float = 20.0) -> list[Checkpoint]:
    """Seal until the checkpoints cover the whole log (whoever seals: a runtime with projections runs its own
    sealer too); every checkpoint, in order. Sealing stops at the safe horizon, which any open transaction on
    the server (other tests, other databases) holds back for a moment."""
    assert runtime.inspection is not None and runtime.pool is not None
    newest = (await sql(runtime, "SELECT max(notification_id) AS p FROM events"))[0]["p"] or 0
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await runtime.inspection.seal()
        latest = await runtime.inspection.latest_checkpoint()
        if latest is not None and latest.position >= newest:
            async with runtime.pool.acquire() as conn:
                return await load_checkpoints(conn)
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the log's safe horizon did not move")
        await asyncio.sleep(0.05)


async def sql(runtime: Runtime, statement: str, *args: Any) -> Any:
    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        return await conn.fetch(statement, *args)


async def row_at(runtime: Runtime, stream_id: uuid.UUID, version: int) -> Any:
    rows = await sql(runtime, "SELECT * FROM events WHERE originator_id = $1 AND originator_version = $2",
                     stream_id, version)
    return rows[0]


def kinds_and_places(report: Any) -> set[tuple[str, uuid.UUID | None, int | None, int | None]]:
    return {(f.kind, f.stream_id, f.version, f.position) for f in report.findings}
