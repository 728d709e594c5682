"""A volunteer's time account: verified hours in, redemptions and household transfers out."""

from __future__ import annotations

from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.timebank.errors import InsufficientHoursError, TransferLimitExceededError
from civicledger.domains.timebank.rules import MAX_TRANSFER_HOURS, YEARLY_TRANSFER_HOURS, ZERO


def account_id(resident_id: UUID) -> UUID:
    """One account stream per resident, for good."""
    return uuid5(NAMESPACE_URL, f"civicledger:timebank:account:{resident_id}")


class TimeAccount(CivicAggregate):
    """The balance never goes negative: every debit is checked against the balance of the version it is
    saved on (the service retries a lost race from a fresh load, checking again). Transfers out are bounded
    per transfer and per calendar year (rules.py)."""

    class Opened(CivicAggregate.Created):
        resident_id: UUID
        district: str

    class HoursCredited(CivicAggregate.Event):
        resident_id: UUID
        record_id: UUID
        hours: Decimal
        organiser_name: str

    class HoursRedeemed(CivicAggregate.Event):
        resident_id: UUID
        redemption_id: UUID
        hours: Decimal
        service: str
        provider: str

    class HoursTransferredOut(CivicAggregate.Event):
        resident_id: UUID
        to_resident_id: UUID
        household_id: UUID
        hours: Decimal
        year: int

    class HoursTransferredIn(CivicAggregate.Event):
        resident_id: UUID
        from_resident_id: UUID
        household_id: UUID
        hours: Decimal

    @staticmethod
    def create_id(resident_id: UUID) -> UUID:
        return account_id(resident_id)

    @event(Opened)
    def __init__(self, resident_id: UUID, district: str) -> None:
        self.resident_id = resident_id
        self.district = district
        self.balance = ZERO
        self.transferred_out: dict[int, Decimal] = {}

    def credit(self, record_id: UUID, hours: Decimal, organiser_name: str) -> None:
        self._credited(resident_id=self.resident_id, record_id=record_id, hours=hours, organiser_name=organiser_name)

    @event(HoursCredited)
    def _credited(self, resident_id: UUID, record_id: UUID, hours: Decimal, organiser_name: str) -> None:
        self.balance += hours

    def _check_balance(self, hours: Decimal) -> None:
        if hours > self.balance:
            raise InsufficientHoursError(self.resident_id, hours, self.balance)

    def redeem(self, redemption_id: UUID, hours: Decimal, service: str, provider: str) -> None:
        self._check_balance(hours)
        self._redeemed(resident_id=self.resident_id, redemption_id=redemption_id, hours=hours, service=service,
                       provider=provider)

    @event(HoursRedeemed)
    def _redeemed(self, resident_id: UUID, redemption_id: UUID, hours: Decimal, service: str, provider: str) -> None:
        self.balance -= hours

    def transfer_out(self, to: UUID, household_id: UUID, hours: Decimal, year: int) -> None:
        already = self.transferred_out.get(year, ZERO)
        if hours > MAX_TRANSFER_HOURS:
            raise TransferLimitExceededError(hours, MAX_TRANSFER_HOURS, ZERO, year)
        if already + hours > YEARLY_TRANSFER_HOURS:
            raise TransferLimitExceededError(hours, YEARLY_TRANSFER_HOURS, already, year)
        self._check_balance(hours)
        self._transferred_out(resident_id=self.resident_id, to_resident_id=to, household_id=household_id,
                              hours=hours, year=year)

    @event(HoursTransferredOut)
    def _transferred_out(self, resident_id: UUID, to_resident_id: UUID, household_id: UUID, hours: Decimal,
                         year: int) -> None:
        self.balance -= hours
        self.transferred_out[year] = self.transferred_out.get(year, ZERO) + hours

    def transfer_in(self, source: UUID, household_id: UUID, hours: Decimal) -> None:
        self._transferred_in(resident_id=self.resident_id, from_resident_id=source, household_id=household_id,
                             hours=hours)

    @event(HoursTransferredIn)
    def _transferred_in(self, resident_id: UUID, from_resident_id: UUID, household_id: UUID, hours: Decimal) -> None:
        self.balance += hours
