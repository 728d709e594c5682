"""`assistance_standards`: every published revision of every program's standard, with who published it,
when, why, and whether it corrected history."""

from __future__ import annotations

from typing import Any

import asyncpg

from civicledger.domains.assistance.standard import PROGRAM_OF_STREAM, AssistanceStandard
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import AppendProjection

COLUMNS = ("program", "revision", "effective_from", "amount", "asset_limit_per_person", "share", "correction_reason",
           "published_by", "published_at", "reason", "position")


class AssistanceStandardsProjection(AppendProjection):
    """Standards history, one row per revision."""

    name = "assistance_standards"
    tables = ("assistance_standards",)
    table = "assistance_standards"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_standards (program text NOT NULL, revision int NOT NULL,"
            " effective_from date NOT NULL, amount numeric NOT NULL, asset_limit_per_person numeric, share numeric,"
            " correction_reason text, published_by text, published_at timestamptz NOT NULL, reason text,"
            " position bigint NOT NULL, PRIMARY KEY (program, revision))"
        )

    @on(AssistanceStandard.RevisionPublished)
    def _published(self, env: Envelope, e: AssistanceStandard.RevisionPublished) -> tuple[Any, ...] | None:
        program = PROGRAM_OF_STREAM.get(env.stream_id)
        if program is None:
            return None
        r = e.revision
        return (program.value, r.revision, r.effective_from, r.amount, r.asset_limit_per_person, r.share,
                e.correction_reason, e.published_by, e.timestamp, env.reason, env.position)


async def standards_history(conn: asyncpg.Connection, program: str | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM assistance_standards WHERE ($1::text IS NULL OR program = $1) ORDER BY program, revision",
        program)
