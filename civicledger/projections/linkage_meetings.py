"""`linkage_meetings`: three-party meetings per community, with attendees, referrals discussed and decisions
(the tasks they gave out are in `linkage_tasks`, by `meeting_id`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.linkage.meeting import ThreePartyMeeting
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import AppendProjection

COLUMNS = ("id", "seq", "community_id", "held_on", "attendees", "referrals_discussed", "decisions", "recorded_by",
           "recorded_at")


class LinkageMeetingsProjection(AppendProjection):
    """One row per meeting; a meeting record never changes."""

    name = "linkage_meetings"
    tables = ("linkage_meetings",)
    table = "linkage_meetings"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS linkage_meetings ("
            " id uuid PRIMARY KEY, seq bigint NOT NULL, community_id uuid NOT NULL, held_on date NOT NULL,"
            " attendees jsonb NOT NULL, referrals_discussed uuid[] NOT NULL, decisions jsonb NOT NULL,"
            " recorded_by text NOT NULL, recorded_at timestamptz NOT NULL)"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_meetings_community_idx"
                           " ON linkage_meetings (community_id, seq)")

    @on(ThreePartyMeeting.Held)
    def _held(self, env: Envelope, e: ThreePartyMeeting.Held) -> tuple[Any, ...]:
        attendees = [{"organisationId": str(a.organisation_id), "party": a.party.value, "staffId": a.staff_id}
                     for a in e.attendees]
        return (env.stream_id, env.position, e.community_id, e.held_on, json.dumps(attendees, ensure_ascii=False),
                list(e.referrals_discussed), json.dumps(list(e.decisions), ensure_ascii=False), e.recorded_by,
                e.timestamp)


async def meetings_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM linkage_meetings WHERE id = ANY($1)", list(ids))


async def meetings_of(conn: asyncpg.Connection, community_id: Any, *, before_seq: int | None = None,
                      limit: int = 20) -> list[asyncpg.Record]:
    """Newest first; `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM linkage_meetings WHERE community_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
        community_id, before_seq or 2**62, limit + 1)
