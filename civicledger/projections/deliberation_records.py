"""Three append-only read models of deliberation, each one row per event of one kind:

- `deliberation_history`: every event of an item — what happened (its stage), who, from which office, why,
  when — with the event's fields that are not personal data;
- `deliberation_positions`: what each participant said in consultation; a resident's statement is theirs
  (sealed in the log, blanked here when they are erased);
- `deliberation_outcomes`: what each supervised item achieved, counted by kind, with its community and street —
  what the outcome statistics sum."""

from __future__ import annotations

from typing import Any

import asyncpg

from civicledger.core.eventstore import codec
from civicledger.domains.deliberation.item import AgendaItem
from civicledger.projections.base import Envelope, PersonalColumns, on
from civicledger.projections.rows import AppendProjection

_NOT_DETAILS = {"originator_id", "originator_version", "originator_topic", "timestamp", "resident_ids"}


def details(e: Any) -> str:
    personal = set(getattr(type(e), "personal_data", None) or {})
    return codec.dumps({k: v for k, v in vars(e).items() if k not in _NOT_DETAILS and k not in personal}).decode()


class DeliberationHistoryProjection(AppendProjection):
    """Every item's events, oldest first: its stages and everything done within them."""

    name = "deliberation_history"
    tables = ("deliberation_history",)
    table = "deliberation_history"
    columns = ("item_id", "position", "version", "kind", "details", "actor_id", "actor_role", "actor_office",
               "reason", "occurred_at")

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS deliberation_history (item_id uuid NOT NULL, position bigint NOT NULL,"
            " version bigint NOT NULL, kind text NOT NULL, details jsonb NOT NULL, actor_id text, actor_role text,"
            " actor_office text, reason text, occurred_at timestamptz NOT NULL, PRIMARY KEY (item_id, position))")

    @on(AgendaItem.Proposed, AgendaItem.Prepared, AgendaItem.ParticipantAdded, AgendaItem.ConsultationOpened,
        AgendaItem.PositionStated, AgendaItem.VoteCast, AgendaItem.Decided, AgendaItem.ExecutionStarted,
        AgendaItem.TaskCompleted, AgendaItem.Supervised)
    def _entry(self, env: Envelope, e: Any) -> tuple[Any, ...]:
        return (env.stream_id, env.position, env.version, env.kind, details(e), env.actor_id, env.actor_role,
                env.actor_office, env.reason, e.timestamp)


class DeliberationPositionsProjection(AppendProjection):
    """Positions stated in consultation, in the order they were stated."""

    name = "deliberation_positions"
    tables = ("deliberation_positions",)
    table = "deliberation_positions"
    columns = ("item_id", "number", "participant", "resident_id", "stance", "statement", "stated_at", "position",
               "erased")
    personal_columns = (PersonalColumns("deliberation_positions", "resident_id", ("statement",),
                                        erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS deliberation_positions (item_id uuid NOT NULL, number int NOT NULL,"
            " participant int NOT NULL, resident_id uuid, stance text NOT NULL, statement text,"
            " stated_at timestamptz NOT NULL, position bigint NOT NULL, erased boolean NOT NULL DEFAULT false,"
            " PRIMARY KEY (item_id, number))")

    @on(AgendaItem.PositionStated)
    def _stated(self, env: Envelope, e: AgendaItem.PositionStated) -> tuple[Any, ...]:
        return (env.stream_id, e.number, e.participant, e.resident_id, e.stance.value, e.statement, e.timestamp,
                env.position, False)


class DeliberationOutcomesProjection(AppendProjection):
    """What supervised items achieved, one row per item and kind of outcome."""

    name = "deliberation_outcomes"
    tables = ("deliberation_outcomes",)
    table = "deliberation_outcomes"
    columns = ("item_id", "kind", "count", "district", "street", "community", "reported_on", "position")

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS deliberation_outcomes (item_id uuid NOT NULL, kind text NOT NULL,"
            " count int NOT NULL, district text NOT NULL, street text NOT NULL, community text NOT NULL,"
            " reported_on date NOT NULL, position bigint NOT NULL, PRIMARY KEY (item_id, kind))")
        await conn.execute("CREATE INDEX IF NOT EXISTS deliberation_outcomes_place_idx"
                           " ON deliberation_outcomes (district, street, community)")

    @on(AgendaItem.Supervised)
    def _supervised(self, env: Envelope, e: AgendaItem.Supervised) -> list[tuple[Any, ...]]:
        return [(env.stream_id, o.kind.value, o.count, e.district, e.street, e.community, e.reported_on,
                 env.position) for o in e.outcomes]


async def item_history(conn: asyncpg.Connection, item_id: Any, *, after: int | None = None,
                       limit: int = 50) -> list[asyncpg.Record]:
    """Oldest first, keyset-paged on position. `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM deliberation_history WHERE item_id = $1 AND position > $2"
                            " ORDER BY position LIMIT $3", item_id, after or 0, limit + 1)


async def item_positions(conn: asyncpg.Connection, item_id: Any, *, after: int | None = None,
                         limit: int = 20) -> list[asyncpg.Record]:
    """In the order stated, keyset-paged on number. `limit + 1` rows."""
    return await conn.fetch("SELECT p.*, i.district FROM deliberation_positions p JOIN deliberation_items i"
                            " ON i.id = p.item_id WHERE p.item_id = $1 AND p.number > $2 ORDER BY p.number LIMIT $3",
                            item_id, after or 0, limit + 1)


async def outcome_statistics(conn: asyncpg.Connection, *, district: str, street: str | None = None,
                             offset: int = 0, limit: int | None = None) -> list[asyncpg.Record]:
    """Outcome counts by kind: per street of a district, or per community of one street (with `street`); a page of
    them from `offset` (the rows' order is total: place, then kind)."""
    place = "community" if street is not None else "street"
    return await conn.fetch(
        f"SELECT street, {'community' if street is not None else 'NULL::text'} AS community, kind,"
        f" sum(count)::bigint AS total, count(DISTINCT item_id)::int AS items FROM deliberation_outcomes"
        f" WHERE district = $1 AND ($2::text IS NULL OR street = $2) GROUP BY street, {place}, kind"
        f" ORDER BY street, {place}, kind OFFSET $3 LIMIT $4", district, street, offset, limit)
