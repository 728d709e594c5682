"""`linkage_tasks`: the work items under referrals, with owner, due date and progress.

`last_note` and `outcome` are about the resident: blanked when the resident is erased."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.linkage.task import LinkageTask, TaskStatus
from civicledger.projections.base import Envelope, PersonalColumns, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "referral_id": "uuid", "assignment": "int",
    "resident_id": "uuid", "community_id": "uuid", "title": "text", "owner_organisation_id": "uuid",
    "owner_party": "text", "owner_staff_id": "text", "due_on": "date", "meeting_id": "uuid", "status": "text",
    "notes": "int", "last_note": "text", "last_note_at": "timestamptz", "outcome": "text", "opened_by": "text",
    "opened_at": "timestamptz", "completed_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
    "erased": "boolean",
}


class LinkageTasksProjection(RowProjection):
    """Tasks as they stand: open or completed, with the number of progress notes and the latest one."""

    name = "linkage_tasks"
    tables = ("linkage_tasks",)
    table = "linkage_tasks"
    columns = COLUMNS
    personal_columns = (PersonalColumns("linkage_tasks", "resident_id", ("last_note", "outcome"),
                                        erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        columns = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS linkage_tasks ({columns})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS linkage_tasks_seq_idx ON linkage_tasks (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_tasks_referral_idx ON linkage_tasks (referral_id, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_tasks_owner_idx"
                           " ON linkage_tasks (owner_organisation_id, status, due_on)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_tasks_staff_idx"
                           " ON linkage_tasks (owner_staff_id, status)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_tasks_meeting_idx ON linkage_tasks (meeting_id)")

    @on(LinkageTask.Opened)
    def _opened(self, rows: Rows, env: Envelope, e: LinkageTask.Opened) -> None:
        rows.new(env.stream_id, **{
            **dict.fromkeys(COLUMNS), "id": env.stream_id, "seq": env.position, "referral_id": e.referral_id,
            "assignment": e.assignment, "resident_id": e.resident_id, "community_id": e.community_id,
            "title": e.title, "owner_organisation_id": e.owner_organisation_id, "owner_party": e.owner_party.value,
            "owner_staff_id": e.owner_staff_id, "due_on": e.due_on, "meeting_id": e.meeting_id,
            "status": TaskStatus.OPEN.value, "notes": 0, "opened_by": e.opened_by, "opened_at": e.timestamp,
            "erased": False})
        _changed(rows, env)

    @on(LinkageTask.ProgressNoted)
    def _noted(self, rows: Rows, env: Envelope, e: LinkageTask.ProgressNoted) -> None:
        if (row := rows.peek(env.stream_id)) is not None:
            _changed(rows, env, notes=row["notes"] + 1, last_note=e.note, last_note_at=e.timestamp)

    @on(LinkageTask.Completed)
    def _completed(self, rows: Rows, env: Envelope, e: LinkageTask.Completed) -> None:
        _changed(rows, env, status=TaskStatus.COMPLETED.value, outcome=e.outcome, completed_at=e.timestamp)


def _changed(rows: Rows, env: Envelope, **values: Any) -> None:
    if (row := rows.of(env.stream_id)) is not None:
        row.update(values, version=env.version, updated_at=env.event.timestamp, position=env.position)


async def tasks_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM linkage_tasks WHERE id = ANY($1)", list(ids))


async def tasks_of(conn: asyncpg.Connection, *, referral_id: Any = None, meeting_id: Any = None,
                   after: int | None = None, limit: int = 50) -> list[asyncpg.Record]:
    """A referral's (or a meeting's) tasks in the order they were opened, after `seq` `after`: `limit + 1`
    rows (the extra one tells a next page)."""
    column, value = ("referral_id", referral_id) if referral_id is not None else ("meeting_id", meeting_id)
    return await conn.fetch(f"SELECT * FROM linkage_tasks WHERE {column} = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                            value, after or 0, limit + 1)
