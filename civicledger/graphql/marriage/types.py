"""GraphQL types of marriage registration: Marriage, MarriageAppointment, statistics rows, a resident's marital
status. The parties are Residents (their personal data masked by role, as everywhere)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.core.guangzhou import district_name
from civicledger.domains.marriage.rules import first_registration_day, lapses_after
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.relay import encode_cursor
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.marriage_appointments import appointments_by_ids
from civicledger.projections.marriage_registrations import marriages_by_ids


@strawberry.enum(name="MarriageStatus", description="MARRIED until a divorce is registered or a party dies.")
class MarriageStatusEnum(Enum):
    MARRIED = "MARRIED"
    DIVORCED = "DIVORCED"
    ENDED_BY_DEATH = "ENDED_BY_DEATH"


@strawberry.enum(name="MaritalStatus", description="UNMARRIED: no marriage registered on or before the date.")
class MaritalStatusEnum(Enum):
    UNMARRIED = "UNMARRIED"
    MARRIED = "MARRIED"
    DIVORCED = "DIVORCED"
    WIDOWED = "WIDOWED"


@strawberry.enum(name="MarriageAppointmentKind", description="What an appointment is for.")
class AppointmentKindEnum(Enum):
    MARRIAGE = "MARRIAGE"
    DIVORCE_APPLICATION = "DIVORCE_APPLICATION"
    DIVORCE_REGISTRATION = "DIVORCE_REGISTRATION"


@strawberry.enum(name="MarriageAppointmentStatus", description="Where an appointment stands.")
class AppointmentStatusEnum(Enum):
    BOOKED = "BOOKED"
    ATTENDED = "ATTENDED"
    CANCELLED = "CANCELLED"


describe_enum_values("MarriageStatus", {
    "MARRIED": "The marriage stands.",
    "DIVORCED": "Ended by a registered divorce.",
    "ENDED_BY_DEATH": "Ended by a party's recorded death.",
})
describe_enum_values("MaritalStatus", {
    "UNMARRIED": "No marriage registered on or before the date.",
    "MARRIED": "In a marriage that stands on the date.",
    "DIVORCED": "Their last marriage ended by divorce on or before the date.",
    "WIDOWED": "Their last marriage ended by the spouse's death on or before the date.",
})
describe_enum_values("MarriageAppointmentKind", {
    "MARRIAGE": "To register a marriage.",
    "DIVORCE_APPLICATION": "To apply for a divorce (starts the 30-day cooling-off period).",
    "DIVORCE_REGISTRATION": "To register the divorce, after the cooling-off period (within the 30-day window).",
})
describe_enum_values("MarriageAppointmentStatus", {
    "BOOKED": "Booked, not yet held.",
    "ATTENDED": "The parties came.",
    "CANCELLED": "Cancelled.",
})


async def _resident(info: Info, resident_id: UUID) -> ResidentType | None:
    row = await info.context.loaders.resident.load(resident_id)
    return ResidentType.from_row(row) if row else None


@strawberry.type(name="Marriage", description="A marriage registered at one of the 11 district offices.")
class MarriageType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The marriage's UUID (the global `id` wraps it).")
    def marriage_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The husband (name, ID number and address masked by role).")
    async def husband(self, info: Info) -> ResidentType | None:
        return await _resident(info, self.row["husband_id"])

    @strawberry.field(description="The wife (name, ID number and address masked by role).")
    async def wife(self, info: Info) -> ResidentType | None:
        return await _resident(info, self.row["wife_id"])

    @strawberry.field(description="The registering office: a district code (HAIZHU).")
    def office(self) -> str:
        return self.row["office"]  # type: ignore[no-any-return]

    @strawberry.field(description="The registering office's name (海珠区).")
    def office_name(self) -> str:
        return district_name(self.row["office"])

    @strawberry.field(description="The business date of registration (Asia/Shanghai).")
    def registered_on(self) -> date:
        return self.row["registered_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="结婚证字号: J + area code + year + serial, unique per office and year.")
    def certificate_number(self) -> str:
        return self.row["certificate_number"]  # type: ignore[no-any-return]

    @strawberry.field(description="MARRIED, DIVORCED or ENDED_BY_DEATH.")
    def status(self) -> MarriageStatusEnum:
        return MarriageStatusEnum(self.row["status"])

    @strawberry.field(description="The pending divorce application's date, if one is pending (or lapsed but not "
                                  "yet replaced: see `divorceLapsesAfter`).")
    def divorce_applied_on(self) -> date | None:
        return self.row["applied_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="The first day a pending divorce may be registered (after the 30-day "
                                  "cooling-off period).")
    def divorce_registrable_from(self) -> date | None:
        return first_registration_day(self.row["applied_on"]) if self.row["applied_on"] else None

    @strawberry.field(description="The last day a pending divorce may be registered; after it the application "
                                  "has lapsed.")
    def divorce_lapses_after(self) -> date | None:
        return lapses_after(self.row["applied_on"]) if self.row["applied_on"] else None

    @strawberry.field(description="The business date the divorce was registered.")
    def divorced_on(self) -> date | None:
        return self.row["divorced_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="The office that registered the divorce (a district code).")
    def divorce_office(self) -> str | None:
        return self.row["divorce_office"]  # type: ignore[no-any-return]

    @strawberry.field(description="离婚证字号: L + area code + year + serial.")
    def divorce_certificate_number(self) -> str | None:
        return self.row["divorce_certificate_number"]  # type: ignore[no-any-return]

    @strawberry.field(description="The date of a party's death that ended the marriage (ENDED_BY_DEATH).")
    def ended_on(self) -> date | None:
        return self.row["ended_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="How many supervisors' corrections it has had (their history: `streamHistory`).")
    def corrections(self) -> int:
        return int(self.row["corrections"] or 0)

    @strawberry.field(description="Pass as expectedVersion to a command on this marriage.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: Any) -> MarriageType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("marriage_registrations", marriages_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="MarriageEdge", description="A marriage and its cursor.")
class MarriageEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: MarriageType = strawberry.field(description="The marriage.")


@strawberry.type(name="MarriageConnection", description="A page of marriages (at most 100).")
class MarriageConnection:
    edges: list[MarriageEdge] = strawberry.field(description="This page's marriages.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow, and the cursors.")


@strawberry.type(name="MarriageAppointment", description="A couple's half-hour slot at a district office.")
class MarriageAppointmentType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The appointment's UUID.")
    def appointment_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="A district code (HAIZHU).")
    def office(self) -> str:
        return self.row["office"]  # type: ignore[no-any-return]

    @strawberry.field(description="What the couple comes for.")
    def kind(self) -> AppointmentKindEnum:
        return AppointmentKindEnum(self.row["kind"])

    @strawberry.field(description="The day (Asia/Shanghai).")
    def on(self) -> date:
        return self.row["on_day"]  # type: ignore[no-any-return]

    @strawberry.field(description="Start of the half-hour slot, HH:MM.")
    def slot(self) -> str:
        return self.row["slot"]  # type: ignore[no-any-return]

    @strawberry.field(description="BOOKED, then ATTENDED (used by a registration) or CANCELLED.")
    def status(self) -> AppointmentStatusEnum:
        return AppointmentStatusEnum(self.row["status"])

    @strawberry.field(description="The two residents (masked by role).")
    async def parties(self, info: Info) -> list[ResidentType | None]:
        return [await _resident(info, UUID(p)) for p in _ids(self.row["party_ids"])]

    @strawberry.field(description="Pass as expectedVersion to cancel it.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: Any) -> MarriageAppointmentType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("marriage_appointments", appointments_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


def _ids(raw: Any) -> list[str]:
    import json

    return list(json.loads(raw) if isinstance(raw, (str, bytes)) else raw or [])


@strawberry.type(name="MarriageAppointmentEdge", description="An appointment and its cursor.")
class MarriageAppointmentEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: MarriageAppointmentType = strawberry.field(description="The appointment.")


@strawberry.type(name="MarriageAppointmentConnection", description="A page of appointments (at most 100).")
class MarriageAppointmentConnection:
    edges: list[MarriageAppointmentEdge] = strawberry.field(description="This page's appointments.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow, and the cursors.")


@strawberry.type(name="MarriageStatistics", description="One office's month: registrations and divorce "
                                                        "applications by outcome.")
class MarriageStatisticsType:
    office: str = strawberry.field(description="A district code.")
    month: date = strawberry.field(description="The month's first day.")
    marriages: int = strawberry.field(description="Marriages registered (by registration date, as corrected).")
    divorces: int = strawberry.field(description="Divorces registered at this office.")
    divorce_applications: int = strawberry.field(description="Divorce applications received.")
    withdrawals: int = strawberry.field(description="Applications withdrawn in the cooling-off period.")
    lapses: int = strawberry.field(description="Applications recorded as lapsed.")


@strawberry.type(name="ResidentMaritalStatus", description="A resident's marital status on a date, per the "
                                                           "marriage registry.")
class MaritalStatusType:
    status: MaritalStatusEnum = strawberry.field(description="The status on `on`.")
    on: date = strawberry.field(description="The date the status is for.")
    since: date | None = strawberry.field(description="Married, divorced or widowed on this date (None when "
                                                      "UNMARRIED).")
    marriage_id: UUID | None = strawberry.field(description="The marriage the status concerns.")


def cursor(row: Any, kind: str) -> str:
    return encode_cursor(kind, row["seq"])
