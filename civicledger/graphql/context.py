"""The typed per-request context: who is asking, why, the request's correlation id, and DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from civicledger.core.auth import Principal, Scope
from civicledger.core.metadata import CommandContext
from civicledger.projections.assistance_cases import cases_by_ids
from civicledger.projections.households import households_by_ids
from civicledger.projections.residents import residents_by_ids

if TYPE_CHECKING:
    from civicledger.runtime import Runtime

T = TypeVar("T")


def _loader(runtime: Runtime, fetch: Callable[..., Any]) -> DataLoader[UUID, Any]:
    async def load(keys: list[UUID]) -> list[Any]:
        assert runtime.read_pool is not None
        async with runtime.read_pool.acquire() as conn:
            rows = {r["id"]: r for r in await fetch(conn, keys)}
        return [rows.get(k) for k in keys]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    resident: DataLoader[UUID, Any]
    household: DataLoader[UUID, Any]
    assistance_case: DataLoader[UUID, Any]

    @classmethod
    def create(cls, runtime: Runtime) -> Loaders:
        return cls(resident=_loader(runtime, residents_by_ids), household=_loader(runtime, households_by_ids),
                   assistance_case=_loader(runtime, cases_by_ids))


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
    # As the client sent it when sane (access.py), else a fresh UUID; text in every log.
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    purpose: str | None = None
    origin: str | None = None
    operation_name: str | None = None
    _loaders: Loaders | None = None
    # resident id -> (resident district, personal fields revealed unmasked in this response)
    reads: dict[UUID, tuple[str | None, set[str]]] = field(default_factory=dict)
    request: Any = None
    response: Any = None
    # What the answer was read from, for the response cache (graphql/caches.py): (read model, resident id or None
    # for the whole read model). None until a path that accounts for *every* read it makes starts recording
    # (`depends_on`); an answer that never did depends on every read model.
    depends: set[tuple[str, Any]] | None = None
    # The prepared document (documents.Prepared: parsed, validated, operation selected), once known, and its
    # variables as coerced when the transport checked them (what graphql-core's `get_variable_values` gives).
    document: Any = None
    variables: dict[str, Any] | None = None
    # Per-request DataLoaders made on first use: over a read model (`loader`), or needing the request itself,
    # i.e. who asks and why (`request_loader`); one namespace.
    request_loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    @property
    def loaders(self) -> Loaders:
        """Made on first use: most compiled-path requests never need a DataLoader."""
        if self._loaders is None:
            self._loaders = Loaders.create(self.runtime)
        return self._loaders

    def command(self, *, reason: str | None = None, idempotency_key: str | None = None) -> CommandContext:
        self.principal.require(Scope.COMMAND)
        return CommandContext(
            actor=self.principal.actor,
            reason=(reason or None),
            correlation_id=self.correlation_id,
            idempotency_key=idempotency_key or None,
            origin=self.origin,
        )

    def loader(self, name: str, fetch: Callable[..., Any]) -> DataLoader[Any, Any]:
        """A per-request DataLoader over a read model (`fetch(conn, keys)` returns rows with an `id`)."""
        return self.request_loader(name, lambda ctx: _loader(ctx.runtime, fetch))

    async def read_after(self, position: int, fetch: Callable[..., Any], key: UUID) -> Any:
        """A mutation payload's row: wait until every read model has reached the command's `position` (so that
        whatever the payload nests — a case's verification matrix, a resident's timeline — is read at that
        position too), then fetch the row (`fetch(conn, [key])`); None if it is not there."""
        runtime = self.runtime
        await runtime.positions.wait_for(position, timeout=runtime.settings.consistency_timeout_s)
        async with runtime.read_pool.acquire() as conn:
            rows = await fetch(conn, [key])
        return rows[0] if rows else None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.runtime.run(fn, *args)

    def request_loader(self, name: str, make: Callable[[Context], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        if name not in self.request_loaders:
            self.request_loaders[name] = make(self)
        return self.request_loaders[name]

    def depends_on(self, read_model: str, resident_id: Any = None) -> None:
        """The answer reads `read_model` (a projection's name): only the rows of `resident_id` when given (the
        read model must then name the residents it changes: `Projection.touched_residents`), else any row."""
        if self.depends is not None:
            self.depends.add((read_model, resident_id))

    def record_read(self, resident_id: UUID, district: str | None, field_name: str) -> None:
        entry = self.reads.get(resident_id)
        if entry is None:
            entry = (district, set())
            self.reads[resident_id] = entry
        entry[1].add(field_name)

    # strawberry accesses context like a mapping in some places (e.g. websockets)
    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)
