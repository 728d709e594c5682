"""A joint fundraising campaign (联合劝募): partners raise money together; donors pledge, receipts record what
was paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.charity.errors import (
    CharityQuantityExceededError,
    CharityStatusError,
    CharityValueInvalidError,
)
from civicledger.domains.charity.values import NeedCategory

ZERO = Decimal("0.00")
MAX_RECEIPTS_PER_PLEDGE = 50


class CharityCampaign(CivicAggregate):
    """Takes pledges only while open and within its dates; a receipt pays at most what its pledge has still
    to pay, and each receipt number is used once in the campaign. A closed campaign takes no pledge, but
    receipts of earlier pledges are still recorded."""

    class Launched(CivicAggregate.Created):
        title: str
        partners: tuple[str, ...]
        category: NeedCategory
        target: Decimal
        opens_on: date
        closes_on: date
        launched_by: str

    class Pledged(CivicAggregate.Event):
        pledge_id: UUID
        donor_name: str
        amount: Decimal

    class Receipted(CivicAggregate.Event):
        pledge_id: UUID
        receipt_number: str
        amount: Decimal

    class Closed(CivicAggregate.Event):
        closed_on: date

    @event(Launched)
    def __init__(self, title: str, partners: tuple[str, ...], category: NeedCategory, target: Decimal,
                 opens_on: date, closes_on: date, launched_by: str) -> None:
        self.title = title
        self.launched_by = launched_by
        self.target = target
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.open = True
        self.pledges: dict[UUID, Decimal] = {}
        self.paid: dict[UUID, Decimal] = {}
        self.receipts: set[str] = set()
        self.instalments: dict[UUID, int] = {}

    def pledge(self, pledge_id: UUID, donor_name: str, amount: Decimal, today: date) -> None:
        if not self.open or not self.opens_on <= today <= self.closes_on:
            raise CharityStatusError("campaign", self.id, "CLOSED" if not self.open else "outside its dates",
                                     "take a pledge")
        self._pledged(pledge_id=pledge_id, donor_name=donor_name, amount=amount)

    @event(Pledged)
    def _pledged(self, pledge_id: UUID, donor_name: str, amount: Decimal) -> None:
        self.pledges[pledge_id] = amount
        self.paid[pledge_id] = ZERO

    def receipt(self, pledge_id: UUID, receipt_number: str, amount: Decimal) -> None:
        if pledge_id not in self.pledges:
            raise CharityValueInvalidError("pledgeId", "not a pledge of this campaign", pledgeId=str(pledge_id))
        if self.instalments.get(pledge_id, 0) >= MAX_RECEIPTS_PER_PLEDGE:
            raise CharityValueInvalidError("pledgeId", f"at most {MAX_RECEIPTS_PER_PLEDGE} receipts per pledge")
        if receipt_number in self.receipts:
            raise CharityValueInvalidError("receiptNumber", "already used in this campaign")
        owed = self.pledges[pledge_id] - self.paid[pledge_id]
        if amount > owed:
            raise CharityQuantityExceededError("pledge", amount, owed)
        self._receipted(pledge_id=pledge_id, receipt_number=receipt_number, amount=amount)

    @event(Receipted)
    def _receipted(self, pledge_id: UUID, receipt_number: str, amount: Decimal) -> None:
        self.paid[pledge_id] += amount
        self.receipts.add(receipt_number)
        self.instalments[pledge_id] = self.instalments.get(pledge_id, 0) + 1

    def close(self, on: date) -> None:
        if not self.open:
            raise CharityStatusError("campaign", self.id, "CLOSED", "close")
        self._closed(closed_on=on)

    @event(Closed)
    def _closed(self, closed_on: date) -> None:
        self.open = False
