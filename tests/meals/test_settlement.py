"""Monthly settlement on the real event store: each payer paid once however often it runs, corrections as
separate lines, open sheets closed by the run, and per-canteen idempotency keys for a batch run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.errors import SettlementMonthNotOverError
from civicledger.domains.meals.meal_day import MealDay, meal_day_id
from civicledger.domains.meals.settlement import CanteenSettlement, LineKind, settlement_id
from civicledger.domains.meals.values import Payer
from tests.meals.conftest import ADMIN_WANG, SUPERVISOR_CHEN, WEDNESDAY, World, born_aged, ctx, event_count

D = Decimal
MARCH = date(2026, 3, 1)


@pytest.fixture
def served(world: World, clock: FixedClock) -> Iterator[tuple[World, UUID, list[UUID]]]:
    """A 江海街 canteen's March: an 85-year-old of 江海街 (own street), a 70-year-old of 素社街 (own district) and an
    entitled elder of Tianhe (another district) eat lunch on two days; then it is April."""
    canteen = world.canteen()
    chen = world.elder(born_aged(85))
    li = world.elder(born_aged(70), street="素社街", name="李淑珍")
    wang = world.elder(born_aged(72), district="TIANHE", street="石牌街", status="ENTITLED", name="王桂兰")
    batch = world.batch(canteen, received=WEDNESDAY)
    for day in (WEDNESDAY, WEDNESDAY + timedelta(days=1)):
        clock.set(datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI))
        world.serve(canteen, chen, li, wang, runs=(world.run(canteen, batch, on=day),), on=day)
    clock.set(datetime(2026, 4, 2, 9, tzinfo=SHANGHAI))
    yield world, canteen.id, [chen, li, wang]


def lines(world: World, canteen_id: UUID) -> list[tuple[Payer, str, Decimal, int, LineKind]]:
    settlement = world.meals._get(CanteenSettlement, settlement_id(canteen_id, MARCH))
    events = [e for e in world.meals.repository.event_store.get(settlement.id) if hasattr(e, "lines")]
    return [(ln.payer, ln.payer_code, ln.amount, ln.meals, ln.kind) for e in events for ln in e.lines]


def test_the_month_is_paid_per_payer_and_running_it_twice_pays_once(served: tuple[World, UUID, list[UUID]]) -> None:
    world, canteen, _ = served
    settle = c.SettleCanteenMonth(canteen, MARCH)

    first = world.meals.settle_canteen_month(settle, ctx(SUPERVISOR_CHEN))
    before = event_count(world.meals.ledger)
    again = world.meals.settle_canteen_month(settle, ctx(SUPERVISOR_CHEN))

    assert first.positions and not again.positions
    assert event_count(world.meals.ledger) == before
    # Per meal: city 3 from everyone; district 3 from 陈 and 李 (Haizhu residents); street 3 from 陈 only;
    # charity 9 for 王 (entitled, eating outside her district) — two days each.
    assert lines(world, canteen) == [
        (Payer.CITY, "GUANGZHOU", D("18.00"), 6, LineKind.ORIGINAL),
        (Payer.DISTRICT, "HAIZHU", D("12.00"), 4, LineKind.ORIGINAL),
        (Payer.STREET, "HAIZHU/江海街", D("6.00"), 2, LineKind.ORIGINAL),
        (Payer.CHARITY, "GZ-CHARITY-ELDER-MEALS", D("18.00"), 2, LineKind.ORIGINAL),
    ]


def test_the_run_closes_the_months_open_sheets(served: tuple[World, UUID, list[UUID]]) -> None:
    world, canteen, _ = served

    world.meals.settle_canteen_month(c.SettleCanteenMonth(canteen, MARCH), ctx(ADMIN_WANG))

    assert world.meals._get(MealDay, meal_day_id(canteen, WEDNESDAY)).closed


def test_a_meal_voided_after_settlement_comes_back_as_a_correction_line(served: tuple[World, UUID, list[UUID]]
                                                                      ) -> None:
    world, canteen, (chen, _, _) = served
    world.meals.settle_canteen_month(c.SettleCanteenMonth(canteen, MARCH), ctx(SUPERVISOR_CHEN))
    day = world.meals._get(MealDay, meal_day_id(canteen, WEDNESDAY))
    meal = next(m for m in day.live_meals() if m.resident_id == chen)
    world.meals.void_meal(c.VoidMeal(canteen, WEDNESDAY, meal.meal_id),
                          ctx(SUPERVISOR_CHEN, reason="elder was in hospital; entered by mistake"))

    world.meals.settle_canteen_month(c.SettleCanteenMonth(canteen, MARCH), ctx(SUPERVISOR_CHEN))

    corrections = [ln for ln in lines(world, canteen) if ln[4] is LineKind.CORRECTION]
    assert corrections == [
        (Payer.CITY, "GUANGZHOU", D("-3.00"), -1, LineKind.CORRECTION),
        (Payer.DISTRICT, "HAIZHU", D("-3.00"), -1, LineKind.CORRECTION),
        (Payer.STREET, "HAIZHU/江海街", D("-3.00"), -1, LineKind.CORRECTION),
    ]


def test_the_current_month_is_not_settled_before_it_is_over(world: World) -> None:
    canteen = world.canteen()

    with pytest.raises(SettlementMonthNotOverError):
        world.meals.settle_canteen_month(c.SettleCanteenMonth(canteen.id, MARCH), ctx(ADMIN_WANG))


def test_a_batch_run_keys_each_canteen_and_a_retry_replays_without_paying(served: tuple[World, UUID, list[UUID]]
                                                                        ) -> None:
    world, canteen, _ = served
    empty = world.canteen(street="素社街", name="素社街长者饭堂").id
    run = c.SettleMealMonth(MARCH, "HAIZHU", (canteen, empty))

    first = world.meals.settle_meal_month(run, ctx(SUPERVISOR_CHEN, key="settle-2026-03-haizhu"))
    before = event_count(world.meals.ledger)
    retry = world.meals.settle_meal_month(run, ctx(SUPERVISOR_CHEN, key="settle-2026-03-haizhu"))
    fresh_key = world.meals.settle_meal_month(run, ctx(SUPERVISOR_CHEN, key="settle-2026-03-haizhu-again"))

    assert (first.settled, first.unchanged) == (2, 0)
    assert (retry.settled, retry.unchanged) == (0, 2) and (fresh_key.settled, fresh_key.unchanged) == (0, 2)
    assert event_count(world.meals.ledger) == before
    assert lines(world, empty) == []  # settled: nothing was due


def test_two_settlement_runs_at_the_same_moment_pay_once(served: tuple[World, UUID, list[UUID]]) -> None:
    world, canteen, _ = served
    start = threading.Barrier(2)

    def settle() -> object:
        start.wait()
        return world.meals.settle_meal_month(c.SettleMealMonth(MARCH, "HAIZHU", (canteen,)), ctx(SUPERVISOR_CHEN))

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: settle(), range(2)))

    assert sorted((r.settled, r.unchanged) for r in runs) == [(0, 1), (1, 0)]  # type: ignore[attr-defined]
    assert [k for *_, k in lines(world, canteen)] == [LineKind.ORIGINAL] * 4

