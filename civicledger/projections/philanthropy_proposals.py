"""`philanthropy_proposals`: one row per proposal — its plan and money, eligibility, each expert's scores (with
declared conflicts), its rank, the award, milestones, disbursements and evaluations. Organisations' proposals
hold no resident's personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.philanthropy.proposal import Proposal
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "round_id": "uuid", "organisation": "text", "title": "text",
    "category": "text", "district": "text", "summary": "text", "total_budget_fen": "bigint",
    "requested_fen": "bigint", "approved_budget_fen": "bigint", "grant_fen": "bigint", "disbursed_fen": "bigint",
    "beneficiaries": "int", "enrolled": "int", "milestones": "jsonb", "status": "text", "eligibility_findings": "text",
    "conflicts": "jsonb", "reviews": "jsonb", "score_x100": "int", "rank": "int", "evaluations": "jsonb",
    "submitted_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class PhilanthropyProposalsProjection(RowProjection):
    """Proposals and their projects as they stand now."""

    name = "philanthropy_proposals"
    tables = ("philanthropy_proposals",)
    table = "philanthropy_proposals"
    columns = COLUMNS
    json_columns = ("milestones", "conflicts", "reviews", "evaluations")

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS philanthropy_proposals ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS philanthropy_proposals_seq_idx"
                           " ON philanthropy_proposals (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS philanthropy_proposals_round_idx"
                           " ON philanthropy_proposals (round_id, rank, seq)")

    @on(Proposal.Submitted)
    def _submitted(self, rows: Rows, env: Envelope, e: Proposal.Submitted) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, round_id=e.round_id, organisation=e.organisation,
                 title=e.title, category=e.category.value, district=e.district, summary=e.summary,
                 total_budget_fen=e.total_budget_fen, requested_fen=e.requested_fen, approved_budget_fen=None,
                 grant_fen=0, disbursed_fen=0, beneficiaries=e.beneficiaries, enrolled=0,
                 milestones=[{"title": m.title, "dueOn": m.due_on.isoformat(), "grantFen": m.grant_fen,
                              "reachedOn": None, "report": None, "paidFen": 0} for m in e.milestones],
                 status="SUBMITTED", eligibility_findings=None, conflicts=[], reviews=[], score_x100=None, rank=None,
                 evaluations=[], submitted_at=e.timestamp)
        self._changed(rows, env)

    @on(Proposal.EligibilityChecked)
    def _checked(self, rows: Rows, env: Envelope, e: Proposal.EligibilityChecked) -> None:
        self._changed(rows, env, status="ELIGIBLE" if e.eligible else "INELIGIBLE", eligibility_findings=e.findings)

    @on(Proposal.ConflictDeclared)
    def _conflict(self, rows: Rows, env: Envelope, e: Proposal.ConflictDeclared) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["conflicts"] = [*row["conflicts"], e.reviewer_id]

    @on(Proposal.Reviewed)
    def _reviewed(self, rows: Rows, env: Envelope, e: Proposal.Reviewed) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["reviews"] = [*row["reviews"], {"reviewerId": e.reviewer_id, "weightedX100": e.weighted_x100,
                                                "scores": [{"code": s.code, "score": s.score} for s in e.scores],
                                                "reviewedAt": e.timestamp.isoformat()}]

    @on(Proposal.Ranked)
    def _ranked(self, rows: Rows, env: Envelope, e: Proposal.Ranked) -> None:
        self._changed(rows, env, status="RANKED", rank=e.rank, score_x100=e.score_x100)

    @on(Proposal.Awarded)
    def _awarded(self, rows: Rows, env: Envelope, e: Proposal.Awarded) -> None:
        self._changed(rows, env, status="AWARDED", approved_budget_fen=e.approved_budget_fen, grant_fen=e.grant_fen)

    @on(Proposal.Rejected)
    def _rejected(self, rows: Rows, env: Envelope, e: Proposal.Rejected) -> None:
        self._changed(rows, env, status="REJECTED")

    @on(Proposal.MilestoneReached)
    def _reached(self, rows: Rows, env: Envelope, e: Proposal.MilestoneReached) -> None:
        row = self._changed(rows, env, status="IN_PROGRESS")
        if row is not None and 0 <= e.index < len(row["milestones"]):
            milestones = [dict(m) for m in row["milestones"]]
            milestones[e.index].update(reachedOn=e.reached_on.isoformat(), report=e.report)
            row["milestones"] = milestones

    @on(Proposal.BeneficiaryEnrolled)
    def _enrolled(self, rows: Rows, env: Envelope, e: Proposal.BeneficiaryEnrolled) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["enrolled"] += 1

    @on(Proposal.Disbursed)
    def _disbursed(self, rows: Rows, env: Envelope, e: Proposal.Disbursed) -> None:
        row = self._changed(rows, env, status="IN_PROGRESS")
        if row is not None:
            row["disbursed_fen"] += e.amount_fen
            if 0 <= e.index < len(row["milestones"]):
                milestones = [dict(m) for m in row["milestones"]]
                milestones[e.index]["paidFen"] += e.amount_fen
                row["milestones"] = milestones

    @on(Proposal.Evaluated)
    def _evaluated(self, rows: Rows, env: Envelope, e: Proposal.Evaluated) -> None:
        row = self._changed(rows, env)
        if row is not None:
            row["evaluations"] = [*row["evaluations"], {
                "stage": e.stage.value, "projectManagement": e.project_management.value,
                "financialManagement": e.financial_management.value, "findings": e.findings,
                "evaluatedAt": e.timestamp.isoformat()}]

    @on(Proposal.Closed)
    def _closed(self, rows: Rows, env: Envelope, e: Proposal.Closed) -> None:
        self._changed(rows, env, status="CLOSED")

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> dict[str, Any] | None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)
        return row


async def proposals_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM philanthropy_proposals WHERE id = ANY($1)", list(ids))


async def proposals_of_round(conn: asyncpg.Connection, round_id: Any, *, status: str | None = None,
                             after: int | None = None, limit: int = 20) -> list[asyncpg.Record]:
    """A round's proposals in ranking order (unranked ones after), then in the order they came; keyset-paged on
    `sort_key` (rank × 2^40 + the proposal's log position); `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM (SELECT p.*, coalesce(rank, 1000000)::bigint * 1099511627776 + seq AS sort_key"
        " FROM philanthropy_proposals p WHERE round_id = $1 AND ($2::text IS NULL OR status = $2)) q"
        " WHERE sort_key > $3 ORDER BY sort_key LIMIT $4", round_id, status, after or 0, limit + 1)
