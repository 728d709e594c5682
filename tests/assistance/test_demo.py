"""The demo's year of assistance: a realistic caseload across programs and districts, the 2018 standards change
with arrears, written once however often it is loaded — and the recalculation process, following the log
afterwards, replays the demo's recalculations instead of paying them twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest_asyncio

from civicledger import demo
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.processes.assistance_recalculation import AssistanceRecalculation
from civicledger.programs import read_models
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Services
from tests.assistance.conftest import catch_up_with_the_log
from tests.conftest import MASTER_KEY
from tests.dbutil import fresh_database


class Loaded:
    def __init__(self, ledger: Ledger, services: Services, pool: asyncpg.Pool) -> None:
        self.ledger, self.services, self.pool = ledger, services, pool

    def events(self) -> int:
        with self.ledger.datastore.get_connection() as conn:
            return int(conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"])

    async def fetch(self, sql: str) -> list[dict[str, Any]]:
        async with self.pool.acquire() as conn:
            return [dict(r) for r in await conn.fetch(sql)]


@pytest_asyncio.fixture(scope="module")
async def loaded() -> AsyncIterator[Loaded]:
    with fresh_database("civicledger_assistance_demo") as params:
        ledger = Ledger(params, master_key=MASTER_KEY, claims_secret=b"c" * 32)
        registry = ResidentRegistry(ledger)
        services = Services(residents=registry, assistance=AssistanceService(ledger, registry=registry))
        await asyncio.to_thread(demo.load, services, 700)
        pool = await asyncpg.create_pool(params.url, min_size=1, max_size=4)
        runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, read_models(ledger.mapper), batch_size=2000)
        await runner.create_tables()
        await catch_up_with_the_log(runner, pool)
        yield Loaded(ledger, services, pool)
        await pool.close()
        ledger.close()


async def test_the_demo_caseload_spans_programs_districts_and_statuses(loaded: Loaded) -> None:
    cases = await loaded.fetch("SELECT program, district, status FROM assistance_cases")

    assert len(cases) >= 15
    assert len({c["program"] for c in cases}) >= 4 and len({c["district"] for c in cases}) >= 5
    assert {"ACTIVE", "REJECTED", "COMPLETED"} <= {c["status"] for c in cases}


async def test_the_demo_shows_the_2018_adjustment_with_arrears_from_july(loaded: Loaded) -> None:
    standards = await loaded.fetch("SELECT effective_from, amount FROM assistance_standards"
                                   " WHERE program = 'MINIMUM_LIVING' ORDER BY revision")
    arrears = await loaded.fetch("SELECT service_month, payable_month, amount FROM assistance_payroll"
                                 " WHERE kind = 'ARREARS' AND program = 'MINIMUM_LIVING'")

    assert [s["amount"] for s in standards] == [Decimal("900.00"), Decimal("950.00")]
    # Published on 3 August, effective 1 July: July and the August payroll already run owe the difference.
    assert {(a["service_month"].isoformat(), a["payable_month"].isoformat()) for a in arrears} == {
        ("2018-07-01", "2018-08-01"), ("2018-08-01", "2018-08-01")}
    assert all(a["amount"] % Decimal("50") == 0 for a in arrears)  # (950 − 900) × household size


async def test_loading_again_writes_nothing(loaded: Loaded) -> None:
    before = loaded.events()

    await asyncio.to_thread(demo.load, loaded.services, 700)

    assert loaded.events() == before


async def test_the_recalculation_process_replays_the_demos_recalculations(loaded: Loaded) -> None:
    issued = []

    async def recalculate(cmd: Any, ctx: Any) -> Any:
        issued.append(cmd)
        return await asyncio.to_thread(loaded.services.assistance.recalculate_assistance, cmd, ctx)

    process = AssistanceRecalculation(loaded.ledger.mapper, recalculate)
    runner = ProjectionRunner(loaded.pool, loaded.ledger.mapper, loaded.ledger.keyring, [process])
    await runner.create_tables()
    before = loaded.events()

    await catch_up_with_the_log(runner, loaded.pool)

    assert issued, "the process saw the 2018 publications"
    assert loaded.events() == before
