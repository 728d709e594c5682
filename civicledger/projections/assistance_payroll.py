"""`assistance_payroll`: every entitlement line (monthly, arrears, one-off) with the month it is for and the
payroll month it is paid in — the finance office's payroll by month, district and program, and each case's
entitlement lines. Lines are household amounts, not a member's income; GraphQL masks them by role."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.assistance.case import AssistanceCase as Case
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import AppendProjection

COLUMNS = ("line_id", "case_id", "household_id", "program", "district", "kind", "service_month", "payable_month",
           "amount", "standard_revision", "recorded_at", "position")


class AssistancePayrollProjection(AppendProjection):
    """Entitlement lines, append-only."""

    name = "assistance_payroll"
    tables = ("assistance_payroll",)
    table = "assistance_payroll"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_payroll (line_id uuid PRIMARY KEY, case_id uuid NOT NULL,"
            " household_id uuid NOT NULL, program text NOT NULL, district text NOT NULL, kind text NOT NULL,"
            " service_month date NOT NULL, payable_month date NOT NULL, amount numeric NOT NULL,"
            " standard_revision int, recorded_at timestamptz NOT NULL, position bigint NOT NULL)"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_payroll_month_idx"
                           " ON assistance_payroll (payable_month, district, program, position)")
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_payroll_case_idx"
                           " ON assistance_payroll (case_id, position)")

    @on(Case.EntitlementAccrued)
    def _accrued(self, env: Envelope, e: Case.EntitlementAccrued) -> tuple[Any, ...]:
        return (e.line_id, env.stream_id, e.household_id, e.program.value, e.district, e.kind.value,
                e.service_month, e.payable_month, e.amount, e.standard_revision, e.timestamp, env.position)


async def payroll_totals(conn: asyncpg.Connection, month: date, *, district: str | None = None,
                         program: str | None = None) -> list[asyncpg.Record]:
    """Totals per district, program and kind of line for one payroll month."""
    return await conn.fetch(
        "SELECT district, program, kind, count(*) AS lines, count(DISTINCT case_id) AS cases, sum(amount) AS amount"
        " FROM assistance_payroll WHERE payable_month = $1 AND ($2::text IS NULL OR district = $2)"
        " AND ($3::text IS NULL OR program = $3) GROUP BY district, program, kind ORDER BY district, program, kind",
        month, district, program)


async def payroll_lines(conn: asyncpg.Connection, month: date, *, district: str | None = None,
                        program: str | None = None, after: int | None = None, limit: int = 50) -> list[asyncpg.Record]:
    """Lines of a payroll month with the members of their case (whose data an amount is)."""
    return await conn.fetch(
        "SELECT p.*, c.members FROM assistance_payroll p LEFT JOIN assistance_cases c ON c.id = p.case_id"
        " WHERE p.payable_month = $1 AND ($2::text IS NULL OR p.district = $2) AND ($3::text IS NULL OR p.program = $3)"
        " AND p.position > $4 ORDER BY p.position LIMIT $5",
        month, district, program, after or 0, limit + 1)


async def ledger_of(conn: asyncpg.Connection, case_id: Any, *, after: int | None = None,
                    limit: int = 50) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM assistance_payroll WHERE case_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        case_id, after or 0, limit + 1)
