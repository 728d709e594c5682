"""Who read whose personal data, which fields, why, when (DESIGN §3 Privacy).

Every response that reveals unmasked personal fields writes its rows here *before* the response leaves the
server; if the write fails, the data is not sent.

The log is tamper-evident like the event log (docs/THREAT-MODEL.md): each row carries a MAC under the chain
key, computed here (over every column but the id, which the database assigns), and the writing transaction
(`tx`), by which the sealer puts the row under a signed checkpoint; until then this process keeps a receipt of
it. `read_at` is therefore the application's clock, not the database's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import orjson

from civicledger.core.auth import Principal
from civicledger.core.eventstore.macs import Macs, read_fields
from civicledger.core.eventstore.receipts import Receipts

TABLE = "personal_data_reads"


@dataclass(frozen=True)
class PersonalDataRead:
    resident_id: UUID
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ReadRow:
    """One row of the log, as written and as MAC'd."""

    read_at: datetime
    reader_id: str
    reader_role: str
    reader_office: str | None
    reader_district: str | None
    resident_id: UUID
    resident_district: str | None
    fields: tuple[str, ...]
    purpose: str | None
    correlation_id: str | None
    operation: str | None

    def canonical(self) -> bytes:
        return read_fields(self.read_at, self.reader_id, self.reader_role, self.reader_office, self.reader_district,
                           self.resident_id, self.resident_district, self.fields, self.purpose,
                           self.correlation_id, self.operation)

    @classmethod
    def of(cls, row: asyncpg.Record) -> ReadRow:
        return cls(read_at=row["read_at"], reader_id=row["reader_id"], reader_role=row["reader_role"],
                   reader_office=row["reader_office"], reader_district=row["reader_district"],
                   resident_id=row["resident_id"], resident_district=row["resident_district"],
                   fields=tuple(row["fields"]), purpose=row["purpose"], correlation_id=row["correlation_id"],
                   operation=row["operation"])


_INSERT = (
    f"INSERT INTO {TABLE} (read_at, reader_id, reader_role, reader_office, reader_district, resident_id,"
    " resident_district, fields, purpose, correlation_id, operation, mac)"
    " SELECT r.at, r.reader, r.role, r.office, r.district, r.resident, r.resident_district,"
    "  ARRAY(SELECT jsonb_array_elements_text(r.fields::jsonb)), r.purpose, r.correlation, r.operation, r.mac"
    " FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[],"
    "  $8::text[], $9::text[], $10::text[], $11::text[], $12::bytea[])"
    "  AS r(at, reader, role, office, district, resident, resident_district, fields, purpose, correlation,"
    "  operation, mac)"
    " RETURNING id"
)


class AccessLog:
    """Writes read-access rows with their MACs (one round trip), and keeps their receipts for the sealer."""

    def __init__(self, macs: Macs, receipts: Receipts) -> None:
        self.macs = macs
        self.receipts = receipts

    async def write(self, conn: asyncpg.Connection, rows: Sequence[ReadRow]) -> int:
        if not rows:
            return 0
        macs = [self.macs.read(r.canonical()) for r in rows]
        ids = await conn.fetch(
            _INSERT, [r.read_at for r in rows], [r.reader_id for r in rows], [r.reader_role for r in rows],
            [r.reader_office for r in rows], [r.reader_district for r in rows], [r.resident_id for r in rows],
            [r.resident_district for r in rows], [orjson.dumps(list(r.fields)).decode() for r in rows],
            [r.purpose for r in rows], [r.correlation_id for r in rows], [r.operation for r in rows], macs,
        )
        # INSERT ... SELECT FROM unnest keeps the input order in RETURNING.
        self.receipts.rows(TABLE, [(row["id"], mac) for row, mac in zip(ids, macs, strict=True)])
        return len(rows)

    async def record(self, conn: asyncpg.Connection, principal: Principal,
                     reads: Iterable[tuple[UUID, str | None, set[str]]], *, purpose: str | None,
                     correlation_id: str, operation: str | None) -> int:
        now = datetime.now(UTC)
        rows = [
            ReadRow(read_at=now, reader_id=principal.subject, reader_role=principal.role.value,
                    reader_office=principal.office, reader_district=principal.district, resident_id=resident_id,
                    resident_district=district, fields=tuple(sorted(fields)), purpose=purpose,
                    correlation_id=correlation_id, operation=operation)
            for resident_id, district, fields in reads
            if fields
        ]
        return await self.write(conn, rows)


async def record_reads(conn: asyncpg.Connection, principal: Principal,
                       reads: Iterable[tuple[UUID, str | None, set[str]]], *, purpose: str | None,
                       correlation_id: str, operation: str | None, log: AccessLog) -> int:
    """Every transport logs reads through this (`log` is the runtime's `access_log`)."""
    return await log.record(conn, principal, reads, purpose=purpose, correlation_id=correlation_id,
                            operation=operation)
