"""What every meal command handler shares: the wiring, the loads, and the checks of who may act.

Who may act is a rule of this program, decided here on the write model (`core/access.py` for districts):
- a canteen's daily work (meals, its sheet, batches received, production runs) — its own staff: the
  principals whose token names its office (and the system's processes);
- canteens — admins, or supervisors of the canteen's district (and of its kitchen's, for a delivery point);
- enrolment — caseworkers and supervisors of the elder's home district;
- the rule table — admins; a recall — admins or supervisors of the batch's district."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from civicledger.core.access import ADMIN, SUPERVISOR, SYSTEM, may_act_in
from civicledger.core.clock import Clock
from civicledger.core.errors import NotFoundError
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.meals.canteen import Canteen
from civicledger.domains.meals.enrolment import MealEnrolment, enrolment_id
from civicledger.domains.meals.errors import (
    ElderNotEnrolledError,
    MealAdministrationForbiddenError,
    ProductionRunNotFoundError,
    SupplierBatchNotFoundError,
)
from civicledger.domains.meals.meal_day import MealDay, meal_day_id
from civicledger.domains.meals.ports import ResidentLookup
from civicledger.domains.meals.rule_table import RULE_TABLE_ID, MealRuleTable
from civicledger.domains.meals.traceability import ProductionRun, SupplierBatch


class MealServiceBase(CivicApplication):
    program = "meals"

    def __init__(self, ledger: Ledger, *, residents: ResidentLookup, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    # -- reads (write-model truth) ------------------------------------------------------------------------

    def get_canteen(self, canteen_id: UUID, expected_version: int | None = None) -> Canteen:
        return self._get(Canteen, canteen_id, expected_version=expected_version, label="canteen")

    def find_enrolment(self, resident_id: UUID, expected_version: int | None = None) -> MealEnrolment | None:
        return self._find(MealEnrolment, enrolment_id(resident_id), expected_version=expected_version)

    def get_enrolment(self, resident_id: UUID, expected_version: int | None = None) -> MealEnrolment:
        enrolment = self.find_enrolment(resident_id, expected_version)
        if enrolment is None:
            raise ElderNotEnrolledError(resident_id)
        return enrolment

    def get_batch(self, batch_id: UUID) -> SupplierBatch:
        try:
            return self._get(SupplierBatch, batch_id, label="supplier batch")
        except NotFoundError:
            raise SupplierBatchNotFoundError(batch_id) from None

    def get_run(self, run_id: UUID) -> ProductionRun:
        try:
            return self._get(ProductionRun, run_id, label="production run")
        except NotFoundError:
            raise ProductionRunNotFoundError(run_id) from None

    def get_meal_day(self, canteen_id: UUID, served_on: date) -> MealDay | None:
        return self._find(MealDay, meal_day_id(canteen_id, served_on), label="meal day")

    def rule_table(self, expected_version: int | None = None) -> MealRuleTable | None:
        return self._find(MealRuleTable, RULE_TABLE_ID, expected_version=expected_version, label="meal rule table")

    # -- who may act --------------------------------------------------------------------------------------

    @staticmethod
    def _staff_of(canteen: Canteen, ctx: CommandContext) -> None:
        """The canteen's own staff (in its district), or the system's processes."""
        if ctx.actor.role == SYSTEM:
            return
        canteen.check_staff(ctx.actor.id, ctx.actor.office)
        may_act_in(ctx.actor, canteen.district)

    @staticmethod
    def _administrator(ctx: CommandContext, *districts: str) -> None:
        role = ctx.actor.role
        if role in (ADMIN, SYSTEM):
            return
        if role == SUPERVISOR and all(d == ctx.actor.district for d in districts):
            return
        raise MealAdministrationForbiddenError(role, next((d for d in districts if d != ctx.actor.district), None))

    @staticmethod
    def _unchanged(stream_id: UUID, version: int) -> Recorded:
        return Recorded(stream_id=stream_id, version=version, positions=(), streams=((stream_id, version),))
