"""The meal service on the real event store: the 2020 split on meals actually served, the bad-input list of
the issue (each a typed error with nothing written), and who may do what."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from civicledger.core.clock import FixedClock
from civicledger.core.errors import CivicError, ForbiddenError
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.errors import (
    CanteenClosedError,
    ElderNotEnrolledError,
    ElderTooYoungError,
    MealAdministrationForbiddenError,
    MealAlreadyServedError,
    MealDayClosedError,
    MealRuleBackdatedError,
    MealRuleSharesDoNotAddUpError,
    MealValueInvalidError,
    NotCanteenStaffError,
    ProductionRunDateMismatchError,
    SupplierBatchExpiredError,
    SupplierBatchNotFoundError,
    SupplierBatchRecalledError,
)
from civicledger.domains.meals.meal_day import MealDay
from civicledger.domains.meals.rule_table import GUANGZHOU_2020
from civicledger.domains.meals.values import Locality, SubsidyCategory
from tests.meals.conftest import (
    ADMIN_WANG,
    CASEWORKER_LI,
    CASEWORKER_ZHANG,
    SUPERVISOR_CHEN,
    WEDNESDAY,
    World,
    born_aged,
    ctx,
    event_count,
)

D = Decimal


def the_meal(world: World, day_id: Any) -> Any:
    day = world.meals._get(MealDay, day_id)
    [meal] = day.live_meals()
    return meal


def test_an_85_year_old_eating_in_her_own_street_is_paid_9_by_3_city_3_district_3_street(world: World) -> None:
    canteen = world.canteen("HAIZHU", "江海街")
    chen = world.elder(born_aged(85))
    run = world.run(canteen, world.batch(canteen))

    day, _ = world.serve(canteen, chen, runs=(run,))

    meal = the_meal(world, day)
    assert (meal.category, meal.locality, meal.price) == (SubsidyCategory.AGED_80_PLUS, Locality.OWN_STREET, D("12"))
    s = meal.shares
    assert (s.city, s.district, s.street, s.elder, s.charity, s.enterprise) == (3, 3, 3, 3, 0, 0)
    assert s.government == 9


def test_the_same_elder_in_another_district_keeps_only_the_city_share_and_pays_the_rest(world: World) -> None:
    tianhe = world.canteen("TIANHE", "石牌街", name="石牌街长者饭堂")
    chen = world.elder(born_aged(85))
    run = world.run(tianhe, world.batch(tianhe))

    day, _ = world.serve(tianhe, chen, runs=(run,))

    meal = the_meal(world, day)
    assert meal.locality is Locality.OTHER_DISTRICT
    s = meal.shares
    assert (s.city, s.district, s.street, s.elder, s.charity) == (3, 0, 0, 9, 0) and s.total == 12


def test_an_entitled_elder_in_another_district_eats_free_with_charity_covering_the_lost_shares(world: World) -> None:
    tianhe = world.canteen("TIANHE", "石牌街", name="石牌街长者饭堂")
    wang = world.elder(born_aged(72), status="ENTITLED", name="王桂兰")
    run = world.run(tianhe, world.batch(tianhe))

    day, _ = world.serve(tianhe, wang, runs=(run,))

    s = the_meal(world, day).shares
    assert (s.city, s.charity, s.elder) == (3, 9, 0)


def test_the_category_follows_the_elders_age_on_the_day_of_the_meal(world: World, clock: FixedClock) -> None:
    canteen = world.canteen()
    turning_80 = world.elder(WEDNESDAY.replace(year=WEDNESDAY.year - 80) + timedelta(days=1))
    batch = world.batch(canteen, received=WEDNESDAY)
    day_before, _ = world.serve(canteen, turning_80, runs=(world.run(canteen, batch),))
    clock.set(clock.now() + timedelta(days=1))

    birthday, _ = world.serve(canteen, turning_80, runs=(world.run(canteen, batch, on=WEDNESDAY + timedelta(days=1)),),
                              on=WEDNESDAY + timedelta(days=1))

    assert the_meal(world, day_before).category is SubsidyCategory.AGED_60_79
    assert the_meal(world, birthday).category is SubsidyCategory.AGED_80_PLUS


# -- bad input: a typed error, and nothing written ----------------------------------------------------------


def refused(world: World, action: Callable[[], Any], error: type[CivicError]) -> CivicError:
    before = event_count(world.meals.ledger)
    with pytest.raises(error) as raised:
        action()
    assert event_count(world.meals.ledger) == before, "a refused command must write nothing"
    return raised.value


def test_a_meal_for_an_unenrolled_elder_is_refused_and_the_whole_sheet_with_it(world: World) -> None:
    canteen = world.canteen()
    enrolled, stranger = world.elder(born_aged(70)), world.resident(born_aged(70))
    run = world.run(canteen, world.batch(canteen))

    error = refused(world, lambda: world.serve(canteen, enrolled, stranger, runs=(run,)), ElderNotEnrolledError)

    assert error.code == "RULE_VIOLATION" and error.details["residentId"] == str(stranger)


def test_a_withdrawn_elder_is_not_served(world: World) -> None:
    canteen = world.canteen()
    elder = world.elder(born_aged(70))
    run = world.run(canteen, world.batch(canteen))
    world.meals.withdraw_elder(c.WithdrawElder(elder), ctx(CASEWORKER_LI, reason="moved to a care home"))

    refused(world, lambda: world.serve(canteen, elder, runs=(run,)), ElderNotEnrolledError)


def test_a_meal_at_a_closed_canteen_or_on_a_day_it_does_not_open_is_refused(world: World) -> None:
    canteen = world.canteen()
    elder = world.elder(born_aged(70))
    run = world.run(canteen, world.batch(canteen))
    sunday = WEDNESDAY - timedelta(days=3)
    world.meals.close_canteen(c.CloseCanteen(canteen.id), ctx(SUPERVISOR_CHEN, reason="kitchen renovation"))

    closed = refused(world, lambda: world.serve(canteen, elder, runs=(run,)), CanteenClosedError)
    world.meals.reopen_canteen(c.ReopenCanteen(canteen.id), ctx(SUPERVISOR_CHEN))
    not_open = refused(world, lambda: world.serve(canteen, elder, runs=(run,), on=sunday), CanteenClosedError)

    assert closed.code == not_open.code == "RULE_VIOLATION"
    assert "Sunday" in not_open.message


def test_a_rule_table_whose_shares_do_not_add_up_is_invalid_input(world: World) -> None:
    rows = [c.CategoryShares(r.category.value, "0", "3", "3", "3", "0", "2" if i == 2 else str(r.shares.elder),
                             r.lost_shares_to.value) for i, r in enumerate(GUANGZHOU_2020)]
    cmd = c.PublishMealRule(date(2027, 1, 1), "12", tuple(rows), "draft 2027")

    error = refused(world, lambda: world.meals.publish_meal_rule(cmd, ctx(ADMIN_WANG)), MealRuleSharesDoNotAddUpError)

    assert error.code == "INVALID_INPUT"


@pytest.mark.parametrize("price", ["12.005", "12.0001", "１２.００５"])
def test_a_price_finer_than_the_fen_is_refused_not_rounded(world: World, price: str) -> None:
    """Money a person writes is taken to the fen as written: 12.005 would round to a price nobody decided."""
    rows = tuple(c.CategoryShares(r.category.value, "0", str(r.shares.city), str(r.shares.district),
                                  str(r.shares.street), str(r.shares.charity), str(r.shares.elder),
                                  r.lost_shares_to.value) for r in GUANGZHOU_2020)

    error = refused(world, lambda: world.meals.publish_meal_rule(c.PublishMealRule(date(2027, 1, 1), price, rows,
                                                                                   "draft"), ctx(ADMIN_WANG)),
                    MealValueInvalidError)

    assert error.code == "INVALID_INPUT" and error.details["field"] == "price"


def test_a_backdated_rule_change_without_a_correction_reason_is_refused(world: World) -> None:
    rows = tuple(c.CategoryShares(r.category.value, "0", str(r.shares.city), str(r.shares.district),
                                  str(r.shares.street), str(r.shares.charity), str(r.shares.elder),
                                  r.lost_shares_to.value) for r in GUANGZHOU_2020)
    cmd = c.PublishMealRule(date(2026, 3, 1), "12", rows, "the 2026 decision")

    error = refused(world, lambda: world.meals.publish_meal_rule(cmd, ctx(ADMIN_WANG)), MealRuleBackdatedError)

    assert error.code == "RULE_VIOLATION" and error.details["field"] == "correctionReason"


def test_a_recall_of_an_unknown_batch_is_not_found(world: World) -> None:
    from uuid import uuid4

    error = refused(world, lambda: world.meals.recall_supplier_batch(
        c.RecallSupplierBatch(uuid4(), "salmonella"), ctx(ADMIN_WANG, reason="market regulator notice")),
        SupplierBatchNotFoundError)

    assert error.code == "NOT_FOUND"


def test_a_production_run_using_an_expired_batch_is_refused(world: World) -> None:
    canteen = world.canteen()
    fresh = world.batch(canteen, product="大米")
    stale = world.batch(canteen, product="牛奶", received=WEDNESDAY - timedelta(days=10),
                        expires=WEDNESDAY - timedelta(days=1))

    error = refused(world, lambda: world.run(canteen, fresh, stale), SupplierBatchExpiredError)

    assert error.details["batchId"] == str(stale)


def test_meals_from_a_recalled_batch_are_not_served_from_the_day_of_the_recall(world: World) -> None:
    canteen = world.canteen()
    elder = world.elder(born_aged(70))
    batch = world.batch(canteen)
    run = world.run(canteen, batch)
    world.meals.recall_supplier_batch(c.RecallSupplierBatch(batch, "沙门氏菌"), ctx(SUPERVISOR_CHEN, reason="抽检不合格"))

    refused(world, lambda: world.serve(canteen, elder, runs=(run,)), SupplierBatchRecalledError)
    refused(world, lambda: world.run(canteen, batch), SupplierBatchRecalledError)


def test_a_run_cooked_on_another_day_cannot_feed_todays_meals(world: World) -> None:
    canteen = world.canteen()
    elder = world.elder(born_aged(70))
    yesterday = world.run(canteen, world.batch(canteen, received=WEDNESDAY - timedelta(days=1)),
                          on=WEDNESDAY - timedelta(days=1))

    refused(world, lambda: world.serve(canteen, elder, runs=(yesterday,)), ProductionRunDateMismatchError)


def test_one_lunch_per_elder_per_day_and_a_closed_sheet_takes_late_meals_only_with_a_reason(world: World) -> None:
    canteen = world.canteen()
    elder, late = world.elder(born_aged(70)), world.elder(born_aged(75))
    run = world.run(canteen, world.batch(canteen))
    world.serve(canteen, elder, runs=(run,))

    refused(world, lambda: world.serve(canteen, elder, runs=(run,)), MealAlreadyServedError)
    world.serve(canteen, elder, runs=(run,), sitting="DINNER", mode="DELIVERED")
    world.meals.close_meal_day(c.CloseMealDay(canteen.id, WEDNESDAY), ctx(canteen.staff))
    refused(world, lambda: world.serve(canteen, late, runs=(run,)), MealDayClosedError)
    day, _ = world.serve(canteen, late, runs=(run,), correction="paper sheet entered the next morning")

    assert len(world.meals._get(MealDay, day).live_meals()) == 3


def test_staff_recording_the_same_days_sheet_at_the_same_moment_both_succeed(world: World) -> None:
    canteen = world.canteen()
    elders = [world.elder(born_aged(70 + i)) for i in range(4)]
    run = world.run(canteen, world.batch(canteen))
    start = threading.Barrier(4)

    def record(elder: UUID) -> object:
        start.wait()
        return world.serve(canteen, elder, runs=(run,))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(record, elders))

    day = world.meals.get_meal_day(canteen.id, WEDNESDAY)
    assert day is not None and sorted(m.resident_id for m in day.live_meals()) == sorted(elders)


# -- who may act ------------------------------------------------------------------------------------------


def test_an_elder_of_one_district_enrolled_by_another_districts_caseworker_is_forbidden(world: World) -> None:
    haizhu_resident = world.resident(born_aged(70))

    error = refused(world, lambda: world.meals.enrol_elder(c.EnrolElder(haizhu_resident, "ORDINARY"),
                                                           ctx(CASEWORKER_ZHANG)), ForbiddenError)

    assert error.code == "FORBIDDEN"


def test_residents_under_60_are_not_enrolled(world: World) -> None:
    young = world.resident(born_aged(59))

    refused(world, lambda: world.meals.enrol_elder(c.EnrolElder(young, "ORDINARY"), ctx(CASEWORKER_LI)),
            ElderTooYoungError)


def test_only_the_canteens_own_staff_record_its_meals(world: World) -> None:
    canteen, other = world.canteen(), world.canteen("HAIZHU", "素社街", name="素社街长者饭堂")
    elder = world.elder(born_aged(70))
    run = world.run(canteen, world.batch(canteen))

    refused(world, lambda: world.meals.record_meals(c.RecordMeals(canteen.id, WEDNESDAY, (
        c.MealLine(elder, "LUNCH", "EAT_IN", (run,)),)), ctx(other.staff)), NotCanteenStaffError)
    refused(world, lambda: world.meals.record_meals(c.RecordMeals(canteen.id, WEDNESDAY, (
        c.MealLine(elder, "LUNCH", "EAT_IN", (run,)),)), ctx(CASEWORKER_LI)), NotCanteenStaffError)


def test_only_admins_edit_the_rule_table(world: World) -> None:
    rows = tuple(c.CategoryShares(r.category.value, "0", "3", "3", "3", "0", "3", "ELDER") for r in GUANGZHOU_2020)

    refused(world, lambda: world.meals.publish_meal_rule(c.PublishMealRule(date(2027, 1, 1), "12", rows, "x"),
                                                         ctx(SUPERVISOR_CHEN)), ForbiddenError)


def test_a_delivery_point_supplied_from_another_districts_kitchen_needs_a_right_over_both(world: World) -> None:
    tianhe_kitchen = world.canteen("TIANHE", "石牌街", name="石牌街长者饭堂")
    point = c.RegisterCanteen("红卫社区助餐点", "DELIVERY_POINT", "GOVERNMENT_RUN", "江海街道办事处", "HAIZHU", "江海街",
                              20, (1, 2, 3, 4, 5), "HAIZHU-HONGWEI-POINT", kitchen_id=tianhe_kitchen.id)

    refused(world, lambda: world.meals.register_canteen(point, ctx(SUPERVISOR_CHEN)),
            MealAdministrationForbiddenError)
    recorded = world.meals.register_canteen(point, ctx(ADMIN_WANG))

    assert world.meals.get_canteen(recorded.stream_id).kitchen == tianhe_kitchen.id
