"""Who read whose personal data, which fields, why, when (DESIGN §3 Privacy).

Every response that reveals unmasked personal fields writes its rows here *before* the response leaves the
server; if the write fails, the data is not sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from civicledger.core.auth import Principal


@dataclass(frozen=True)
class PersonalDataRead:
    resident_id: UUID
    fields: tuple[str, ...]


async def create_access_log_table(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS personal_data_reads ("
        " id bigserial PRIMARY KEY, read_at timestamptz NOT NULL DEFAULT now(),"
        " reader_id text NOT NULL, reader_role text NOT NULL, reader_office text, reader_district text,"
        " resident_id uuid NOT NULL, resident_district text, fields text[] NOT NULL, purpose text,"
        " correlation_id text, operation text)"
    )
    await conn.execute(
        "CREATE INDEX IF NOT EXISTS personal_data_reads_resident_idx ON personal_data_reads (resident_id, id)"
    )
    await conn.execute(
        "CREATE INDEX IF NOT EXISTS personal_data_reads_reader_idx ON personal_data_reads (reader_id, id)"
    )


async def record_reads(conn: asyncpg.Connection, principal: Principal,
                       reads: Iterable[tuple[UUID, str | None, set[str]]], *, purpose: str | None,
                       correlation_id: str, operation: str | None) -> int:
    records = [
        (principal.subject, principal.role.value, principal.office, principal.district, resident_id, district,
         sorted(fields), purpose, correlation_id, operation)
        for resident_id, district, fields in reads
        if fields
    ]
    if records:
        await conn.copy_records_to_table(
            "personal_data_reads",
            records=records,
            columns=["reader_id", "reader_role", "reader_office", "reader_district", "resident_id",
                     "resident_district", "fields", "purpose", "correlation_id", "operation"],
        )
    return len(records)
