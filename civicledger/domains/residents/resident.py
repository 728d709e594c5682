"""A resident of Guangzhou as the bureau knows them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, ClassVar

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.residents.errors import (
    NothingToCorrectError,
    ResidentDeceasedError,
    ResidentErasedError,
)


class Residency(str, Enum):
    REGISTERED = "REGISTERED"  # holds a Guangzhou hukou
    NON_REGISTERED = "NON_REGISTERED"  # migrant / non-registered resident (来穗人员)


class Gender(str, Enum):
    MALE = "MALE"
    FEMALE = "FEMALE"


CORRECTABLE = ("name", "id_number", "phone", "residency")


def corrected_value(key: str, value: Any) -> Any:
    """A value of `DetailsCorrected.changes` as its attribute's type: the dict is stored as plain JSON, so
    enums and the birth date read off a corrected ID number come back as strings."""
    if value is None:
        return None
    if key == "residency":
        return Residency(value)
    if key == "gender":
        return Gender(value)
    if key == "birth_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


class Resident(CivicAggregate):
    """A person known to the registry. Once deceased or erased, nothing about them changes but the record
    of that fact; identity is unique city-wide (enforced by the service with a claim on the ID number)."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {
            "name": "self", "id_number": "self", "gender": "self", "phone": "self", "birth_date": "self",
            "street": "self", "community": "self", "changes": "self",
        }

    class Registered(Event, CivicAggregate.Created):
        name: str
        id_number: str
        gender: Gender
        birth_date: date
        phone: str | None
        district: str
        street: str
        community: str
        residency: Residency

    @event(Registered)
    def __init__(self, name: str, id_number: str, gender: Gender, birth_date: date, phone: str | None,
                 district: str, street: str, community: str, residency: Residency) -> None:
        self.name = name
        self.id_number = id_number
        self.gender = gender
        self.birth_date = birth_date
        self.phone = phone
        self.district = district
        self.street = street
        self.community = community
        self.residency = residency
        self.date_of_death: date | None = None
        self.erased = False

    def _check_can_change(self) -> None:
        if self.erased:
            raise ResidentErasedError(self.id)
        if self.date_of_death is not None:
            raise ResidentDeceasedError(self.id)

    def correct_details(self, changes: Mapping[str, Any], derived: Mapping[str, Any]) -> None:
        self._check_can_change()
        effective = {k: v for k, v in changes.items() if k in CORRECTABLE and getattr(self, k) != v}
        if not effective:
            raise NothingToCorrectError()
        if "id_number" in effective:
            effective.update(derived)
        self._details_corrected(changes=effective)

    @event("DetailsCorrected")
    def _details_corrected(self, changes: dict[str, Any] | None) -> None:
        # `changes` is personal data: once the resident is erased it replays as None, and the (already
        # erased) values it held stay None.
        for key, value in (changes or {}).items():
            setattr(self, key, corrected_value(key, value))

    def change_address(self, district: str, street: str, community: str) -> None:
        self._check_can_change()
        if (district, street, community) == (self.district, self.street, self.community):
            raise NothingToCorrectError()
        self._address_changed(district=district, street=street, community=community)

    @event("AddressChanged")
    def _address_changed(self, district: str, street: str, community: str) -> None:
        self.district, self.street, self.community = district, street, community

    def record_death(self, date_of_death: date) -> None:
        self._check_can_change()
        self._death_recorded(date_of_death=date_of_death)

    @event("DeathRecorded")
    def _death_recorded(self, date_of_death: date) -> None:
        self.date_of_death = date_of_death

    def erase(self, request_reference: str) -> None:
        if self.erased:
            raise ResidentErasedError(self.id)
        self._erased(request_reference=request_reference)

    @event("PersonalDataErased")
    def _erased(self, request_reference: str) -> None:
        self.erased = True
