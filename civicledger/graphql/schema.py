"""The schema: root types composed from each program's queries and mutations, with the limits that hold
for every request (depth, aliases, tokens)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import Info

from civicledger.graphql.assistance.mutations import AssistanceMutations
from civicledger.graphql.assistance.queries import AssistanceQueries
from civicledger.graphql.inspection.mutations import InspectionMutations
from civicledger.graphql.inspection.queries import InspectionQueries
from civicledger.graphql.inspection.types import RecordedEventType
from civicledger.graphql.linkage.mutations import LinkageMutations
from civicledger.graphql.linkage.queries import LinkageQueries
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.residents.mutations import ResidentMutations
from civicledger.graphql.residents.queries import ResidentQueries
from civicledger.graphql.subscriptions import Subscription
from civicledger.settings import Settings


@strawberry.type(name="Viewer", description="Who the bearer token says you are.")
class ViewerType:
    subject: str
    role: str
    district: str | None
    office: str | None
    scopes: list[str]


@strawberry.type(name="ProjectionStatus")
class ProjectionStatusType:
    name: str
    position: int


@strawberry.type
class CoreQueries:
    node: relay.Node | None = relay.node(permission_classes=[CanRead])

    @strawberry.field
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


Query = merge_types("Query", (CoreQueries, ResidentQueries, AssistanceQueries, LinkageQueries, InspectionQueries))
Mutation = merge_types("Mutation", (ResidentMutations, AssistanceMutations, LinkageMutations, InspectionMutations))


def build_schema(settings: Settings) -> strawberry.Schema:
    # Strawberry binds field extensions (permissions) to the field objects when a schema is built, so the
    # root types can back one schema per process and set of limits: build once, reuse.
    key = (settings.query_depth_limit, settings.query_alias_limit, settings.query_token_limit)
    if key not in _schemas:
        _schemas[key] = _build(settings)
    return _schemas[key]


_schemas: dict[tuple[int, int, int], strawberry.Schema] = {}


class CivicSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Not here: strawberry would log every client error at ERROR with its message (which may quote a
        resident's data). The transports log unexpected errors once, without messages (graphql/errors.py)."""


def _build(settings: Settings) -> strawberry.Schema:
    return CivicSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[RecordedEventType],
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.query_depth_limit),
            lambda: MaxAliasesLimiter(max_alias_count=settings.query_alias_limit),
            lambda: MaxTokensLimiter(max_token_count=settings.query_token_limit),
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
        ],
    )
