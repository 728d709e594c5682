"""The endpoint's caches: compiled responses (by document, variables and visibility, valid while the read
models stay put) and automatic persisted queries (sha256 -> text)."""

from __future__ import annotations

import contextlib
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
    on_change: list[Any]  # callbacks (read model, residents or None) at every change heard

    @property
    def trustworthy(self) -> bool: ...


@dataclass(frozen=True)
class Stamp:
    """Taken before an answer's rows are read: the listener epoch, and the cache's invalidation sequence then
    (an invalidation of anything the answer depends on after this refuses to store it)."""

    source: Freshness
    epoch: int
    seq: int


def provably_fresh(source: Freshness) -> bool:
    """THE rule for every cache of read-model data (keep it when rewriting the cache): a cache that cannot be
    proven fresh is not used — no hit is served and nothing is stored unless the positions' listener is
    connected and has been refreshed since it (re)connected. Otherwise an advance (an erasure!) made while
    nobody listened would leave older answers in place."""
    return source.trustworthy


# What an answer depends on: (read model, resident id as text) pairs; resident None is the whole read model.
# An answer that declared nothing (`None`) depends on every read model.
Dependencies = frozenset[tuple[str, str | None]]


@dataclass
class _Entry:
    content: bytes
    reads: dict[Any, Any]
    depends: Dependencies | None


class ResponseCache:
    """Compiled responses, keyed by document, variables and what the reader may see, each filed under the read
    models it was computed from (and, for an answer about one resident, that resident): a change of one of
    them — heard from the projection runner in this process or by LISTEN from any other — drops it, and
    nothing else does. A change that names the residents whose rows moved drops only the answers about them
    (plus every answer that depends on the read model as a whole); one that does not (too many residents, or
    a read model not keyed by resident, or positions refreshed from the table) drops every answer that
    depends on the read model. An erasure is such a change (it names the erased resident in every read model
    that held personal data), so nothing about an erased resident is served after the read models scrubbed
    it. Entries are used only while the positions are provably fresh (see `provably_fresh`: a reconnect of
    the listener empties the cache, since changes may have been missed). A hit replays the personal-data
    reads into the access log.

    Race: an answer read before a change but stored after it would outlive the change; so every change bumps
    `seq`, remembers it per read model and per resident, and `put` refuses an entry whose stamp is older than
    a change of something it depends on."""

    def __init__(self, enabled: bool, capacity: int = 20_000, remembered: int = 100_000) -> None:
        self.enabled = enabled
        self.capacity = capacity
        self.remembered = remembered  # residents whose last change is remembered for `put`'s race check
        self._items: OrderedDict[Any, _Entry] = OrderedDict()
        self._everything: set[Any] = set()  # keys of answers that depend on every read model
        self._whole: dict[str, set[Any]] = {}  # read model -> keys of answers depending on all of it
        self._resident: dict[str, dict[str, set[Any]]] = {}  # read model -> resident -> keys
        self._seq = 0
        self._any_change = 0  # seq of the last change of anything
        self._model_change: dict[str, int] = {}  # read model -> seq of its last change of any kind
        self._whole_change: dict[str, int] = {}  # read model -> seq of its last whole-model change
        self._resident_change: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._forgotten = 0  # the newest seq dropped from `_resident_change`
        self._epoch = -1
        self._source: Freshness | None = None
        self.hits = 0
        self.refused = 0  # lookups refused because the positions could not be trusted
        self.invalidated = 0  # entries dropped by changes

    @staticmethod
    def key(operation_key: Any, variables: Any, ctx: Context, operation: Any) -> Any:
        p = ctx.principal
        visibility = (p.role, p.district, tuple(sorted(s.value for s in p.scopes)),
                      bool(ctx.purpose and ctx.purpose.strip()), p.subject if operation.mentions_viewer else None)
        return operation_key, encode(variables or {}), visibility

    # -- freshness --------------------------------------------------------------------------------------------

    def _follow(self, source: Freshness) -> bool:
        """Subscribe to `source`'s changes on first sight; empty on a new listener epoch. False when the
        positions cannot be trusted now."""
        if source is not self._source:
            if self._source is not None:
                with contextlib.suppress(ValueError):
                    self._source.on_change.remove(self.changed)
            source.on_change.append(self.changed)
            self._source = source
            self.clear()
        if not provably_fresh(source):
            return False
        if source.epoch != self._epoch:
            self.clear()
            self._epoch = source.epoch
        return True

    def clear(self) -> None:
        self._items.clear()
        self._everything.clear()
        self._whole.clear()
        self._resident.clear()
        self._epoch = -1

    def changed(self, read_model: str, residents: frozenset[str] | None) -> None:
        """A change of `read_model`: of the rows of these `residents` only, or (None) of any row."""
        if residents is not None and not residents:
            return  # it moved past events that changed none of its rows
        self._seq += 1
        seq = self._any_change = self._model_change[read_model] = self._seq
        doomed = set(self._everything)
        doomed.update(self._whole.pop(read_model, ()))
        if residents is None:
            self._whole_change[read_model] = seq
            for keys in self._resident.pop(read_model, {}).values():
                doomed.update(keys)
        else:
            by_resident = self._resident.get(read_model, {})
            remembered = self._resident_change
            for resident in residents:
                doomed.update(by_resident.pop(resident, ()))
                remembered[(read_model, resident)] = seq
                remembered.move_to_end((read_model, resident))
            while len(remembered) > self.remembered:
                _, forgotten = remembered.popitem(last=False)
                self._forgotten = max(self._forgotten, forgotten)
        for key in doomed:
            self._drop(key)
        self.invalidated += len(doomed)

    def _drop(self, key: Any) -> None:
        entry = self._items.pop(key, None)
        if entry is None:
            return
        if entry.depends is None:
            self._everything.discard(key)
            return
        for model, resident in entry.depends:
            # Empty index entries are removed too: the index stays as small as the cache.
            index: dict[Any, set[Any]] | None = self._whole if resident is None else self._resident.get(model)
            slot = model if resident is None else resident
            keys = index.get(slot) if index is not None else None
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del index[slot]  # type: ignore[index]
                    if resident is not None and not index:
                        del self._resident[model]

    def _changed_since(self, depends: Dependencies | None, seq: int) -> bool:
        if depends is None:
            return self._any_change > seq
        for model, resident in depends:
            if resident is None:
                if self._model_change.get(model, 0) > seq:
                    return True
            elif self._whole_change.get(model, 0) > seq:
                return True
            else:
                last = self._resident_change.get((model, resident))
                if (last if last is not None else self._forgotten) > seq:
                    return True
        return False

    # -- use ------------------------------------------------------------------------------------------------

    def stamp(self, source: Freshness) -> Stamp | None:
        """Taken before the rows are read: an entry is never older than the changes it is filed under."""
        if not self._follow(source):
            return None
        return Stamp(source, source.epoch, self._seq)

    def get(self, key: Any, source: Freshness) -> tuple[bytes, dict[Any, Any]] | None:
        if not self._follow(source):
            self.refused += 1
            self.clear()
            return None
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return entry.content, entry.reads

    def put(self, key: Any, stamp: Stamp | None, content: bytes, reads: dict[Any, Any],
            depends: Any = None) -> None:
        """File an answer computed since `stamp` under what it `depends` on (`Context.depends`: pairs of read
        model and resident id or None; None for an answer that did not say, which depends on everything)."""
        if stamp is None or not provably_fresh(stamp.source) or stamp.source is not self._source:
            return
        if stamp.source.epoch != stamp.epoch or stamp.epoch != self._epoch:
            return
        deps: Dependencies | None = None if depends is None else frozenset(
            (str(model), None if resident is None else str(resident)) for model, resident in depends)
        if self._changed_since(deps, stamp.seq):
            return  # something it was read from changed meanwhile: it may be older than that change
        if key in self._items:
            self._drop(key)
        self._items[key] = _Entry(content, reads, deps)
        if deps is None:
            self._everything.add(key)
        else:
            for model, resident in deps:
                if resident is None:
                    self._whole.setdefault(model, set()).add(key)
                else:
                    self._resident.setdefault(model, {}).setdefault(resident, set()).add(key)
        while len(self._items) > self.capacity:
            self._drop(next(iter(self._items)))


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
