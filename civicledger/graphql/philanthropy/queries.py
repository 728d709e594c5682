"""Venture-philanthropy queries: funding rounds (with their ranking and budget use), a proposal (with its scores
and history), and the report of totals per round and overall. Every reader may read them: they hold no
resident's personal data."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.errors import InvalidInputError, NotFoundError
from civicledger.domains.philanthropy.values import RoundStatus
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.philanthropy.lists import RoundConnection, RoundEdge, page
from civicledger.graphql.philanthropy.report import ReportType
from civicledger.graphql.philanthropy.types import After, First, FundingRoundType, ProposalType, RoundStatusEnum
from civicledger.graphql.relay import decode_cursor, page_size, uuid_of
from civicledger.projections.philanthropy_proposals import proposals_by_ids
from civicledger.projections.philanthropy_rounds import rounds_by_ids, search_rounds

Year = Annotated[int | None, strawberry.argument(description="A year from 2000 to 2100.")]


def _year(value: int | None, field: str) -> int | None:
    if value is not None and not 2000 <= value <= 2100:
        raise InvalidInputError(f"{field} must be a year from 2000 to 2100", field=field)
    return value


@strawberry.type
class PhilanthropyQueries:
    @strawberry.field(permission_classes=[CanRead], description="Funding rounds of venture philanthropy (公益创投), "
                      "oldest first; 1 to 100 per page (default 20).")
    async def funding_rounds(
            self, info: Info, year: Year = None,
            status: Annotated[RoundStatusEnum | None, strawberry.argument(  # type: ignore[valid-type]
                description="Only rounds at this stage.")] = None,
            first: First = 20, after: After = None) -> RoundConnection:  # type: ignore[valid-type]
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_rounds(conn, year=_year(year, "year"),
                                       status=RoundStatus(status.value).value if status else None,
                                       after=decode_cursor("fr", after), limit=limit)
        return page(RoundEdge, RoundConnection, rows, limit, "fr", "seq",  # type: ignore[no-any-return]
                    FundingRoundType.from_row, after)

    @strawberry.field(permission_classes=[CanRead], description="A funding round by its id, with its ranking "
                      "(`proposals`) and budget use.")
    async def funding_round(
            self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The FundingRound.")],
    ) -> FundingRoundType:
        key = uuid_of(id, "FundingRound")
        row = await info.context.loader("philanthropy_rounds", rounds_by_ids).load(key)
        if row is None:
            raise NotFoundError(f"funding round {key} not found", id=str(id))
        return FundingRoundType.from_row(row)

    @strawberry.field(permission_classes=[CanRead], description="A proposal by its id, with its reviews, scores, "
                      "rank, award, milestones, evaluations and history.")
    async def proposal(
            self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The Proposal.")],
    ) -> ProposalType:
        key = uuid_of(id, "Proposal")
        row = await info.context.loader("philanthropy_proposals", proposals_by_ids).load(key)
        if row is None:
            raise NotFoundError(f"proposal {key} not found", id=str(id))
        return ProposalType.from_row(row)

    @strawberry.field(permission_classes=[CanRead], description="Venture philanthropy in figures: totals per round "
                      "and overall (projects funded, public money, self-raised share, disbursed).")
    def philanthropy_report(self, from_year: Year = None, to_year: Year = None) -> ReportType:
        return ReportType(from_year=_year(from_year, "fromYear"), to_year=_year(to_year, "toYear"))
