"""Monthly settlement: each canteen's month paid once per payer, however often it runs."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

from civicledger.core.access import ADMIN, SUPERVISOR, may_act_in, require_role
from civicledger.core.clock import business_date, using_clock
from civicledger.core.commands import handles
from civicledger.core.errors import ConflictError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.errors import SettlementMonthNotOverError
from civicledger.domains.meals.meal_day import MealDay, meal_day_id
from civicledger.domains.meals.service_base import MealServiceBase
from civicledger.domains.meals.settlement import CanteenSettlement, amounts_due, settlement_id


@dataclass(frozen=True)
class SettlementRun:
    month: date
    settled: int
    unchanged: int
    positions: tuple[int, ...]


def month_of(day: date) -> date:
    return day.replace(day=1)


def days_of(month: date) -> list[date]:
    return [month + timedelta(days=n) for n in range(calendar.monthrange(month.year, month.month)[1])]


class SettlementHandlers(MealServiceBase):
    def _month(self, month: date) -> date:
        month, today = month_of(month), business_date()
        if month >= month_of(today):
            raise SettlementMonthNotOverError(month, today)
        return month

    @handles
    def settle_canteen_month(self, cmd: c.SettleCanteenMonth, ctx: CommandContext) -> Recorded:
        """Close the month's open sheets, then pay each payer what is due and not yet paid — in one transaction.
        Admins, or supervisors of the canteen's district."""
        month = self._month(cmd.month)
        canteen = self.get_canteen(cmd.canteen_id)
        self._administrator(ctx, canteen.district)
        days = sorted(self._get_many(MealDay, (meal_day_id(canteen.id, day) for day in days_of(month))).values(),
                      key=lambda d: d.served_on)
        for day in days:
            if not day.closed:
                day.close()
        meals = [m for day in days for m in day.live_meals()]
        settlement = self._find(CanteenSettlement, settlement_id(canteen.id, month), label="settlement") or \
            CanteenSettlement(canteen_id=canteen.id, canteen_name=canteen.name, month=month,
                              district=canteen.district, street=canteen.street)
        settlement.settle(amounts_due(meals, canteen.district, canteen.street, canteen.charity_fund), len(meals))
        changed = [a for a in (settlement, *days) if a.pending_events]
        if not changed:
            return self._unchanged(settlement.id, settlement.version)
        return self._save(settlement, *(d for d in days if d.pending_events), ctx=ctx, command=cmd)

    @handles(batch=True)
    def settle_meal_month(self, cmd: c.SettleMealMonth, ctx: CommandContext) -> SettlementRun:
        """Each canteen's month in its own transaction (a crash part-way resumes), each keyed by the run's
        idempotency key and the canteen, so running it again pays nobody twice."""
        require_role(ctx.actor, SUPERVISOR, ADMIN)
        may_act_in(ctx.actor, cmd.district)
        with using_clock(self.clock):
            month = self._month(cmd.month)
        settled, unchanged, positions = 0, 0, list[int]()
        for canteen_id in cmd.canteen_ids:
            one = c.SettleCanteenMonth(canteen_id=canteen_id, month=month)
            one_ctx = replace(ctx, idempotency_key=f"{ctx.idempotency_key}:{canteen_id}") \
                if ctx.idempotency_key else ctx
            for attempt in range(3):
                try:
                    recorded = self.settle_canteen_month(one, one_ctx)
                    break
                except ConflictError:
                    if attempt == 2:
                        raise
            if recorded.positions and not recorded.replayed:
                settled += 1
                positions.extend(recorded.positions)
            else:
                unchanged += 1
        return SettlementRun(month, settled, unchanged, tuple(positions))
