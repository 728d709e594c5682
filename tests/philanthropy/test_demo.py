"""The venture-philanthropy demo replays Guangzhou's five rounds: the report query prints the bureau's account
exactly — 696 projects funded with 100,440,000.00 yuan of public money at no more than 60% of their budgets —
and loading it again writes nothing."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx

from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from civicledger.demo.philanthropy import (
    ACCOUNT_PROJECTS,
    ACCOUNT_PUBLIC_MONEY_YUAN,
    SMALL_ROUNDS,
    load_philanthropy,
    load_philanthropy_for,
)
from civicledger.demo.world import DemoWorld
from civicledger.runtime import Runtime
from tests.conftest import ADMIN, GQL, make_settings
from tests.philanthropy.conftest import log_end

REPORT = """query { philanthropyReport(fromYear: 2014, toYear: 2018) {
  overall { rounds proposals awards rejected closed budget publicMoney approvedBudgets selfRaised disbursed
            governmentSharePercent budgetUsedPercent }
  rounds(first: 10) { edges { node { year totals { awards publicMoney governmentSharePercent } } } } } }"""


async def test_the_demo_replays_five_rounds_whose_totals_are_the_accounts(scratch_db: ConnectionParams) -> None:
    application = create_app(make_settings(), params=scratch_db, run_projections=True, run_processes=False)
    async with application.router.lifespan_context(application), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://civicledger.test") as client:
        runtime = application.state.runtime
        world = DemoWorld(services=runtime.services, households=[], threads=2)
        funded = await asyncio.to_thread(load_philanthropy_for, world)
        end = log_end(runtime.services.philanthropy.ledger)
        again = await asyncio.to_thread(load_philanthropy_for, world)
        reloaded_end = log_end(runtime.services.philanthropy.ledger)

        body = await GQL(client)(REPORT, as_=ADMIN, extensions={"minPosition": end})

    assert "errors" not in body, body
    report = body["data"]["philanthropyReport"]
    overall = report["overall"]
    assert funded == again == ACCOUNT_PROJECTS == 696
    assert reloaded_end == end, "the second load wrote nothing"
    assert overall["rounds"] == 5 and overall["awards"] == 696
    assert Decimal(overall["publicMoney"]) == Decimal(ACCOUNT_PUBLIC_MONEY_YUAN) == Decimal("100440000.00")
    assert overall["budgetUsedPercent"] == "100.00"
    assert Decimal(overall["governmentSharePercent"]) <= 60
    assert Decimal(overall["selfRaised"]) * 60 >= Decimal(overall["publicMoney"]) * 40
    assert overall["closed"] == 12 and overall["rejected"] == overall["proposals"] - 696
    rounds = [e["node"] for e in report["rounds"]["edges"]]
    assert [r["year"] for r in rounds] == [2014, 2015, 2016, 2017, 2018]
    assert sum(r["totals"]["awards"] for r in rounds) == 696
    assert all(Decimal(r["totals"]["governmentSharePercent"]) <= 60 for r in rounds)


async def test_a_small_population_gets_five_small_rounds_of_the_same_shape(runtime: Runtime) -> None:
    world = DemoWorld(services=runtime.services, households=[], threads=2)

    funded = await asyncio.to_thread(load_philanthropy, world)
    end = log_end(runtime.services.philanthropy.ledger)
    again = await asyncio.to_thread(load_philanthropy, world)

    assert funded == again == sum(r.funded for r in SMALL_ROUNDS) == 20
    assert log_end(runtime.services.philanthropy.ledger) == end
