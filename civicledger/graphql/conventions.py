"""Descriptions of the schema's conventional parts, written once here instead of on every class: the Relay
plumbing (every `XConnection`, `XEdge`, their `edges`, `pageInfo`, `cursor`, `node`, `totalCount`), the
conventional arguments (`first`, `after`, a mutation's `input`, a root query's `id`), a payload's `position`,
`version`, `replayed`, a command input's `idempotencyKey`, `expectedVersion`, `reason` and `...Id` fields (and
the input type itself, as what its mutation takes), and the values of enums made from domain enums
(`describe_enum_values`). Applied when the schema is built, to what has no description of its own; a
description written in the code always wins. Everything else is described where it is declared (the lint,
`graphql/lint.py`, holds the schema to it)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)

from civicledger.core.metadata import IDEMPOTENCY_KEY_MAX
from civicledger.core.text import REASON_MAX

# The metadata fields every command input repeats (core/metadata.py checks them before any service runs).
_INPUT_FIELDS = {
    "idempotencyKey": (f"Makes retries safe: the same key with the same input returns the first result (`replayed`);"
                       f" with other input it is IDEMPOTENCY_KEY_REUSED. 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII"
                       " characters."),
    "expectedVersion": ("Optimistic concurrency: the stream's version you read (its `version`); if it has changed"
                        " since, the command is CONFLICT and writes nothing. Omit to skip the check."),
    "reason": (f"Why: recorded on the event, shown in its history and audit trail. Free text, at most {REASON_MAX}"
               " characters, no control characters (required where the field is non-null)."),
}


# GraphQL enums made from a domain enum (`strawberry.enum(Program, ...)`) cannot carry value descriptions in the
# domain class (the domain knows no GraphQL): they are given next to the `strawberry.enum` call with
# `describe_enum_values` and set here when the schema is built.
_ENUM_VALUES: dict[str, dict[str, str]] = {}


def describe_enum_values(enum_name: str, values: Mapping[str, str]) -> None:
    """Descriptions of the values of the GraphQL enum `enum_name` (by value name)."""
    _ENUM_VALUES.setdefault(enum_name, {}).update(values)


def _named(type_: object) -> object:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _connection_node(connection: GraphQLObjectType | GraphQLInterfaceType) -> str | None:
    if "edges" not in connection.fields or "pageInfo" not in connection.fields:
        return None
    edge = _named(connection.fields["edges"].type)
    if isinstance(edge, GraphQLObjectType) and "node" in edge.fields:
        return str(getattr(_named(edge.fields["node"].type), "name", "item"))
    return None


_ROOTS = {
    "Query": ("Every read: residents and households, each program's cases and reports, and the inspectors' audit"
              " log, history and integrity checks. Who may see what is decided per role and district; personal data"
              " is masked unless the reader may see it, and every unmasked read is logged."),
    "Mutation": ("Every command: one mutation per command, each taking one `input` and answering a payload with the"
                 " log position to read your own write. Bad input is refused with a typed error (`extensions.code`)"
                 " and writes nothing; `idempotencyKey` makes retries safe."),
    "Subscription": "Live updates over WebSocket (graphql-transport-ws), with the same authorisation as queries.",
    "UUID": "A UUID in its canonical text form, 8-4-4-4-12 hexadecimal digits.",
}


def describe_conventions(schema: GraphQLSchema) -> None:
    for name, text in _ROOTS.items():
        root = schema.type_map.get(name)
        if root is not None and not root.description:
            root.description = text
    for named in list(schema.type_map.values()):
        if isinstance(named, GraphQLEnumType):
            for value_name, text in _ENUM_VALUES.get(named.name, {}).items():
                value = named.values.get(value_name)
                if value is not None and not value.description:
                    value.description = text
        if isinstance(named, GraphQLInputObjectType):
            for name, text in _INPUT_FIELDS.items():
                field = named.fields.get(name)
                if field is not None and not field.description:
                    field.description = text
            for name, field in named.fields.items():
                if not field.description and name.endswith("Id") and getattr(_named(field.type), "name", "") == "ID":
                    thing = re.sub(r"(?<!^)(?=[A-Z])", " ", name[:-2]).lower()
                    field.description = f"The {thing}: its global ID (its UUID is accepted too)."
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType) or named.name.startswith("__"):
            continue
        node = _connection_node(named)
        if node is not None:
            _describe_connection(named, node)
        if named.name.endswith("Payload"):
            _describe_payload(named)
        for field_name, field in named.fields.items():
            for arg_name, arg in field.args.items():
                if arg.description:
                    continue
                if arg_name == "first":
                    arg.description = ("Page size: how many to return, from 1 to the maximum that the field's"
                                       " description states (default shown here).")
                elif arg_name == "after":
                    arg.description = ("Where the page starts: the `pageInfo.endCursor` of the previous page (an"
                                       " opaque cursor); omit for the first page. A malformed cursor is"
                                       " INVALID_INPUT.")
                elif arg_name == "input" and named is schema.mutation_type:
                    input_type = _named(arg.type)
                    if isinstance(input_type, GraphQLInputObjectType) and not input_type.description:
                        input_type.description = f"What `{field_name}` takes (its description says what it does)."
                    described = isinstance(input_type, GraphQLInputObjectType)
                    arg.description = (f"The command's fields (`{input_type.name}`); invalid input is refused with"
                                       " a typed error and writes nothing." if described else
                                       "The command's fields.")
                elif arg_name == "id" and named is schema.query_type:
                    target = getattr(_named(field.type), "name", "object")
                    arg.description = f"Global ID of the {target}, as its `id` field gives it."


def _describe_connection(connection: GraphQLObjectType, node: str) -> None:
    connection.description = connection.description or (
        f"A page of {node} items (a Relay connection): `edges` in the field's order, `pageInfo` to ask for the"
        " next page with `after`.")
    total = connection.fields.get("totalCount")
    if total is not None and not total.description:
        total.description = "How many there are in all, across every page."
    edges = connection.fields["edges"]
    edges.description = edges.description or f"The {node} items of this page, at most `first` of them, in order."
    page_info = connection.fields["pageInfo"]
    page_info.description = page_info.description or (
        "Whether there is a next page (`hasNextPage`) and the cursor to pass as `after` to read it (`endCursor`).")
    edge = _named(edges.type)
    assert isinstance(edge, GraphQLObjectType)
    edge.description = edge.description or f"One {node} on a page, with its cursor."
    if "cursor" in edge.fields:
        cursor = edge.fields["cursor"]
        cursor.description = cursor.description or (
            "Opaque cursor of this edge: pass it as `after` to read what follows it.")
    edge_node = edge.fields["node"]
    edge_node.description = edge_node.description or f"The {node}."


_PAYLOAD_FIELDS = {
    "position": ("Global log position of what the command wrote: send it as `extensions.minPosition` (or header"
                 " `X-Min-Position`) to read your own write."),
    "version": "The stream's version after the command (where an input takes `expectedVersion`, send it there).",
    "replayed": "True when an idempotency key returned the result of an earlier, identical request.",
}


def _describe_payload(payload: GraphQLObjectType | GraphQLInterfaceType) -> None:
    """A mutation's payload: what the command recorded, and the object it wrote read at that position."""
    if "position" in payload.fields and not payload.description:
        payload.description = ("What a command recorded: its log position, the stream's new version, and what it"
                               " wrote as the read models show it once they have reached that position.")
    for name, text in _PAYLOAD_FIELDS.items():
        field = payload.fields.get(name)
        if field is not None and not field.description:
            field.description = text
    for name, field in payload.fields.items():
        thing = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
        if not field.description and name.endswith("Id") and getattr(_named(field.type), "name", "") == "UUID":
            field.description = f"The {thing[:-3]}'s UUID."
        elif not field.description and f"{name}Id" in payload.fields and "position" in payload.fields:
            field.description = f"The {thing} as the read models show it once they have reached `position`."
