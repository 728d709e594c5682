"""The endpoint's caches: compiled responses (by document, variables and visibility, valid while the read
models stay put) and automatic persisted queries (sha256 -> text)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from civicledger.graphql.wire import RequestError, encode

if TYPE_CHECKING:
    from civicledger.graphql.context import Context


class ResponseCache:
    """Compiled responses, keyed by document, variables and what the reader may see; valid only while every
    read model stays at the positions it was read at (any advance empties the cache, so an erasure or any
    other write leaves nothing older behind). A hit replays the personal-data reads into the access log."""

    def __init__(self, enabled: bool, capacity: int = 20_000) -> None:
        self.enabled = enabled
        self.capacity = capacity
        self._items: OrderedDict[Any, tuple[bytes, dict[Any, Any]]] = OrderedDict()
        self._positions: dict[str, int] = {}
        self.hits = 0

    @staticmethod
    def key(operation_key: Any, variables: Any, ctx: Context, operation: Any) -> Any:
        p = ctx.principal
        visibility = (p.role, p.district, tuple(sorted(s.value for s in p.scopes)),
                      bool(ctx.purpose and ctx.purpose.strip()), p.subject if operation.mentions_viewer else None)
        return operation_key, encode(variables or {}), visibility

    def get(self, key: Any, positions: dict[str, int]) -> tuple[bytes, dict[Any, Any]] | None:
        if positions != self._positions:
            return None
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            self.hits += 1
        return hit

    def put(self, key: Any, positions: dict[str, int], content: bytes, reads: dict[Any, Any]) -> None:
        if positions != self._positions:
            self._items.clear()
            self._positions = dict(positions)
        self._items[key] = (content, reads)
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)


class PersistedQueries:
    """APQ store: sha256 -> query text (bounded LRU)."""

    def __init__(self, capacity: int = 5000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> tuple[str, str | None]:
        persisted = (extensions or {}).get("persistedQuery") if isinstance(extensions, dict) else None
        if not persisted:
            if not query:
                raise RequestError(400, "no GraphQL query found in the request", "BAD_REQUEST")
            return query, None
        digest = str(persisted.get("sha256Hash", "")).lower()
        if query:
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                raise RequestError(400, "provided sha256Hash does not match the query", "PERSISTED_QUERY_HASH_MISMATCH")
            self._items[digest] = query
            self._items.move_to_end(digest)
            if len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return query, digest
        known = self._items.get(digest)
        if known is None:
            raise RequestError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        self._items.move_to_end(digest)
        return known, digest
