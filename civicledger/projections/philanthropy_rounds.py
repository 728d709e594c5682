"""`philanthropy_rounds`: one row per funding round of venture philanthropy — its call, panel, ranking and how much
of its budget the awards have used; and the report of totals per round and overall."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.philanthropy.funding_round import FundingRound
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "title": "text", "year": "int", "categories": "jsonb",
    "budget_fen": "bigint", "awarded_fen": "bigint", "awards": "int", "proposals": "int", "status": "text",
    "criteria": "jsonb", "reviewers": "jsonb", "opens_on": "date", "closes_on": "date",
    "opened_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class PhilanthropyRoundsProjection(RowProjection):
    """Funding rounds as they stand now."""

    name = "philanthropy_rounds"
    tables = ("philanthropy_rounds",)
    table = "philanthropy_rounds"
    columns = COLUMNS
    json_columns = ("categories", "criteria", "reviewers")

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS philanthropy_rounds ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS philanthropy_rounds_seq_idx ON philanthropy_rounds (seq)")

    @on(FundingRound.Opened)
    def _opened(self, rows: Rows, env: Envelope, e: FundingRound.Opened) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, title=e.title, year=e.year,
                 categories=[k.value for k in e.categories], budget_fen=e.budget_fen, awarded_fen=0, awards=0,
                 proposals=0, status="OPEN", criteria=[{"code": k.code, "weight": k.weight} for k in e.criteria],
                 reviewers=[], opens_on=e.opens_on, closes_on=e.closes_on, opened_at=e.timestamp)
        self._changed(rows, env)

    @on(FundingRound.ReviewerAppointed)
    def _appointed(self, rows: Rows, env: Envelope, e: FundingRound.ReviewerAppointed) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["reviewers"] = [*row["reviewers"], {"reviewerId": e.reviewer_id, "expertise": e.expertise}]

    @on(FundingRound.ProposalEntered)
    def _entered(self, rows: Rows, env: Envelope, e: FundingRound.ProposalEntered) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["proposals"] += 1

    @on(FundingRound.CallClosed)
    def _call_closed(self, rows: Rows, env: Envelope, e: FundingRound.CallClosed) -> None:
        self._changed(rows, env, status="REVIEWING")

    @on(FundingRound.Ranked)
    def _ranked(self, rows: Rows, env: Envelope, e: FundingRound.Ranked) -> None:
        self._changed(rows, env, status="RANKED")

    @on(FundingRound.GrantReserved)
    def _reserved(self, rows: Rows, env: Envelope, e: FundingRound.GrantReserved) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["awarded_fen"] += e.grant_fen
            row["awards"] += 1

    @on(FundingRound.Finalised)
    def _finalised(self, rows: Rows, env: Envelope, e: FundingRound.Finalised) -> None:
        self._changed(rows, env, status="FINALISED")

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> dict[str, Any] | None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)
        return row


async def rounds_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM philanthropy_rounds WHERE id = ANY($1)", list(ids))


async def search_rounds(conn: asyncpg.Connection, *, year: int | None = None, status: str | None = None,
                        after: int | None = None, limit: int = 20) -> list[asyncpg.Record]:
    """Oldest first, keyset-paged on `seq`; `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM philanthropy_rounds WHERE ($1::int IS NULL OR year = $1) AND ($2::text IS NULL OR status = $2)"
        " AND seq > $3 ORDER BY seq LIMIT $4", year, status, after or 0, limit + 1)


_TOTALS = """
SELECT r.id, r.seq, r.year::bigint * 1099511627776 + r.seq AS sort_key, r.title, r.year, r.status,
       r.budget_fen, r.awarded_fen, r.awards, r.proposals,
       coalesce(p.approved_budget_fen, 0) AS approved_budget_fen, coalesce(p.disbursed_fen, 0) AS disbursed_fen,
       coalesce(p.closed, 0) AS closed, coalesce(p.rejected, 0) AS rejected,
       coalesce(p.beneficiaries, 0) AS beneficiaries
FROM philanthropy_rounds r
LEFT JOIN (
    SELECT round_id, sum(approved_budget_fen) AS approved_budget_fen, sum(disbursed_fen) AS disbursed_fen,
           count(*) FILTER (WHERE status = 'CLOSED') AS closed,
           count(*) FILTER (WHERE status IN ('REJECTED', 'INELIGIBLE')) AS rejected,
           sum(beneficiaries) FILTER (WHERE approved_budget_fen IS NOT NULL) AS beneficiaries
    FROM philanthropy_proposals GROUP BY round_id
) p ON p.round_id = r.id
WHERE ($1::int IS NULL OR r.year >= $1) AND ($2::int IS NULL OR r.year <= $2)
"""


async def round_totals(conn: asyncpg.Connection, *, from_year: int | None, to_year: int | None,
                       after: int | None = None, limit: int = 20) -> list[asyncpg.Record]:
    """Totals per round (awards, public money, approved budgets, disbursed) by year, keyset-paged on `sort_key`
    (year × 2^40 + the round's log position); `limit + 1` rows."""
    return await conn.fetch(f"{_TOTALS} AND r.year::bigint * 1099511627776 + r.seq > $3 ORDER BY 3 LIMIT $4",
                            from_year, to_year, after or 0, limit + 1)


async def overall_totals(conn: asyncpg.Connection, *, from_year: int | None, to_year: int | None) -> asyncpg.Record:
    """The same totals over every round of the years asked."""
    return await conn.fetchrow(
        "SELECT count(*) AS rounds, coalesce(sum(budget_fen), 0)::bigint AS budget_fen,"
        " coalesce(sum(awarded_fen), 0)::bigint AS awarded_fen, coalesce(sum(awards), 0)::bigint AS awards,"
        " coalesce(sum(proposals), 0)::bigint AS proposals,"
        " coalesce(sum(approved_budget_fen), 0)::bigint AS approved_budget_fen,"
        " coalesce(sum(disbursed_fen), 0)::bigint AS disbursed_fen, coalesce(sum(closed), 0)::bigint AS closed,"
        " coalesce(sum(rejected), 0)::bigint AS rejected, coalesce(sum(beneficiaries), 0)::bigint AS beneficiaries"
        f" FROM ({_TOTALS}) t", from_year, to_year)
