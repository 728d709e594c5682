"""What the planner may plan: each GraphQL type declares, once, the table (or the parent's row) it is read from
and how each of its fields is computed — a column, a personal column masked by the resolvers' own rule, a
value derived in Python from columns, a related row, a list, or a keyset page.

A field that is not declared here (a field backed by code: time travel, verification computations, every
program's own types until they are declared) makes the planner decline the document; the resolvers answer it.

SQL templates name the type's row alias `{a}` and, for relations, the parent's alias `{p}`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from strawberry import relay

from civicledger.core.guangzhou import district_name, parse_district
from civicledger.graphql.permissions import MASKED_TEXT, mask_id_number, mask_phone, reveal_resident
from civicledger.graphql.relay import decode_cursor, page_size, uuid_of
from civicledger.projections.client_timeline import page_filters
from civicledger.projections.residents import search_filters

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant_sql(expr: str) -> str:
    """A timestamptz as integer microseconds since the epoch (JSON would round-trip it as text in the session's
    time zone, with fewer fractional digits than Python writes)."""
    return f"(extract(epoch from {expr}) * 1000000)::bigint"


def instant(micros: int | None) -> str | None:
    """What strawberry's DateTime writes for the same value read by asyncpg (UTC, `isoformat()`)."""
    return None if micros is None else (_EPOCH + timedelta(microseconds=micros)).isoformat()


def enum_value(value: str | None) -> str | None:
    return value or None


# -- field kinds ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A value read from one SQL expression, converted for the response."""

    expr: str
    convert: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Personal:
    """A resident's personal column: shown when `reveal_resident` (the resolvers' rule, which also records the
    read for the access log) says so, else `mask(value)`."""

    expr: str
    field_name: str
    mask: Callable[[Any], Any]


@dataclass(frozen=True)
class Derived:
    """A value computed in Python from the row's base columns (`compute(ctx, row)`); an object value's fields are
    then picked from the dict by name (`object_type`)."""

    compute: Callable[[Any, Mapping[str, Any]], Any]
    object_type: str | None = None


@dataclass(frozen=True)
class Embedded:
    """An object read from the same row (e.g. a timeline entry's actor)."""

    target: str


@dataclass(frozen=True)
class One:
    """A related row (or null): `where` joins the target (`{a}`) to this row (`{p}`)."""

    target: str
    where: str


@dataclass(frozen=True)
class Many:
    """A whole list in order: `source` is a FROM item over `{a}` correlated to `{p}`."""

    target: str
    source: str
    order: str


@dataclass(frozen=True)
class PageArgs:
    limit: int
    clauses: list[str]
    after_given: bool


@dataclass(frozen=True)
class Page:
    """A keyset-paged connection, in the cursor format of the resolvers (`relay.encode_cursor(kind, key)`).
    `arguments(args, params, prefix)` turns the field's coerced arguments into WHERE clauses (their values appended
    to `params`) with the same helpers the resolvers use — a bad argument raises, and the document is answered
    by the resolvers instead (which then return the canonical error)."""

    target: str
    table: str
    join: str | None  # to the parent row; None for a root page
    key: str
    descending: bool
    cursor: str
    arguments: Callable[[Mapping[str, Any], list[Any], str], PageArgs]
    edge_type: str
    connection_type: str


Field = Column | Personal | Derived | Embedded | One | Many | Page


@dataclass(frozen=True)
class TypeDecl:
    name: str
    source: str | None  # FROM item over `{a}`; None for a type read from its parent's row
    fields: Mapping[str, Field]
    # Columns every planned row of this type carries (for ids, masking and derived values): name -> (SQL, convert)
    base: Mapping[str, tuple[str, Callable[[Any], Any] | None]] = field(default_factory=dict)


# -- residents and households ------------------------------------------------------------------------------------

def _birth_year(value: str | None) -> str | None:
    return None if value is None else value[:4]


def _address(ctx: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    revealed = reveal_resident(ctx, row, "address")
    return {
        "district": row["district"], "districtName": district_name(row["district"]),
        "street": row["street"] if revealed else (MASKED_TEXT if row["street"] else None),
        "community": row["community"] if revealed else (MASKED_TEXT if row["community"] else None),
        "masked": not revealed,
    }


def _timeline_arguments(args: Mapping[str, Any], params: list[Any], prefix: str) -> PageArgs:
    limit = page_size(args.get("first"), default=50, maximum=200)
    before = decode_cursor("t", args.get("after"))
    clauses = page_filters(params, prefix, before=before, after=None, programs=args.get("programs"),
                           since=args.get("since"), until=args.get("until"))
    return PageArgs(limit, clauses, before is not None)


def _search_arguments(args: Mapping[str, Any], params: list[Any], prefix: str) -> PageArgs:
    limit = page_size(args.get("first"))
    f = args.get("filter")
    f = f or {}  # graphql-core's coercion: the input's fields by their GraphQL names
    name, id_number, district = f.get("name"), f.get("idNumber"), f.get("district")
    after = args.get("after")
    clauses = search_filters(params, prefix, name=name, id_number=id_number,
                             district=parse_district(district).value if district else None,
                             after_seq=decode_cursor("r", after))
    return PageArgs(limit, clauses, after is not None)


TIMELINE = Page(
    target="TimelineEntry", table="client_timeline", join="{a}.resident_id = {p}.id", key="position",
    descending=True, cursor="t", arguments=_timeline_arguments, edge_type="TimelineEdge",
    connection_type="TimelineConnection",
)

RESIDENT_SEARCH = Page(
    target="Resident", table="residents", join=None, key="seq", descending=False, cursor="r",
    arguments=_search_arguments, edge_type="ResidentEdge", connection_type="ResidentConnection",
)

TYPES: dict[str, TypeDecl] = {
    "Resident": TypeDecl(
        name="Resident", source="residents {a}",
        base={"id": ("{a}.id", UUID), "district": ("{a}.district", None), "erased": ("{a}.erased", bool),
              "street": ("{a}.street", None), "community": ("{a}.community", None)},
        fields={
            "id": Derived(lambda ctx, row: relay.to_base64("Resident", str(row["id"]))),
            "residentId": Column("{a}.id"),
            "name": Column("{a}.name"),
            "gender": Column("{a}.gender", enum_value),
            "residency": Column("{a}.residency", enum_value),
            "district": Column("{a}.district"),
            "version": Column("{a}.version"),
            "erased": Column("{a}.erased", bool),
            "deceasedOn": Column("{a}.deceased_on"),
            "registeredAt": Column(instant_sql("{a}.registered_at"), instant),
            "relationshipToHead": Column("{a}.relationship", enum_value),
            "idNumber": Personal("{a}.id_number", "idNumber", mask_id_number),
            "phone": Personal("{a}.phone", "phone", mask_phone),
            "birthDate": Personal("{a}.birth_date", "birthDate", _birth_year),
            "address": Derived(_address, object_type="Address"),
            "household": One("Household", "{a}.id = {p}.household_id"),
            "timeline": TIMELINE,
        },
    ),
    "Household": TypeDecl(
        name="Household", source="households {a}",
        base={"id": ("{a}.id", None)},
        fields={
            "id": Derived(lambda ctx, row: relay.to_base64("Household", str(row["id"]))),
            "householdId": Column("{a}.id"),
            "district": Column("{a}.district"),
            "size": Column("{a}.size"),
            "version": Column("{a}.version"),
            "head": One("Resident", "{a}.id = {p}.head_id"),
            "members": Many("HouseholdMember", "jsonb_array_elements({p}.members) WITH ORDINALITY {a}(e, o)",
                            "{a}.o"),
        },
    ),
    "HouseholdMember": TypeDecl(
        name="HouseholdMember", source=None,
        fields={
            "relationship": Column("{a}.e->>'relationship'"),
            "residentId": Column("({a}.e->>'residentId')::uuid"),
            "resident": One("Resident", "{a}.id = ({p}.e->>'residentId')::uuid"),
        },
    ),
    "TimelineEntry": TypeDecl(
        name="TimelineEntry", source="client_timeline {a}",
        fields={
            "occurredAt": Column(instant_sql("{a}.occurred_at"), instant),
            "program": Column("{a}.program"), "kind": Column("{a}.kind"), "summary": Column("{a}.summary"),
            "position": Column("{a}.position"), "streamId": Column("{a}.stream_id"),
            "streamVersion": Column("{a}.stream_version"), "correlationId": Column("{a}.correlation_id"),
            "actor": Embedded("Actor"),
        },
    ),
    "Actor": TypeDecl(
        name="Actor", source=None,
        fields={"id": Column("{a}.actor_id"), "role": Column("{a}.actor_role"),
                "office": Column("{a}.actor_office")},
    ),
}

# Objects whose fields are picked from a Python dict (`Derived(object_type=...)`): their field names.
DICT_TYPES: dict[str, frozenset[str]] = {
    "Address": frozenset({"district", "districtName", "street", "community", "masked"}),
}


@dataclass(frozen=True)
class RootOne:
    """A root field answering one row by its global id (`argument`), READ scope required; no row: the resolvers
    answer (NOT_FOUND). Declined when any of `unplanned` arguments is given (e.g. `asOf`: time travel)."""

    target: str
    type_name: str  # of the global id
    argument: str = "id"
    unplanned: tuple[str, ...] = ("asOf",)

    def key(self, args: Mapping[str, Any]) -> UUID:
        return uuid_of(args[self.argument], self.type_name)


ROOTS: dict[str, RootOne | Page] = {
    "resident": RootOne("Resident", "Resident"),
    "household": RootOne("Household", "Household"),
    "residents": RESIDENT_SEARCH,
}
