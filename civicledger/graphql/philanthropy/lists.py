"""The paginated lists of venture philanthropy: one Edge/Connection shape for each, keyset pages on the read
models' sort keys."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from civicledger.graphql.philanthropy.types import FundingRoundType, ProposalType, ReviewerType, ReviewType
from civicledger.graphql.relay import connection, decode_cursor, encode_cursor, page_info, page_size
from civicledger.projections.philanthropy_history import proposal_history
from civicledger.projections.philanthropy_proposals import proposals_of_round


def page(edge: type, conn: type, rows: list[Any], limit: int, kind: str, key: str, node: Any,
         after: str | None) -> Any:
    edges = [edge(cursor=encode_cursor(kind, r[key]), node=node(r)) for r in rows[:limit]]
    return conn(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))




@strawberry.type(name="ProposalHistoryEntry", description="One event of a proposal: what happened, who did it, "
                 "from which office, why and when.")
class HistoryEntryType:
    position: int = strawberry.field(description="The event's global log position.")
    version: int = strawberry.field(description="The proposal's version after it.")
    kind: str = strawberry.field(description="The event, e.g. Proposal.Awarded.")
    details: JSON = strawberry.field(description="The event's fields (money in fen).")
    actor_id: str | None = strawberry.field(description="Who.")
    actor_role: str | None = strawberry.field(description="In which role.")
    actor_office: str | None = strawberry.field(description="From which office.")
    reason: str | None = strawberry.field(description="Why (required for rejections and conflicts).")
    occurred_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_row(cls, r: Any) -> HistoryEntryType:
        details = r["details"]
        return cls(position=r["position"], version=r["version"], kind=r["kind"], actor_id=r["actor_id"],
                   details=json.loads(details) if isinstance(details, (str, bytes)) else details,
                   actor_role=r["actor_role"], actor_office=r["actor_office"], reason=r["reason"],
                   occurred_at=r["occurred_at"])


RoundEdge, RoundConnection = connection("FundingRound", FundingRoundType, "Funding rounds, oldest first.")
ProposalEdge, ProposalConnection = connection("Proposal", ProposalType, "A round's proposals in ranking order.")
ReviewerEdge, ReviewerConnection = connection("FundingReviewer", ReviewerType, "A round's review panel, in the "
                                              "order the experts were appointed.")
ReviewEdge, ReviewConnection = connection("ProposalReview", ReviewType, "A proposal's reviews, in the order they "
                                          "were recorded.")
ConflictEdge, ConflictConnection = connection("ProposalConflict", str, "The codes of the experts who declared a "
                                              "conflict of interest with a proposal.")
HistoryEdge, HistoryConnection = connection("ProposalHistory", HistoryEntryType, "A proposal's events, oldest "
                                            "first.")


async def proposal_page(info: Info, round_id: UUID, status: str | None, first: int | None,
                        after: str | None) -> Any:
    limit = page_size(first)
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await proposals_of_round(conn, round_id, status=status, after=decode_cursor("pp", after), limit=limit)
    return page(ProposalEdge, ProposalConnection, rows, limit, "pp", "sort_key", ProposalType.from_row, after)


async def history_page(info: Info, proposal_id: UUID, first: int | None, after: str | None) -> Any:
    limit = page_size(first)
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await proposal_history(conn, proposal_id, after=decode_cursor("ph", after), limit=limit)
    return page(HistoryEdge, HistoryConnection, rows, limit, "ph", "position", HistoryEntryType.from_row, after)
