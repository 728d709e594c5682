"""The meal read models, built by the real projections from the real log: canteens and elders (and erasure of
an elder's personal columns), meals on the timeline summarised per day, the recall's list of elders (exactly
those who ate from the batch, through two production runs), the finance view by payer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.meal_day import MealDay, meal_day_id
from civicledger.domains.residents.commands import EraseResident
from civicledger.projections.meals_settlement import totals_by_payer
from civicledger.projections.meals_traceability import elders_who_ate_from
from civicledger.runtime import Runtime
from tests.meals.conftest import ADMIN_WANG, SUPERVISOR_CHEN, WEDNESDAY, World, born_aged, ctx, event_count

D = Decimal
THURSDAY = WEDNESDAY + timedelta(days=1)


async def caught_up(runtime: Runtime, ledger: Ledger) -> None:
    await runtime.positions.wait_for(event_count(ledger), timeout=20)


async def fetch(runtime: Runtime, sql: str, *args: Any) -> list[dict[str, Any]]:
    async with runtime.pool.acquire() as conn:
        return [dict(r) for r in await conn.fetch(sql, *args)]


async def test_canteen_and_elder_rows_show_what_the_canteen_needs(world: World, runtime: Runtime) -> None:
    canteen = world.canteen()
    chen = world.elder(born_aged(85), status="ENTITLED")

    await caught_up(runtime, world.meals.ledger)

    [site] = await fetch(runtime, "SELECT * FROM meal_canteens WHERE id = $1", canteen.id)
    [elder] = await fetch(runtime, "SELECT * FROM meal_elders WHERE resident_id = $1", chen)
    assert (site["kind"], site["operator_type"], site["status"], site["street"]) == (
        "CANTEEN", "SOCIAL_OPERATOR", "OPEN", "江海街")
    assert (elder["economic_status"], elder["active"], elder["street"]) == ("ENTITLED", True, "江海街")
    assert elder["dietary_needs"] == '["LOW_SALT"]' and elder["dietary_note"] == "软饭"


async def test_erasure_scrubs_the_elders_subsidy_basis_and_dietary_needs(world: World, runtime: Runtime) -> None:
    chen = world.elder(born_aged(85), status="POOR")
    world.registry.erase_resident(EraseResident(chen, "PIPL-2026-0042"), ctx(ADMIN_WANG, reason="deletion request"))

    await caught_up(runtime, world.meals.ledger)

    [elder] = await fetch(runtime, "SELECT * FROM meal_elders WHERE resident_id = $1", chen)
    assert (elder["economic_status"], elder["dietary_needs"], elder["dietary_note"], elder["erased"]) == (
        None, None, None, True)


async def test_an_elders_meals_appear_on_her_timeline_once_per_day_when_the_sheet_is_closed(
        world: World, runtime: Runtime) -> None:
    canteen = world.canteen()
    chen = world.elder(born_aged(85))
    run = world.run(canteen, world.batch(canteen))
    world.serve(canteen, chen, runs=(run,))
    world.serve(canteen, chen, runs=(run,), sitting="DINNER", mode="DELIVERED")
    await caught_up(runtime, world.meals.ledger)
    before_close = await fetch(runtime, "SELECT kind FROM client_timeline WHERE resident_id = $1", chen)

    world.meals.close_meal_day(c.CloseMealDay(canteen.id, WEDNESDAY), ctx(canteen.staff))
    await caught_up(runtime, world.meals.ledger)

    entries = await fetch(runtime, "SELECT kind, summary FROM client_timeline WHERE resident_id = $1"
                                   " AND program = 'meals' ORDER BY position", chen)
    assert [e["kind"] for e in before_close if e["kind"].startswith("meals")] == ["meals.enrolled"]
    assert [e["kind"] for e in entries] == ["meals.enrolled", "meals.day"]
    assert entries[1]["summary"] == "2 meals at 江海街长者饭堂 on 2026-03-04 (1 eaten in, 1 delivered)"
    [day] = await fetch(runtime, "SELECT meals, closed FROM meal_days WHERE canteen_id = $1", canteen.id)
    assert (day["meals"], day["closed"]) == (2, True)


async def test_a_recall_finds_exactly_the_elders_who_ate_from_the_batch_also_through_two_runs(
        world: World, runtime: Runtime, clock: FixedClock) -> None:
    kitchen = world.canteen()
    point = world.canteen("HAIZHU", "素社街", kind="DELIVERY_POINT", kitchen=kitchen, name="素社社区助餐点")
    eggs = world.batch(kitchen, product="鸡蛋", received=WEDNESDAY)
    rice = world.batch(kitchen, product="大米", received=WEDNESDAY)
    a, b, both, untouched, voided = (world.elder(born_aged(70 + i), name=n) for i, n in enumerate(
        ("陈秀英", "李淑珍", "王桂兰", "张玉梅", "刘凤英")))
    eggs_wednesday = world.run(kitchen, eggs, rice, dish="番茄炒蛋")
    rice_only = world.run(kitchen, rice, dish="白饭")
    world.serve(kitchen, a, untouched, runs=(rice_only,))
    world.serve(kitchen, a, runs=(eggs_wednesday,), sitting="DINNER")
    world.serve(kitchen, voided, runs=(eggs_wednesday,), sitting="BREAKFAST")
    clock.set(datetime(2026, 3, 5, 12, tzinfo=SHANGHAI))
    eggs_thursday = world.run(kitchen, eggs, on=THURSDAY, dish="蒸水蛋")
    world.serve(point, b, runs=(eggs_thursday,), on=THURSDAY)
    world.serve(kitchen, both, runs=(eggs_thursday, world.run(kitchen, rice, on=THURSDAY, dish="白饭")), on=THURSDAY)
    day = world.meals._get(MealDay, meal_day_id(kitchen.id, WEDNESDAY))
    [breakfast] = [m for m in day.live_meals() if m.resident_id == voided]
    world.meals.void_meal(c.VoidMeal(kitchen.id, WEDNESDAY, breakfast.meal_id), ctx(SUPERVISOR_CHEN, reason="no-show"))
    await caught_up(runtime, world.meals.ledger)

    async with runtime.pool.acquire() as conn:
        rows = await elders_who_ate_from(conn, eggs)
        rice_rows = await elders_who_ate_from(conn, rice)

    assert {r["resident_id"] for r in rows} == {a, b, both}
    assert [r["meals"] for r in rows if r["resident_id"] == a] == [1]
    assert {r["resident_id"] for r in rice_rows} == {a, untouched, both}
    assert {c_ for r in rows for c_ in r["canteen_ids"]} == {kitchen.id, point.id}


async def test_the_finance_view_totals_the_month_by_payer(world: World, runtime: Runtime, clock: FixedClock) -> None:
    canteen = world.canteen(street="琶洲街", name="琶洲街长者饭堂")
    chen = world.elder(born_aged(85), street="琶洲街")
    world.serve(canteen, chen, runs=(world.run(canteen, world.batch(canteen)),))
    clock.set(datetime(2026, 4, 1, 9, tzinfo=SHANGHAI))
    world.meals.settle_canteen_month(c.SettleCanteenMonth(canteen.id, date(2026, 3, 1)), ctx(SUPERVISOR_CHEN))
    await caught_up(runtime, world.meals.ledger)

    async with runtime.pool.acquire() as conn:
        street = await totals_by_payer(conn, date(2026, 3, 1), payer="STREET")

    [paizhou] = [r for r in street if r["payer_code"] == "HAIZHU/琶洲街"]
    assert (paizhou["amount"], paizhou["meals"], paizhou["canteens"]) == (D("3.00"), 1, 1)
