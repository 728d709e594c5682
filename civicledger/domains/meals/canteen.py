"""A canteen (长者饭堂) or a delivery point (助餐点) of the meal service."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.meals.errors import (
    CanteenClosedError,
    CanteenKindError,
    CanteenStatusError,
    NotCanteenStaffError,
)
from civicledger.domains.meals.values import CanteenStatus, OperatorType, SiteKind

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Canteen(CivicAggregate):
    """Serves meals only while open and on its opening days (ISO weekdays, 1 = Monday). Its staff are the
    principals whose token names its office. A delivery point cooks nothing: its meals come from its supplying
    canteen's kitchen (`kitchen_id`); a canteen is its own kitchen."""

    class Registered(CivicAggregate.Created):
        name: str
        kind: SiteKind
        operator_type: OperatorType
        operator_name: str
        district: str
        street: str
        capacity: int
        opening_days: tuple[int, ...]
        office: str
        kitchen_id: UUID | None
        charity_fund: str

    class Closed(CivicAggregate.Event):
        closed_on: date

    class Reopened(CivicAggregate.Event):
        reopened_on: date

    @event(Registered)
    def __init__(self, name: str, kind: SiteKind, operator_type: OperatorType, operator_name: str, district: str,
                 street: str, capacity: int, opening_days: tuple[int, ...], office: str, kitchen_id: UUID | None,
                 charity_fund: str) -> None:
        self.name = name
        self.kind = kind
        self.operator_type = operator_type
        self.operator_name = operator_name
        self.district = district
        self.street = street
        self.capacity = capacity
        self.opening_days = tuple(opening_days)
        self.office = office
        self.kitchen_id = kitchen_id
        self.charity_fund = charity_fund
        self.status = CanteenStatus.OPEN

    @property
    def kitchen(self) -> UUID:
        """The kitchen whose production runs this site serves."""
        return self.kitchen_id if self.kitchen_id is not None else self.id

    def close(self, on: date) -> None:
        if self.status is CanteenStatus.CLOSED:
            raise CanteenStatusError(self.id, self.status.value, "close")
        self._closed(closed_on=on)

    @event(Closed)
    def _closed(self, closed_on: date) -> None:
        self.status = CanteenStatus.CLOSED

    def reopen(self, on: date) -> None:
        if self.status is CanteenStatus.OPEN:
            raise CanteenStatusError(self.id, self.status.value, "reopen")
        self._reopened(reopened_on=on)

    @event(Reopened)
    def _reopened(self, reopened_on: date) -> None:
        self.status = CanteenStatus.OPEN

    # -- checks the service asks -------------------------------------------------------------------------

    def check_staff(self, actor_id: str, actor_office: str | None) -> None:
        if actor_office != self.office:
            raise NotCanteenStaffError(self.id, actor_id)

    def check_serves_on(self, day: date) -> None:
        if self.status is not CanteenStatus.OPEN:
            raise CanteenClosedError(self.id, day, "the canteen is closed")
        if day.isoweekday() not in self.opening_days:
            raise CanteenClosedError(self.id, day, f"it does not open on {WEEKDAYS[day.weekday()]}s")

    def check_cooks(self) -> None:
        if self.kind is not SiteKind.CANTEEN:
            raise CanteenKindError(self.id, self.kind.value, "canteen with a kitchen")
        if self.status is not CanteenStatus.OPEN:
            raise CanteenStatusError(self.id, self.status.value, "cook in")
