"""GraphQL types of the access audit: reads of personal data, and the unusual-access report."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay

from civicledger.inspection import access_audit
from civicledger.inspection.access_audit import AccessFinding


@strawberry.type(name="Reader", description="Who read personal data.")
class ReaderType:
    id: str
    role: str | None
    office: str | None
    district: str | None


@strawberry.type(name="PersonalDataRead", description="One response that showed a resident's personal data "
                 "unmasked: who, whose, which fields, why.")
class PersonalDataReadType:
    read_id: int
    read_at: datetime
    reader: ReaderType
    resident_id: UUID
    resident_district: str | None
    fields: list[str]
    purpose: str | None
    correlation_id: str | None
    operation: str | None

    @classmethod
    def of(cls, row: Any) -> PersonalDataReadType:
        return cls(read_id=row["id"], read_at=row["read_at"],
                   reader=ReaderType(id=row["reader_id"], role=row["reader_role"], office=row["reader_office"],
                                     district=row["reader_district"]),
                   resident_id=row["resident_id"], resident_district=row["resident_district"],
                   fields=list(row["fields"]), purpose=row["purpose"], correlation_id=row["correlation_id"],
                   operation=row["operation"])


@strawberry.type(name="PersonalDataReadEdge")
class PersonalDataReadEdge:
    cursor: str
    node: PersonalDataReadType


@strawberry.type(name="PersonalDataReadConnection")
class PersonalDataReadConnection:
    edges: list[PersonalDataReadEdge]
    page_info: relay.PageInfo


@strawberry.input(name="PersonalDataReadFilter")
class PersonalDataReadFilter:
    reader_id: str | None = None
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="Global id or UUID.")
    purpose: str | None = strawberry.field(default=None, description="Part of the stated purpose.")
    since: datetime | None = None
    until: datetime | None = None


@strawberry.enum(name="AccessFindingKind")
class AccessFindingKind(Enum):
    BULK_READS = access_audit.BULK_READS
    OUT_OF_DISTRICT_WITHOUT_CASE_LINK = access_audit.OUT_OF_DISTRICT_WITHOUT_CASE_LINK
    NIGHT_READS = access_audit.NIGHT_READS


@strawberry.type(name="AccessFinding", description="A pattern of reads worth an inspector's look.")
class AccessFindingType:
    kind: AccessFindingKind
    reader: ReaderType
    first_read_at: datetime
    last_read_at: datetime
    read_count: int
    resident_ids: list[UUID]
    detail: str

    @classmethod
    def of(cls, f: AccessFinding) -> AccessFindingType:
        return cls(kind=AccessFindingKind(f.kind),
                   reader=ReaderType(id=f.reader_id, role=f.reader_role, office=f.reader_office,
                                     district=f.reader_district),
                   first_read_at=f.first_read_at, last_read_at=f.last_read_at, read_count=f.read_count,
                   resident_ids=list(f.resident_ids), detail=f.detail)


@strawberry.type(name="AccessFindingEdge")
class AccessFindingEdge:
    cursor: str
    node: AccessFindingType


@strawberry.type(name="AccessFindingConnection")
class AccessFindingConnection:
    edges: list[AccessFindingEdge]
    page_info: relay.PageInfo
    total_count: int
