"""Traceability: a kitchen receives supplier batches and cooks production runs from them; a batch is recalled
by an admin or a supervisor of its district, and the canteens concerned are notified (by the recall process,
`processes/meals_recall.py`, which knows from the log which canteens cooked or served from the batch)."""

from __future__ import annotations

from datetime import date

from civicledger.core import text
from civicledger.core.access import ADMIN, require_role
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.errors import InvalidInputError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.core.money import yuan
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.errors import MealValueInvalidError, SupplierBatchNotRecalledError
from civicledger.domains.meals.rules import MAX_BATCHES_PER_RUN, MAX_PORTIONS, bounded_int, parse_enum
from civicledger.domains.meals.service_base import MealServiceBase
from civicledger.domains.meals.traceability import ProductionRun, SupplierBatch
from civicledger.domains.meals.values import Unit

PRODUCT_MAX = 120


class TraceHandlers(MealServiceBase):
    @handles
    def receive_supplier_batch(self, cmd: c.ReceiveSupplierBatch, ctx: CommandContext) -> Recorded:
        canteen = self.get_canteen(cmd.canteen_id)
        self._staff_of(canteen, ctx)
        canteen.check_cooks()
        received_on = _not_future(cmd.received_on, "receivedOn")
        if cmd.expires_on < received_on:
            raise MealValueInvalidError("expiresOn", "a batch cannot expire before it is received")
        try:
            quantity = yuan(cmd.quantity, field="quantity")
        except InvalidInputError as exc:
            raise MealValueInvalidError("quantity", exc.message) from None
        if quantity <= 0:
            raise MealValueInvalidError("quantity", "must be more than 0")
        batch = SupplierBatch(
            canteen_id=canteen.id, district=canteen.district, supplier=text.organisation_name(cmd.supplier, "supplier"),
            supplier_licence=text.optional_line(cmd.supplier_licence, "supplierLicence",
                                                max_length=text.IDENTIFIER_MAX),
            product=text.line(cmd.product, "product", max_length=PRODUCT_MAX), quantity=quantity,
            unit=parse_enum(Unit, cmd.unit, "unit"), received_on=received_on, expires_on=cmd.expires_on)
        return self._save(batch, ctx=ctx, command=cmd)

    @handles
    def record_production_run(self, cmd: c.RecordProductionRun, ctx: CommandContext) -> Recorded:
        """Every batch must be this kitchen's, received by then, unexpired and not recalled on the day."""
        canteen = self.get_canteen(cmd.canteen_id)
        self._staff_of(canteen, ctx)
        canteen.check_cooks()
        cooked_on = _not_future(cmd.cooked_on, "cookedOn")
        batch_ids = tuple(dict.fromkeys(cmd.batch_ids))
        if not 1 <= len(batch_ids) <= MAX_BATCHES_PER_RUN:
            raise MealValueInvalidError("batchIds", f"a run cooks from 1 to {MAX_BATCHES_PER_RUN} supplier batches")
        for batch_id in batch_ids:
            self.get_batch(batch_id).check_usable(canteen.id, cooked_on)
        run = ProductionRun(canteen_id=canteen.id, district=canteen.district, cooked_on=cooked_on,
                            dish=text.line(cmd.dish, "dish", max_length=PRODUCT_MAX),
                            portions=bounded_int(cmd.portions, "portions", 1, MAX_PORTIONS), batch_ids=batch_ids)
        return self._save(run, ctx=ctx, command=cmd)

    @handles
    def recall_supplier_batch(self, cmd: c.RecallSupplierBatch, ctx: CommandContext) -> Recorded:
        """Admins, or supervisors of the batch's district, with the hazard and a reason."""
        reason = ctx.require_reason()
        hazard = text.free_text(cmd.hazard, "hazard", max_length=text.SHORT_TEXT_MAX)
        batch = self.get_batch(cmd.batch_id)
        self._administrator(ctx, batch.district)
        batch.recall(hazard, business_date())
        return self._save(batch, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def notify_canteen_of_recall(self, cmd: c.NotifyCanteenOfRecall, ctx: CommandContext) -> Recorded:
        """Sent by the recall process (admins may too); a canteen already notified is not notified again."""
        require_role(ctx.actor, ADMIN)
        batch = self.get_batch(cmd.batch_id)
        if batch.recalled_on is None:
            raise SupplierBatchNotRecalledError(batch.id)
        canteen = self.get_canteen(cmd.canteen_id)
        if not batch.notify(canteen.id, business_date()):
            return self._unchanged(batch.id, batch.version)
        return self._save(batch, ctx=ctx, command=cmd)


def _not_future(day: date, field: str) -> date:
    if day > business_date():
        raise MealValueInvalidError(field, "must not be in the future")
    return day
