"""The venture-philanthropy report: totals per round and overall — projects funded, public money, approved
budgets, the self-raised share, disbursements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from civicledger.graphql.philanthropy.lists import page
from civicledger.graphql.philanthropy.types import After, First, FundingRoundType, percent, yuan
from civicledger.graphql.relay import connection, decode_cursor, page_size
from civicledger.projections.philanthropy_rounds import overall_totals, round_totals, rounds_by_ids


@strawberry.type(name="PhilanthropyTotals", description="Totals over the rounds asked (money in yuan).")
class TotalsType:
    rounds: int = strawberry.field(description="Funding rounds.")
    proposals: int = strawberry.field(description="Proposals submitted.")
    awards: int = strawberry.field(description="Projects funded (资助项目).")
    rejected: int = strawberry.field(description="Proposals rejected or found ineligible.")
    closed: int = strawberry.field(description="Funded projects closed after their final evaluation.")
    budget: Decimal = strawberry.field(description="The rounds' budgets.")
    public_money: Decimal = strawberry.field(description="Public money awarded (财政资金).")
    approved_budgets: Decimal = strawberry.field(description="The funded projects' approved budgets.")
    self_raised: Decimal = strawberry.field(description="Their self-raised share: approved budgets less public "
                                            "money.")
    disbursed: Decimal = strawberry.field(description="Public money paid to the projects so far.")
    beneficiaries: int = strawberry.field(description="People the funded projects mean to serve.")
    government_share_percent: Decimal | None = strawberry.field(description="Public money as a percentage of the "
                                                                "approved budgets (never above 60).")
    budget_used_percent: Decimal | None = strawberry.field(description="Public money awarded as a percentage of "
                                                           "the budgets.")

    @classmethod
    def from_row(cls, r: Any, rounds: int = 1) -> TotalsType:
        return cls(rounds=rounds, proposals=r["proposals"], awards=r["awards"], rejected=r["rejected"],
                   closed=r["closed"], budget=yuan(r["budget_fen"]), public_money=yuan(r["awarded_fen"]),
                   approved_budgets=yuan(r["approved_budget_fen"]),
                   self_raised=yuan(r["approved_budget_fen"] - r["awarded_fen"]), disbursed=yuan(r["disbursed_fen"]),
                   beneficiaries=r["beneficiaries"],
                   government_share_percent=percent(r["awarded_fen"], r["approved_budget_fen"]),
                   budget_used_percent=percent(r["awarded_fen"], r["budget_fen"]))


@strawberry.type(name="FundingRoundTotals", description="One round's totals.")
class RoundTotalsType:
    year: int = strawberry.field(description="The round's year.")
    title: str = strawberry.field(description="The call's title.")
    totals: TotalsType = strawberry.field(description="Its totals.")
    row: strawberry.Private[Any]

    @strawberry.field(description="The round.")
    async def funding_round(self, info: Info) -> FundingRoundType | None:
        row = await info.context.loader("philanthropy_rounds", rounds_by_ids).load(self.row["id"])
        return FundingRoundType.from_row(row) if row else None

    @classmethod
    def from_row(cls, r: Any) -> RoundTotalsType:
        return cls(year=r["year"], title=r["title"], totals=TotalsType.from_row(r), row=r)


RoundTotalsEdge, RoundTotalsConnection = connection("FundingRoundTotals", RoundTotalsType, "Totals per round, "
                                                    "by year.")


@strawberry.type(name="PhilanthropyReport", description="Venture philanthropy in figures: per round and overall.")
class ReportType:
    from_year: strawberry.Private[int | None]
    to_year: strawberry.Private[int | None]

    @strawberry.field(description="Totals over every round of the years asked.")
    async def overall(self, info: Info) -> TotalsType:
        async with info.context.runtime.read_pool.acquire() as conn:
            r = await overall_totals(conn, from_year=self.from_year, to_year=self.to_year)
        return TotalsType.from_row(r, rounds=r["rounds"])

    @strawberry.field(description="Totals per round by year; 1 to 100 per page (default 20).")
    async def rounds(self, info: Info, first: First = 20,
                     after: After = None) -> RoundTotalsConnection:  # type: ignore[valid-type]
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await round_totals(conn, from_year=self.from_year, to_year=self.to_year,
                                      after=decode_cursor("rt", after), limit=limit)
        return page(RoundTotalsEdge, RoundTotalsConnection, rows, limit, "rt", "sort_key",  # type: ignore[no-any-return]
                    RoundTotalsType.from_row, after)
