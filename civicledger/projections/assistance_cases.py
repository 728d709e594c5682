"""`assistance_cases`: one row per case for the caseload screens (status, program, district, office, review
due), its decision inputs per assessment (`assistance_assessments`) and its history with who and why
(`assistance_case_history`).

Household income figures are personal data: when a member of the household is erased they are scrubbed
here, as is the applicant's statement when the applicant is erased."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.assistance import case as case_states
from civicledger.domains.assistance.case import AssistanceCase as Case
from civicledger.domains.assistance.entitlements import EntitlementKind
from civicledger.domains.assistance.timeline import CONTRIBUTION
from civicledger.domains.residents.resident import Resident
from civicledger.projections.base import ERASURE_TOPICS, Envelope, on
from civicledger.projections.rows import RowProjection, Rows
from civicledger.projections.sql import copy_rows

CASE_COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "program": "text", "status": "text", "district": "text",
    "office": "text", "household_id": "uuid", "applicant_id": "uuid", "members": "jsonb", "household_size": "int",
    "referral_id": "uuid", "statement": "text", "applied_on": "date", "applied_at": "timestamptz",
    "verification_round": "int", "sources_answered": "int", "sources_failed": "jsonb",
    "assessment_id": "uuid", "assessed_by": "text", "eligible": "boolean", "findings": "jsonb",
    "per_capita_income": "numeric", "standard_revision": "int", "standard_amount": "numeric",
    "monthly_amount": "numeric", "one_off_amount": "numeric", "schedule": "jsonb",
    "notice_ends_on": "date", "objections": "int", "decided_by": "text", "first_month": "date",
    "next_review_due": "date", "paused_from": "date", "ended_from": "date", "total_accrued": "numeric",
    "last_paid_month": "date", "erased_members": "jsonb", "updated_at": "timestamptz", "position": "bigint",
}
ASSESSMENT_COLUMNS = ("assessment_id", "case_id", "position", "assessed_by", "assessed_at", "round",
                      "standard_revision", "standard_effective_from", "standard_amount", "asset_limit_per_person",
                      "share", "household_size", "total_income", "per_capita_income", "per_capita_assets", "need",
                      "amount", "eligible", "findings")
HISTORY_COLUMNS = ("case_id", "position", "version", "kind", "summary", "actor_id", "actor_role", "actor_office",
                   "reason", "occurred_at")
JSON_COLUMNS = ("members", "sources_failed", "findings", "schedule", "erased_members")


@dataclass
class _Batch:
    """What one batch writes: the cases' rows, new assessments, history lines, erased residents."""

    rows: Rows
    assessments: list[tuple[Any, ...]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    erased: list[Any] = field(default_factory=list)


class AssistanceCasesProjection(RowProjection):
    """Cases as the caseload, case and history screens show them."""

    name = "assistance_cases"
    tables = ("assistance_cases", "assistance_assessments", "assistance_case_history")
    table = "assistance_cases"
    columns = CASE_COLUMNS
    json_columns = JSON_COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        columns = ", ".join(f"{n} {t}" for n, t in CASE_COLUMNS.items() if n != "id")
        await conn.execute(f"CREATE TABLE IF NOT EXISTS assistance_cases (id uuid PRIMARY KEY, {columns})")
        for name, cols in (("status", "status, seq"), ("program", "program, status, seq"),
                           ("district", "district, status, seq"), ("office", "office, seq"),
                           ("review", "next_review_due"), ("household", "household_id")):
            await conn.execute(f"CREATE INDEX IF NOT EXISTS assistance_cases_{name}_idx ON assistance_cases ({cols})")
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_cases_members_idx ON assistance_cases"
                           " USING gin (members jsonb_path_ops)")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_assessments (assessment_id uuid PRIMARY KEY, case_id uuid NOT NULL,"
            " position bigint NOT NULL, assessed_by text, assessed_at timestamptz, round int, standard_revision int,"
            " standard_effective_from date, standard_amount numeric, asset_limit_per_person numeric, share numeric,"
            " household_size int, total_income numeric, per_capita_income numeric, per_capita_assets numeric,"
            " need numeric, amount numeric, eligible boolean, findings text[])"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_assessments_case_idx"
                           " ON assistance_assessments (case_id, position)")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_case_history (case_id uuid NOT NULL, position bigint NOT NULL,"
            " version bigint NOT NULL, kind text NOT NULL, summary text NOT NULL, actor_id text, actor_role text,"
            " actor_office text, reason text, occurred_at timestamptz NOT NULL, PRIMARY KEY (case_id, position))"
        )

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        ids = list(dict.fromkeys(env.stream_id for env in batch if env.topic not in ERASURE_TOPICS))
        state = _Batch(Rows(await self.load(conn, ids)))
        for env in batch:
            self.dispatch(env, state)
            row = state.rows.peek(env.stream_id) if env.topic not in ERASURE_TOPICS else None
            if row is not None:
                row.update(version=env.version, updated_at=env.event.timestamp, position=env.position)
                if row["erased_members"]:
                    row.update(per_capita_income=None)
                state.history.append((env.stream_id, env.position, env.version, type(env.event).__name__,
                                      _summary(env), env.actor_id, env.actor_role, env.actor_office, env.reason,
                                      env.event.timestamp))
        await self.write(conn, state.rows.changed())
        await copy_rows(conn, "assistance_assessments", ASSESSMENT_COLUMNS, state.assessments)
        await copy_rows(conn, "assistance_case_history", HISTORY_COLUMNS, state.history)
        if state.erased:
            await scrub(conn, state.erased)

    @on(Resident.PersonalDataErased)
    def _erased(self, b: _Batch, env: Envelope, e: Any) -> None:
        b.erased.append(env.stream_id)

    @on(Case.Applied)
    def _applied(self, b: _Batch, env: Envelope, e: Case.Applied) -> None:
        b.rows.new(env.stream_id, **{
            **dict.fromkeys(CASE_COLUMNS), "id": env.stream_id, "seq": env.position,
            "program": e.program.value, "status": "APPLIED", "district": e.district, "office": env.actor_office,
            "household_id": e.household_id, "applicant_id": e.applicant_id,
            "members": [str(m) for m in e.members], "household_size": len(e.members),
            "referral_id": e.referral_id, "statement": e.statement, "applied_on": e.applied_on,
            "applied_at": e.timestamp, "verification_round": 0, "sources_answered": 0, "sources_failed": [],
            "objections": 0, "total_accrued": 0, "erased_members": [],
        })

    @on(Case.VerificationRequested)
    def _verification_requested(self, b: _Batch, env: Envelope, e: Case.VerificationRequested) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(verification_round=e.round, sources_answered=0, sources_failed=[],
                       status="VERIFYING" if row["status"] in UNDECIDED else row["status"])

    @on(Case.SourceAnswered)
    def _source_answered(self, b: _Batch, env: Envelope, e: Case.SourceAnswered) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row["sources_answered"] += 1
            row["sources_failed"] = [s for s in row["sources_failed"] if s != e.source.value]

    @on(Case.SourceFailed)
    def _source_failed(self, b: _Batch, env: Envelope, e: Case.SourceFailed) -> None:
        if (row := b.rows.of(env.stream_id)) is not None and e.source.value not in row["sources_failed"]:
            row["sources_failed"] = [*row["sources_failed"], e.source.value]

    @on(Case.Assessed)
    def _assessed(self, b: _Batch, env: Envelope, e: Case.Assessed) -> None:
        row = b.rows.of(env.stream_id)
        if row is None:
            return
        row.update(assessment_id=e.assessment_id, assessed_by=e.assessed_by, eligible=e.eligible,
                   findings=list(e.findings), per_capita_income=e.per_capita_income,
                   standard_revision=e.standard.revision, standard_amount=e.standard.amount,
                   household_size=e.household_size)
        if row["status"] in UNDECIDED:
            row["status"] = "ASSESSED"
        s = e.standard
        scrubbed = bool(row["erased_members"])
        income = (None, None, None) if scrubbed else (e.total_income, e.per_capita_income, e.per_capita_assets)
        b.assessments.append((e.assessment_id, env.stream_id, env.position, e.assessed_by, e.timestamp, e.round,
                              s.revision, s.effective_from, s.amount, s.asset_limit_per_person, s.share,
                              e.household_size, *income, e.need, e.amount, e.eligible, list(e.findings)))

    @on(Case.NoticePosted)
    def _notice_posted(self, b: _Batch, env: Envelope, e: Case.NoticePosted) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(status="IN_NOTICE", notice_ends_on=e.ends_on)

    @on(Case.ObjectionRecorded)
    def _objection(self, b: _Batch, env: Envelope, e: Case.ObjectionRecorded) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row["objections"] += 1

    @on(Case.Approved)
    def _approved(self, b: _Batch, env: Envelope, e: Case.Approved) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(status="ACTIVE" if e.one_off_amount is None else "COMPLETED", decided_by=e.approved_by,
                       first_month=e.first_month, next_review_due=e.next_review_due,
                       one_off_amount=e.one_off_amount,
                       ended_from=None if e.one_off_amount is None else e.first_month)
            _schedule(row, e.schedule)

    @on(Case.Rejected)
    def _rejected(self, b: _Batch, env: Envelope, e: Case.Rejected) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(status="REJECTED", decided_by=e.rejected_by)

    @on(Case.Recalculated, Case.AmountAdjusted)
    def _rescheduled(self, b: _Batch, env: Envelope, e: Any) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            _schedule(row, e.schedule)

    @on(Case.EntitlementAccrued)
    def _accrued(self, b: _Batch, env: Envelope, e: Case.EntitlementAccrued) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row["total_accrued"] = row["total_accrued"] + e.amount
            if e.kind is EntitlementKind.MONTHLY and (row["last_paid_month"] is None
                                                     or e.service_month > row["last_paid_month"]):
                row["last_paid_month"] = e.service_month

    @on(Case.CircumstancesChanged)
    def _circumstances(self, b: _Batch, env: Envelope, e: Case.CircumstancesChanged) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(members=[str(m) for m in e.members], household_size=len(e.members))

    @on(Case.ReviewCompleted)
    def _reviewed(self, b: _Batch, env: Envelope, e: Case.ReviewCompleted) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row["next_review_due"] = e.next_review_due

    @on(Case.Suspended)
    def _suspended(self, b: _Batch, env: Envelope, e: Case.Suspended) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(status="SUSPENDED", paused_from=e.from_month)

    @on(Case.Resumed)
    def _resumed(self, b: _Batch, env: Envelope, e: Case.Resumed) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(status="ACTIVE", paused_from=None)

    @on(Case.Terminated)
    def _terminated(self, b: _Batch, env: Envelope, e: Case.Terminated) -> None:
        if (row := b.rows.of(env.stream_id)) is not None:
            row.update(status="TERMINATED", ended_from=e.from_month)


UNDECIDED = frozenset(s.value for s in case_states.UNDECIDED)


def _schedule(row: dict[str, Any], schedule: Sequence[Any]) -> None:
    row["schedule"] = [{"fromMonth": s.from_month.isoformat(), "monthlyAmount": str(s.monthly_amount),
                        "standardRevision": s.standard_revision, "standardAmount": str(s.standard_amount)}
                       for s in schedule]
    if schedule:
        row.update(monthly_amount=schedule[-1].monthly_amount, standard_revision=schedule[-1].standard_revision,
                   standard_amount=schedule[-1].standard_amount)


# What the history says of the events that have no timeline entry (the timeline's summary otherwise).
SUMMARIES: dict[type, Callable[[Any], str]] = {
    Case.SourceAnswered: lambda e: f"{e.source.value} answered for every member",
    Case.SourceFailed: lambda e: f"{e.source.value} failed ({e.failure.value}) after {e.attempts} attempt(s)",
    Case.EntitlementAccrued:
        lambda e: f"{e.kind.value.replace('_', '-').lower()} entitlement for {e.service_month:%Y-%m}",
    Case.ObjectionRecorded: lambda e: "Objection recorded during the public notice",
}


def _summary(env: Envelope) -> str:
    e = env.event
    entries = CONTRIBUTION.entries_for(e)
    if entries:
        return entries[0].summary
    describe = SUMMARIES.get(type(e))
    return describe(e) if describe is not None else type(e).__name__


async def scrub(conn: asyncpg.Connection, resident_ids: Sequence[Any]) -> None:
    """PIPL erasure: household income figures of the cases the residents belong to, and their statements."""
    members = [json.dumps([str(r)]) for r in resident_ids]
    await conn.execute(
        "UPDATE assistance_cases SET per_capita_income = NULL,"
        " statement = CASE WHEN applicant_id = ANY($1::uuid[]) THEN NULL ELSE statement END,"
        " erased_members = COALESCE(erased_members, '[]'::jsonb) || to_jsonb(ARRAY(SELECT unnest($1::uuid[])::text))"
        " WHERE members @> ANY($2::jsonb[]) OR applicant_id = ANY($1::uuid[])",
        list(resident_ids), members,
    )
    await conn.execute(
        "UPDATE assistance_assessments a SET total_income = NULL, per_capita_income = NULL, per_capita_assets = NULL"
        " FROM assistance_cases c WHERE a.case_id = c.id AND (c.members @> ANY($1::jsonb[]))",
        members,
    )


# -- the view ------------------------------------------------------------------------------------------------

async def cases_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM assistance_cases WHERE id = ANY($1)", list(ids))


def case_filters(args: list[Any], prefix: str = "", *, status: Sequence[str] | None = None, program: str | None = None,
                 district: str | None = None, office: str | None = None, household_id: Any = None,
                 resident_id: Any = None, review_overdue_on: date | None = None,
                 after_seq: int | None = None) -> list[str]:
    """The WHERE clauses of a caseload page (columns under `prefix`), their values appended to `args` — the one
    definition of the caseload filter, for `search_cases` and the query planner alike."""
    args.append(after_seq or 0)
    clauses: list[str] = [f"{prefix}seq > ${len(args)}"]
    for column, value in (("program", program), ("district", district), ("office", office),
                          ("household_id", household_id)):
        if value is not None:
            args.append(value)
            clauses.append(f"{prefix}{column} = ${len(args)}")
    if status:
        args.append(list(status))
        clauses.append(f"{prefix}status = ANY(${len(args)})")
    if resident_id is not None:
        args.append(json.dumps([str(resident_id)]))
        clauses.append(f"{prefix}members @> ${len(args)}::jsonb")
    if review_overdue_on is not None:
        args.append(review_overdue_on)
        clauses.append(f"{prefix}status IN ('ACTIVE', 'SUSPENDED') AND {prefix}next_review_due < ${len(args)}")
    return clauses


async def search_cases(conn: asyncpg.Connection, *, status: Sequence[str] | None = None, program: str | None = None,
                       district: str | None = None, office: str | None = None, household_id: Any = None,
                       resident_id: Any = None, review_overdue_on: date | None = None, after_seq: int | None = None,
                       limit: int = 20) -> list[asyncpg.Record]:
    """Keyset page in application order; `limit + 1` rows tell the caller whether there is a next page."""
    args: list[Any] = []
    clauses = case_filters(args, status=status, program=program, district=district, office=office,
                           household_id=household_id, resident_id=resident_id,
                           review_overdue_on=review_overdue_on, after_seq=after_seq)
    args.append(limit + 1)
    return await conn.fetch(
        f"SELECT * FROM assistance_cases WHERE {' AND '.join(clauses)} ORDER BY seq LIMIT ${len(args)}", *args)


async def live_case_ids(conn: asyncpg.Connection, *, program: str | None = None, district: str | None = None
                        ) -> list[Any]:
    """Cases that may be owed a month: active, suspended (payroll skips their paused months) or ended
    part-way through the month asked for."""
    rows = await conn.fetch(
        "SELECT id FROM assistance_cases WHERE status IN ('ACTIVE', 'SUSPENDED', 'TERMINATED')"
        " AND one_off_amount IS NULL AND ($1::text IS NULL OR program = $1) AND ($2::text IS NULL OR district = $2)"
        " ORDER BY seq", program, district)
    return [r["id"] for r in rows]


async def assessments_of(conn: asyncpg.Connection, case_id: Any) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM assistance_assessments WHERE case_id = $1 ORDER BY position", case_id)


async def history_of(conn: asyncpg.Connection, case_id: Any, *, before: int | None = None,
                     limit: int = 50) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM assistance_case_history WHERE case_id = $1 AND ($2::bigint IS NULL OR position < $2)"
        " ORDER BY position DESC LIMIT $3", case_id, before, limit + 1)
