"""`casework_cases`: one row per case as it stands — where it is held, its stage, its plan's goals (their
terms, latest progress and outcome), and counts of sessions, reviews and transfers; what a station's caseload
lists and filters.

The presenting need, the assessment summary, the goals' words and the closing note are about the resident:
blanked when the resident is erased. (Session notes and review summaries are in `casework_records`.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.values import CaseStatus
from civicledger.projections.base import Envelope, PersonalColumns, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "station_id": "uuid", "district": "text",
    "resident_id": "uuid", "service": "text", "source": "text", "referral_id": "uuid", "source_program": "text",
    "source_reference": "text", "status": "text", "social_worker_id": "text", "presenting_need": "text",
    "opened_on": "date", "opened_at": "timestamptz", "risk": "text", "need_areas": "jsonb",
    "assessment_summary": "text", "assessed_on": "date", "plan_version": "int", "goals": "jsonb",
    "goal_descriptions": "jsonb", "review_every_days": "int", "plan_agreed_on": "date", "next_review_due": "date",
    "sessions": "int", "session_minutes": "int", "last_session_on": "date", "reviews": "int",
    "last_reviewed_on": "date", "last_review_decision": "text", "transfers": "int", "previous_station_ids": "jsonb",
    "closure_reason": "text", "outcome": "text", "closing_note": "text", "closed_on": "date",
    "updated_at": "timestamptz", "position": "bigint", "erased": "boolean",
}
PERSONAL = ("presenting_need", "assessment_summary", "goal_descriptions", "closing_note")


class CaseworkCasesProjection(RowProjection):
    """Cases as they stand, for caseloads and the case screen."""

    name = "casework_cases"
    tables = ("casework_cases",)
    table = "casework_cases"
    columns = COLUMNS
    json_columns = ("need_areas", "goals", "goal_descriptions", "previous_station_ids")
    personal_columns = (PersonalColumns("casework_cases", "resident_id", PERSONAL, erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS casework_cases ({ddl})")
        for name, columns in (("seq", "seq"), ("station", "station_id, seq"), ("status", "station_id, status, seq"),
                              ("worker", "social_worker_id, status, seq"), ("resident", "resident_id, seq"),
                              ("referral", "referral_id"), ("review", "station_id, next_review_due")):
            unique = "UNIQUE " if name == "seq" else ""
            await conn.execute(f"CREATE {unique}INDEX IF NOT EXISTS casework_cases_{name}_idx"
                               f" ON casework_cases ({columns})")

    @on(CaseworkCase.Opened)
    def _opened(self, rows: Rows, env: Envelope, e: CaseworkCase.Opened) -> None:
        row = rows.new(env.stream_id, **dict.fromkeys(COLUMNS))
        row.update(id=env.stream_id, seq=env.position, station_id=e.station_id, district=e.district,
                   resident_id=e.resident_id, service=e.service, source=e.source.value, referral_id=e.referral_id,
                   source_program=e.source_program, source_reference=e.source_reference,
                   status=CaseStatus.INTAKE.value, social_worker_id=e.social_worker_id,
                   presenting_need=e.presenting_need, opened_on=e.opened_on, opened_at=e.timestamp, plan_version=0,
                   goals=[], sessions=0, session_minutes=0, reviews=0, transfers=0, previous_station_ids=[],
                   erased=False)
        self._changed(row, env)

    @on(CaseworkCase.Assessed)
    def _assessed(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, status=CaseStatus.ASSESSED.value, risk=e.risk.value,
                     need_areas=[a.value for a in e.need_areas], assessment_summary=e.summary,
                     assessed_on=e.assessed_on)

    @on(CaseworkCase.PlanAgreed)
    def _plan(self, rows: Rows, env: Envelope, e: Any) -> None:
        goals = [{"number": g.number, "area": g.area.value, "targetDate": g.target_date.isoformat(),
                  "progress": None, "outcome": None} for g in e.goals]
        descriptions = list(e.goal_descriptions) if e.goal_descriptions is not None else None
        self._update(rows, env, status=CaseStatus.IN_SERVICE.value, plan_version=e.plan_version, goals=goals,
                     goal_descriptions=descriptions, review_every_days=e.review_every_days,
                     plan_agreed_on=e.agreed_on, next_review_due=e.next_review_due)

    @on(CaseworkCase.SessionRecorded)
    def _session(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            last: date | None = row["last_session_on"]
            self._update(rows, env, sessions=e.number, session_minutes=row["session_minutes"] + e.minutes,
                         last_session_on=e.held_on if last is None or e.held_on > last else last)

    @on(CaseworkCase.Reviewed)
    def _reviewed(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is None:
            return
        progress = {p.number: p.progress.value for p in e.progress}
        goals = [{**g, "progress": progress.get(g["number"], g["progress"])} for g in row["goals"]]
        self._update(rows, env, reviews=e.number, last_reviewed_on=e.reviewed_on,
                     last_review_decision=e.decision.value, next_review_due=e.next_review_due, goals=goals)

    @on(CaseworkCase.SocialWorkerAssigned)
    def _assigned(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, social_worker_id=e.social_worker_id)

    @on(CaseworkCase.Transferred)
    def _transferred(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            self._update(rows, env, station_id=e.to_station_id, district=e.to_district,
                         social_worker_id=e.social_worker_id, transfers=row["transfers"] + 1,
                         previous_station_ids=[*row["previous_station_ids"], str(e.from_station_id)])

    @on(CaseworkCase.Closed)
    def _closed(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is None:
            return
        outcomes = {r.number: r.outcome.value for r in e.goal_outcomes}
        goals = [{**g, "outcome": outcomes.get(g["number"])} for g in row["goals"]]
        self._update(rows, env, status=CaseStatus.CLOSED.value, closure_reason=e.reason.value,
                     outcome=e.outcome.value, closing_note=e.note, closed_on=e.closed_on, next_review_due=None,
                     goals=goals)

    def _update(self, rows: Rows, env: Envelope, **values: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(values)
            self._changed(row, env)

    @staticmethod
    def _changed(row: dict[str, Any], env: Envelope) -> None:
        row.update(version=env.version, updated_at=env.event.timestamp, position=env.position)


async def cases_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM casework_cases WHERE id = ANY($1)", list(ids))


async def cases_of_resident(conn: asyncpg.Connection, resident_id: Any, *, after_seq: int | None = None,
                            limit: int = 20) -> list[asyncpg.Record]:
    """A resident's cases at every station, oldest first. `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM casework_cases WHERE resident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                            resident_id, after_seq or 0, limit + 1)


async def caseload(conn: asyncpg.Connection, station_id: Any, *, status: str | None = None,
                   service: str | None = None, social_worker_id: str | None = None,
                   review_due_by: date | None = None, after_seq: int | None = None,
                   limit: int = 20) -> list[asyncpg.Record]:
    """A station's cases (those it holds now), oldest first, keyset-paged. `limit + 1` rows."""
    clauses, args = ["station_id = $1", "seq > $2"], [station_id, after_seq or 0]
    for clause, value in (("status = ${}", status), ("service = ${}", service),
                          ("social_worker_id = ${}", social_worker_id), ("next_review_due <= ${}", review_due_by)):
        if value is not None:
            args.append(value)
            clauses.append(clause.format(len(args)))
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM casework_cases WHERE {' AND '.join(clauses)} ORDER BY seq"
                            f" LIMIT ${len(args)}", *args)
