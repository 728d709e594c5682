"""A canteen's meal sheet for one day: every meal served there that day, each with its price split."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.meals.errors import (
    MealAlreadyServedError,
    MealAlreadyVoidedError,
    MealDayAlreadyClosedError,
    MealDayClosedError,
    MealNotFoundError,
)
from civicledger.domains.meals.shares import Shares
from civicledger.domains.meals.values import Locality, ServiceMode, Sitting, SubsidyCategory


def meal_day_id(canteen_id: UUID, served_on: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"civicledger:meals:day:{canteen_id}:{served_on.isoformat()}")


@dataclass(frozen=True)
class ServedMeal:
    """One meal as served: to whom, how, from which production runs, and how its price was split (the receipt:
    the elder paid their share at the counter)."""

    meal_id: UUID
    resident_id: UUID
    sitting: Sitting
    mode: ServiceMode
    run_ids: tuple[UUID, ...]
    category: SubsidyCategory
    locality: Locality
    rule_revision: int
    price: Decimal
    shares: Shares


@dataclass(frozen=True)
class MealOrder:
    """A meal to record, already priced by the service (everything but its id)."""

    resident_id: UUID
    sitting: Sitting
    mode: ServiceMode
    run_ids: tuple[UUID, ...]
    category: SubsidyCategory
    locality: Locality
    rule_revision: int
    price: Decimal
    shares: Shares


@dataclass(frozen=True)
class ElderDay:
    """An elder's meals of the day at this canteen, as the sheet was closed."""

    resident_id: UUID
    meals: int
    eat_in: int
    delivered: int


class MealDay(CivicAggregate):
    """At most one live meal per elder and sitting. Once closed (by the canteen at the end of the day, or by
    the month's settlement), meals are added only as late entries with a correction reason; meals are never
    removed, only voided (with a reason). One stream per canteen and day (`meal_day_id`)."""

    class Opened(CivicAggregate.Created):
        canteen_id: UUID
        canteen_name: str
        kitchen_id: UUID
        served_on: date
        district: str
        street: str

    class MealsServed(CivicAggregate.Event):
        canteen_id: UUID
        served_on: date
        meals: tuple[ServedMeal, ...]
        late_reason: str | None

    class MealVoided(CivicAggregate.Event):
        served_on: date
        meal_id: UUID
        resident_id: UUID
        after_close: bool

    class Closed(CivicAggregate.Event):
        served_on: date
        canteen_name: str
        elders: tuple[ElderDay, ...]

    @staticmethod
    def create_id(canteen_id: UUID, served_on: date) -> UUID:
        return meal_day_id(canteen_id, served_on)

    @event(Opened)
    def __init__(self, canteen_id: UUID, canteen_name: str, kitchen_id: UUID, served_on: date, district: str,
                 street: str) -> None:
        self.canteen_id = canteen_id
        self.canteen_name = canteen_name
        self.kitchen_id = kitchen_id
        self.served_on = served_on
        self.district = district
        self.street = street
        self.meals: dict[UUID, ServedMeal] = {}
        self.voided: set[UUID] = set()
        self.closed = False

    def live_meals(self) -> list[ServedMeal]:
        return [m for m in self.meals.values() if m.meal_id not in self.voided]

    def serve(self, orders: Iterable[MealOrder], late_reason: str | None) -> tuple[ServedMeal, ...]:
        if self.closed and not late_reason:
            raise MealDayClosedError(self.served_on)
        taken = {(m.resident_id, m.sitting) for m in self.live_meals()}
        tries = Counter((m.resident_id, m.sitting) for m in self.meals.values())
        served = []
        for order in orders:
            key = (order.resident_id, order.sitting)
            if key in taken:
                raise MealAlreadyServedError(order.resident_id, order.sitting.value, self.served_on)
            taken.add(key)
            meal_id = uuid5(self.id, f"{order.resident_id}:{order.sitting.value}:{tries[key]}")
            tries[key] += 1
            served.append(ServedMeal(meal_id, order.resident_id, order.sitting, order.mode, order.run_ids,
                                     order.category, order.locality, order.rule_revision, order.price,
                                     order.shares))
        meals = tuple(served)
        self._meals_served(canteen_id=self.canteen_id, served_on=self.served_on, meals=meals,
                           late_reason=late_reason if self.closed else None)
        return meals

    @event(MealsServed)
    def _meals_served(self, canteen_id: UUID, served_on: date, meals: tuple[ServedMeal, ...],
                      late_reason: str | None) -> None:
        for meal in meals:
            self.meals[meal.meal_id] = meal

    def void(self, meal_id: UUID) -> None:
        meal = self.meals.get(meal_id)
        if meal is None:
            raise MealNotFoundError(meal_id)
        if meal_id in self.voided:
            raise MealAlreadyVoidedError(meal_id)
        self._meal_voided(served_on=self.served_on, meal_id=meal_id, resident_id=meal.resident_id,
                          after_close=self.closed)

    @event(MealVoided)
    def _meal_voided(self, served_on: date, meal_id: UUID, resident_id: UUID, after_close: bool) -> None:
        self.voided.add(meal_id)

    def close(self) -> None:
        if self.closed:
            raise MealDayAlreadyClosedError(self.served_on)
        days: dict[UUID, list[ServedMeal]] = {}
        for meal in self.live_meals():
            days.setdefault(meal.resident_id, []).append(meal)
        elders = tuple(ElderDay(resident, len(meals), sum(m.mode is ServiceMode.EAT_IN for m in meals),
                                sum(m.mode is ServiceMode.DELIVERED for m in meals))
                       for resident, meals in days.items())
        self._closed(served_on=self.served_on, canteen_name=self.canteen_name, elders=elders)

    @event(Closed)
    def _closed(self, served_on: date, canteen_name: str, elders: tuple[ElderDay, ...]) -> None:
        self.closed = True
