"""`marriage_registrations`: one row per marriage — the couple, the office, the dates and certificate numbers,
the pending divorce application — and the queries the registry's screens need: a marriage, a resident's
marriages and their marital status on a date, a page of an office's registrations, the statistics."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.domains.marriage.marital_record import MaritalStatus, status_on
from civicledger.domains.marriage.marriage import Marriage
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "husband_id": "uuid", "wife_id": "uuid", "office": "text",
    "registered_on": "date", "certificate_number": "text", "status": "text", "applied_on": "date",
    "application_office": "text", "divorced_on": "date", "divorce_office": "text",
    "divorce_certificate_number": "text", "deceased_id": "uuid", "ended_on": "date", "corrections": "int",
    "registered_at": "timestamptz",
    "updated_at": "timestamptz", "position": "bigint",
}


class MarriageRegistrationsProjection(RowProjection):
    """Marriages as they stand now (corrections applied)."""

    name = "marriage_registrations"
    tables = ("marriage_registrations",)
    table = "marriage_registrations"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS marriage_registrations ({ddl})")
        for name, columns in (("seq", "seq"), ("husband", "husband_id"), ("wife", "wife_id"),
                              ("office", "office, seq"), ("registered", "office, registered_on"),
                              ("divorced", "divorce_office, divorced_on")):
            unique = "UNIQUE " if name == "seq" else ""
            await conn.execute(f"CREATE {unique}INDEX IF NOT EXISTS marriage_registrations_{name}_idx"
                               f" ON marriage_registrations ({columns})")

    @on(Marriage.Registered)
    def _registered(self, rows: Rows, env: Envelope, e: Marriage.Registered) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, husband_id=e.husband_id, wife_id=e.wife_id,
                 office=e.office, registered_on=e.registered_on, certificate_number=e.certificate_number,
                 status="MARRIED", applied_on=None, application_office=None, divorced_on=None, divorce_office=None,
                 divorce_certificate_number=None, deceased_id=None, ended_on=None, corrections=0,
                 registered_at=e.timestamp, version=env.version, updated_at=e.timestamp, position=env.position)

    @on(Marriage.DivorceApplied)
    def _applied(self, rows: Rows, env: Envelope, e: Marriage.DivorceApplied) -> None:
        self._changed(rows, env, applied_on=e.applied_on, application_office=e.office)

    @on(Marriage.DivorceApplicationWithdrawn)
    def _withdrawn(self, rows: Rows, env: Envelope, e: Marriage.DivorceApplicationWithdrawn) -> None:
        self._changed(rows, env, applied_on=None, application_office=None)

    @on(Marriage.DivorceApplicationLapsed)
    def _lapsed(self, rows: Rows, env: Envelope, e: Marriage.DivorceApplicationLapsed) -> None:
        self._changed(rows, env, applied_on=None, application_office=None)

    @on(Marriage.Divorced)
    def _divorced(self, rows: Rows, env: Envelope, e: Marriage.Divorced) -> None:
        self._changed(rows, env, status="DIVORCED", divorced_on=e.divorced_on, divorce_office=e.office,
                      divorce_certificate_number=e.certificate_number, applied_on=None, application_office=None)

    @on(Marriage.EndedByDeath)
    def _ended_by_death(self, rows: Rows, env: Envelope, e: Marriage.EndedByDeath) -> None:
        self._changed(rows, env, status="ENDED_BY_DEATH", deceased_id=e.deceased_id, ended_on=e.died_on,
                      applied_on=None, application_office=None)

    @on(Marriage.Corrected)
    def _corrected(self, rows: Rows, env: Envelope, e: Marriage.Corrected) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            self._changed(rows, env, corrections=(row["corrections"] or 0) + 1,
                          **{k: date.fromisoformat(v) for k, v in e.changes.items()})

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)


async def marriages_by_ids(conn: asyncpg.Connection, ids: list[UUID]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM marriage_registrations WHERE id = ANY($1)", ids)


async def marriages_of(conn: asyncpg.Connection, resident_id: UUID, limit: int = 100) -> list[asyncpg.Record]:
    """A resident's marriages, oldest first (a person has few)."""
    return await conn.fetch("SELECT * FROM marriage_registrations WHERE husband_id = $1 OR wife_id = $1"
                            " ORDER BY registered_on, seq LIMIT $2", resident_id, limit)


def marital_status_on(rows: list[Any], resident_id: UUID, day: date) -> tuple[MaritalStatus, Any | None]:
    """The resident's status on `day` from their marriage rows, and the row it concerns."""
    by_id = {str(r["id"]): r for r in rows}
    marriages = [{"marriage_id": str(r["id"]), "married_on": r["registered_on"].isoformat(),
                  "divorced_on": r["divorced_on"].isoformat() if r["divorced_on"] else None,
                  "widowed_on": r["ended_on"].isoformat() if r["ended_on"] and r["deceased_id"] != resident_id
                  else None} for r in rows]
    status, found = status_on(marriages, day)
    return status, by_id[found["marriage_id"]] if found else None


async def office_registrations(conn: asyncpg.Connection, *, office: str | None, status: str | None,
                               after: int | None, limit: int, resident_id: UUID | None = None
                               ) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM marriage_registrations WHERE ($1::text IS NULL OR office = $1)"
        " AND ($2::text IS NULL OR status = $2) AND ($5::uuid IS NULL OR husband_id = $5 OR wife_id = $5)"
        " AND seq > $3 ORDER BY seq LIMIT $4",
        office, status, after or 0, limit + 1, resident_id)


async def statistics(conn: asyncpg.Connection, *, since: date, until: date, office: str | None
                     ) -> list[asyncpg.Record]:
    """Per office and month (first day of the month) in [since, until): marriages and divorces registered,
    divorce applications received and withdrawn (from `marriage_divorce_applications`)."""
    return await conn.fetch(
        """
        WITH facts AS (
            SELECT office, date_trunc('month', registered_on)::date AS month, 1 AS marriages, 0 AS divorces,
                   0 AS applications, 0 AS withdrawals, 0 AS lapses
              FROM marriage_registrations WHERE registered_on >= $1 AND registered_on < $2
            UNION ALL
            SELECT divorce_office, date_trunc('month', divorced_on)::date, 0, 1, 0, 0, 0
              FROM marriage_registrations WHERE divorced_on >= $1 AND divorced_on < $2
            UNION ALL
            SELECT office, date_trunc('month', applied_on)::date, 0, 0, 1, 0, 0
              FROM marriage_divorce_applications WHERE applied_on >= $1 AND applied_on < $2
            UNION ALL
            SELECT office, date_trunc('month', closed_on)::date, 0, 0, 0, 1, 0
              FROM marriage_divorce_applications WHERE outcome = 'WITHDRAWN' AND closed_on >= $1 AND closed_on < $2
            UNION ALL
            SELECT office, date_trunc('month', closed_on)::date, 0, 0, 0, 0, 1
              FROM marriage_divorce_applications WHERE outcome = 'LAPSED' AND closed_on >= $1 AND closed_on < $2
        )
        SELECT office, month, sum(marriages)::int AS marriages, sum(divorces)::int AS divorces,
               sum(applications)::int AS applications, sum(withdrawals)::int AS withdrawals,
               sum(lapses)::int AS lapses
          FROM facts WHERE ($3::text IS NULL OR office = $3)
         GROUP BY office, month ORDER BY month, office
        """, since, until, office)
