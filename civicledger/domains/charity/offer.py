"""A donor's offer: money, goods or services, with the conditions the donor set."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.charity.errors import CharityMatchOutsideConditionsError, CharityQuantityExceededError
from civicledger.domains.charity.values import NeedCategory, SupportKind

ZERO = Decimal("0")


class CharityOffer(CivicAggregate):
    """Goes only to needs within its conditions (its kind; its categories and districts, when it names any),
    and never allocates more than it holds."""

    class Registered(CivicAggregate.Created):
        donor_name: str
        kind: SupportKind
        quantity: Decimal
        description: str
        categories: tuple[NeedCategory, ...]
        districts: tuple[str, ...]
        registered_by: str

    class Allocated(CivicAggregate.Event):
        match_id: UUID
        quantity: Decimal

    class Released(CivicAggregate.Event):
        match_id: UUID
        quantity: Decimal

    @event(Registered)
    def __init__(self, donor_name: str, kind: SupportKind, quantity: Decimal, description: str,
                 categories: tuple[NeedCategory, ...], districts: tuple[str, ...], registered_by: str) -> None:
        self.donor_name = donor_name
        self.kind = kind
        self.quantity = quantity
        self.description = description
        self.categories = tuple(categories)
        self.districts = tuple(districts)
        self.registered_by = registered_by
        self.allocated = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.allocated

    def check_fits(self, kind: SupportKind, category: NeedCategory, district: str, quantity: Decimal) -> None:
        if kind is not self.kind:
            raise CharityMatchOutsideConditionsError(self.id, "kind", kind.value, self.kind.value)
        if self.categories and category not in self.categories:
            raise CharityMatchOutsideConditionsError(self.id, "category", category.value,
                                                     [c.value for c in self.categories])
        if self.districts and district not in self.districts:
            raise CharityMatchOutsideConditionsError(self.id, "district", district, list(self.districts))
        if quantity > self.remaining:
            raise CharityQuantityExceededError("offer", quantity, self.remaining)

    def allocate(self, match_id: UUID, quantity: Decimal) -> None:
        if quantity > self.remaining:
            raise CharityQuantityExceededError("offer", quantity, self.remaining)
        self._allocated(match_id=match_id, quantity=quantity)

    @event(Allocated)
    def _allocated(self, match_id: UUID, quantity: Decimal) -> None:
        self.allocated += quantity

    def release(self, match_id: UUID, quantity: Decimal) -> None:
        self._released(match_id=match_id, quantity=quantity)

    @event(Released)
    def _released(self, match_id: UUID, quantity: Decimal) -> None:
        self.allocated -= quantity
