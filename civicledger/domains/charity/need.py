"""A resident's need, published anonymously for donors with the resident's consent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.charity.errors import CharityQuantityExceededError, CharityStatusError
from civicledger.domains.charity.values import (
    ConfirmationMethod,
    ConsentBasis,
    NeedCategory,
    NeedSource,
    NeedStatus,
    SupportKind,
)

ZERO = Decimal("0")


def need_id(source: NeedSource, source_id: UUID) -> UUID:
    """One published need per source case, for good."""
    return uuid5(NAMESPACE_URL, f"civicledger:charity:need:{source.value}:{source_id}")


class CharityNeed(CivicAggregate):
    """Published only with consent. What donors see is its category, kind, quantity, district and anonymous
    summary — never the resident. Accepted matches never commit more than the quantity needed; it is MET once
    fulfilled in full; a withdrawn need takes no new match."""

    class Published(CivicAggregate.Created):
        resident_id: UUID
        source: NeedSource
        source_id: UUID
        district: str
        category: NeedCategory
        kind: SupportKind
        quantity: Decimal
        summary: str
        needed_by: date | None
        consent_basis: ConsentBasis
        consent_method: ConfirmationMethod | None
        consent_reference: str | None

    class Committed(CivicAggregate.Event):
        match_id: UUID
        quantity: Decimal

    class Released(CivicAggregate.Event):
        match_id: UUID
        quantity: Decimal

    class Fulfilled(CivicAggregate.Event):
        resident_id: UUID
        match_id: UUID
        quantity: Decimal
        met: bool

    class Withdrawn(CivicAggregate.Event):
        resident_id: UUID

    @staticmethod
    def create_id(source: NeedSource, source_id: UUID) -> UUID:
        return need_id(source, source_id)

    @event(Published)
    def __init__(self, resident_id: UUID, source: NeedSource, source_id: UUID, district: str, category: NeedCategory,
                 kind: SupportKind, quantity: Decimal, summary: str, needed_by: date | None,
                 consent_basis: ConsentBasis, consent_method: ConfirmationMethod | None,
                 consent_reference: str | None) -> None:
        self.resident_id = resident_id
        self.source = source
        self.district = district
        self.category = category
        self.kind = kind
        self.quantity = quantity
        self.summary = summary
        self.status = NeedStatus.OPEN
        self.committed = ZERO
        self.fulfilled = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.quantity - self.committed

    def check_open(self, action: str) -> None:
        if self.status is not NeedStatus.OPEN:
            raise CharityStatusError("need", self.id, self.status.value, action)

    def commit(self, match_id: UUID, quantity: Decimal) -> None:
        self.check_open("take a match")
        if quantity > self.outstanding:
            raise CharityQuantityExceededError("need", quantity, self.outstanding)
        self._committed(match_id=match_id, quantity=quantity)

    @event(Committed)
    def _committed(self, match_id: UUID, quantity: Decimal) -> None:
        self.committed += quantity

    def release(self, match_id: UUID, quantity: Decimal) -> None:
        self._released(match_id=match_id, quantity=quantity)

    @event(Released)
    def _released(self, match_id: UUID, quantity: Decimal) -> None:
        self.committed -= quantity

    def fulfil(self, match_id: UUID, quantity: Decimal) -> None:
        self._fulfilled(resident_id=self.resident_id, match_id=match_id, quantity=quantity,
                        met=self.fulfilled + quantity >= self.quantity)

    @event(Fulfilled)
    def _fulfilled(self, resident_id: UUID, match_id: UUID, quantity: Decimal, met: bool) -> None:
        self.fulfilled += quantity
        if met:
            self.status = NeedStatus.MET

    def withdraw(self) -> None:
        self.check_open("be withdrawn")
        self._withdrawn(resident_id=self.resident_id)

    @event(Withdrawn)
    def _withdrawn(self, resident_id: UUID) -> None:
        self.status = NeedStatus.WITHDRAWN
