"""A marriage registration: registered at one of the 11 district offices, ended by a registered divorce after
the cooling-off period. The one-live-marriage-per-person rule spans streams: the service enforces it with a
claim per person, taken here on registration and released on divorce, in the same transaction."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.marriage import rules
from civicledger.domains.marriage.errors import (
    CoolingOffOverError,
    CoolingOffPeriodError,
    DivorceApplicationLapsedError,
    DivorcePendingError,
    MarriageNotLiveError,
    NoDivorceApplicationError,
    NotAPartyError,
    NothingToCorrectError,
)

CORRECTABLE = ("registered_on", "divorced_on")


class MarriageStatus(str, Enum):
    MARRIED = "MARRIED"
    DIVORCED = "DIVORCED"
    ENDED_BY_DEATH = "ENDED_BY_DEATH"


class Marriage(CivicAggregate):
    """Two residents, a man and a woman of legal age, married on `registered_on` at `office` under
    `certificate_number`. While married: at most one divorce application pending; a divorce is registered
    only between the end of its cooling-off period and its lapse. A divorced marriage changes only by a
    supervisor's correction."""

    class Registered(CivicAggregate.Created):
        husband_id: UUID
        wife_id: UUID
        office: str
        registered_on: date
        certificate_number: str
        appointment_id: UUID | None

    @event(Registered)
    def __init__(self, husband_id: UUID, wife_id: UUID, office: str, registered_on: date,
                 certificate_number: str, appointment_id: UUID | None) -> None:
        self.husband_id = husband_id
        self.wife_id = wife_id
        self.office = office
        self.registered_on = registered_on
        self.certificate_number = certificate_number
        self.appointment_id = appointment_id
        self.status = MarriageStatus.MARRIED
        self.applied_on: date | None = None
        self.application_office: str | None = None
        self.divorced_on: date | None = None
        self.divorce_office: str | None = None
        self.divorce_certificate_number: str | None = None
        self.deceased_id: UUID | None = None
        self.ended_on: date | None = None

    @property
    def parties(self) -> tuple[UUID, UUID]:
        return (self.husband_id, self.wife_id)

    def check_party(self, resident_id: UUID) -> None:
        if resident_id not in self.parties:
            raise NotAPartyError(resident_id)

    def _check_live(self) -> None:
        if self.status is not MarriageStatus.MARRIED:
            raise MarriageNotLiveError(self.id, self.status.value)

    # -- divorce ---------------------------------------------------------------------------------------------

    def pending_application(self, today: date) -> date | None:
        """The date of the application still pending today (None: none, or it lapsed)."""
        if self.applied_on is None or today > rules.lapses_after(self.applied_on):
            return None
        return self.applied_on

    def apply_for_divorce(self, office: str, today: date) -> None:
        self._check_live()
        if self.applied_on is not None:
            if self.pending_application(today) is not None:
                raise DivorcePendingError(self.id, self.applied_on)
            self._application_lapsed(parties=self.parties, applied_on=self.applied_on,
                                     lapsed_on=rules.lapses_after(self.applied_on))
        self._divorce_applied(parties=self.parties, office=office, applied_on=today)

    class DivorceApplied(CivicAggregate.Event):
        parties: tuple[UUID, UUID]
        office: str
        applied_on: date

    @event(DivorceApplied)
    def _divorce_applied(self, parties: tuple[UUID, UUID], office: str, applied_on: date) -> None:
        self.applied_on = applied_on
        self.application_office = office

    class DivorceApplicationLapsed(CivicAggregate.Event):
        """Recorded when the couple applies again: the law treats the old application as withdrawn."""

        parties: tuple[UUID, UUID]
        applied_on: date
        lapsed_on: date

    @event(DivorceApplicationLapsed)
    def _application_lapsed(self, parties: tuple[UUID, UUID], applied_on: date, lapsed_on: date) -> None:
        self.applied_on = None
        self.application_office = None

    def withdraw_divorce_application(self, by_party: UUID, today: date) -> None:
        self._check_live()
        self.check_party(by_party)
        applied_on = self.pending_application(today)
        if applied_on is None:
            raise NoDivorceApplicationError(self.id)
        if today > rules.cooling_off_ends(applied_on):
            raise CoolingOffOverError(applied_on, rules.cooling_off_ends(applied_on))
        self._application_withdrawn(parties=self.parties, applied_on=applied_on, withdrawn_on=today,
                                    withdrawn_by=by_party)

    class DivorceApplicationWithdrawn(CivicAggregate.Event):
        parties: tuple[UUID, UUID]
        applied_on: date
        withdrawn_on: date
        withdrawn_by: UUID

    @event(DivorceApplicationWithdrawn)
    def _application_withdrawn(self, parties: tuple[UUID, UUID], applied_on: date, withdrawn_on: date,
                               withdrawn_by: UUID) -> None:
        self.applied_on = None
        self.application_office = None

    def check_divorce_registrable(self, today: date) -> date:
        """The application's date, if a divorce may be registered today."""
        self._check_live()
        if self.applied_on is None:
            raise NoDivorceApplicationError(self.id)
        if today < rules.first_registration_day(self.applied_on):
            raise CoolingOffPeriodError(self.applied_on, rules.first_registration_day(self.applied_on))
        if today > rules.lapses_after(self.applied_on):
            raise DivorceApplicationLapsedError(self.applied_on, rules.lapses_after(self.applied_on))
        return self.applied_on

    def register_divorce(self, office: str, today: date, certificate_number: str) -> None:
        applied_on = self.check_divorce_registrable(today)
        self._divorced(parties=self.parties, office=office, applied_on=applied_on, divorced_on=today,
                       certificate_number=certificate_number)

    class Divorced(CivicAggregate.Event):
        parties: tuple[UUID, UUID]
        office: str
        applied_on: date
        divorced_on: date
        certificate_number: str

    @event(Divorced)
    def _divorced(self, parties: tuple[UUID, UUID], office: str, applied_on: date, divorced_on: date,
                  certificate_number: str) -> None:
        self.status = MarriageStatus.DIVORCED
        self.divorced_on = divorced_on
        self.divorce_office = office
        self.divorce_certificate_number = certificate_number
        self.applied_on = None
        self.application_office = None

    # -- death ------------------------------------------------------------------------------------------------

    def end_by_death(self, deceased_id: UUID, died_on: date) -> None:
        """A party's death, recorded by the registry, ends the marriage (and any pending application)."""
        self._check_live()
        self.check_party(deceased_id)
        self._ended_by_death(parties=self.parties, deceased_id=deceased_id, died_on=died_on,
                             pending_application=self.applied_on)

    class EndedByDeath(CivicAggregate.Event):
        parties: tuple[UUID, UUID]
        deceased_id: UUID
        died_on: date
        pending_application: date | None

    @event(EndedByDeath)
    def _ended_by_death(self, parties: tuple[UUID, UUID], deceased_id: UUID, died_on: date,
                        pending_application: date | None) -> None:
        self.status = MarriageStatus.ENDED_BY_DEATH
        self.deceased_id = deceased_id
        self.ended_on = died_on
        self.applied_on = None
        self.application_office = None

    # -- corrections -----------------------------------------------------------------------------------------

    def correct(self, changes: dict[str, Any]) -> None:
        changes = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changes:
            raise NothingToCorrectError()
        before = {k: getattr(self, k) for k in changes}
        self._corrected(parties=self.parties, changes={k: v.isoformat() for k, v in changes.items()},
                        before={k: v.isoformat() if v else None for k, v in before.items()})

    class Corrected(CivicAggregate.Event):
        parties: tuple[UUID, UUID]
        changes: dict[str, str]
        before: dict[str, str | None]

    @event(Corrected)
    def _corrected(self, parties: tuple[UUID, UUID], changes: dict[str, str], before: dict[str, str | None]) -> None:
        for key, value in changes.items():
            setattr(self, key, date.fromisoformat(value))
