"""Compiled operations: the hot read path, without per-field resolver execution.

A query document is parsed and validated against the schema once. If every selection in it lies within the
subset below, it is turned into a plan — nested lists of (response key, how to compute it) — that goes
straight from read-model rows to the response, honouring aliases and selection order:

    resident(id) { scalar fields, personal fields (masked by role, unmasked reads logged), address {...},
                   timeline(first, after, programs, since, until) { pageInfo {...} edges { cursor node {...} } } }
    residents(filter, first, after) { pageInfo {...} edges { cursor node { <resident fields as above> } } }
    viewer { ... }, __typename

Auth, masking and the read-access log use the same functions as the resolvers (`permissions.py`,
`Context.record_read`). Anything else — fragments, directives, other fields, a permission or argument problem,
a missing row — returns None and the request runs through the ordinary strawberry executor, which then
produces the canonical data or error. A test compares both paths field for field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg
from graphql import (
    DocumentNode,
    FieldNode,
    OperationDefinitionNode,
    OperationType,
    ValueNode,
    VariableNode,
    parse,
    validate,
    value_from_ast_untyped,
)
from strawberry import relay

from civicledger.core.auth import Scope
from civicledger.core.guangzhou import district_name, parse_district
from civicledger.graphql.input_guard import inputs_are_clean
from civicledger.graphql.permissions import MASKED_TEXT, mask_id_number, mask_phone, reveal_resident
from civicledger.graphql.relay import decode_cursor, encode_cursor, page_size, uuid_of
from civicledger.projections.client_timeline import resident_with_timeline, timeline_page
from civicledger.projections.residents import search_residents


class Unsupported(Exception):
    """The document (or this request) is outside the compiled subset: use the generic executor."""


Row = Mapping[str, Any]
# A value computed for one response key: (context, row, variables) -> JSON value
Compute = Callable[[Any, Row, Mapping[str, Any]], Any]


def _only(node: FieldNode, *allowed: str) -> None:
    """Compile only the arguments this module knows; any other (e.g. `asOf`) goes to the executor."""
    for argument in node.arguments or ():
        if argument.name.value not in allowed:
            raise Unsupported(f"argument {argument.name.value}")


def _arg(node: FieldNode, name: str) -> ValueNode | None:
    for argument in node.arguments or ():
        if argument.name.value == name:
            return argument.value
    return None


def _value(node: ValueNode | None, variables: Mapping[str, Any]) -> Any:
    if node is None:
        return None
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    return value_from_ast_untyped(node, variables)


def _fields(node: FieldNode | OperationDefinitionNode) -> list[FieldNode]:
    selection_set = node.selection_set
    if selection_set is None:
        raise Unsupported("leaf")
    out = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise Unsupported(type(selection).__name__)
        out.append(selection)
    return out


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _object(nodes: list[FieldNode], table: Mapping[str, Callable[[FieldNode], Compute]]) -> list[tuple[str, Compute]]:
    plan = []
    for node in nodes:
        builder = table.get(node.name.value)
        if builder is None:
            raise Unsupported(node.name.value)
        if node.name.value != "timeline":
            _only(node)
        plan.append((_key(node), builder(node)))
    return plan


def _run(plan: list[tuple[str, Compute]], ctx: Any, row: Row, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {key: compute(ctx, row, variables) for key, compute in plan}


def _const(value: Any) -> Callable[[FieldNode], Compute]:
    return lambda node: (lambda ctx, row, v: value)


def _col(column: str, convert: Callable[[Any], Any] | None = None) -> Callable[[FieldNode], Compute]:
    if convert is None:
        return lambda node: (lambda ctx, row, v: row[column])
    return lambda node: (lambda ctx, row, v: convert(row[column]))


def _enum(column: str) -> Callable[[FieldNode], Compute]:
    return lambda node: (lambda ctx, row, v: row[column] or None)


# -- timeline ---------------------------------------------------------------------------------------------

ACTOR_FIELDS = {
    "id": _col("actor_id"), "role": _col("actor_role"), "office": _col("actor_office"),
    "__typename": _const("Actor"),
}


def _actor(node: FieldNode) -> Compute:
    plan = _object(_fields(node), ACTOR_FIELDS)
    return lambda ctx, row, v: _run(plan, ctx, row, v)


ENTRY_FIELDS: dict[str, Callable[[FieldNode], Compute]] = {
    # datetimes, dates and UUIDs are left to orjson, which writes exactly what isoformat()/str() would.
    "occurredAt": _col("occurred_at"), "program": _col("program"), "kind": _col("kind"),
    "summary": _col("summary"), "position": _col("position"), "streamId": _col("stream_id"),
    "streamVersion": _col("stream_version"), "correlationId": _col("correlation_id"), "actor": _actor,
    "__typename": _const("TimelineEntry"),
}


@dataclass
class _Page:
    rows: list[Row]
    has_next: bool
    has_previous: bool
    cursor: Callable[[Row], str]


PAGE_INFO_FIELDS: dict[str, Callable[[FieldNode], Compute]] = {
    "hasNextPage": lambda n: (lambda ctx, page, v: page.has_next),
    "hasPreviousPage": lambda n: (lambda ctx, page, v: page.has_previous),
    "startCursor": lambda n: (lambda ctx, page, v: page.cursor(page.rows[0]) if page.rows else None),
    "endCursor": lambda n: (lambda ctx, page, v: page.cursor(page.rows[-1]) if page.rows else None),
    "__typename": _const("PageInfo"),
}


def _connection(node: FieldNode, node_table: Mapping[str, Callable[[FieldNode], Compute]], edge_type: str,
                connection_type: str) -> Callable[[Any, _Page, Mapping[str, Any]], dict[str, Any]]:
    parts: list[tuple[str, Callable[[Any, _Page, Mapping[str, Any]], Any]]] = []
    for child in _fields(node):
        name = child.name.value
        if name == "pageInfo":
            info_plan = _object(_fields(child), PAGE_INFO_FIELDS)
            parts.append((_key(child), lambda ctx, page, v, p=info_plan: _run(p, ctx, page, v)))  # type: ignore[misc]
        elif name == "edges":
            edge_parts: list[tuple[str, Compute | None]] = []  # None marks the cursor
            for edge_child in _fields(child):
                if edge_child.name.value == "cursor":
                    edge_parts.append((_key(edge_child), None))
                elif edge_child.name.value == "node":
                    node_plan = _object(_fields(edge_child), node_table)
                    edge_parts.append((_key(edge_child), lambda ctx, row, v, p=node_plan: _run(p, ctx, row, v)))  # type: ignore[misc]
                elif edge_child.name.value == "__typename":
                    edge_parts.append((_key(edge_child), lambda ctx, row, v: edge_type))
                else:
                    raise Unsupported(edge_child.name.value)

            def edges(ctx: Any, page: _Page, v: Mapping[str, Any],
                      ep: list[tuple[str, Compute | None]] = edge_parts) -> Any:
                cursor = page.cursor
                return [{key: cursor(row) if compute is None else compute(ctx, row, v) for key, compute in ep}
                        for row in page.rows]

            parts.append((_key(child), edges))
        elif name == "__typename":
            parts.append((_key(child), lambda ctx, page, v: connection_type))
        else:
            raise Unsupported(name)
    return lambda ctx, page, v: {key: compute(ctx, page, v) for key, compute in parts}


def _timeline(node: FieldNode) -> Compute:
    _only(node, "first", "after", "programs", "since", "until")
    build = _connection(node, ENTRY_FIELDS, "TimelineEdge", "TimelineConnection")
    args = {name: _arg(node, name) for name in ("first", "after", "programs", "since", "until")}
    # Arguments are resolved per request; the rows come from the prefetch done in `execute`.
    return _Deferred(build, args)  # type: ignore[return-value]


class _Deferred:
    """A nested field that needs its own query (the timeline): computed asynchronously before assembly."""

    def __init__(self, build: Callable[..., dict[str, Any]], args: Mapping[str, ValueNode | None]) -> None:
        self.build = build
        self.args = args

    def __call__(self, ctx: Any, row: Row, v: Mapping[str, Any]) -> Any:
        return self.build(ctx, row["__pages"][id(self)], v)

    def arguments(self, v: Mapping[str, Any]) -> dict[str, Any]:
        first = _value(self.args["first"], v) if self.args["first"] is not None else 50
        programs = _value(self.args["programs"], v)
        if programs is not None and not isinstance(programs, list):
            raise Unsupported("programs")
        return {
            "limit": page_size(first, default=50, maximum=200),
            "before": decode_cursor("t", _value(self.args["after"], v)),
            "programs": programs,
            "since": _datetime(_value(self.args["since"], v)),
            "until": _datetime(_value(self.args["until"], v)),
        }

    @staticmethod
    def page(rows: list[Any], args: Mapping[str, Any]) -> _Page:
        limit = args["limit"]
        return _Page(rows=rows[:limit], has_next=len(rows) > limit, has_previous=args["before"] is not None,
                     cursor=lambda r: encode_cursor("t", r["position"]))

    async def fetch(self, conn: Any, row: Row, v: Mapping[str, Any]) -> _Page:
        args = self.arguments(v)
        rows = await timeline_page(conn, row["id"], **args)
        return self.page(rows, args)


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise Unsupported("datetime") from None


# -- resident ---------------------------------------------------------------------------------------------

def _personal(field_name: str, column: str, mask: Callable[[Any], Any]) -> Callable[[FieldNode], Compute]:
    def build(node: FieldNode) -> Compute:
        def compute(ctx: Any, row: Row, v: Mapping[str, Any]) -> Any:
            value = row[column]
            return (_serialize(value) if reveal_resident(ctx, row, field_name) else mask(value))
        return compute
    return build


def _serialize(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _birth_year(value: date | None) -> str | None:
    return None if value is None else f"{value.year}"


ADDRESS_FIELDS: dict[str, Callable[[FieldNode], Compute]] = {
    "district": lambda n: (lambda ctx, a, v: a["district"]),
    "districtName": lambda n: (lambda ctx, a, v: district_name(a["district"])),
    "street": lambda n: (lambda ctx, a, v: a["street"]),
    "community": lambda n: (lambda ctx, a, v: a["community"]),
    "masked": lambda n: (lambda ctx, a, v: a["masked"]),
    "__typename": _const("Address"),
}


def _address(node: FieldNode) -> Compute:
    plan = _object(_fields(node), ADDRESS_FIELDS)

    def compute(ctx: Any, row: Row, v: Mapping[str, Any]) -> Any:
        revealed = reveal_resident(ctx, row, "address")
        address = {
            "district": row["district"],
            "street": row["street"] if revealed else (MASKED_TEXT if row["street"] else None),
            "community": row["community"] if revealed else (MASKED_TEXT if row["community"] else None),
            "masked": not revealed,
        }
        return _run(plan, ctx, address, v)

    return compute


RESIDENT_FIELDS: dict[str, Callable[[FieldNode], Compute]] = {
    "id": lambda n: (lambda ctx, row, v: relay.to_base64("Resident", str(row["id"]))),
    "residentId": _col("id"),
    "name": _col("name"),
    "gender": _enum("gender"),
    "residency": _enum("residency"),
    "district": _col("district"),
    "version": _col("version"),
    "erased": lambda n: (lambda ctx, row, v: bool(row["erased"])),
    "deceasedOn": _col("deceased_on"),
    "registeredAt": _col("registered_at"),
    "relationshipToHead": _enum("relationship"),
    "idNumber": _personal("idNumber", "id_number", mask_id_number),
    "phone": _personal("phone", "phone", mask_phone),
    "birthDate": _personal("birthDate", "birth_date", _birth_year),
    "address": _address,
    "timeline": _timeline,
    "__typename": _const("Resident"),
}


# The residents columns each field reads; the hot query fetches only what the selection needs.
PERSONAL_BASE = ("district", "erased")
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name",), "gender": ("gender",), "residency": ("residency",), "district": ("district",),
    "version": ("version",), "erased": ("erased",), "deceasedOn": ("deceased_on",),
    "registeredAt": ("registered_at",), "relationshipToHead": ("relationship",),
    "idNumber": ("id_number", *PERSONAL_BASE), "phone": ("phone", *PERSONAL_BASE),
    "birthDate": ("birth_date", *PERSONAL_BASE), "address": ("street", "community", *PERSONAL_BASE),
}


def _columns_for(nodes: list[FieldNode]) -> tuple[str, ...]:
    wanted = {"id"}
    for node in nodes:
        wanted.update(FIELD_COLUMNS.get(node.name.value, ()))
    return tuple(sorted(wanted))


def _deferreds(plan: list[tuple[str, Compute]]) -> list[_Deferred]:
    return [c for _, c in plan if isinstance(c, _Deferred)]


# -- root fields --------------------------------------------------------------------------------------------

@dataclass
class _Root:
    key: str
    run: Callable[[Any, Any, Mapping[str, Any]], Any]  # async (ctx, conn, variables) -> value
    needs_read: bool = True


def _resident_root(node: FieldNode) -> _Root:
    _only(node, "id")
    plan = _object(_fields(node), RESIDENT_FIELDS)
    columns = _columns_for(_fields(node))
    deferred = _deferreds(plan)
    id_arg = _arg(node, "id")

    async def run(ctx: Any, conn: Any, v: Mapping[str, Any]) -> Any:
        resident_id = uuid_of(_value(id_arg, v), "Resident")
        ctx.depends_on("residents", resident_id)
        if deferred:
            ctx.depends_on("client_timeline", resident_id)
        if len(deferred) == 1:
            # The resident and its timeline page in one round trip.
            timeline = deferred[0]
            args = timeline.arguments(v)
            row, entries = await resident_with_timeline(conn, resident_id, columns=columns, **args)
            if row is None:
                raise Unsupported("not found")
            row["__pages"] = {id(timeline): timeline.page(entries, args)}
            return _run(plan, ctx, row, v)
        row = await conn.fetchrow("SELECT * FROM residents WHERE id = $1", resident_id)
        if row is None:
            raise Unsupported("not found")  # the generic path answers NOT_FOUND
        return await _assemble(ctx, conn, plan, deferred, row, v)

    return _Root(_key(node), run)


async def _assemble(ctx: Any, conn: Any, plan: list[tuple[str, Compute]], deferred: list[_Deferred], row: Row,
                    v: Mapping[str, Any]) -> dict[str, Any]:
    if deferred:
        full = dict(row)
        full["__pages"] = {id(d): await d.fetch(conn, row, v) for d in deferred}
        row = full
    return _run(plan, ctx, row, v)


def _residents_root(node: FieldNode) -> _Root:
    _only(node, "filter", "first", "after")
    connection = _connection(node, RESIDENT_FIELDS, "ResidentEdge", "ResidentConnection")
    nested: list[_Deferred] = []
    for child in _fields(node):
        if child.name.value == "edges":
            for edge_child in _fields(child):
                if edge_child.name.value == "node":
                    nested = _deferreds(_object(_fields(edge_child), RESIDENT_FIELDS))
    if nested:
        raise Unsupported("timeline inside a list")  # keep the compiled subset to one query per row set
    filter_arg, first_arg, after_arg = _arg(node, "filter"), _arg(node, "first"), _arg(node, "after")

    async def run(ctx: Any, conn: Any, v: Mapping[str, Any]) -> Any:
        f = _value(filter_arg, v) or {}
        ctx.depends_on("residents")
        limit = page_size(_value(first_arg, v) if first_arg is not None else 20)
        after = _value(after_arg, v)
        district = parse_district(f["district"]).value if f.get("district") else None
        rows = await search_residents(conn, name=f.get("name"), id_number=f.get("idNumber"), district=district,
                                      after_seq=decode_cursor("r", after), limit=limit)
        page = _Page(rows=rows[:limit], has_next=len(rows) > limit, has_previous=after is not None,
                     cursor=lambda r: encode_cursor("r", r["seq"]))
        return connection(ctx, page, v)

    return _Root(_key(node), run)


VIEWER_FIELDS: dict[str, Callable[[FieldNode], Compute]] = {
    "subject": lambda n: (lambda ctx, p, v: p.subject),
    "role": lambda n: (lambda ctx, p, v: p.role.value),
    "district": lambda n: (lambda ctx, p, v: p.district),
    "office": lambda n: (lambda ctx, p, v: p.office),
    "scopes": lambda n: (lambda ctx, p, v: sorted(s.value for s in p.scopes)),
    "__typename": _const("Viewer"),
}


def _viewer_root(node: FieldNode) -> _Root:
    _only(node)
    plan = _object(_fields(node), VIEWER_FIELDS)

    async def run(ctx: Any, conn: Any, v: Mapping[str, Any]) -> Any:
        return _run(plan, ctx, ctx.principal, v)

    return _Root(_key(node), run, needs_read=False)


def _typename_root(node: FieldNode) -> _Root:
    async def run(ctx: Any, conn: Any, v: Mapping[str, Any]) -> Any:
        return "Query"

    return _Root(_key(node), run, needs_read=False)


ROOTS: dict[str, Callable[[FieldNode], _Root]] = {
    "resident": _resident_root, "residents": _residents_root, "viewer": _viewer_root, "__typename": _typename_root,
}


@dataclass
class CompiledOperation:
    operation_name: str | None
    roots: list[_Root]
    variable_defaults: dict[str, Any] = field(default_factory=dict)
    mentions_viewer: bool = False

    async def execute(self, ctx: Any, pool: Any, variables: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The response `data`, or None to fall back to the generic executor."""
        if any(r.needs_read for r in self.roots) and not ctx.principal.has(Scope.READ):
            return None
        v = {**self.variable_defaults, **(variables or {})}
        if not inputs_are_clean(v):
            return None  # the generic path refuses it with a typed error
        reads_before = {k: (d, set(f)) for k, (d, f) in ctx.reads.items()}
        # Every root here says what it reads (`ctx.depends_on`): the response cache files the answer under that.
        ctx.depends = set()
        try:
            async with pool.acquire() as conn:
                data = {root.key: await root.run(ctx, conn, v) for root in self.roots}
        except Exception as exc:
            ctx.reads.clear()
            ctx.reads.update(reads_before)
            if isinstance(exc, asyncpg.QueryCanceledError):
                raise  # the statement timeout: the executor would only time out again
            return None
        return data


def _within_limits(node: Any, depth: int, limits: tuple[int, int]) -> tuple[bool, int]:
    """Depth of field nesting and number of aliases, checked conservatively against the schema's limiters."""
    max_depth, max_aliases = limits
    aliases = 0
    if depth > max_depth:
        return False, aliases
    for selection in getattr(getattr(node, "selection_set", None), "selections", ()) or ():
        if isinstance(selection, FieldNode) and selection.alias:
            aliases += 1
        ok, inner = _within_limits(selection, depth + 1, limits)
        aliases += inner
        if not ok or aliases > max_aliases:
            return False, aliases
    return True, aliases


def compile_operation(schema: Any, query: str, operation_name: str | None, *, max_tokens: int = 4000,
                      max_depth: int = 12, max_aliases: int = 30) -> CompiledOperation | None:
    """Parse, validate and plan a document once; None if it is not (entirely) in the compiled subset, or
    anywhere near a request limit (the generic path then enforces the limit and answers)."""
    try:
        document: DocumentNode = parse(query, max_tokens=max_tokens)
    except Exception:
        return None
    if validate(schema._schema, document) or not inputs_are_clean(None, document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return None  # fragments
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    operation = operations[0]
    if operation.directives or not _within_limits(operation, 0, (max_depth - 1, max_aliases))[0]:
        return None
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    try:
        roots = []
        for node in _fields(operation):
            builder = ROOTS.get(node.name.value)
            if builder is None:
                return None
            roots.append(builder(node))
    except Unsupported:
        return None
    return CompiledOperation(operation_name=operation_name, roots=roots, variable_defaults=defaults,
                             mentions_viewer=any(n.name.value == "viewer" for n in _fields(operation)))
