"""Meals: a canteen's staff record the meals they served (each priced by the rule in force that day), void a
meal recorded in error, and close the day's sheet."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from uuid import UUID

from civicledger.core import text
from civicledger.core.access import SUPERVISOR
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.errors import ConflictError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.canteen import Canteen
from civicledger.domains.meals.enrolment import MealEnrolment, enrolment_id
from civicledger.domains.meals.errors import (
    ElderNotEnrolledError,
    MealNotFoundError,
    MealRuleNotInForceError,
    MealValueInvalidError,
    ProductionRunDateMismatchError,
    ProductionRunNotFoundError,
    ProductionRunNotServedHereError,
)
from civicledger.domains.meals.meal_day import MealDay, MealOrder, meal_day_id
from civicledger.domains.meals.rule_table import RuleRevision
from civicledger.domains.meals.rules import MAX_MEALS_PER_SHEET, MAX_RUNS_PER_MEAL, parse_enum
from civicledger.domains.meals.service_base import MealServiceBase
from civicledger.domains.meals.shares import locality, split
from civicledger.domains.meals.traceability import ProductionRun, SupplierBatch
from civicledger.domains.meals.values import ServiceMode, Sitting

ATTEMPTS = 8  # a day's sheet is one stream: staff recording at the same moment retry on a fresh copy


class MealHandlers(MealServiceBase):
    def _day(self, canteen: Canteen, served_on: date) -> MealDay:
        return self._find(MealDay, meal_day_id(canteen.id, served_on), label="meal day") or MealDay(
            canteen_id=canteen.id, canteen_name=canteen.name, kitchen_id=canteen.kitchen, served_on=served_on,
            district=canteen.district, street=canteen.street)

    def _retrying(self, attempt: Callable[[], Recorded]) -> Recorded:
        for n in range(1, ATTEMPTS + 1):
            try:
                return attempt()
            except ConflictError:
                if n == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @handles
    def record_meals(self, cmd: c.RecordMeals, ctx: CommandContext) -> Recorded:
        """Every meal is checked and priced before any is recorded: one bad line records none."""
        canteen = self.get_canteen(cmd.canteen_id)
        self._staff_of(canteen, ctx)
        served_on = _served_on(cmd.served_on)
        late = text.optional_free_text(cmd.correction_reason, "correctionReason", max_length=text.SHORT_TEXT_MAX)
        lines = _lines(cmd.meals)
        canteen.check_serves_on(served_on)
        table = self.rule_table()
        if table is None:
            raise MealRuleNotInForceError(served_on)
        revision = table.require(served_on)
        self._check_runs(canteen, served_on, {r for line in lines for r in line[3]})
        enrolments = self._get_many(MealEnrolment, (enrolment_id(line[0]) for line in lines))
        by_resident = {e.resident_id: e for e in enrolments.values()}
        for resident_id, *_ in lines:
            if resident_id not in by_resident:
                raise ElderNotEnrolledError(resident_id)
        orders = [self._order(by_resident[resident_id], canteen, revision, served_on, sitting, mode, runs)
                  for resident_id, sitting, mode, runs in lines]

        def attempt() -> Recorded:
            day = self._day(canteen, served_on)
            day.serve(orders, late)
            return self._save(day, ctx=ctx, command=cmd)

        return self._retrying(attempt)

    @staticmethod
    def _order(enrolment: MealEnrolment, canteen: Canteen, revision: RuleRevision, served_on: date,
               sitting: Sitting, mode: ServiceMode, runs: tuple[UUID, ...]) -> MealOrder:
        category = enrolment.category_on(revision, served_on)
        where = locality(enrolment.district, enrolment.street, canteen.district, canteen.street)
        return MealOrder(enrolment.resident_id, sitting, mode, runs, category, where, revision.revision,
                         revision.price, split(revision.rule_for(category), where))

    def _check_runs(self, canteen: Canteen, served_on: date, run_ids: Iterable[UUID]) -> None:
        """Runs cooked that day by the kitchen that supplies this canteen, from no batch recalled by then."""
        wanted = sorted(run_ids)
        runs = self._get_many(ProductionRun, wanted)
        for run_id in wanted:
            run = runs.get(run_id)
            if run is None:
                raise ProductionRunNotFoundError(run_id)
            if run.canteen_id != canteen.kitchen:
                raise ProductionRunNotServedHereError(run_id, canteen.id)
            if run.cooked_on != served_on:
                raise ProductionRunDateMismatchError(run_id, run.cooked_on, served_on)
        for batch in self._get_many(SupplierBatch, {b for run in runs.values() for b in run.batch_ids}).values():
            batch.check_not_recalled(served_on)

    @handles
    def void_meal(self, cmd: c.VoidMeal, ctx: CommandContext) -> Recorded:
        """By the canteen's staff or a supervisor of its district, with a reason."""
        reason = ctx.require_reason()
        canteen = self.get_canteen(cmd.canteen_id)
        if not (ctx.actor.role == SUPERVISOR and ctx.actor.district == canteen.district):
            self._staff_of(canteen, ctx)

        def attempt() -> Recorded:
            day = self._find(MealDay, meal_day_id(canteen.id, cmd.served_on), label="meal day")
            if day is None:
                raise MealNotFoundError(cmd.meal_id)
            day.void(cmd.meal_id)
            return self._save(day, ctx=ctx.with_reason(reason), command=cmd)

        return self._retrying(attempt)

    @handles
    def close_meal_day(self, cmd: c.CloseMealDay, ctx: CommandContext) -> Recorded:
        canteen = self.get_canteen(cmd.canteen_id)
        self._staff_of(canteen, ctx)
        served_on = _served_on(cmd.served_on)

        def attempt() -> Recorded:
            day = self._day(canteen, served_on)
            day.close()
            return self._save(day, ctx=ctx, command=cmd)

        return self._retrying(attempt)


def _served_on(day: date) -> date:
    if day > business_date():
        raise MealValueInvalidError("servedOn", "meals are recorded on or after the day they are served")
    return day


def _lines(meals: Iterable[c.MealLine]) -> list[tuple[UUID, Sitting, ServiceMode, tuple[UUID, ...]]]:
    lines = []
    for meal in meals:
        runs = tuple(dict.fromkeys(meal.run_ids))
        if not 1 <= len(runs) <= MAX_RUNS_PER_MEAL:
            raise MealValueInvalidError("runIds", f"each meal names 1 to {MAX_RUNS_PER_MEAL} production runs")
        lines.append((meal.resident_id, parse_enum(Sitting, meal.sitting, "sitting"),
                      parse_enum(ServiceMode, meal.mode, "mode"), runs))
        if len(lines) > MAX_MEALS_PER_SHEET:
            raise MealValueInvalidError("meals", f"at most {MAX_MEALS_PER_SHEET} meals at a time")
    if not lines:
        raise MealValueInvalidError("meals", "record at least one meal")
    return lines
