"""Global ids and opaque keyset cursors."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay

from civicledger.core.ascii import BIGINT_MAX, ascii_int, ascii_uuid
from civicledger.core.errors import InvalidInputError, NotFoundError


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The key an `encode_cursor` cursor carries: ASCII digits within bigint, or `INVALID_INPUT`."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        prefix, _, value = base64.urlsafe_b64decode(padded).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        return ascii_int(value, field="after", minimum=0, maximum=BIGINT_MAX)
    except (ValueError, UnicodeDecodeError, InvalidInputError):
        raise InvalidInputError("malformed cursor", field="after") from None


def uuid_of(global_id: relay.GlobalID | str, type_name: str) -> UUID:
    """Accept a global id of the given type (or, for integrators' convenience, a raw UUID). ASCII only:
    `uuid.UUID` would read Unicode hex digits."""
    try:
        if not isinstance(global_id, relay.GlobalID) and not str(global_id).isascii():
            raise ValueError(global_id)
        if isinstance(global_id, relay.GlobalID):
            gid = global_id
        else:
            text = str(global_id)
            if len(text) in (32, 36, 38, 45):  # a raw UUID's spellings; a global id is base64 of `Type:uuid`
                try:
                    return UUID(text)
                except ValueError:
                    pass
            gid = relay.GlobalID.from_id(text)
        if gid.type_name != type_name:
            raise NotFoundError(f"{global_id} is not a {type_name} id", id=str(global_id))
        if not gid.node_id.isascii():
            raise ValueError(gid.node_id)
        return UUID(gid.node_id)
    except NotFoundError:
        raise
    except Exception:
        raise InvalidInputError(f"malformed {type_name} id", id=str(global_id)) from None


def node_uuids(node_ids: Any, type_name: str) -> list[UUID]:
    """The UUIDs behind `node(id:)` ids of one type (strawberry has decoded the type name): a malformed one is
    `INVALID_INPUT`, never a server error."""
    return [_node_key(i, type_name, ascii_uuid) for i in node_ids]


def node_ints(node_ids: Any, type_name: str) -> list[int]:
    """Positive integers within bigint (an event's position)."""
    return [_node_key(i, type_name, lambda text: ascii_int(text, field="id", minimum=1)) for i in node_ids]


def _node_key(node_id: Any, type_name: str, parse: Any) -> Any:
    try:
        return parse(str(node_id))
    except InvalidInputError:
        raise InvalidInputError(f"malformed {type_name} id", field="id") from None


def page_size(first: int | None, default: int = 20, maximum: int = 100) -> int:
    if first is None:
        return default
    if first < 1 or first > maximum:
        raise InvalidInputError(f"first must be between 1 and {maximum}", field="first")
    return first


def page_info(edges: list[Any], has_next: bool, has_previous: bool) -> relay.PageInfo:
    """Page info of a keyset page whose edges carry their `cursor`."""
    return relay.PageInfo(has_next_page=has_next, has_previous_page=has_previous,
                          start_cursor=edges[0].cursor if edges else None,
                          end_cursor=edges[-1].cursor if edges else None)


def page_limit(maximum: int = 100, default: int = 20) -> str:
    """The page-size sentence every connection field's description starts with (`page_size`'s bounds); the
    schema lint (`graphql/lint.py`) checks that each one states it."""
    return f"At most {maximum} per page (`first`, default {default}). "


def list_page(items: list[Any], kind: str, first: int | None, after: str | None, default: int = 20,
              maximum: int = 100) -> tuple[list[tuple[str, Any]], bool]:
    """One page of a list held whole in a read model's row (a JSON column): `(cursor, item)` pairs and whether
    more follow. The cursor is the item's index in the list, so it stays valid as the list grows at its end."""
    limit = page_size(first, default=default, maximum=maximum)
    index = decode_cursor(kind, after)
    start = 0 if index is None else index + 1
    chunk = items[start:start + limit]
    return [(encode_cursor(kind, start + i), item) for i, item in enumerate(chunk)], start + limit < len(items)


def keyset_page(rows: list[Any], limit: int, kind: str, key: str = "seq"
                ) -> tuple[list[Any], list[str], relay.PageInfo]:
    """A forward keyset page from the `limit + 1` rows a query fetched, ordered by `key`: (the page's rows, their
    cursors, page info). The extra row only tells that there is a next page."""
    has_next = len(rows) > limit
    rows = rows[:limit]
    cursors = [encode_cursor(kind, r[key]) for r in rows]
    return rows, cursors, relay.PageInfo(has_next_page=has_next, has_previous_page=False,
                                         start_cursor=cursors[0] if cursors else None,
                                         end_cursor=cursors[-1] if cursors else None)


def connection(name: str, node: Any, description: str) -> tuple[type, type]:
    """A page's `{name}Edge` and `{name}Connection` types for `node`: the shape every newer program declares
    (philanthropy, deliberation, casework), for the programs that have no declaration of their own."""
    edge = strawberry.type(type(f"{name}Edge", (), {
        "__annotations__": {"cursor": str, "node": node}, "__module__": __name__,
        "cursor": strawberry.field(description="Opaque; pass as `after` for the next page."),
        "node": strawberry.field(description="The item.")}), name=f"{name}Edge", description="One item of a page.")
    conn = strawberry.type(type(f"{name}Connection", (), {
        "__annotations__": {"edges": list[edge], "page_info": relay.PageInfo},  # type: ignore[valid-type]
        "__module__": __name__, "edges": strawberry.field(description="The page's items, in order."),
        "page_info": strawberry.field(description="Whether more follow, and the cursors.")}),
        name=f"{name}Connection", description=description)
    return edge, conn


def list_connection(edge: Any, conn: Any, items: list[Any], kind: str, first: int | None, after: str | None,
                    node: Any = None, default: int = 20, maximum: int = 100) -> Any:
    """A page of a list held whole (a read model's JSON column, a computed report) as `conn`: `list_page`'s
    index cursors, each item made a node by `node` (the item itself when None)."""
    pairs, more = list_page(items, kind, first, after, default=default, maximum=maximum)
    edges = [edge(cursor=c, node=node(i) if node else i) for c, i in pairs]
    return conn(edges=edges, page_info=page_info(edges, more, after is not None))
