"""`timebank_records`: one row per volunteer service record — pending ones for the organiser to verify, verified
ones for the volunteer's history and the signed export to the social-credit system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.timebank.record import ServiceRecord
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "resident_id": "uuid", "district": "text",
    "organiser_office": "text", "organiser_name": "text", "category": "text", "served_on": "date",
    "hours": "numeric", "description": "text", "status": "text", "recorded_by": "text",
    "recorded_at": "timestamptz", "decided_by": "text", "decided_at": "timestamptz", "decision_position": "bigint",
    "position": "bigint",
}


class TimeBankRecordsProjection(RowProjection):
    """Service records as they stand now."""

    name = "timebank_records"
    tables = ("timebank_records",)
    table = "timebank_records"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS timebank_records ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS timebank_records_seq_idx ON timebank_records (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS timebank_records_resident_idx"
                           " ON timebank_records (resident_id, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS timebank_records_organiser_idx"
                           " ON timebank_records (organiser_office, status, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS timebank_records_verified_idx"
                           " ON timebank_records (status, decision_position)")

    @on(ServiceRecord.Recorded)
    def _recorded(self, rows: Rows, env: Envelope, e: ServiceRecord.Recorded) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, version=env.version, resident_id=e.resident_id,
                 district=e.district, organiser_office=e.organiser_office, organiser_name=e.organiser_name,
                 category=e.category.value, served_on=e.served_on, hours=e.hours, description=e.description,
                 status="PENDING", recorded_by=e.recorded_by, recorded_at=e.timestamp, decided_by=None,
                 decided_at=None, decision_position=None, position=env.position)

    @on(ServiceRecord.Verified)
    def _verified(self, rows: Rows, env: Envelope, e: ServiceRecord.Verified) -> None:
        self._decided(rows, env, "VERIFIED", e.verified_by)

    @on(ServiceRecord.Rejected)
    def _rejected(self, rows: Rows, env: Envelope, e: ServiceRecord.Rejected) -> None:
        self._decided(rows, env, "REJECTED", e.rejected_by)

    @staticmethod
    def _decided(rows: Rows, env: Envelope, status: str, by: str) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(status=status, decided_by=by, decided_at=env.event.timestamp, decision_position=env.position,
                       version=env.version, position=env.position)


async def records_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM timebank_records WHERE id = ANY($1)", list(ids))


async def search_records(conn: asyncpg.Connection, *, resident_id: Any = None, organiser_office: str | None = None,
                         status: str | None = None, district: str | None = None, after: int | None = None,
                         limit: int = 20) -> list[asyncpg.Record]:
    """Service records, oldest first; `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM timebank_records WHERE ($1::uuid IS NULL OR resident_id = $1)"
        " AND ($2::text IS NULL OR organiser_office = $2) AND ($3::text IS NULL OR status = $3)"
        " AND ($4::text IS NULL OR district = $4) AND seq > $5 ORDER BY seq LIMIT $6",
        resident_id, organiser_office, status, district, after or 0, limit + 1)


async def verified_records(conn: asyncpg.Connection, *, since: date | None = None, until: date | None = None,
                           district: str | None = None, limit: int = 100_000) -> list[asyncpg.Record]:
    """Verified records (served in [since, until], of a district), in the order they were verified."""
    return await conn.fetch(
        "SELECT * FROM timebank_records WHERE status = 'VERIFIED' AND ($1::date IS NULL OR served_on >= $1)"
        " AND ($2::date IS NULL OR served_on <= $2) AND ($3::text IS NULL OR district = $3)"
        " ORDER BY decision_position, id LIMIT $4", since, until, district, limit)
