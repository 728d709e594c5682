"""GraphQL types of the access audit: reads of personal data, and the unusual-access report."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay

from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.relay import connection, list_connection, page_limit
from civicledger.inspection import access_audit
from civicledger.inspection.access_audit import AccessFinding


@strawberry.type(name="Reader", description="Who read personal data.")
class ReaderType:
    id: str = strawberry.field(description="The reader's user id.")
    role: str | None = strawberry.field(description="Their role at the time of the read.")
    office: str | None = strawberry.field(description="Their office then.")
    district: str | None = strawberry.field(description="Their district then.")


@strawberry.type(name="PersonalDataRead", description="One response that showed a resident's personal data "
                 "unmasked: who, whose, which fields, why.")
class PersonalDataReadType:
    read_id: int = strawberry.field(description="The read's sequence number in the read log.")
    read_at: datetime = strawberry.field(description="When the response was sent.")
    reader: ReaderType = strawberry.field(description="Who read.")
    resident_id: UUID = strawberry.field(description="Whose data was shown (the resident's UUID).")
    resident_district: str | None = strawberry.field(description="The resident's district at the time.")
    fields: list[str] = strawberry.field(description=("Which personal fields were shown unmasked (e.g. idNumber, "
                                                      "phone, address)."))
    purpose: str | None = strawberry.field(description="The purpose the reader stated (X-Access-Purpose), if any.")
    correlation_id: str | None = strawberry.field(description=("The request's correlation id: find the same "
                                                               "request's events in the audit log."))
    operation: str | None = strawberry.field(description="The GraphQL operation name of the request, if it had one.")

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


@strawberry.input(description="Narrows the read log; every given field must match.", name="PersonalDataReadFilter")
class PersonalDataReadFilter:
    reader_id: str | None = strawberry.field(default=None, description="Only this reader's reads (user id).")
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="Global id or UUID.")
    purpose: str | None = strawberry.field(default=None, description="Part of the stated purpose.")
    since: datetime | None = strawberry.field(default=None, description="Only reads at or after this instant.")
    until: datetime | None = strawberry.field(default=None, description="Only reads before this instant.")


@strawberry.enum(description="The patterns of reads the inspectors look for.", name="AccessFindingKind")
class AccessFindingKind(Enum):
    BULK_READS = access_audit.BULK_READS
    OUT_OF_DISTRICT_WITHOUT_CASE_LINK = access_audit.OUT_OF_DISTRICT_WITHOUT_CASE_LINK
    NIGHT_READS = access_audit.NIGHT_READS


describe_enum_values("AccessFindingKind", {
    "BULK_READS": "One reader read many residents' data within a short window (see unusualAccess's bulk arguments).",
    "OUT_OF_DISTRICT_WITHOUT_CASE_LINK": "Reads of residents of another district with no case linking the reader"
                                         " to them.",
    "NIGHT_READS": "Reads at night, Asia/Shanghai time.",
})


# A finding's residents, a diff's changes: pages of at most 500, 20 by default.
LIST_MAX, LIST_DEFAULT = 500, 20
ListFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {LIST_MAX} (default "
                                                                  f"{LIST_DEFAULT}).")]
ListAfter = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]
ResidentIdEdge, ResidentIdConnection = connection("AccessFindingResident", UUID, "Residents whose data a pattern "
                                                  "of reads touched, in the order of their first read.")


@strawberry.type(name="AccessFinding", description="A pattern of reads worth an inspector's look.")
class AccessFindingType:
    kind: AccessFindingKind = strawberry.field(description="Which pattern.")
    reader: ReaderType = strawberry.field(description="Whose reads.")
    first_read_at: datetime = strawberry.field(description="The first read of the pattern.")
    last_read_at: datetime = strawberry.field(description="The last read of the pattern.")
    read_count: int = strawberry.field(description="How many reads make it up.")
    all_resident_ids: strawberry.Private[list[UUID]]
    detail: str = strawberry.field(description="One line for the inspector.")

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Whose data was read (UUIDs), each once, in "
                      "the order of their first read in the pattern.")
    def resident_ids(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> ResidentIdConnection:
        return list_connection(ResidentIdEdge, ResidentIdConnection, self.all_resident_ids, "ures", first, after,
                               None, LIST_DEFAULT, LIST_MAX)

    @classmethod
    def of(cls, f: AccessFinding) -> AccessFindingType:
        return cls(kind=AccessFindingKind(f.kind),
                   reader=ReaderType(id=f.reader_id, role=f.reader_role, office=f.reader_office,
                                     district=f.reader_district),
                   first_read_at=f.first_read_at, last_read_at=f.last_read_at, read_count=f.read_count,
                   all_resident_ids=list(f.resident_ids), detail=f.detail)


@strawberry.type(name="AccessFindingEdge")
class AccessFindingEdge:
    cursor: str
    node: AccessFindingType


@strawberry.type(name="AccessFindingConnection")
class AccessFindingConnection:
    edges: list[AccessFindingEdge]
    page_info: relay.PageInfo
    total_count: int
