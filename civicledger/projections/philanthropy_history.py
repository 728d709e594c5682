"""`philanthropy_history`: one row per event of a proposal — what happened, who did it, from which office, why and
when — with the event's fields, less the resident of a beneficiary's enrolment (who took part shows on
that resident's own timeline, where the reader's right to see the resident is checked)."""

from __future__ import annotations

from typing import Any

import asyncpg

from civicledger.core.eventstore import codec
from civicledger.domains.philanthropy.proposal import Proposal
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import AppendProjection

COLUMNS = ("proposal_id", "position", "version", "kind", "details", "actor_id", "actor_role", "actor_office",
           "reason", "occurred_at")
_NOT_DETAILS = {"originator_id", "originator_version", "originator_topic", "timestamp", "resident_id"}


class PhilanthropyHistoryProjection(AppendProjection):
    """Every proposal's events, oldest first."""

    name = "philanthropy_history"
    tables = ("philanthropy_history",)
    table = "philanthropy_history"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS philanthropy_history (proposal_id uuid NOT NULL, position bigint NOT NULL,"
            " version bigint NOT NULL, kind text NOT NULL, details jsonb NOT NULL, actor_id text, actor_role text,"
            " actor_office text, reason text, occurred_at timestamptz NOT NULL, PRIMARY KEY (proposal_id, position))")

    @on(Proposal.Submitted, Proposal.EligibilityChecked, Proposal.ConflictDeclared, Proposal.Reviewed,
        Proposal.Ranked, Proposal.Awarded, Proposal.Rejected, Proposal.MilestoneReached,
        Proposal.BeneficiaryEnrolled, Proposal.Disbursed, Proposal.Evaluated, Proposal.Closed)
    def _entry(self, env: Envelope, e: Any) -> tuple[Any, ...]:
        details = codec.dumps({k: v for k, v in vars(e).items() if k not in _NOT_DETAILS}).decode()
        return (env.stream_id, env.position, env.version, env.kind, details, env.actor_id, env.actor_role,
                env.actor_office, env.reason, e.timestamp)


async def proposal_history(conn: asyncpg.Connection, proposal_id: Any, *, after: int | None = None,
                           limit: int = 20) -> list[asyncpg.Record]:
    """Oldest first, keyset-paged on position; `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM philanthropy_history WHERE proposal_id = $1 AND position > $2"
                            " ORDER BY position LIMIT $3", proposal_id, after or 0, limit + 1)
