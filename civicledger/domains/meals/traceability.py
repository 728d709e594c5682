"""Food-safety traceability: a supplier's batch received by a kitchen, and the kitchen's production runs that
cooked from batches. Meals name the runs they came from (`meal_day.ServedMeal.run_ids`), so a batch leads to
every elder who ate from it, and a meal back to its suppliers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.meals.errors import (
    SupplierBatchAlreadyRecalledError,
    SupplierBatchExpiredError,
    SupplierBatchNotInKitchenError,
    SupplierBatchNotYetReceivedError,
    SupplierBatchRecalledError,
)
from civicledger.domains.meals.values import Unit


class SupplierBatch(CivicAggregate):
    """A delivery of one product from one supplier to one kitchen. It may be cooked from between its
    reception and its expiry, by that kitchen, until it is recalled; a recall is made once, and each canteen
    that cooked from it or served from those runs is notified once."""

    class Received(CivicAggregate.Created):
        canteen_id: UUID
        district: str
        supplier: str
        supplier_licence: str | None
        product: str
        quantity: Decimal
        unit: Unit
        received_on: date
        expires_on: date

    class Recalled(CivicAggregate.Event):
        hazard: str
        recalled_on: date

    class CanteenNotified(CivicAggregate.Event):
        canteen_id: UUID
        notified_on: date

    @event(Received)
    def __init__(self, canteen_id: UUID, district: str, supplier: str, supplier_licence: str | None, product: str,
                 quantity: Decimal, unit: Unit, received_on: date, expires_on: date) -> None:
        self.canteen_id = canteen_id
        self.district = district
        self.supplier = supplier
        self.supplier_licence = supplier_licence
        self.product = product
        self.quantity = quantity
        self.unit = unit
        self.received_on = received_on
        self.expires_on = expires_on
        self.recalled_on: date | None = None
        self.notified: set[UUID] = set()

    def check_usable(self, kitchen_id: UUID, on: date) -> None:
        """May `kitchen_id` cook from this batch on `on`?"""
        if self.canteen_id != kitchen_id:
            raise SupplierBatchNotInKitchenError(self.id, kitchen_id)
        if on < self.received_on:
            raise SupplierBatchNotYetReceivedError(self.id, self.received_on)
        if self.expires_on < on:
            raise SupplierBatchExpiredError(self.id, self.expires_on, on)
        self.check_not_recalled(on)

    def check_not_recalled(self, on: date) -> None:
        """Food from a recalled batch is not served on or after the day of the recall."""
        if self.recalled_on is not None and self.recalled_on <= on:
            raise SupplierBatchRecalledError(self.id, self.recalled_on)

    def recall(self, hazard: str, on: date) -> None:
        if self.recalled_on is not None:
            raise SupplierBatchAlreadyRecalledError(self.id)
        self._recalled(hazard=hazard, recalled_on=on)

    @event(Recalled)
    def _recalled(self, hazard: str, recalled_on: date) -> None:
        self.recalled_on = recalled_on

    def notify(self, canteen_id: UUID, on: date) -> bool:
        """Notify a canteen of the recall; False (nothing recorded) when it already was."""
        if canteen_id in self.notified:
            return False
        self._canteen_notified(canteen_id=canteen_id, notified_on=on)
        return True

    @event(CanteenNotified)
    def _canteen_notified(self, canteen_id: UUID, notified_on: date) -> None:
        self.notified.add(canteen_id)


class ProductionRun(CivicAggregate):
    """A dish cooked in one kitchen on one day from supplier batches that were usable that day (checked by the
    service against each batch). Never changed once recorded."""

    class Cooked(CivicAggregate.Created):
        canteen_id: UUID
        district: str
        cooked_on: date
        dish: str
        portions: int
        batch_ids: tuple[UUID, ...]

    @event(Cooked)
    def __init__(self, canteen_id: UUID, district: str, cooked_on: date, dish: str, portions: int,
                 batch_ids: tuple[UUID, ...]) -> None:
        self.canteen_id = canteen_id
        self.district = district
        self.cooked_on = cooked_on
        self.dish = dish
        self.portions = portions
        self.batch_ids = tuple(batch_ids)
