"""The endpoint's caches: compiled responses (by document, variables and visibility, valid while the read
models stay put) and automatic persisted queries (sha256 -> text)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from civicledger.graphql.wire import RequestError, encode

if TYPE_CHECKING:
    from civicledger.graphql.context import Context


class Freshness(Protocol):
    """What the response cache is kept fresh by (`ProjectionPositions`)."""

    positions: dict[str, int]
    epoch: int  # changes at every (re)connect of its listener

    @property
    def trustworthy(self) -> bool: ...


@dataclass(frozen=True)
class Stamp:
    """The positions a response is about to be read at, and the listener epoch they were heard under."""

    source: Freshness
    epoch: int
    positions: dict[str, int]


def provably_fresh(source: Freshness) -> bool:
    """THE rule for every cache of read-model data (keep it when rewriting the cache): a cache that cannot be
    proven fresh is not used — no hit is served and nothing is stored unless the positions' listener is
    connected and has been refreshed since it (re)connected. Otherwise an advance (an erasure!) made while
    nobody listened would leave older answers in place."""
    return source.trustworthy


class ResponseCache:
    """Compiled responses, keyed by document, variables and what the reader may see; valid only while every
    read model stays at the positions it was read at (any advance empties the cache, so an erasure or any
    other write leaves nothing older behind), and only while those positions are provably fresh (see
    `provably_fresh`: a reconnect of the listener empties it too). A hit replays the personal-data reads into
    the access log."""

    def __init__(self, enabled: bool, capacity: int = 20_000) -> None:
        self.enabled = enabled
        self.capacity = capacity
        self._items: OrderedDict[Any, tuple[bytes, dict[Any, Any]]] = OrderedDict()
        self._epoch = -1
        self._positions: dict[str, int] = {}
        self.hits = 0
        self.refused = 0  # lookups refused because the positions could not be trusted

    @staticmethod
    def key(operation_key: Any, variables: Any, ctx: Context, operation: Any) -> Any:
        p = ctx.principal
        visibility = (p.role, p.district, tuple(sorted(s.value for s in p.scopes)),
                      bool(ctx.purpose and ctx.purpose.strip()), p.subject if operation.mentions_viewer else None)
        return operation_key, encode(variables or {}), visibility

    def stamp(self, source: Freshness) -> Stamp | None:
        """Taken before the rows are read: an entry is never older than the positions it is filed under."""
        if not provably_fresh(source):
            return None
        return Stamp(source, source.epoch, dict(source.positions))

    def get(self, key: Any, source: Freshness) -> tuple[bytes, dict[Any, Any]] | None:
        if not provably_fresh(source):
            self.refused += 1
            self._items.clear()
            return None
        if source.epoch != self._epoch or source.positions != self._positions:
            return None
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            self.hits += 1
        return hit

    def put(self, key: Any, stamp: Stamp | None, content: bytes, reads: dict[Any, Any]) -> None:
        if stamp is None or not provably_fresh(stamp.source) or stamp.source.epoch != stamp.epoch:
            return
        if stamp.epoch != self._epoch or stamp.positions != self._positions:
            self._items.clear()
            self._epoch, self._positions = stamp.epoch, dict(stamp.positions)
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
