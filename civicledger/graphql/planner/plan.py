"""The query planner: a validated document (its operation, with the request's variables) becomes one SQL
statement per root field — nested rows as correlated subqueries (`json_build_object`, `json_agg`), each
connection a keyset page of `first + 1` rows in the resolvers' cursor format — whose JSON is shaped into the
response in one pass: global ids, cursors, page info, and every personal field masked by the resolvers' own
rule (`reveal_resident`, which records the unmasked reads for the access log).

The plan (the tree below) is made once per document hash and operation (`plan_operation`); per request only
the arguments are coerced (graphql-core's own coercion, with the schema's defaults) and the statement's text and
parameters assembled. A document the declarations (`declarations.py`) do not cover, a directive, a type
condition on an abstract type, an argument the helpers refuse, a root row that does not exist: the planner
declines (`None`) and the resolvers answer — with the canonical data or error. A plan never widens access:
the READ scope is required for every planned root but `viewer`, and masking is decided per row as the
resolvers decide it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import get_argument_values, get_variable_values

from civicledger.core.auth import Scope
from civicledger.graphql.input_guard import inputs_are_clean
from civicledger.graphql.permissions import reveal_resident, sees_no_personal_data
from civicledger.graphql.planner.declarations import (
    DICT_TYPES,
    ROOTS,
    TYPES,
    Column,
    Derived,
    Embedded,
    Guarded,
    Many,
    One,
    Page,
    PageArgs,
    Personal,
    RootOne,
    TypeDecl,
    base64url_sql,
    sql_convert,
)
from civicledger.graphql.relay import encode_cursor

log = logging.getLogger(__name__)
MAX_JSON_ARGS = 100  # PostgreSQL functions take at most 100 arguments (50 keys of json_build_object)


class Unplannable(Exception):
    """Outside what the planner covers: the resolvers answer."""


Shape = Callable[[Any, Any], Any]  # (request, JSON value from SQL) -> response value


@dataclass
class Request:
    """Per request: the context, and the coerced arguments of every field that has any (by node id)."""

    ctx: Any
    args: dict[int, dict[str, Any]]
    params: list[Any] = field(default_factory=list)
    aliases: int = 0
    pages: dict[int, tuple[int, bool]] = field(default_factory=dict)  # id(PagePlan) -> (limit, `after` given)
    root: str | None = None  # the alias of a root row selected by `{root}.id = $1` (a `one` root)

    def alias(self) -> str:
        self.aliases += 1
        return f"a{self.aliases}"


# -- selections ------------------------------------------------------------------------------------------------

@dataclass
class Planning:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    arguments: list[tuple[FieldNode, Any]]  # field nodes with arguments, and their field definitions
    uses_clock: bool = False  # some value or filter depends on today's date
    types: set[str] = field(default_factory=set)  # the object types planned (what the answer is read from)
    # Planned for a reader who sees no personal data (`sees_no_personal_data`): every rule that masks, hides or
    # records a read then has one answer, written in SQL where the declarations give it
    masked: bool = False


def _fields(planning: Planning, selection_set: SelectionSetNode | None, type_name: str) -> list[FieldNode]:
    """The fields selected on an object type, fragments spread in (their type conditions must name this type);
    any directive, or one response key selected twice, declines."""
    if selection_set is None:
        raise Unplannable("leaf")
    out: list[FieldNode] = []
    for selection in selection_set.selections:
        if selection.directives:
            raise Unplannable("directive")
        if isinstance(selection, FieldNode):
            out.append(selection)
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment = planning.fragments.get(selection.name.value)
            if fragment is None or fragment.directives:
                raise Unplannable("fragment")
            condition, inner = fragment.type_condition, fragment.selection_set
        elif isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        else:
            raise Unplannable(type(selection).__name__)
        if condition is not None and condition.name.value != type_name:
            raise Unplannable("type condition")
        out.extend(_fields(planning, inner, type_name))
    keys = [_key(f) for f in out]
    if len(set(keys)) != len(keys):
        raise Unplannable("a response key selected twice")
    return out


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _object_type(planning: Planning, name: str) -> GraphQLObjectType:
    gql_type = planning.schema.type_map.get(name)
    if not isinstance(gql_type, GraphQLObjectType):
        raise Unplannable(name)
    return gql_type


def _arguments_of(planning: Planning, node: FieldNode, parent: GraphQLObjectType) -> None:
    if node.arguments:
        planning.arguments.append((node, parent.fields[node.name.value]))


# -- objects ---------------------------------------------------------------------------------------------------

@dataclass
class ObjectPlan:
    """An object of a declared type: its SQL (`json_build_object` of base columns and one key per field) and the
    shaping of that JSON into the response object."""

    decl: TypeDecl
    entries: list[tuple[str, str, Any]]  # (response key, kind, payload)
    # Rendered whole by the database, under the response keys: every field a plain column (or one the database
    # converts: `sql_convert`), a constant, or an object or list that is itself pure; no rule runs per row
    # (`on_row`, masking, derived values). Its JSON is then the response value as it is, not shaped in Python.
    pure: bool = False
    # Made once with the plan: the base columns (name, JSON key, convert) and the entries with their JSON keys
    base_keys: list[tuple[str, str, Any]] = field(init=False)
    shaped: list[tuple[str, str, Any, str]] = field(init=False)
    # No page below (no parameter of the request): its SQL depends only on its aliases, and is made once for them
    static: bool = field(init=False)
    _texts: dict[tuple[str, str | None, int], tuple[str, int]] = field(init=False, default_factory=dict)
    _json_texts: dict[tuple[str, str | None, int], tuple[str, int]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.base_keys = [(name, f"${name}", convert) for name, (_, convert) in self.decl.base.items()]
        self.shaped = [(key, kind, payload, f"k{index}") for index, (key, kind, payload) in enumerate(self.entries)]
        self.static = all(kind != "page" and (kind not in ("one", "many") or payload[1].static)
                          and (kind != "embedded" or payload.plan.static) for _, kind, payload in self.entries)

    def sql(self, request: Request, alias: str, parent: str | None) -> str:
        """A pure object under its response keys, its columns converted by the database; any other under the
        base columns (`$name`) and one key per field (`k0`, `k1`, ...), shaped in Python."""
        return self._made_once(self._texts, self._sql, request, alias, parent)

    def _made_once(self, cache: dict[tuple[str, str | None, int], tuple[str, int]],
                   make: Callable[[Request, str, str | None], str], request: Request, alias: str,
                   parent: str | None) -> str:
        """`make`'s SQL text, made once per place (alias, parent, the aliases taken before it) when it is the same
        for every request (`static`); the aliases it takes are taken again on each reuse."""
        if not self.static:
            return make(request, alias, parent)
        key = (alias, parent, request.aliases)
        made = cache.get(key)
        if made is None:
            made = cache[key] = (make(request, alias, parent), request.aliases)
        request.aliases = made[1]
        return made[0]

    def _sql(self, request: Request, alias: str, parent: str | None) -> str:
        parts: list[str] = []
        if not self.pure:
            for name, (expr, _) in self.decl.base.items():
                parts += [f"'${name}'", expr.format(a=alias)]
        for key, kind, payload, json_key in self.shaped:
            if kind == "derived" or (kind == "typename" and not self.pure):
                continue  # made in Python
            parts.append(f"'{key}'" if self.pure else f"'{json_key}'")  # a GraphQL name or alias: safe to quote
            if kind == "typename":
                parts.append(f"'{payload}'::text")
            elif kind == "column" and self.pure and payload.text is not None:
                parts.append(payload.text.format(a=alias))
            elif kind in ("column", "personal", "guarded"):
                expr = payload.expr.format(a=alias)
                convert = sql_convert(payload.convert) if self.pure else None
                parts.append(expr if convert is None else convert(expr))
            elif kind == "embedded":
                parts.append(payload.sql(request, alias, parent))
            elif kind == "one":
                relation, plan = payload
                child = request.alias()
                parts.append(f"(SELECT {plan.sql(request, child, alias)} FROM {plan.decl.source.format(a=child)} "
                             f"WHERE {relation.where.format(a=child, p=alias)})")
            elif kind == "many":
                relation, plan = payload
                child = request.alias()
                parts.append(f"(SELECT coalesce(json_agg({plan.sql(request, child, alias)} ORDER BY "
                             f"{relation.order.format(a=child)}), '[]'::json) FROM "
                             f"{relation.source.format(a=child, p=alias)})")
            else:  # "page"
                parts.append(payload.sql(request, alias))
        if not parts:
            parts = ["'_'", "null"]
        if len(parts) > MAX_JSON_ARGS:
            raise Unplannable("too many fields for one json_build_object")
        return f"json_build_object({', '.join(parts)})"

    def json_text(self, request: Request, alias: str, parent: str | None) -> str:
        """A pure object as the text of its JSON, joined by the database from its values (`json_value`): the same
        JSON as `sql`, without `json_build_object`, which looks every key's and value's type up again for each
        row (four catalogue lookups per text argument in PostgreSQL 15) — most of a page's cost in the database."""
        assert self.pure
        return self._made_once(self._json_texts, self._json_text, request, alias, parent)

    def _json_text(self, request: Request, alias: str, parent: str | None) -> str:
        members: list[str] = []
        for key, kind, payload, _ in self.shaped:
            if kind == "typename":
                value: str = Literal(f'"{payload}"')  # a GraphQL type name: safe in JSON and SQL
            elif kind == "column":
                if payload.text is not None and payload.plain_text:
                    value = f"""coalesce('"' || {payload.text.format(a=alias)} || '"', 'null')"""
                elif payload.text is not None:
                    value = json_value(payload.text.format(a=alias))
                else:
                    convert = sql_convert(payload.convert)
                    expr = payload.expr.format(a=alias)
                    value = json_value(expr if convert is None else convert(expr))
            elif kind == "embedded":
                value = payload.plan.json_text(request, alias, parent)
            elif kind == "one":
                relation, plan = payload
                child = request.alias()
                value = (f"coalesce((SELECT {plan.json_text(request, child, alias)} FROM "
                         f"{plan.decl.source.format(a=child)} WHERE {relation.where.format(a=child, p=alias)}), "
                         "'null')")
            elif kind == "many":
                relation, plan = payload
                child = request.alias()
                value = json_array(f"string_agg({plan.json_text(request, child, alias)}, ',' ORDER BY "
                                   f"{relation.order.format(a=child)})",
                                   f"FROM {relation.source.format(a=child, p=alias)}")
            elif kind == "page":
                value = payload.json_text(request, alias)
            else:  # pragma: no cover - a pure object has no other kind
                raise Unplannable(kind)
            members.append((key, value))
        return json_object(members)

    def shape(self, request: Request, value: Any) -> Any:
        if value is None or self.pure:
            return value
        base: dict[str, Any] = {}
        for name, json_key, convert in self.base_keys:
            raw = value[json_key]
            base[name] = convert(raw) if convert is not None and raw is not None else raw
        out: dict[str, Any] = {}
        ctx = request.ctx
        if self.decl.on_row is not None:
            self.decl.on_row(ctx, base)
        for key, kind, payload, json_key in self.shaped:
            raw = value.get(json_key)
            if kind == "column":
                out[key] = raw if payload.convert is None or raw is None else payload.convert(raw)
            elif kind == "typename":
                out[key] = payload
            elif kind == "personal":
                out[key] = raw if reveal_resident(ctx, base, payload.field_name) else payload.mask(raw)
            elif kind == "guarded":
                shown = (raw is not None or not payload.when_present) and payload.visible(ctx, base, payload.field_name)
                out[key] = raw if shown else None
            elif kind == "derived":
                derived, picks = payload
                result = derived.compute(ctx, base)
                out[key] = result if picks is None else _pick(result, picks)
            elif kind == "embedded":
                out[key] = payload.shape(request, raw)
            elif kind == "one":
                out[key] = payload[1].shape(request, raw)
            elif kind == "many":
                plan = payload[1]
                out[key] = [plan.shape(request, item) for item in raw]
            elif kind == "page":
                out[key] = payload.shape(request, raw)
        return out


def json_value(expr: str) -> str:
    """The JSON text of one SQL value, as `json_build_object` writes a value (`to_json`); `null` for NULL."""
    if expr.strip().upper() == "NULL":
        return "'null'"
    return f"coalesce(to_json({expr})::text, 'null')"


class Literal(str):
    """JSON text that is known when planning (a type name): joined into the SQL literals around it."""


def json_object(members: list[tuple[str, str]]) -> str:
    """The SQL of a JSON object's text from (key, SQL of the value's JSON text) pairs: the keys (GraphQL names and
    aliases, safe in JSON and SQL) and punctuation as few literals as possible, joined with `||`."""
    pieces: list[str] = []
    text = "{"
    for index, (key, value) in enumerate(members):
        text += ("," if index else "") + f'"{key}":'
        if isinstance(value, Literal):
            text += value
        else:
            pieces += [f"'{text}'", value]
            text = ""
    pieces.append(f"'{text}}}'")
    return " || ".join(pieces)


def json_array(aggregate: str, rest: str) -> str:
    """`(SELECT '[' || <a string_agg of JSON texts> || ']' ...)`: a JSON array, `[]` when there are no rows."""
    return f"(SELECT '[' || coalesce({aggregate}, '') || ']' {rest})"


def _pick(result: Mapping[str, Any], picks: list[tuple[str, str]]) -> dict[str, Any]:
    return {key: (result[name] if name != "__typename" else typename) for key, name, typename in picks}


@dataclass
class EmbeddedPlan:
    """Fields of an object read from its parent's row (`{a}` is the parent's alias)."""

    plan: ObjectPlan

    def sql(self, request: Request, alias: str, parent: str | None) -> str:
        return self.plan.sql(request, alias, parent)

    def shape(self, request: Request, value: Any) -> Any:
        return self.plan.shape(request, value)


def plan_object(planning: Planning, type_name: str, selection_set: SelectionSetNode | None) -> ObjectPlan:
    decl = TYPES.get(type_name)
    if decl is None:
        raise Unplannable(type_name)
    planning.types.add(type_name)
    gql_type = _object_type(planning, type_name)
    entries: list[tuple[str, str, Any]] = []
    for node in _fields(planning, selection_set, type_name):
        name, key = node.name.value, _key(node)
        if name == "__typename":
            entries.append((key, "typename", type_name))
            continue
        declared = decl.fields.get(name)
        if declared is None:
            raise Unplannable(f"{type_name}.{name}")
        if not isinstance(declared, Page) and node.arguments:
            raise Unplannable(f"arguments of {type_name}.{name}")
        if isinstance(declared, Column):
            entries.append((key, "column", declared))
        elif isinstance(declared, Personal):
            if planning.masked and declared.mask_sql is not None:  # masked, no read recorded
                entries.append((key, "column", Column(declared.mask_sql(declared.expr))))
            else:
                entries.append((key, "personal", declared))
        elif isinstance(declared, Guarded):
            if planning.masked and declared.personal:  # hidden, no read recorded
                entries.append((key, "column", Column("NULL")))
            else:
                entries.append((key, "guarded", declared))
        elif isinstance(declared, Derived) and declared.object_type is None and node.selection_set is None and (
                declared.sql is not None or (planning.masked and declared.masked_sql is not None)):
            planning.uses_clock |= declared.uses_clock
            entries.append((key, "column", Column(declared.sql if declared.sql is not None
                                                  else declared.masked_sql)))  # type: ignore[arg-type]
        elif isinstance(declared, Derived) and declared.object_type is not None and declared.object_sql is not None:
            parts = []
            for child in _fields(planning, node.selection_set, declared.object_type):
                child_name = child.name.value
                value = f"'{declared.object_type}'::text" if child_name == "__typename" else \
                    declared.object_sql.get(child_name)
                if value is None:
                    raise Unplannable(f"{declared.object_type}.{child_name}")
                parts += [f"'{_key(child)}'", value]
            if len(parts) > MAX_JSON_ARGS:
                raise Unplannable("too many fields for one json_build_object")
            planning.uses_clock |= declared.uses_clock
            entries.append((key, "column", Column(f"json_build_object({', '.join(parts)})")))
        elif isinstance(declared, Derived):
            picks = None
            if declared.object_type is not None:
                allowed = DICT_TYPES[declared.object_type]
                picks = []
                for child in _fields(planning, node.selection_set, declared.object_type):
                    child_name = child.name.value
                    if child_name != "__typename" and child_name not in allowed:
                        raise Unplannable(f"{declared.object_type}.{child_name}")
                    picks.append((_key(child), child_name, declared.object_type))
            elif node.selection_set is not None:
                raise Unplannable("selection on a leaf")
            planning.uses_clock |= declared.uses_clock
            entries.append((key, "derived", (declared, picks)))
        elif isinstance(declared, Embedded):
            entries.append((key, "embedded", EmbeddedPlan(plan_object(planning, declared.target,
                                                                          node.selection_set))))
        elif isinstance(declared, One):
            entries.append((key, "one", (declared, plan_object(planning, declared.target, node.selection_set))))
        elif isinstance(declared, Many):
            entries.append((key, "many", (declared, plan_object(planning, declared.target, node.selection_set))))
        elif isinstance(declared, Page):
            _arguments_of(planning, node, gql_type)
            entries.append((key, "page", plan_page(planning, declared, node)))
        else:  # pragma: no cover - every kind is handled above
            raise Unplannable(name)
    row_rules = decl.on_row is not None and not (planning.masked and decl.on_row_personal)
    return ObjectPlan(decl, entries, pure=not row_rules and all(_pure(kind, payload) for _, kind, payload in entries))


def _pure(kind: str, payload: Any) -> bool:
    if kind == "typename":
        return True
    if kind == "column":
        return payload.convert is None or payload.text is not None or sql_convert(payload.convert) is not None
    if kind == "embedded":
        return bool(payload.plan.pure)
    if kind in ("one", "many"):
        return bool(payload[1].pure)
    if kind == "page":
        return bool(payload.pure)
    return False  # personal, guarded, derived: a rule runs in Python


# -- connections -------------------------------------------------------------------------------------------------

@dataclass
class PagePlan:
    """A keyset page: `first + 1` rows of the target (the extra one says whether there is a next page), each
    with its key (`$k`) for the cursor, shaped into edges and page info."""

    page: Page
    node_id: int  # the field node: where its coerced arguments are
    node_plan: ObjectPlan | None
    parts: list[tuple[str, str, Any]]  # (key, "typename" | "pageInfo" | "edges" | "summary", payload)
    # Rendered whole by the database (edges, cursors, page info) when its nodes are pure, it has no summary and its
    # cursor is the resolvers' plain `encode_cursor(kind, key)` or one the page writes in SQL (`cursor_sql`).
    pure: bool = False
    # The statement's text by the shape of its arguments and place (`rows_sql`)
    _texts: dict[tuple[Any, ...], tuple[str, int]] = field(init=False, default_factory=dict, repr=False)

    def rows_sql(self, request: Request, alias: str, parent: str | None, *, text: bool = False) -> str:
        """The page's SQL: its JSON (`text`: the text of its JSON, for a pure page: `ObjectPlan.json_text`).

        The arguments are made per request (their values go to the parameters); the text of the statement
        depends only on their clauses and on where the page sits, so it is made once for each such shape when its
        nodes' SQL is the same for every request (`ObjectPlan.static`)."""
        page = self.page
        arguments = page.arguments if page.request_arguments is None else page.request_arguments(request.ctx)
        args = arguments(request.args.get(self.node_id, {}), request.params, f"{alias}.")
        request.params.append(args.limit)
        if not self.pure:
            request.pages[id(self)] = (args.limit, args.after_given)
        if self.node_plan is not None and not self.node_plan.static:
            return self._rows_sql(request, alias, parent, args, text)
        key = (text, alias, parent, parent is not None and parent == request.root, len(request.params),
               request.aliases, tuple(args.clauses), args.descending, args.source, args.with_sql, args.summary_sql,
               args.summary_source, args.after_given)
        made = self._texts.get(key)
        if made is None:
            made = (self._rows_sql(request, alias, parent, args, text), request.aliases)
            if len(self._texts) < 256:  # a few shapes per document (which filters are given); bounded regardless
                self._texts[key] = made
        request.aliases = made[1]
        return made[0]

    def _rows_sql(self, request: Request, alias: str, parent: str | None, args: PageArgs, text: bool) -> str:
        page = self.page
        clauses = list(args.clauses)
        if page.join is not None:
            assert parent is not None
            join = page.join
            if parent == request.root:
                # The parent is the root row, `{p}.id = $1`: joined on that parameter instead, PostgreSQL prunes a
                # partitioned table (the timeline's 16) when the statement starts rather than opening every
                # partition's index for each statement and choosing per row.
                join = join.replace("{p}.id", "$1")
            clauses.insert(0, join.format(a=alias, p=parent))
        limit = f"${len(request.params)}::int"  # before the node's own parameters are appended
        descending = page.descending if args.descending is None else args.descending
        order = ", ".join(f"{alias}.{column} {'DESC' if descending else 'ASC'}"
                          for column in page.order_columns or (page.key,))
        if self.node_plan is None:
            node = "'{}'" if text else "json_build_object()"
        else:
            node = (self.node_plan.json_text if text else self.node_plan.sql)(request, alias, parent)
        source = args.source if args.source is not None else page.table
        # the extra row says whether there is a next page: only read when the page info asks it
        extra = " + 1" if not self.pure or self.numbered else ""
        inner = (f"SELECT {alias}.* FROM {source} {alias} WHERE {' AND '.join(clauses) or 'true'} "
                 f"ORDER BY {order} LIMIT {limit}{extra}")
        if self.pure:
            whole = self._whole_sql(alias, args, limit, order, node, inner, text=text)
            return whole if args.with_sql is None else f"({args.with_sql} SELECT {whole})"
        assert not text, "only a pure page is written as text"
        key = page.key_sql.format(a=alias) if page.key_sql is not None else f"{alias}.{page.key}"
        obj = f"json_build_object('$k', {key}, '$n', {node})"
        rows = f"(SELECT coalesce(json_agg({obj} ORDER BY {order}), '[]'::json) FROM ({inner}) {alias})"
        if self.summarised:
            assert args.summary_sql is not None
            rows = f"json_build_object('r', {rows}, 's', {args.summary_sql})"
        return rows if args.with_sql is None else f"({args.with_sql} SELECT {rows})"

    def _whole_sql(self, alias: str, args: PageArgs, limit: str, order: str, node: str, inner: str, *,
                   text: bool = False) -> str:
        """The connection as the response has it: the first `limit` of `limit + 1` rows are the edges, the
        extra one says there is a next page; cursors are `encode_cursor` written in SQL (base64url, unpadded)."""
        page = self.page
        after_given = args.after_given
        cursor = (page.cursor_sql.format(a=alias) if page.cursor_sql is not None
                  else base64url_sql(f"'{page.cursor}:' || {alias}.{page.key}::text"))
        if text:
            return self._whole_text(alias, args, limit, order, node, inner, cursor)
        out: list[str] = []
        for key, part, payload in self.parts:
            out.append(f"'{key}'")
            if part == "typename":
                out.append(f"'{payload}'::text")
            elif part == "summary":  # over every page: its own FROM item
                assert page.summary is not None and page.summary.sql is not None and args.summary_source is not None
                fields = ", ".join(f"'{k}', {page.summary.sql[name]}" for k, name in payload)
                out.append(f"(SELECT json_build_object({fields}) FROM {args.summary_source})")
            elif part == "pageInfo":
                info = {"hasNextPage": f"count(*) > {limit}", "hasPreviousPage": "true" if after_given else "false",
                        "__typename": "'PageInfo'::text",
                        "startCursor": f"min({cursor}) FILTER (WHERE {alias}.\"$rn\" = 1)",
                        "endCursor": f"min({cursor}) FILTER (WHERE {alias}.\"$rn\" = least({limit}, "
                                     f"{alias}.\"$count\"))"}
                out.append(f"json_build_object({', '.join(f'{chr(39)}{k}{chr(39)}, {info[n]}' for k, n in payload)})")
            else:
                edge = []
                for edge_key, edge_part in payload:
                    edge.append(f"'{edge_key}'")
                    edge.append(cursor if edge_part == "cursor" else node if edge_part == "node"
                                else f"'{page.edge_type}'::text")
                within = f" FILTER (WHERE {alias}.\"$rn\" <= {limit})" if self.numbered else ""
                out.append(f"coalesce(json_agg(json_build_object({', '.join(edge)}) ORDER BY {order}){within}, "
                           "'[]'::json)")
        if not self.numbered:  # `limit` rows, the edges as they are
            return f"(SELECT json_build_object({', '.join(out)}) FROM ({inner}) {alias})"
        numbered = (f"SELECT {alias}.*, row_number() OVER (ORDER BY {order}) AS \"$rn\", count(*) OVER () AS "
                    f"\"$count\" FROM ({inner}) {alias}")
        return f"(SELECT json_build_object({', '.join(out)}) FROM ({numbered}) {alias})"

    def _whole_text(self, alias: str, args: PageArgs, limit: str, order: str, node: str, inner: str,
                    cursor: str) -> str:
        """`_whole_sql` as the text of its JSON: the edges joined by `string_agg` (no `json_build_object` per row);
        the page info and summary, one object a page, as `json_build_object` writes them."""
        page = self.page
        members: list[tuple[str, str]] = []
        for key, part, payload in self.parts:
            value: str
            if part == "typename":
                value = Literal(f'"{payload}"')
            elif part == "summary":
                assert page.summary is not None and page.summary.sql is not None and args.summary_source is not None
                fields = ", ".join(f"'{k}', {page.summary.sql[name]}" for k, name in payload)
                value = f"(SELECT json_build_object({fields})::text FROM {args.summary_source})"
            elif part == "pageInfo":
                info = {"hasNextPage": f"count(*) > {limit}",
                        "hasPreviousPage": "true" if args.after_given else "false",
                        "__typename": "'PageInfo'::text",
                        "startCursor": f"min({cursor}) FILTER (WHERE {alias}.\"$rn\" = 1)",
                        "endCursor": f"min({cursor}) FILTER (WHERE {alias}.\"$rn\" = least({limit}, "
                                     f"{alias}.\"$count\"))"}
                value = f"json_build_object({', '.join(f'{chr(39)}{k}{chr(39)}, {info[n]}' for k, n in payload)})::text"
            else:
                edge = [(edge_key, json_value(cursor) if edge_part == "cursor" else node if edge_part == "node"
                         else Literal(f'"{page.edge_type}"')) for edge_key, edge_part in payload]
                within = f" FILTER (WHERE {alias}.\"$rn\" <= {limit})" if self.numbered else ""
                value = f"'[' || coalesce(string_agg({json_object(edge)}, ',' ORDER BY {order}){within}, '') || ']'"
            members.append((key, value))
        whole = json_object(members)
        if not self.numbered:
            return f"(SELECT {whole} FROM ({inner}) {alias})"
        numbered = (f"SELECT {alias}.*, row_number() OVER (ORDER BY {order}) AS \"$rn\", count(*) OVER () AS "
                    f"\"$count\" FROM ({inner}) {alias}")
        return f"(SELECT {whole} FROM ({numbered}) {alias})"

    def sql(self, request: Request, parent: str) -> str:
        return self.rows_sql(request, request.alias(), parent)

    def json_text(self, request: Request, parent: str) -> str:
        return self.rows_sql(request, request.alias(), parent, text=True)

    @property
    def numbered(self) -> bool:
        """The page info asks whether there is a next page, or its cursors: `limit + 1` rows, numbered."""
        asks = ("hasNextPage", "startCursor", "endCursor")
        return any(part == "pageInfo" and any(name in asks for _, name in payload) for _, part, payload in self.parts)

    @property
    def summarised(self) -> bool:
        return any(part == "summary" for _, part, _ in self.parts)

    def shape(self, request: Request, value: Any) -> Any:
        if self.pure:
            return value
        limit, after_given = request.pages[id(self)]
        rows: list[Any] = value["r"] if self.summarised else value
        has_next = len(rows) > limit
        rows = rows[:limit]
        kind = self.page.cursor
        cursor_of = self.page.cursor_of or (lambda key: encode_cursor(kind, key))
        out: dict[str, Any] = {}
        for key, part, payload in self.parts:
            if part == "typename":
                out[key] = payload
            elif part == "pageInfo":
                info = {"hasNextPage": has_next, "hasPreviousPage": after_given,
                        "startCursor": cursor_of(rows[0]["$k"]) if rows else None,
                        "endCursor": cursor_of(rows[-1]["$k"]) if rows else None,
                        "__typename": "PageInfo"}
                out[key] = {k: info[name] for k, name in payload}
            elif part == "summary":
                assert self.page.summary is not None
                summary = self.page.summary.compute(value["s"])
                out[key] = {k: summary[name] for k, name in payload}
            else:
                edges = []
                for row in rows:
                    edge: dict[str, Any] = {}
                    for edge_key, edge_part in payload:
                        if edge_part == "cursor":
                            edge[edge_key] = cursor_of(row["$k"])
                        elif edge_part == "node":
                            assert self.node_plan is not None
                            edge[edge_key] = self.node_plan.shape(request, row["$n"])
                        else:
                            edge[edge_key] = self.page.edge_type
                    edges.append(edge)
                out[key] = edges
        return out


PAGE_INFO = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"})


def plan_page(planning: Planning, page: Page, node: FieldNode) -> PagePlan:
    planning.uses_clock |= page.request_arguments is not None or page.uses_clock
    parts: list[tuple[str, str, Any]] = []
    node_plan: ObjectPlan | None = None
    for child in _fields(planning, node.selection_set, page.connection_type):
        name = child.name.value
        if name == "__typename":
            parts.append((_key(child), "typename", page.connection_type))
        elif name == "pageInfo":
            picks = []
            for info in _fields(planning, child.selection_set, "PageInfo"):
                if info.name.value not in PAGE_INFO:
                    raise Unplannable(f"PageInfo.{info.name.value}")
                picks.append((_key(info), info.name.value))
            parts.append((_key(child), "pageInfo", picks))
        elif name == "edges":
            edge_parts = []
            for edge in _fields(planning, child.selection_set, page.edge_type):
                edge_name = edge.name.value
                if edge_name == "node":
                    if node_plan is not None:
                        raise Unplannable("node selected twice")
                    node_plan = plan_object(planning, page.target, edge.selection_set)
                elif edge_name not in ("cursor", "__typename"):
                    raise Unplannable(f"{page.edge_type}.{edge_name}")
                edge_parts.append((_key(edge), edge_name))
            parts.append((_key(child), "edges", edge_parts))
        elif page.summary is not None and name == page.summary.name:
            picks = []
            for field_node in _fields(planning, child.selection_set, page.summary.object_type):
                if field_node.name.value not in page.summary.fields:
                    raise Unplannable(f"{page.summary.object_type}.{field_node.name.value}")
                picks.append((_key(field_node), field_node.name.value))
            parts.append((_key(child), "summary", picks))
        else:
            raise Unplannable(f"{page.connection_type}.{name}")
    plain_cursor = page.cursor_of is None and page.key_sql is None and not page.order_columns
    cursors = any((part == "pageInfo" and any(name in ("startCursor", "endCursor") for _, name in payload))
                  or (part == "edges" and any(name == "cursor" for _, name in payload)) for _, part, payload in parts)
    summary_sql = page.summary is not None and page.summary.sql is not None
    pure = ((node_plan is None or node_plan.pure) and (plain_cursor or page.cursor_sql is not None or not cursors)
            and all(part != "summary" or summary_sql for _, part, _ in parts) and len(parts) * 2 <= MAX_JSON_ARGS)
    return PagePlan(page, id(node), node_plan, parts, pure=pure)


# -- roots -------------------------------------------------------------------------------------------------------

@dataclass
class RootPlan:
    key: str
    kind: str  # "one" | "page" | "viewer" | "typename"
    node_id: int
    payload: Any = None

    @property
    def needs_read(self) -> bool:
        return self.kind in ("one", "page")

    @property
    def scope(self) -> Scope | None:
        """What the root field's permission class requires (None: nothing)."""
        if self.kind == "one":
            return self.payload[0].scope  # type: ignore[no-any-return]
        if self.kind == "page":
            return self.payload.page.scope  # type: ignore[no-any-return]
        return None

    async def run(self, request: Request, conn: Any) -> Any:
        if self.kind == "typename":
            return "Query"
        if self.kind == "viewer":
            p = request.ctx.principal
            viewer = {"subject": p.subject, "role": p.role.value, "district": p.district, "office": p.office,
                      "scopes": sorted(s.value for s in p.scopes), "__typename": "Viewer"}
            return {key: viewer[name] for key, name in self.payload}
        request.params, request.aliases, request.root = [], 0, None
        if self.kind == "one":
            root, plan = self.payload
            key = root.key(request.args.get(self.node_id, {}))
            request.params.append(key)
            alias = request.root = request.alias()
            # The answer as UTF-8 bytes (bytea): read as it came, never decoded into a str and encoded again.
            answer = plan.json_text(request, alias, None) if plan.pure else f"{plan.sql(request, alias, None)}::text"
            sql = (f"SELECT convert_to({answer}, 'UTF8') FROM {plan.decl.source.format(a=alias)} "
                   f"WHERE {alias}.id = $1")
            text = await conn.fetchval(sql, *request.params)
            if text is None:
                raise Unplannable("no such row")  # the resolvers answer NOT_FOUND
            # a pure answer is the response's JSON as the database wrote it: embedded, never parsed
            return orjson.Fragment(text) if plan.pure else plan.shape(request, orjson.loads(text))
        page_plan: PagePlan = self.payload
        answer = (page_plan.rows_sql(request, request.alias(), None, text=True) if page_plan.pure
                  else f"{page_plan.rows_sql(request, request.alias(), None)}::text")
        sql = f"SELECT convert_to({answer}, 'UTF8')"
        text = await conn.fetchval(sql, *request.params)
        return orjson.Fragment(text) if page_plan.pure else page_plan.shape(request, orjson.loads(text))


def _plan_root(planning: Planning, node: FieldNode) -> RootPlan:
    name, key = node.name.value, _key(node)
    query_type = planning.schema.query_type
    assert query_type is not None
    if name == "__typename":
        return RootPlan(key, "typename", id(node))
    if name == "viewer":
        picks = []
        for child in _fields(planning, node.selection_set, "Viewer"):
            if child.name.value not in ("subject", "role", "district", "office", "scopes", "__typename"):
                raise Unplannable(f"Viewer.{child.name.value}")
            picks.append((_key(child), child.name.value))
        return RootPlan(key, "viewer", id(node), picks)
    root = ROOTS.get(name)
    if root is None:
        raise Unplannable(name)
    _arguments_of(planning, node, query_type)
    if isinstance(root, RootOne):
        if any(a.name.value in root.unplanned for a in node.arguments or ()):
            raise Unplannable("an argument backed by code")
        return RootPlan(key, "one", id(node), (root, plan_object(planning, root.target, node.selection_set)))
    return RootPlan(key, "page", id(node), plan_page(planning, root, node))


@dataclass
class PlannedOperation:
    """A planned query: `execute` answers its `data`, or None to let the resolvers answer."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode
    roots: list[RootPlan]
    arguments: list[tuple[FieldNode, Any]]
    mentions_viewer: bool = False
    cacheable: bool = True  # False when the answer depends on the date (the response cache keys on positions)
    # One resident's own rows only (`resident(id)` selecting its fields and its timeline, no household): the
    # response cache files the answer under that resident in `residents` and `client_timeline`, so a write to
    # another resident keeps it. Any other plan says nothing and so depends on every read model.
    one_resident: bool = False
    # The same plan for a reader who sees no personal data (`Planning.masked`): more of it rendered by the database
    masked_roots: list[RootPlan] | None = None
    # The arguments written as literals, coerced once (read only); those naming a variable, per request
    constant_arguments: dict[int, dict[str, Any]] = field(init=False, default_factory=dict)
    variable_arguments: list[tuple[FieldNode, Any]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        for node, definition in self.arguments:
            if not any(_mentions_variable(a.value) for a in node.arguments or ()):
                try:
                    self.constant_arguments[id(node)] = get_argument_values(definition, node, {})
                    continue
                except Exception:
                    pass
            self.variable_arguments.append((node, definition))

    async def execute(self, ctx: Any, pool: Any, variables: Mapping[str, Any] | None) -> dict[str, Any] | None:
        principal = ctx.principal
        if any(r.scope is not None and not principal.has(r.scope) for r in self.roots):
            return None  # the resolvers refuse it (FORBIDDEN)
        roots = self.roots
        if self.masked_roots is not None and sees_no_personal_data(principal, ctx.purpose):
            roots = self.masked_roots
        if not inputs_are_clean(variables):
            return None  # the resolvers refuse it with a typed error
        reads_before = {k: (d, set(f)) for k, (d, f) in ctx.reads.items()}
        try:
            coerced = getattr(ctx, "variables", None)  # coerced once by the transport
            if coerced is None:
                coerced = get_variable_values(self.schema, self.operation.variable_definitions or (), variables or {})
            if isinstance(coerced, list):
                return None
            args = dict(self.constant_arguments)
            for node, definition in self.variable_arguments:
                args[id(node)] = get_argument_values(definition, node, coerced)
            request = Request(ctx, args)
            if self.one_resident:
                root = roots[0]
                resident_id = root.payload[0].key(args.get(root.node_id, {}))
                ctx.depends = {("residents", resident_id), ("client_timeline", resident_id)}
            if any(r.needs_read for r in roots):
                async with pool.acquire() as conn:
                    return {root.key: await root.run(request, conn) for root in roots}
            return {root.key: await root.run(request, None) for root in roots}
        except Exception as exc:
            log.debug("planned query declined at run time: %s", type(exc).__name__)  # never the message: data

            ctx.depends = None
            ctx.reads.clear()
            ctx.reads.update(reads_before)
            if isinstance(exc, asyncpg.QueryCanceledError):
                raise  # the statement timeout: the resolvers would only time out again
            return None


def _mentions_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_mentions_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_mentions_variable(f.value) for f in value.fields)
    return False


def plan_operation(schema: GraphQLSchema, document: DocumentNode,
                   operation: OperationDefinitionNode) -> PlannedOperation | None:
    """The plan of a validated query operation, or None when (any part of) it is outside the declarations."""
    if operation.operation is not OperationType.QUERY or operation.directives:
        return None
    if not inputs_are_clean(None, document):
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    planning = Planning(schema, fragments, [])
    try:
        roots = [_plan_root(planning, node) for node in _fields(planning, operation.selection_set, "Query")]
        masked = Planning(schema, fragments, [], masked=True)
        masked_roots = [_plan_root(masked, node) for node in _fields(masked, operation.selection_set, "Query")]
    except Unplannable:
        return None
    one_resident = (len(roots) == 1 and roots[0].kind == "one" and roots[0].payload[0].target == "Resident"
                    and planning.types <= {"Resident", "TimelineEntry", "Actor"})
    return PlannedOperation(schema, operation, roots, planning.arguments,
                            mentions_viewer=any(r.kind == "viewer" for r in roots), cacheable=not planning.uses_clock,
                            one_resident=one_resident, masked_roots=masked_roots)


__all__ = ["PlannedOperation", "Unplannable", "plan_operation"]
