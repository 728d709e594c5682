"""A tiny program that exists only in the tests: a neighbour thanks a resident (kudos). It shows that a
program is its own code plus one slice — its command, read model, query and timeline entry work end to end
through GraphQL — without editing any shared file: the test app is given `[*PROGRAMS, KUDOS]`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import strawberry
from strawberry.types import Info

from civicledger.core.access import may_act_in
from civicledger.core.aggregate import CivicAggregate
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.metadata import CommandContext
from civicledger.core.text import free_text
from civicledger.core.timeline import TimelineContribution, entry
from civicledger.graphql.commands import execute
from civicledger.graphql.permissions import CanCommand, CanRead
from civicledger.graphql.relay import uuid_of
from civicledger.projections.base import Envelope, Projection, on
from civicledger.slice import ProgramSlice

# -- domain: aggregate, command, service, timeline ----------------------------------------------------------


class Kudos(CivicAggregate):
    """A thank-you to a resident, from a neighbour, said once."""

    class Given(CivicAggregate.Created):
        resident_id: UUID
        words: str

    @staticmethod
    def give(resident_id: UUID, words: str) -> Kudos:
        return Kudos._create(Kudos.Given, resident_id=resident_id, words=words)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class GiveKudos:
    resident_id: UUID
    words: str


class KudosService(CivicApplication):
    program = "kudos"

    def __init__(self, ledger: Ledger, *, residents: object, clock: object = None) -> None:
        super().__init__(ledger, clock=clock)  # type: ignore[arg-type]
        self.residents = residents

    @handles
    def give_kudos(self, cmd: GiveKudos, ctx: CommandContext) -> Recorded:
        resident = self.residents.get_resident(cmd.resident_id)  # type: ignore[attr-defined]
        may_act_in(ctx.actor, resident.district)
        kudos = Kudos.give(cmd.resident_id, free_text(cmd.words, "words", max_length=200))
        return self._save(kudos, ctx=ctx, command=cmd)


TIMELINE = TimelineContribution(program="kudos", rules={
    Kudos.Given: lambda e: entry(e.resident_id, "kudos.given", "Thanked by a neighbour"),
})


# -- read model -------------------------------------------------------------------------------------------


class KudosCountsProjection(Projection):
    """`test_kudos_counts`: how often each resident was thanked."""

    name = "test_kudos_counts"
    tables = ("test_kudos_counts",)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute("CREATE TABLE IF NOT EXISTS test_kudos_counts (resident_id uuid PRIMARY KEY,"
                           " count int NOT NULL)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        counts: dict[UUID, int] = {}
        for env in batch:
            self.dispatch(env, counts)
        await conn.executemany(
            "INSERT INTO test_kudos_counts VALUES ($1, $2) ON CONFLICT (resident_id)"
            " DO UPDATE SET count = test_kudos_counts.count + EXCLUDED.count", list(counts.items()))

    @on(Kudos.Given)
    def _given(self, counts: dict[UUID, int], env: Envelope, e: Kudos.Given) -> None:
        counts[e.resident_id] = counts.get(e.resident_id, 0) + 1


# -- GraphQL ------------------------------------------------------------------------------------------------


@strawberry.input(name="GiveKudosInput")
class GiveKudosInput:
    resident_id: strawberry.ID
    words: str
    idempotency_key: str | None = None

    def to_command(self) -> GiveKudos:
        return GiveKudos(uuid_of(self.resident_id, "Resident"), self.words)


@strawberry.type(name="GiveKudosPayload")
class GiveKudosPayload:
    position: int

    @strawberry.field
    async def count(self, info: Info, resident_id: strawberry.ID) -> int:
        await info.context.runtime.positions.wait_for(self.position, timeout=5)
        return await _count(info, uuid_of(resident_id, "Resident"))


async def _count(info: Info, resident_id: UUID) -> int:
    async with info.context.runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT coalesce(max(count), 0) FROM test_kudos_counts"
                                       " WHERE resident_id = $1", resident_id))


@strawberry.type
class KudosQueries:
    @strawberry.field(permission_classes=[CanRead])
    async def kudos_count(self, info: Info, resident_id: strawberry.ID) -> int:
        return await _count(info, uuid_of(resident_id, "Resident"))


@strawberry.type
class KudosMutations:
    @strawberry.mutation(permission_classes=[CanCommand])
    async def give_kudos(self, info: Info, input: GiveKudosInput) -> GiveKudosPayload:
        recorded = await execute(info, input)
        return GiveKudosPayload(position=recorded.position)


# -- the slice: the one line a real program adds to civicledger.programs.PROGRAMS -----------------------------

KUDOS = ProgramSlice(
    name="kudos",
    description="test-only: thanks between neighbours",
    service=lambda w: KudosService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(KudosCountsProjection,),
    query=KudosQueries,
    mutation=KudosMutations,
    timeline=TIMELINE,
)
