"""`assistance_standards`: every published revision of every program's standard, with who published it,
when, why, and whether it corrected history."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from civicledger.domains.assistance.standard import PROGRAM_OF_STREAM, AssistanceStandard
from civicledger.projections.base import Envelope, Projection, topics_of
from civicledger.projections.sql import copy_rows

COLUMNS = ("program", "revision", "effective_from", "amount", "asset_limit_per_person", "share", "correction_reason",
           "published_by", "published_at", "reason", "position")


class AssistanceStandardsProjection(Projection):
    """Standards history, one row per revision."""

    name = "assistance_standards"
    tables = ("assistance_standards",)
    topics = topics_of(AssistanceStandard.RevisionPublished)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_standards (program text NOT NULL, revision int NOT NULL,"
            " effective_from date NOT NULL, amount numeric NOT NULL, asset_limit_per_person numeric, share numeric,"
            " correction_reason text, published_by text, published_at timestamptz NOT NULL, reason text,"
            " position bigint NOT NULL, PRIMARY KEY (program, revision))"
        )

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        records = []
        for env in batch:
            e, program = env.event, PROGRAM_OF_STREAM.get(env.stream_id)
            if program is None:
                continue
            r = e.revision
            records.append((program.value, r.revision, r.effective_from, r.amount, r.asset_limit_per_person, r.share,
                            e.correction_reason, e.published_by, e.timestamp, env.reason, env.position))
        await copy_rows(conn, "assistance_standards", COLUMNS, records)


async def standards_history(conn: asyncpg.Connection, program: str | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM assistance_standards WHERE ($1::text IS NULL OR program = $1) ORDER BY program, revision",
        program)
