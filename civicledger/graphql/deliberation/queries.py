"""Deliberation queries: agenda items by community, street and stage; an item; outcome statistics per street
and per community."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core import text
from civicledger.core.errors import NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.graphql.deliberation.enums import StageEnum
from civicledger.graphql.deliberation.types import (
    After,
    First,
    ItemConnection,
    ItemEdge,
    ItemType,
    OutcomeKindEnum,
    OutcomeStatisticType,
    StatisticConnection,
    StatisticEdge,
    items,
)
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, encode_cursor, page_info, page_limit, page_size, uuid_of
from civicledger.projections.deliberation_items import search_items
from civicledger.projections.deliberation_records import outcome_statistics

District = Annotated[str, strawberry.argument(description="A district code (HAIZHU) or name (海珠区).")]
STATS_MAX, STATS_DEFAULT = 200, 100
StatsFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {STATS_MAX} (default "
                                                                   f"{STATS_DEFAULT}).")]
Street = Annotated[str | None, strawberry.argument(description="A street of the district (at most 40 characters).")]


def _district(raw: str | None) -> str | None:
    if raw is None:
        return None
    return parse_district(text.line(raw, "district", max_length=40)).value


@strawberry.type
class DeliberationQueries:
    @strawberry.field(permission_classes=[CanRead], description="Agenda items by district, street, community and "
                      "stage, oldest first; 1 to 100 per page (default 20).")
    async def deliberation_items(
            self, info: Info,
            district: Annotated[str | None, strawberry.argument(description="A district code or name.")] = None,
            street: Street = None,
            community: Annotated[str | None, strawberry.argument(description="A community of the street (at most 60 "
                                                                             "characters).")] = None,
            stage: Annotated[StageEnum | None, strawberry.argument(description="Only items at this stage.")] = None,
            first: First = 20, after: After = None) -> ItemConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_items(
                conn, district=_district(district), street=text.search_term(street, "street", max_length=40),
                community=text.search_term(community, "community", max_length=text.COMMUNITY_MAX),
                stage=stage.value if stage else None, after_seq=decode_cursor("di", after), limit=limit)
        edges = [ItemEdge(cursor=encode_cursor("di", r["seq"]), node=ItemType.from_row(r)) for r in rows[:limit]]
        return ItemConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanRead], description="An agenda item with its participants, positions, "
                      "votes and tally, decision, tasks, report and history.")
    async def deliberation_item(
            self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The DeliberationItem.")],
    ) -> ItemType:
        key = uuid_of(id, "DeliberationItem")
        row = await items(info).load(key)
        if row is None:
            raise NotFoundError(f"agenda item {key} not found", id=id)
        return ItemType.from_row(row)

    @strawberry.field(permission_classes=[CanRead], description=page_limit(STATS_MAX, STATS_DEFAULT) + "What "
                      "supervised items achieved, by kind: per street of a district, or per community of one street "
                      "(give `street`). One row per place and kind, ordered by street, community, kind.")
    async def deliberation_outcome_statistics(self, info: Info, district: District, street: Street = None,
                                              first: StatsFirst = STATS_DEFAULT,
                                              after: After = None) -> StatisticConnection:
        code = _district(district)
        limit = page_size(first, default=STATS_DEFAULT, maximum=STATS_MAX)
        index = decode_cursor("ds", after)
        offset = 0 if index is None else index + 1
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await outcome_statistics(conn, district=code,  # type: ignore[arg-type]
                                            street=text.search_term(street, "street", max_length=40),
                                            offset=offset, limit=limit + 1)
        edges = [StatisticEdge(cursor=encode_cursor("ds", offset + i), node=OutcomeStatisticType(
            street=r["street"], community=r["community"], kind=OutcomeKindEnum(r["kind"]), total=r["total"],
            items=r["items"])) for i, r in enumerate(rows[:limit])]
        return StatisticConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))
