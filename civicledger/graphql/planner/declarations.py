"""What the planner may plan: each GraphQL type declares, once, the table (or the parent's row) it is read from
and how each of its fields is computed — a column, a personal column masked by the resolvers' own rule, a
value derived in Python from columns, a related row, a list, or a keyset page.

A field that is not declared here (a field backed by code: time travel, verification computations, every
program's own types until they are declared) makes the planner decline the document; the resolvers answer it.

SQL templates name the type's row alias `{a}` and, for relations, the parent's alias `{p}`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from strawberry import relay

from civicledger.core.auth import Scope
from civicledger.core.clock import business_date
from civicledger.core.errors import InvalidInputError
from civicledger.core.guangzhou import district_name, parse_district
from civicledger.domains.assistance.case import CaseStatus
from civicledger.domains.assistance.programs import Program
from civicledger.domains.assistance.verification import SOURCES, DataSource
from civicledger.graphql.assistance.types import members_of, reveal
from civicledger.graphql.inspection.common import aware, decode_log_cursor, encode_log_cursor, stream_uuid
from civicledger.graphql.linkage.reports import decode_queue_cursor, queue_cursor
from civicledger.graphql.linkage.taxonomy import BY_CODE, sub_item_type
from civicledger.graphql.permissions import (
    MASKED_TEXT,
    mask_id_number,
    mask_phone,
    reveal_resident,
    sees_personal_data,
)
from civicledger.graphql.relay import decode_cursor, page_size, uuid_of
from civicledger.projections.assistance_cases import case_filters
from civicledger.projections.audit_log import audit_filters
from civicledger.projections.client_timeline import page_filters
from civicledger.projections.linkage_queues import bucketed_items
from civicledger.projections.residents import search_filters

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant_sql(expr: str) -> str:
    """A timestamptz as integer microseconds since the epoch (JSON would round-trip it as text in the session's
    time zone, with fewer fractional digits than Python writes)."""
    return f"(extract(epoch from {expr}) * 1000000)::bigint"


def instant(micros: int | None) -> str | None:
    """What strawberry's DateTime writes for the same value read by asyncpg (UTC, `isoformat()`)."""
    return None if micros is None else (_EPOCH + timedelta(microseconds=micros)).isoformat()


def instant_text_sql(micros: str) -> str:
    """`instant(micros)` written by the database itself (exactly: integer microseconds, no float, no session time
    zone), for rows rendered whole in SQL: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, as `datetime.isoformat()`."""
    m = f"({micros})"
    fraction = f"(({m} % 1000000 + 1000000) % 1000000)"
    # interval * bigint goes through float8: whole seconds and the fraction apart stay exact (< 2**53)
    stamp = f"'epoch'::timestamp + ({m} / 1000000) * interval '1 second' + ({m} % 1000000) * interval '1 microsecond'"
    return (f"CASE WHEN {m} IS NULL THEN NULL ELSE to_char({stamp}, "
            f"'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN {fraction} = 0 THEN '' ELSE '.' || "
            f"lpad({fraction}::text, 6, '0') END || '+00:00' END")


def timestamp_text_sql(expr: str) -> str:
    """A timestamptz (`expr`) as `instant(micros)` spells it, written by the database: `to_char` in UTC with the
    fraction dropped when it is zero; outside the years 1-9999 (an infinity: `instant_sql` fails there) it fails."""
    return (f"CASE WHEN ({expr}) >= '0001-01-01 00:00:00+00' AND ({expr}) < '10000-01-01 00:00:00+00' THEN "
            f"replace(to_char(({expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+') "
            f"WHEN ({expr}) IS NOT NULL THEN {sql_unknown(expr, 'text')} END")


@dataclass(frozen=True)
class Twin:
    """A convert written twice: in Python (`python(value)`) and in SQL (`sql_of(expr)`), the same value."""

    python: Callable[[Any], Any]
    sql_of: Callable[[str], str]

    def __call__(self, value: Any) -> Any:
        return self.python(value)

    def sql(self, expr: str) -> str:
        return self.sql_of(expr)


def _enum_value(value: str | None) -> str | None:
    return value or None


enum_value = Twin(_enum_value, lambda expr: f"nullif({expr}, '')")
JSON_BOOL = Twin(bool, lambda expr: expr)  # a JSON boolean as it is
JSON_LIST = Twin(list, lambda expr: expr)  # a JSON array as it is


def base64url_sql(text: str) -> str:
    """`base64.urlsafe_b64encode(text).rstrip("=")` (the cursors' spelling) written by the database."""
    return (f"rtrim(translate(replace(encode(convert_to({text}, 'UTF8'), 'base64'), E'\\n', ''), '+/', '-_'), "
            f"'=')")


@dataclass(frozen=True)
class GlobalId:
    """A convert: a row's UUID as the type's Relay global id, as strawberry writes it (`relay.to_base64`: standard
    base64, padded, of `Type:uuid`) — in Python, or in SQL (`sql`)."""

    type_name: str

    def __call__(self, value: Any) -> str:
        return relay.to_base64(self.type_name, str(value))

    def sql(self, expr: str) -> str:
        return f"replace(encode(convert_to('{self.type_name}:' || ({expr})::text, 'UTF8'), 'base64'), E'\\n', '')"


@dataclass(frozen=True)
class Instant:
    """A convert: a timestamptz column read as microseconds (`instant_sql`) spelt as strawberry's DateTime, in
    Python (`instant`) or by the database (`sql`)."""

    def __call__(self, micros: int | None) -> str | None:
        return instant(micros)

    def sql(self, expr: str) -> str:
        return instant_text_sql(expr)


INSTANT = Instant()


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_unknown(expr: str, sql_type: str, *, null: bool = True) -> str:
    """An expression that fails when the database evaluates it, for a value outside a lookup (Python raises there
    too, and the planner then declines); null for null when `null` (a convert is not applied to null)."""
    text = f"({expr})::text" if null else f"coalesce(({expr})::text, 'null')"
    return f"(('unknown value: ' || {text})::int)::{sql_type}"


@dataclass(frozen=True)
class Lookup:
    """A convert: a value looked up in a fixed table (an enum's names or labels), in Python or in SQL (`CASE`); a
    value outside the table raises in both (the planner declines, the resolvers answer)."""

    table: tuple[tuple[str, Any], ...]
    index: Mapping[str, Any] = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", dict(self.table))

    @classmethod
    def of(cls, table: Mapping[str, Any]) -> Lookup:
        return cls(tuple(table.items()))

    def __call__(self, value: Any) -> Any:
        return self.index[value]

    def sql(self, expr: str) -> str:
        if all(k == v for k, v in self.table):  # an enum whose names are its values: only checked
            return (f"CASE WHEN ({expr}) IN ({', '.join(sql_literal(k) for k, _ in self.table)}) THEN ({expr}) "
                    f"ELSE {sql_unknown(expr, 'text')} END")
        cases = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in self.table)
        return f"CASE ({expr}) {cases} ELSE {sql_unknown(expr, 'text')} END"


def sql_convert(convert: Callable[[Any], Any] | None) -> Callable[[str], str] | None:
    """The SQL of a convert that has one (`sql`: INSTANT, GlobalId); None when it runs in Python only. A row whose
    every field is a plain column, such a column, or a constant is rendered whole in SQL."""
    return None if convert is None else getattr(convert, "sql", None)


# -- field kinds ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A value read from one SQL expression, converted for the response; `text`: the response value written by
    the database (rows rendered whole), when it is not `convert.sql(expr)`."""

    expr: str
    convert: Callable[[Any], Any] | None = None
    text: str | None = None
    # `text` is never a string JSON must escape: its JSON text is the text in quotes (no `to_json` per row)
    plain_text: bool = False


def instant_column(expr: str) -> Column:
    """A timestamptz column as strawberry's DateTime spells it: read as microseconds and spelt in Python, or
    written whole by the database (digits, `-`, `:`, `.`, `T` and `+`: nothing JSON escapes)."""
    return Column(instant_sql(expr), INSTANT, text=timestamp_text_sql(expr), plain_text=True)


@dataclass(frozen=True)
class Personal:
    """A resident's personal column: shown when `reveal_resident` (the resolvers' rule, which also records the
    read for the access log) says so, else `mask(value)`; `mask_sql(expr)`: the same mask written by the
    database (for a reader who sees no personal data: `sees_no_personal_data`)."""

    expr: str
    field_name: str
    mask: Callable[[Any], Any]
    mask_sql: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Guarded:
    """A column shown only when `visible(ctx, row, field_name)` (a program's own rule, recording the read), else
    null; `when_present`: the rule is asked only for a non-null value (as the resolver does)."""

    expr: str
    field_name: str
    visible: Callable[[Any, Mapping[str, Any], str], bool]
    when_present: bool = True
    # `visible` is False, and records nothing, for a reader who sees no personal data (`sees_no_personal_data`):
    # the column is then null for such a reader, whatever the row
    personal: bool = False


@dataclass(frozen=True)
class Derived:
    """A value computed in Python from the row's base columns (`compute(ctx, row)`); an object value's fields are
    then picked from the dict by name (`object_type`)."""

    compute: Callable[[Any, Mapping[str, Any]], Any]
    object_type: str | None = None
    uses_clock: bool = False  # the answer changes with the date: never served from the response cache
    # The same value written by the database (over `{a}`, a JSON value): for every reader (`sql`), or for a reader
    # who sees no personal data (`masked_sql`: the rule's answer for such a reader, which records nothing)
    sql: str | None = None
    masked_sql: str | None = None
    # An object value's fields written by the database (GraphQL name -> SQL over `{a}`), for every reader
    object_sql: Mapping[str, str] | None = None


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
    descending: bool | None = None  # the order asked for, when the page has an `order` argument
    # A FROM item over the arguments (its parameters appended), for a page that is no table (a work queue)
    source: str | None = None
    # The SQL (a JSON value) of the connection's summary (`Page.summary`), over every page, when it has one
    summary_sql: str | None = None
    # A WITH clause the page's source and its summary read (evaluated once for both)
    with_sql: str | None = None
    # The summary's FROM item, for its fields written by the database (`Summary.sql`)
    summary_source: str | None = None


@dataclass(frozen=True)
class Summary:
    """A field of the connection itself, over every page (a work queue's counts): an object of `object_type`
    whose fields (`fields`, by GraphQL name) `compute(json)` makes from the JSON of `PageArgs.summary_sql`."""

    name: str
    object_type: str
    fields: frozenset[str]
    compute: Callable[[Any], Mapping[str, Any]]
    # The same fields written by the database: GraphQL name -> an aggregate over `PageArgs.summary_source`
    sql: Mapping[str, str] | None = None


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
    # When the arguments need the request (its clock): made per request from the context
    request_arguments: Callable[[Any], Callable[[Mapping[str, Any], list[Any], str], PageArgs]] | None = None
    # A composite key: the columns ordered by, the SQL of the cursor's key, and the cursor made from it
    order_columns: tuple[str, ...] = ()
    key_sql: str | None = None
    cursor_of: Callable[[Any], str] | None = None
    # `cursor_of(key)` written by the database (over the row `{a}`), for pages rendered whole in SQL
    cursor_sql: str | None = None
    scope: Scope = Scope.READ  # what the root field's permission class requires
    summary: Summary | None = None
    uses_clock: bool = False  # the rows depend on the time of the request: never served from the response cache


Field = Column | Personal | Guarded | Derived | Embedded | One | Many | Page


@dataclass(frozen=True)
class TypeDecl:
    name: str
    source: str | None  # FROM item over `{a}`; None for a type read from its parent's row
    fields: Mapping[str, Field]
    # Columns every planned row of this type carries (for ids, masking and derived values): name -> (SQL, convert)
    base: Mapping[str, tuple[str, Callable[[Any], Any] | None]] = field(default_factory=dict)
    # Called for every planned row with its base columns, whatever fields are selected: the rules the resolvers
    # apply per row whatever is selected (e.g. recording a read), so both paths log the same reads.
    on_row: Callable[[Any, Mapping[str, Any]], None] | None = None
    # `on_row` does nothing for a reader who sees no personal data (`sees_no_personal_data`)
    on_row_personal: bool = False


# -- residents and households ------------------------------------------------------------------------------------

def _birth_year(value: str | None) -> str | None:
    return None if value is None else value[:4]


# The masks of `permissions` written by the database (for a reader who sees no personal data)
def _mask_id_number_sql(expr: str) -> str:
    return f"left({expr}, 3) || '***********' || right({expr}, 4)"


def _mask_phone_sql(expr: str) -> str:
    return (f"CASE WHEN length({expr}) >= 7 THEN left({expr}, 3) || '****' || right({expr}, 4) "
            f"WHEN {expr} IS NOT NULL THEN '****' END")


def _birth_year_sql(expr: str) -> str:
    return f"substr(to_json({expr})::text, 2, 4)"  # the date as JSON writes it ("YYYY-...), as `_birth_year` reads it


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
            "id": Column("{a}.id", GlobalId("Resident")),
            "residentId": Column("{a}.id"),
            "name": Column("{a}.name"),
            "gender": Column("{a}.gender", enum_value),
            "residency": Column("{a}.residency", enum_value),
            "district": Column("{a}.district"),
            "version": Column("{a}.version"),
            "erased": Column("{a}.erased", JSON_BOOL),
            "deceasedOn": Column("{a}.deceased_on"),
            "registeredAt": instant_column("{a}.registered_at"),
            "relationshipToHead": Column("{a}.relationship", enum_value),
            "idNumber": Personal("{a}.id_number", "idNumber", mask_id_number, _mask_id_number_sql),
            "phone": Personal("{a}.phone", "phone", mask_phone, _mask_phone_sql),
            "birthDate": Personal("{a}.birth_date", "birthDate", _birth_year, _birth_year_sql),
            "address": Derived(_address, object_type="Address"),
            "household": One("Household", "{a}.id = {p}.household_id"),
            "timeline": TIMELINE,
        },
    ),
    "Household": TypeDecl(
        name="Household", source="households {a}",
        base={"id": ("{a}.id", None)},
        fields={
            "id": Column("{a}.id", GlobalId("Household")),
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
            "occurredAt": instant_column("{a}.occurred_at"),
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

# -- assistance cases (the caseload and its verification matrix; means, assessments, entitlements and history
#    are code) ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Info:
    """What the assistance resolvers' `reveal(info, ...)` reads: the request context."""

    context: Any


def _case_figures(ctx: Any, row: Mapping[str, Any], field_name: str) -> bool:
    return reveal(_Info(ctx), row["district"], members_of(row), field_name)


def _review_overdue(ctx: Any, row: Mapping[str, Any]) -> bool:
    due = row["next_review_due"]
    today = business_date(ctx.runtime.clock.now())
    return bool(due and row["status"] in ("ACTIVE", "SUSPENDED") and due < today)


def _case_arguments(args: Mapping[str, Any], params: list[Any], prefix: str) -> PageArgs:
    raise NotImplementedError  # replaced per request by `case_page_arguments` (needs the request's clock)


def case_page_arguments(ctx: Any) -> Callable[[Mapping[str, Any], list[Any], str], PageArgs]:
    def arguments(args: Mapping[str, Any], params: list[Any], prefix: str) -> PageArgs:
        limit = page_size(args.get("first"))
        f = args.get("filter") or {}
        after = args.get("after")
        status, program, district = f.get("status"), f.get("program"), f.get("district")
        household_id, resident_id = f.get("householdId"), f.get("residentId")
        clauses = case_filters(
            params, prefix, status=[CaseStatus(s).value for s in status] if status else None,
            program=Program(program).value if program else None,
            district=parse_district(district).value if district else None, office=f.get("office"),
            household_id=uuid_of(household_id, "Household") if household_id else None,
            resident_id=uuid_of(resident_id, "Resident") if resident_id else None,
            review_overdue_on=business_date(ctx.runtime.clock.now()) if f.get("reviewOverdue") else None,
            after_seq=decode_cursor("ac", after))
        return PageArgs(limit, clauses, after is not None)
    return arguments


CASELOAD = Page(
    target="AssistanceCase", table="assistance_cases", join=None, key="seq", descending=False, cursor="ac",
    arguments=_case_arguments, edge_type="AssistanceCaseEdge", connection_type="AssistanceCaseConnection",
    request_arguments=case_page_arguments,
)


def _money(field_name: str) -> Guarded:
    return Guarded("{a}." + _MONEY[field_name] + "::text", field_name=_MONEY_READS[field_name],
                   visible=_case_figures, personal=True)


_PROGRAM_NAMES = Lookup.of({p.value: p.name for p in Program})
_PROGRAM_LABELS = Lookup.of({p.value: p.rule.label for p in Program})
_STATUS_NAMES = Lookup.of({s.value: s.name for s in CaseStatus})


_MONEY = {"perCapitaIncome": "per_capita_income", "monthlyAmount": "monthly_amount",
          "oneOffAmount": "one_off_amount", "totalAccrued": "total_accrued"}
_MONEY_READS = {"perCapitaIncome": "assistancePerCapitaIncome", "monthlyAmount": "assistanceAmount",
                "oneOffAmount": "assistanceAmount", "totalAccrued": "assistanceAmount"}

TYPES["AssistanceCase"] = TypeDecl(
    name="AssistanceCase", source="assistance_cases {a}",
    base={"id": ("{a}.id", None), "district": ("{a}.district", None), "members": ("{a}.members", None),
          "status": ("{a}.status", None), "next_review_due": ("{a}.next_review_due", date.fromisoformat)},
    fields={
        "id": Column("{a}.id", GlobalId("AssistanceCase")),
        "caseId": Column("{a}.id"),
        "program": Column("{a}.program", _PROGRAM_NAMES),
        "programName": Column("{a}.program", _PROGRAM_LABELS),
        "status": Column("{a}.status", _STATUS_NAMES),
        "district": Column("{a}.district"), "office": Column("{a}.office"), "version": Column("{a}.version"),
        "householdSize": Column("{a}.household_size"), "referralId": Column("{a}.referral_id"),
        "appliedOn": Column("{a}.applied_on"),
        "household": One("Household", "{a}.id = {p}.household_id"),
        "applicant": One("Resident", "{a}.id = {p}.applicant_id"),
        "members": Many("Resident", "jsonb_array_elements_text({p}.members) WITH ORDINALITY m_{a}(mid, o)"
                                    " JOIN residents {a} ON {a}.id = m_{a}.mid::uuid", "m_{a}.o"),
        "statement": Guarded("{a}.statement", "assistanceStatement", _case_figures, when_present=False,
                             personal=True),
        "figuresMasked": Derived(lambda ctx, row: not sees_personal_data(ctx.principal, row["district"],
                                                                         ctx.purpose), masked_sql="true"),
        "eligible": Column("{a}.eligible"),
        "findings": Column("coalesce({a}.findings, '[]'::jsonb)", JSON_LIST),
        "assessedBy": Column("{a}.assessed_by"), "decidedBy": Column("{a}.decided_by"),
        **{name: _money(name) for name in _MONEY},
        "standardRevision": Column("{a}.standard_revision"),
        "verificationRound": Column("{a}.verification_round"),
        "verification": Many("AssistanceVerificationCell",
                             "assistance_verification {a} JOIN assistance_cases c_{a} ON c_{a}.id = {a}.case_id"
                             " WHERE {a}.case_id = {p}.id", "{a}.member_id, {a}.source"),
        "sourcesAnswered": Column("{a}.sources_answered"),
        "sourcesFailed": Column("coalesce({a}.sources_failed, '[]'::jsonb)", JSON_LIST),
        "noticeEndsOn": Column("{a}.notice_ends_on"), "objections": Column("{a}.objections"),
        "firstMonth": Column("{a}.first_month"), "lastPaidMonth": Column("{a}.last_paid_month"),
        "nextReviewDue": Column("{a}.next_review_due"),
        "reviewOverdue": Derived(_review_overdue, uses_clock=True),
    },
)

def _cell_shown(ctx: Any, row: Mapping[str, Any], field_name: str = "assistanceVerification") -> bool:
    """The resolver's rule for a verification cell: the member's figures, to readers of the case's district (the
    member's UUID made only for a reader who sees them: a matrix has a cell per member and source)."""
    if not sees_personal_data(ctx.principal, row["district"], ctx.purpose):
        return False
    return reveal(_Info(ctx), row["district"], [UUID(row["member_id"])], field_name)


def _cell_read(ctx: Any, row: Mapping[str, Any]) -> None:
    _cell_shown(ctx, row)  # the resolver records the read of each member's figures whatever is selected


def _cell_money(column: str) -> Guarded:
    return Guarded("{a}." + column + "::text", "assistanceVerification", _cell_shown, when_present=False,
                   personal=True)


# The sources' and programs' enums as lookups (a matrix is many cells; an unknown value raises all the same)
_SOURCE_NAMES = {s.value: s.name for s in DataSource}
_SOURCE_LABELS = {s.value: SOURCES[s].name_zh for s in DataSource}
_MANDATORY = {p.value: frozenset(s.value for s in p.rule.mandatory_sources) for p in Program}


def _mandatory(ctx: Any, row: Mapping[str, Any]) -> bool:
    return _SOURCE_NAMES[row["source"]] is not None and row["source"] in _MANDATORY[row["program"]]


def _mandatory_sql(source: str, program: str) -> str:
    """`_mandatory` written by the database (an unknown source or program fails there too)."""
    sources = ", ".join(sql_literal(s) for s in _SOURCE_NAMES)
    per_program = " ".join(
        f"WHEN {sql_literal(p)} THEN "
        + (f"{source} IN ({', '.join(sql_literal(s) for s in sorted(mandatory))})" if mandatory else "false")
        for p, mandatory in _MANDATORY.items())
    return (f"CASE WHEN {source} IN ({sources}) THEN CASE {program} {per_program} ELSE "
            f"{sql_unknown(program, 'boolean', null=False)} END ELSE {sql_unknown(source, 'boolean', null=False)} END")


TYPES["AssistanceVerificationCell"] = TypeDecl(
    name="AssistanceVerificationCell", source="assistance_verification {a}",
    base={"member_id": ("{a}.member_id", None), "source": ("{a}.source", None),
          "district": ("c_{a}.district", None), "program": ("c_{a}.program", None)},
    on_row=_cell_read, on_row_personal=True,
    fields={
        "residentId": Column("{a}.member_id"),
        "source": Column("{a}.source", Lookup.of(_SOURCE_NAMES)),
        "sourceName": Column("{a}.source", Lookup.of(_SOURCE_LABELS)),
        "mandatory": Derived(_mandatory, sql=_mandatory_sql("{a}.source", "c_{a}.program")),
        "status": Column("{a}.status"),
        "monthlyIncome": _cell_money("monthly_income"),
        "assets": _cell_money("assets"),
        "flags": Guarded("{a}.flags", "assistanceVerification", _cell_shown, when_present=False, personal=True),
        "answeredAt": instant_column("{a}.answered_at"),
        "failure": Column("{a}.failure"),
        "attempts": Column("{a}.attempts"),
    },
)

# -- the inspectors' audit log (payloads, chain hashes and erasure flags are code: the event store) --------------

_AUDIT_FILTERS = {"actorId": "actor_id", "office": "actor_office", "district": "actor_district",
                  "program": "program", "kind": "kind", "correlationId": "correlation_id", "streamId": "stream_id"}


def _audit_arguments(args: Mapping[str, Any], params: list[Any], prefix: str) -> PageArgs:
    limit = page_size(args.get("first"), default=50, maximum=500)
    f = args.get("filter") or {}
    filters = {column: f.get(name) for name, column in _AUDIT_FILTERS.items()}
    if filters["stream_id"]:
        filters["stream_id"] = stream_uuid(filters["stream_id"])
    order = args.get("order")
    newest_first = order is None or getattr(order, "value", order) == "NEWEST_FIRST"
    after = args.get("after")
    clauses = audit_filters(params, prefix, filters=filters, since=aware(f.get("since")),
                            until=aware(f.get("until")), after=decode_log_cursor(after), newest_first=newest_first)
    return PageArgs(limit, clauses, after is not None, descending=newest_first)


def _log_cursor(key: list[int]) -> str:
    micros, position = key
    return encode_log_cursor(_EPOCH + timedelta(microseconds=micros), position)


AUDIT_LOG = Page(
    target="RecordedEvent", table="audit_log", join=None, key="position", descending=True, cursor="l",
    arguments=_audit_arguments, edge_type="RecordedEventEdge", connection_type="RecordedEventConnection",
    order_columns=("occurred_at", "position"),
    key_sql=f"json_build_array({instant_sql('{a}.occurred_at')}, {{a}}.position)", cursor_of=_log_cursor,
    cursor_sql=base64url_sql(f"'l:' || {instant_sql('{a}.occurred_at')} || ':' || {{a}}.position"),
    scope=Scope.AUDIT,
)

TYPES["RecordedEvent"] = TypeDecl(
    name="RecordedEvent", source="audit_log {a}",
    base={"position": ("{a}.position", None)},
    fields={
        "id": Column("{a}.position", GlobalId("RecordedEvent")),
        "position": Column("{a}.position"), "streamId": Column("{a}.stream_id"),
        "streamVersion": Column("{a}.stream_version"), "program": Column("{a}.program"),
        "kind": Column("{a}.kind"), "topic": Column("{a}.topic"),
        "occurredAt": instant_column("{a}.occurred_at"),
        "actor": Embedded("EventActor"), "reason": Column("{a}.reason"),
        "correlationId": Column("{a}.correlation_id"), "causationId": Column("{a}.causation_id"),
        "idempotencyKey": Column("{a}.idempotency_key"), "origin": Column("{a}.origin"),
    },
)
TYPES["EventActor"] = TypeDecl(
    name="EventActor", source=None,
    fields={"id": Column("{a}.actor_id"), "role": Column("{a}.actor_role"), "office": Column("{a}.actor_office"),
            "district": Column("{a}.actor_district")},
)

# -- linkage work queues (an item's referral, need and task are code: their loaders and their masking) ------------

def _queue_arguments(args: Mapping[str, Any], params: list[Any], prefix: str) -> PageArgs:
    """`Query.linkageWorkQueue`'s arguments as the resolver reads them (its checks, its instant: now unless
    `asOf`), the queue's items (`linkage_queues.bucketed_items`) as the page's source and its counts by bucket
    as the summary."""
    organisation_id, staff_id = args.get("organisationId"), args.get("staffId")
    if (organisation_id is None) == (staff_id is None):
        raise InvalidInputError("give either organisationId or staffId", field="organisationId")
    due_soon_hours = args.get("dueSoonHours")
    if due_soon_hours is None or not 1 <= due_soon_hours <= 24 * 30:
        raise InvalidInputError("dueSoonHours must be between 1 and 720", field="dueSoonHours")
    limit = page_size(args.get("first"))
    moment = args.get("asOf") or datetime.now(UTC)
    params += [uuid_of(organisation_id, "LinkageOrganisation") if organisation_id else None, staff_id, moment,
               moment + timedelta(hours=due_soon_hours)]
    n = len(params)
    items = bucketed_items(f"${n - 3}::uuid", f"${n - 2}::text", f"${n - 1}::timestamptz", f"${n}::timestamptz")
    # one WITH for the page and its counts: the queue's items are gathered once
    clauses = []
    bucket = args.get("bucket")
    if bucket is not None:
        params.append(getattr(bucket, "value", bucket))
        clauses.append(f"{prefix}bucket = ${len(params)}")
    after = args.get("after")
    key = decode_queue_cursor(after)
    if key is not None:
        params.extend(key)
        clauses.append(f"({prefix}sort_due, {prefix}item_id) > (${len(params) - 1}, ${len(params)})")
    return PageArgs(limit, clauses, after is not None, source="bucketed", with_sql=items,
                    summary_sql="(SELECT json_object_agg(bucket, n) FROM (SELECT bucket, count(*) AS n"
                                " FROM bucketed GROUP BY bucket) counts)", summary_source="bucketed")


def _queue_cursor(key: list[Any]) -> str:
    micros, item_id = key
    return queue_cursor({"sort_due": None if micros is None else _EPOCH + timedelta(microseconds=micros),
                         "item_id": item_id})


def _queue_counts(counts: Mapping[str, int] | None) -> dict[str, Any]:
    counts = counts or {}
    return {"overdue": counts.get("OVERDUE", 0), "dueSoon": counts.get("DUE_SOON", 0),
            "open": counts.get("OPEN", 0), "__typename": "WorkQueueCounts"}


WORK_QUEUE = Page(
    target="WorkQueueItem", table="", join=None, key="item_id", descending=False, cursor="q",
    arguments=_queue_arguments, edge_type="WorkQueueEdge", connection_type="WorkQueueConnection",
    order_columns=("sort_due", "item_id"), cursor_of=_queue_cursor,
    key_sql="json_build_array(CASE WHEN isfinite({a}.sort_due) THEN " + instant_sql("{a}.sort_due")
            + " END, {a}.item_id)",
    summary=Summary("counts", "WorkQueueCounts", frozenset({"overdue", "dueSoon", "open", "__typename"}),
                    _queue_counts, sql={"overdue": "count(*) FILTER (WHERE bucket = 'OVERDUE')",
                                        "dueSoon": "count(*) FILTER (WHERE bucket = 'DUE_SOON')",
                                        "open": "count(*) FILTER (WHERE bucket = 'OPEN')",
                                        "__typename": "'WorkQueueCounts'::text"}),
    uses_clock=True,
)


def _sub_item(ctx: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    item = sub_item_type(row["sub_item"])
    return {"code": item.code, "category": item.category, "label": item.label, "labelZh": item.label_zh,
            "defaultLeadParty": item.default_lead_party, "defaultAcceptWithinHours": item.default_accept_within_hours,
            "defaultCompleteWithinDays": item.default_complete_within_days, "relatedProgram": item.related_program}


def _sub_item_sql() -> dict[str, str]:
    """`_sub_item` written by the database: each field looked up by the row's code, an unknown (retired) code
    shown as `sub_item_type` shows it."""
    known = {code: _sub_item(None, {"sub_item": code}) for code in BY_CODE}
    unknown = _sub_item(None, {"sub_item": "\x00"})

    def literal(value: Any) -> str:
        text = "NULL" if value is None else str(value) if isinstance(value, int) else sql_literal(value)
        return text.replace("{", "{{").replace("}", "}}")  # a template (`{a}`)

    out = {"code": "{a}.sub_item"}
    for name, default in unknown.items():
        if name == "code":
            continue
        cases = " ".join(f"WHEN {sql_literal(code)} THEN {literal(item[name])}" for code, item in known.items())
        otherwise = "{a}.sub_item" if default == "\x00" else literal(default)
        out[name] = f"CASE {{a}}.sub_item {cases} ELSE {otherwise} END"
    return out


TYPES["WorkQueueItem"] = TypeDecl(
    name="WorkQueueItem", source=None,
    base={"sub_item": ("{a}.sub_item", None)},
    fields={
        "kind": Column("{a}.kind"), "bucket": Column("{a}.bucket"),
        "due": instant_column("{a}.due"), "urgency": Column("{a}.urgency"),
        "subItem": Derived(_sub_item, object_type="LinkageSubItem", object_sql=_sub_item_sql()),
    },
)

# Objects whose fields are picked from a Python dict (`Derived(object_type=...)`): their field names.
DICT_TYPES: dict[str, frozenset[str]] = {
    "Address": frozenset({"district", "districtName", "street", "community", "masked"}),
    "LinkageSubItem": frozenset({"code", "category", "label", "labelZh", "defaultLeadParty",
                                 "defaultAcceptWithinHours", "defaultCompleteWithinDays", "relatedProgram"}),
}


@dataclass(frozen=True)
class RootOne:
    """A root field answering one row by its global id (`argument`), READ scope required; no row: the resolvers
    answer (NOT_FOUND). Declined when any of `unplanned` arguments is given (e.g. `asOf`: time travel)."""

    target: str
    type_name: str  # of the global id
    argument: str = "id"
    unplanned: tuple[str, ...] = ("asOf",)
    scope: Scope = Scope.READ

    def key(self, args: Mapping[str, Any]) -> UUID:
        return uuid_of(args[self.argument], self.type_name)


ROOTS: dict[str, RootOne | Page] = {
    "resident": RootOne("Resident", "Resident"),
    "household": RootOne("Household", "Household"),
    "residents": RESIDENT_SEARCH,
    "assistanceCase": RootOne("AssistanceCase", "AssistanceCase"),
    "assistanceCases": CASELOAD,
    "auditLog": AUDIT_LOG,
    "linkageWorkQueue": WORK_QUEUE,
}
