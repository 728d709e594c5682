"""The schema: root types composed from each program slice's queries and mutations (and the inspectors'
queries, which span every program), with the limits that hold for every request (depth, aliases, tokens)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    max_aliases,
    query_depth_limiter,
)
from strawberry.tools import merge_types
from strawberry.types import Info

from civicledger.graphql.conventions import describe_conventions
from civicledger.graphql.documents import PreparedDocument
from civicledger.graphql.input_guard import BoundedDate, BoundedDateTime, InputGuard
from civicledger.graphql.inspection.queries import InspectionQueries
from civicledger.graphql.inspection.types import RecordedEventType
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.subscriptions import Subscription
from civicledger.settings import Settings
from civicledger.slice import resolved

if TYPE_CHECKING:
    from civicledger.slice import ProgramSlice


@strawberry.type(name="Viewer", description="Who the bearer token says you are.")
class ViewerType:
    subject: str = strawberry.field(description="The token's subject: the caller's user id.")
    role: str = strawberry.field(description=("The caller's role: caseworker, supervisor, integrator, inspector or "
                                              "admin."))
    district: str | None = strawberry.field(description="The caller's district, for district-bound roles.")
    office: str | None = strawberry.field(description="The caller's office.")
    scopes: list[str] = strawberry.field(description=("What the token allows: read, command, personal (see personal"
                                                      " data), audit."))


@strawberry.type(description="How far one read model has followed the global log.", name="ProjectionStatus")
class ProjectionStatusType:
    name: str = strawberry.field(description="The read model.")
    position: int = strawberry.field(description="The last log position it has applied.")


@strawberry.type
class CoreQueries:
    @strawberry.field(
        description=("Who the bearer token says the caller is: subject, role, district, office and scopes (what the "
                     "API will let them do)."))
    def viewer(self, info: Info) -> ViewerType:
        p = info.context.principal
        return ViewerType(subject=p.subject, role=p.role.value, district=p.district, office=p.office,
                          scopes=sorted(s.value for s in p.scopes))

    @strawberry.field(permission_classes=[CanRead],
                      description="How far each read model has followed the global log.")
    async def projection_status(self, info: Info) -> list[ProjectionStatusType]:
        positions = info.context.runtime.positions
        await positions.refresh()
        return [ProjectionStatusType(name=n, position=positions.positions.get(n, 0)) for n in positions.names]


def _limiter(cls: type[AddValidationRules], rules: list[Any]) -> Any:
    """A factory of `cls` (strawberry makes one per request) over validation rules built once: strawberry's own
    `QueryDepthLimiter(...)` and `MaxAliasesLimiter(...)` define a new rule class on every construction — two
    class statements per request, for rules whose limits never change."""
    def make() -> AddValidationRules:
        limiter = cls.__new__(cls)
        AddValidationRules.__init__(limiter, rules)
        return limiter
    return make


def build_schema(settings: Settings, programs: Sequence[ProgramSlice] | None = None) -> strawberry.Schema:
    """The schema of these programs (default: every program) under these limits. Strawberry binds field
    extensions (permissions) to the field objects when a schema is built, so one is built per process and set
    of limits and programs, and reused."""
    from civicledger.programs import PROGRAMS

    chosen = tuple(PROGRAMS if programs is None else programs)
    key = (settings.query_depth_limit, settings.query_alias_limit, settings.query_token_limit, chosen)
    if key not in _schemas:
        _schemas[key] = _build(settings, chosen)
    return _schemas[key]


_schemas: dict[tuple[Any, ...], strawberry.Schema] = {}


class CivicSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Not here: strawberry would log every client error at ERROR with its message (which may quote a
        resident's data). The transports log unexpected errors once, without messages (graphql/errors.py)."""


def _build(settings: Settings, programs: tuple[ProgramSlice, ...]) -> strawberry.Schema:
    # The relay `node` field is made anew for every schema: strawberry's node extension binds to its field object.
    node = strawberry.type(type("NodeQueries", (), {
        "__annotations__": {"node": "relay.Node | None"}, "node": relay.node(
            permission_classes=[CanRead],
            description="Any object by its global ID (Relay): the type is in the ID; who may read it, and what is"
                        " masked, is as for that type's own query."),
        "__module__": __name__}))
    query = merge_types("Query", (node, CoreQueries, *(resolved(p.query) for p in programs if p.query),
                                  InspectionQueries))
    mutation = merge_types("Mutation", tuple(resolved(p.mutation) for p in programs if p.mutation))
    schema = CivicSchema(
        query=query,
        mutation=mutation,
        subscription=Subscription,
        types=[RecordedEventType, *(resolved(t) for p in programs for t in p.types)],
        scalar_overrides={date: BoundedDate, datetime: BoundedDateTime},
        extensions=[
            InputGuard,
            _limiter(QueryDepthLimiter, [query_depth_limiter.create_validator(settings.query_depth_limit, None)]),
            _limiter(MaxAliasesLimiter, [max_aliases.create_validator(settings.query_alias_limit)]),
            lambda: MaxTokensLimiter(max_token_count=settings.query_token_limit),
            # Parsed and validated once per document hash by the transports (documents.py), with the limits
            # above among the rules: the executor is handed that document.
            PreparedDocument,
        ],
    )
    describe_conventions(schema._schema)
    return schema
