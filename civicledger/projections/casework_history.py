"""`casework_case_history`: one row per event of a case — what happened, who did it, from which office, why
and when — with the event's fields that are not personal data (never the need, a summary, a goal's words or
a note), so the history needs no masking and nothing to scrub on erasure."""

from __future__ import annotations

from typing import Any

import asyncpg

from civicledger.core.eventstore import codec
from civicledger.domains.casework.case import CaseworkCase
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import AppendProjection

COLUMNS = ("case_id", "position", "version", "kind", "details", "actor_id", "actor_role", "actor_office",
           "reason", "occurred_at")
_NOT_DETAILS = {"originator_id", "originator_version", "originator_topic", "timestamp", "resident_id"}


def details(e: Any) -> str:
    """The event's fields that are not personal data, as a JSON document."""
    personal = set(getattr(type(e), "personal_data", None) or {})
    return codec.dumps({k: v for k, v in vars(e).items() if k not in _NOT_DETAILS and k not in personal}).decode()


class CaseworkHistoryProjection(AppendProjection):
    """Every case's events, oldest first."""

    name = "casework_case_history"
    tables = ("casework_case_history",)
    table = "casework_case_history"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS casework_case_history (case_id uuid NOT NULL, position bigint NOT NULL,"
            " version bigint NOT NULL, kind text NOT NULL, details jsonb NOT NULL, actor_id text, actor_role text,"
            " actor_office text, reason text, occurred_at timestamptz NOT NULL, PRIMARY KEY (case_id, position))")

    @on(CaseworkCase.Opened, CaseworkCase.Assessed, CaseworkCase.PlanAgreed, CaseworkCase.SessionRecorded,
        CaseworkCase.Reviewed, CaseworkCase.SocialWorkerAssigned, CaseworkCase.Transferred, CaseworkCase.Closed)
    def _entry(self, env: Envelope, e: Any) -> tuple[Any, ...]:
        return (env.stream_id, env.position, env.version, env.kind, details(e), env.actor_id, env.actor_role,
                env.actor_office, env.reason, e.timestamp)


async def case_history(conn: asyncpg.Connection, case_id: Any, *, after: int | None = None,
                       limit: int = 50) -> list[asyncpg.Record]:
    """Oldest first, keyset-paged on position. `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM casework_case_history WHERE case_id = $1 AND position > $2"
                            " ORDER BY position LIMIT $3", case_id, after or 0, limit + 1)
