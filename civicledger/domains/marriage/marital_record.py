"""A resident's marital history as the marriage registry knows it: one stream per resident, written in the same
transaction as the marriage it follows. It answers "what was this person's status on a date" (and, replayed as
recorded at an instant, what the registry knew then) without reading any other stream."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate


class MaritalStatus(str, Enum):
    UNMARRIED = "UNMARRIED"  # no marriage registered on or before the date
    MARRIED = "MARRIED"
    DIVORCED = "DIVORCED"
    WIDOWED = "WIDOWED"


def marital_record_id(resident_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"civicledger:marriage:record:{resident_id}")


def status_on(marriages: list[dict[str, Any]], day: date) -> tuple[MaritalStatus, dict[str, Any] | None]:
    """The status on `day` and the marriage it concerns (the latest registered on or before it)."""
    began = [m for m in marriages if date.fromisoformat(m["married_on"]) <= day]
    if not began:
        return MaritalStatus.UNMARRIED, None
    latest = max(began, key=lambda m: m["married_on"])
    divorced_on = latest.get("divorced_on")
    if divorced_on is not None and date.fromisoformat(divorced_on) <= day:
        return MaritalStatus.DIVORCED, latest
    widowed_on = latest.get("widowed_on")
    if widowed_on is not None and date.fromisoformat(widowed_on) <= day:
        return MaritalStatus.WIDOWED, latest
    return MaritalStatus.MARRIED, latest


class MaritalRecord(CivicAggregate):
    """Every marriage of one resident, with its dates; at most one without a divorce (the live one)."""

    class Opened(CivicAggregate.Created):
        resident_id: UUID

    @event(Opened)
    def __init__(self, resident_id: UUID) -> None:
        self.resident_id = resident_id
        self.marriages: list[dict[str, Any]] = []

    @property
    def live_marriage_id(self) -> UUID | None:
        live = [m for m in self.marriages if m.get("divorced_on") is None and m.get("widowed_on") is None]
        return UUID(live[-1]["marriage_id"]) if live else None

    def status_on(self, day: date) -> MaritalStatus:
        return status_on(self.marriages, day)[0]

    def _find(self, marriage_id: UUID) -> dict[str, Any]:
        return next(m for m in self.marriages if m["marriage_id"] == str(marriage_id))

    class Married(CivicAggregate.Event):
        marriage_id: UUID
        spouse_id: UUID
        married_on: date

    @event(Married)
    def married(self, marriage_id: UUID, spouse_id: UUID, married_on: date) -> None:
        self.marriages.append({"marriage_id": str(marriage_id), "spouse_id": str(spouse_id),
                               "married_on": married_on.isoformat(), "divorced_on": None})

    class Divorced(CivicAggregate.Event):
        marriage_id: UUID
        divorced_on: date

    @event(Divorced)
    def divorced(self, marriage_id: UUID, divorced_on: date) -> None:
        self._find(marriage_id)["divorced_on"] = divorced_on.isoformat()

    class Widowed(CivicAggregate.Event):
        """The spouse died (as the resident registry records): the marriage ended on that date."""

        marriage_id: UUID
        widowed_on: date

    @event(Widowed)
    def widowed(self, marriage_id: UUID, widowed_on: date) -> None:
        self._find(marriage_id)["widowed_on"] = widowed_on.isoformat()

    class DatesCorrected(CivicAggregate.Event):
        marriage_id: UUID
        married_on: date
        divorced_on: date | None

    @event(DatesCorrected)
    def dates_corrected(self, marriage_id: UUID, married_on: date, divorced_on: date | None) -> None:
        found = self._find(marriage_id)
        found["married_on"] = married_on.isoformat()
        found["divorced_on"] = divorced_on.isoformat() if divorced_on else None
