"""The assistance read models, built by the real projections from the real log: caseload rows, the
verification matrix, decision inputs, history, payroll totals, standards history, every member's timeline —
and erasure scrubbing a member's figures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest_asyncio

from civicledger.domains.assistance import commands as c
from civicledger.domains.assistance.verification import DataSource, FailureKind
from civicledger.domains.residents.commands import EraseResident
from civicledger.programs import read_models
from civicledger.projections.assistance_cases import search_cases
from civicledger.projections.assistance_payroll import payroll_totals
from civicledger.projections.runner import ProjectionRunner, rebuild
from tests.assistance.conftest import ADMIN_WANG, World, at, catch_up_with_the_log, ctx
from tests.assistance.flow import an_active_case, apply, approve, pay, verify_and_assess

D = Decimal


class ReadSide:
    def __init__(self, world: World, pool: asyncpg.Pool) -> None:
        self.world, self.pool = world, pool
        self.runner = ProjectionRunner(pool, world.ledger.mapper, world.ledger.keyring,
                                       read_models(world.ledger.mapper), batch_size=200)

    async def project(self) -> None:
        await catch_up_with_the_log(self.runner, self.pool)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn:
            return [dict(r) for r in await conn.fetch(sql, *args)]


@pytest_asyncio.fixture(scope="module")
async def read(world: World) -> AsyncIterator[ReadSide]:
    pool = await asyncpg.create_pool(world.params.url, min_size=1, max_size=4)
    side = ReadSide(world, pool)
    await side.runner.create_tables()
    yield side
    await pool.close()


async def test_the_caseload_row_shows_where_a_case_stands(read: ReadSide) -> None:
    case_id, _ = an_active_case(read.world, size=3, income="400")
    await read.project()

    [row] = await read.fetch("SELECT * FROM assistance_cases WHERE id = $1", case_id)

    assert (row["program"], row["status"], row["district"], row["office"]) == (
        "MINIMUM_LIVING", "ACTIVE", "HAIZHU", "HAIZHU-JIANGHAI-STATION")
    assert (row["household_size"], row["decided_by"], row["assessed_by"]) == (3, "sup-chen", "cw-li")
    assert row["monthly_amount"] == D("1650.00") and row["per_capita_income"] == D("400.00")
    assert (row["first_month"], row["next_review_due"]) == (date(2018, 3, 1), date(2019, 3, 14))


async def test_the_verification_matrix_has_every_member_and_source_with_failures_shown(read: ReadSide) -> None:
    world = read.world
    world.clock.set(at(2018, 8, 6))
    household, members = world.household(2)
    case_id = apply(world, members, household)
    world.bureau.fail(DataSource.PENSIONS, times=3, kind=FailureKind.UNAVAILABLE)
    world.service.request_verification(c.RequestHouseholdVerification(case_id), ctx())
    await read.project()

    rows = await read.fetch("SELECT * FROM assistance_verification WHERE case_id = $1", case_id)

    assert len(rows) == 2 * 26
    failed = [r for r in rows if r["status"] == "FAILED"]
    assert {(r["source"], r["failure"], r["attempts"]) for r in failed} == {("PENSIONS", "UNAVAILABLE", 3)}
    assert len(failed) == 2 and all(r["answered_at"] for r in rows if r["status"] == "ANSWERED")
    [case] = await read.fetch("SELECT sources_answered, sources_failed FROM assistance_cases WHERE id = $1", case_id)
    assert (case["sources_answered"], case["sources_failed"]) == (25, '["PENSIONS"]')


async def test_decision_inputs_and_history_say_what_was_used_who_decided_and_why(read: ReadSide) -> None:
    case_id, members = an_active_case(read.world, size=2, income="300", applied=date(2018, 8, 6),
                                      approved=date(2018, 8, 14))
    await read.project()

    [assessment] = await read.fetch("SELECT * FROM assistance_assessments WHERE case_id = $1", case_id)
    means = await read.fetch("SELECT * FROM assistance_member_means WHERE case_id = $1", case_id)
    history = await read.fetch("SELECT kind, actor_id, reason FROM assistance_case_history WHERE case_id = $1"
                               " AND kind IN ('Applied', 'Assessed', 'Approved') ORDER BY position", case_id)

    assert (assessment["standard_revision"], assessment["standard_amount"], assessment["household_size"]) == (
        2, D("950.00"), 2)
    assert (assessment["per_capita_income"], assessment["amount"], assessment["eligible"]) == (
        D("300.00"), D("1300.00"), True)
    assert {(m["member_id"], m["verified_income"], m["counted_income"]) for m in means} == {
        (m, D("300.00"), D("300.00")) for m in members}
    assert history == [{"kind": "Applied", "actor_id": "cw-li", "reason": None},
                       {"kind": "Assessed", "actor_id": "cw-li", "reason": None},
                       {"kind": "Approved", "actor_id": "sup-chen", "reason": "notice ended without objection"}]


async def test_the_payroll_totals_a_month_by_district_program_and_kind(read: ReadSide) -> None:
    world = read.world
    cases = []
    for income in ("400", "300"):
        world.clock.set(at(2018, 3, 5))
        household, members = world.household(3, district="CONGHUA", street="街口街")
        case_id = apply(world, members, household, income=income)
        verify_and_assess(world, case_id, members, income=income)
        approve(world, case_id, on=date(2018, 3, 14))
        cases.append(case_id)
    for case_id in cases:
        pay(world, case_id, date(2018, 4, 1))
    await read.project()

    async with read.pool.acquire() as conn:
        totals = [dict(r) for r in await payroll_totals(conn, date(2018, 4, 1), district="CONGHUA")]

    assert totals == [{"district": "CONGHUA", "program": "MINIMUM_LIVING", "kind": "MONTHLY", "lines": 2,
                       "cases": 2, "amount": D("3300.00")}]  # 1500 + 1800 at the 900 standard


async def test_the_standards_history_lists_every_revision_with_who_and_why(read: ReadSide) -> None:
    await read.project()

    rows = await read.fetch("SELECT revision, effective_from, amount, published_by, reason FROM assistance_standards"
                            " WHERE program = 'MINIMUM_LIVING' ORDER BY revision")

    assert [(r["revision"], r["effective_from"], r["amount"]) for r in rows] == [
        (1, date(2017, 7, 1), D("900.00")), (2, date(2018, 7, 1), D("950.00"))]
    assert {(r["published_by"], r["reason"]) for r in rows} == {("admin-wang", "Guangzhou standards as published")}


async def test_every_member_sees_the_case_on_their_timeline(read: ReadSide) -> None:
    case_id, members = an_active_case(read.world, size=3)
    await read.project()

    rows = await read.fetch("SELECT resident_id, kind FROM client_timeline WHERE stream_id = $1", case_id)

    kinds_by_member = {m: sorted(r["kind"] for r in rows if r["resident_id"] == m) for m in members}
    expected = sorted(["assistance.applied", "assistance.verification_requested", "assistance.assessed",
                       "assistance.notice_posted", "assistance.approved"])
    assert kinds_by_member == {m: expected for m in members}


async def test_erasing_a_member_scrubs_their_figures_and_a_rebuild_agrees(read: ReadSide) -> None:
    world = read.world
    case_id, members = an_active_case(world, size=2, income="300")
    applicant, other = members
    world.registry.erase_resident(EraseResident(applicant, "PIPL-2018-0007"),
                                  ctx(ADMIN_WANG, reason="lawful erasure request"))
    await read.project()

    async def state() -> tuple[Any, ...]:
        means = await read.fetch("SELECT member_id, verified_income, declared_income, erased"
                                 " FROM assistance_member_means WHERE case_id = $1 ORDER BY member_id", case_id)
        matrix = await read.fetch("SELECT member_id, count(monthly_income) AS figures FROM assistance_verification"
                                  " WHERE case_id = $1 GROUP BY member_id ORDER BY member_id", case_id)
        [case] = await read.fetch("SELECT statement, per_capita_income, monthly_amount FROM assistance_cases"
                                  " WHERE id = $1", case_id)
        return means, matrix, case

    means, matrix, case = await state()
    assert {m["member_id"]: (m["verified_income"], m["erased"]) for m in means} == {
        applicant: (None, True), other: (D("300.00"), False)}
    assert {m["member_id"]: m["figures"] for m in matrix} == {applicant: 0, other: 26}
    assert case["statement"] is None and case["per_capita_income"] is None
    assert case["monthly_amount"] == D("1300.00")  # the household's payment is not the erased member's data

    await rebuild(read.runner, ["assistance_cases", "assistance_means"])
    await read.project()
    assert await state() == (means, matrix, case)


async def test_overdue_reviews_are_found_by_date(read: ReadSide) -> None:
    case_id, _ = an_active_case(read.world, approved=date(2018, 3, 14))
    await read.project()

    async with read.pool.acquire() as conn:
        due = [r["id"] for r in await search_cases(conn, review_overdue_on=date(2019, 4, 1), limit=500)]
        not_yet = [r["id"] for r in await search_cases(conn, review_overdue_on=date(2019, 3, 14), limit=500)]

    assert case_id in due and case_id not in not_yet
