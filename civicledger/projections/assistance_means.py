"""`assistance_verification` and `assistance_member_means`: the verification matrix of a case (member ×
source: answered with amounts and flags, failed, or pending) and each member's declared, verified and counted
means as the latest assessment used them.

Every amount here is a member's personal data: a `Resident.PersonalDataErased` event scrubs that member's
figures and flags in both tables (and a rebuild reads them back as nothing, their key being gone)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.assistance.case import AssistanceCase as Case
from civicledger.projections.base import Envelope, PersonalColumns, Projection, on
from civicledger.projections.sql import copy_rows, records

MATRIX_COLUMNS = ("case_id", "member_id", "source", "round", "status", "monthly_income", "assets", "medical_costs",
                  "medical_assistance_received", "flags", "answered_at", "failure", "attempts", "position")
Cells = dict[tuple[Any, str], dict[str, Any]]
People = dict[Any, dict[str, Any]]
MEANS_COLUMNS = ("case_id", "member_id", "declared_income", "declared_assets", "verified_income", "verified_assets",
                 "counted_income", "counted_assets", "flags", "assessment_id", "erased", "position")


class AssistanceMeansProjection(Projection):
    """Per member and source, what verification found; per member, what the assessment counted."""

    name = "assistance_means"
    tables = ("assistance_verification", "assistance_member_means")
    personal_columns = (
        PersonalColumns("assistance_verification", "member_id",
                        ("monthly_income", "assets", "medical_costs", "medical_assistance_received", "flags")),
        PersonalColumns("assistance_member_means", "member_id",
                        ("declared_income", "declared_assets", "verified_income", "verified_assets", "counted_income",
                         "counted_assets", "flags"), erased_flag="erased"),
    )

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_verification (case_id uuid NOT NULL, member_id uuid NOT NULL,"
            " source text NOT NULL, round int NOT NULL, status text NOT NULL, monthly_income numeric, assets numeric,"
            " medical_costs numeric, medical_assistance_received numeric, flags text[], answered_at timestamptz,"
            " failure text, attempts int, position bigint NOT NULL, PRIMARY KEY (case_id, member_id, source))"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_verification_member_idx"
                           " ON assistance_verification (member_id)")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_member_means (case_id uuid NOT NULL, member_id uuid NOT NULL,"
            " declared_income numeric, declared_assets numeric, verified_income numeric, verified_assets numeric,"
            " counted_income numeric, counted_assets numeric, flags text[], assessment_id uuid,"
            " erased boolean NOT NULL DEFAULT false, position bigint NOT NULL, PRIMARY KEY (case_id, member_id))"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_member_means_member_idx"
                           " ON assistance_member_means (member_id)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        cases = list({env.stream_id for env in batch})
        # Indexed by case first: a batch holds thousands of cases, and each event touches one.
        matrix: dict[Any, Cells] = {}
        means: dict[Any, People] = {}
        for r in await conn.fetch("SELECT * FROM assistance_verification WHERE case_id = ANY($1)", cases):
            matrix.setdefault(r["case_id"], {})[(r["member_id"], r["source"])] = dict(r)
        for r in await conn.fetch("SELECT * FROM assistance_member_means WHERE case_id = ANY($1)", cases):
            means.setdefault(r["case_id"], {})[r["member_id"]] = dict(r)
        for env in batch:
            self.dispatch(env, matrix.setdefault(env.stream_id, {}), means.setdefault(env.stream_id, {}))
        await conn.execute("DELETE FROM assistance_verification WHERE case_id = ANY($1)", cases)
        await conn.execute("DELETE FROM assistance_member_means WHERE case_id = ANY($1)", cases)
        cell_rows = [row for cells in matrix.values() for row in cells.values()]
        people_rows = [row for people in means.values() for row in people.values()]
        await copy_rows(conn, "assistance_verification", MATRIX_COLUMNS, records(MATRIX_COLUMNS, cell_rows))
        await copy_rows(conn, "assistance_member_means", MEANS_COLUMNS, records(MEANS_COLUMNS, people_rows))

    # Each handler gets the case's cells ((member, source) → row) and people (member → row).

    @on(Case.Applied, Case.CircumstancesChanged)
    def _members(self, cells: Cells, people: People, env: Envelope, e: Any) -> None:
        for gone in [m for m in people if m not in e.members]:
            del people[gone]
        for member in e.members:
            declared = (e.declared or {}).get(member)
            person = people.setdefault(member, {"case_id": env.stream_id, "member_id": member, "erased": False})
            person.update(declared_income=declared.monthly_income if declared else None,
                          declared_assets=declared.assets if declared else None, position=env.position)

    @on(Case.VerificationRequested)
    def _verification_requested(self, cells: Cells, people: People, env: Envelope,
                                e: Case.VerificationRequested) -> None:
        cells.clear()
        for member in e.members:
            for source in e.sources:
                cells[(member, source.value)] = {
                    "case_id": env.stream_id, "member_id": member, "source": source.value, "round": e.round,
                    "status": "PENDING", "attempts": 0, "position": env.position}

    @on(Case.SourceAnswered)
    def _answered(self, cells: Cells, people: People, env: Envelope, e: Case.SourceAnswered) -> None:
        for member, record in e.answers.items():
            cell = cells.get((member, e.source.value))
            if cell is None:
                continue
            cell.update(status="ANSWERED", answered_at=e.answered_at, failure=None, position=env.position,
                        attempts=cell["attempts"] + e.attempts)
            if record is not None:
                cell.update(monthly_income=record.monthly_income, assets=record.assets,
                            medical_costs=record.medical_costs,
                            medical_assistance_received=record.medical_assistance_received, flags=list(record.flags))

    @on(Case.SourceFailed)
    def _failed(self, cells: Cells, people: People, env: Envelope, e: Case.SourceFailed) -> None:
        for (_, source_name), failed in cells.items():
            if source_name == e.source.value:
                failed.update(status="FAILED", failure=e.failure.value, attempts=failed["attempts"] + e.attempts,
                              position=env.position)

    @on(Case.Assessed)
    def _assessed(self, cells: Cells, people: People, env: Envelope, e: Case.Assessed) -> None:
        for member, m in e.means.items():
            row = people.setdefault(member, {"case_id": env.stream_id, "member_id": member, "erased": False})
            row.update(assessment_id=e.assessment_id, position=env.position)
            if m is not None:
                row.update(verified_income=m.verified_income, verified_assets=m.verified_assets,
                           counted_income=m.counted_income, counted_assets=m.counted_assets, flags=list(m.flags))


# -- the view ------------------------------------------------------------------------------------------------

async def verification_matrix(conn: asyncpg.Connection, case_id: Any) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM assistance_verification WHERE case_id = $1 ORDER BY member_id, source",
                            case_id)


async def member_means(conn: asyncpg.Connection, case_id: Any) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM assistance_member_means WHERE case_id = $1", case_id)
