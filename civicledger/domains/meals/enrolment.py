"""An elder's enrolment in the meal service: who they are to the rule table, and their recall follow-ups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.meals.errors import (
    ElderAlreadyEnrolledError,
    ElderNotEligibleError,
    ElderNotEnrolledError,
    ElderTooYoungError,
)
from civicledger.domains.meals.rule_table import RuleRevision
from civicledger.domains.meals.values import DietaryNeed, EconomicStatus, FollowUpOutcome, SubsidyCategory

MINIMUM_AGE = 60


def enrolment_id(resident_id: UUID) -> UUID:
    """One enrolment stream per resident, for good: enrolling again reopens it."""
    return uuid5(NAMESPACE_URL, f"civicledger:meals:enrolment:{resident_id}")


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def qualifying_categories(status: EconomicStatus, disabled: bool, age: int) -> list[SubsidyCategory]:
    """Every category an elder of this status, disability and age qualifies for."""
    categories = [SubsidyCategory.AGED_80_PLUS if age >= 80 else SubsidyCategory.AGED_60_79]
    if disabled:
        categories.append(SubsidyCategory.DISABLED)
    if status is not EconomicStatus.ORDINARY:
        categories.append(SubsidyCategory.POOR_OR_ENTITLED)
    return categories


def subsidy_category(revision: RuleRevision, status: EconomicStatus, disabled: bool, age: int) -> SubsidyCategory:
    """Of the categories the elder qualifies for, the one whose government share is largest in this revision
    (ties: the order of `SubsidyCategory`)."""
    order = list(SubsidyCategory)
    return max(qualifying_categories(status, disabled, age),
               key=lambda c: (revision.rule_for(c).shares.government, -order.index(c)))


class MealEnrolment(CivicAggregate):
    """A resident aged 60 or over, enrolled by a caseworker of their home district. Meals are served only while
    enrolled. Home district and street (from the registry) decide which government shares their meals draw;
    economic status, disability and age on the day decide the subsidy category. Dietary needs are health
    data: sealed under the resident's key."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {
            "birth_date": "field:resident_id", "economic_status": "field:resident_id",
            "disabled": "field:resident_id", "dietary_needs": "field:resident_id",
            "dietary_note": "field:resident_id", "note": "field:resident_id"}

    class Enrolled(Event, CivicAggregate.Created):
        resident_id: UUID
        district: str
        street: str
        birth_date: date | None
        economic_status: EconomicStatus | None
        disabled: bool | None
        dietary_needs: tuple[DietaryNeed, ...] | None
        dietary_note: str | None
        enrolled_on: date

    class DetailsChanged(Event):
        resident_id: UUID
        district: str
        street: str
        economic_status: EconomicStatus | None
        disabled: bool | None
        dietary_needs: tuple[DietaryNeed, ...] | None
        dietary_note: str | None

    class Withdrawn(Event):
        resident_id: UUID
        withdrawn_on: date

    class Reenrolled(Event):
        resident_id: UUID
        district: str
        street: str
        economic_status: EconomicStatus | None
        disabled: bool | None
        dietary_needs: tuple[DietaryNeed, ...] | None
        dietary_note: str | None
        enrolled_on: date

    class RecallFollowUpRecorded(Event):
        resident_id: UUID
        batch_id: UUID
        outcome: FollowUpOutcome
        note: str | None
        followed_up_on: date

    @staticmethod
    def create_id(resident_id: UUID) -> UUID:
        return enrolment_id(resident_id)

    @staticmethod
    def check_age(resident_id: UUID, birth_date: date, today: date) -> None:
        age = age_on(birth_date, today)
        if age < MINIMUM_AGE:
            raise ElderTooYoungError(resident_id, age)

    @event(Enrolled)
    def __init__(self, resident_id: UUID, district: str, street: str, birth_date: date | None,
                 economic_status: EconomicStatus | None, disabled: bool | None,
                 dietary_needs: tuple[DietaryNeed, ...] | None, dietary_note: str | None, enrolled_on: date) -> None:
        self.resident_id = resident_id
        self.birth_date = birth_date
        self._set(district, street, economic_status, disabled, dietary_needs, dietary_note)
        self.enrolled_on = enrolled_on
        self.active = True
        self.follow_ups: dict[UUID, FollowUpOutcome] = {}

    def _set(self, district: str, street: str, economic_status: EconomicStatus | None,
             disabled: bool | None, dietary_needs: tuple[DietaryNeed, ...] | None, dietary_note: str | None) -> None:
        self.district = district
        self.street = street
        self.economic_status = economic_status
        self.disabled = disabled
        self.dietary_needs = tuple(dietary_needs or ())
        self.dietary_note = dietary_note

    def reenrol(self, district: str, street: str, economic_status: EconomicStatus, disabled: bool,
                dietary_needs: tuple[DietaryNeed, ...], dietary_note: str | None, on: date) -> None:
        if self.active:
            raise ElderAlreadyEnrolledError(self.resident_id)
        self._reenrolled(resident_id=self.resident_id, district=district, street=street,
                         economic_status=economic_status, disabled=disabled, dietary_needs=dietary_needs,
                         dietary_note=dietary_note, enrolled_on=on)

    @event(Reenrolled)
    def _reenrolled(self, resident_id: UUID, district: str, street: str, economic_status: EconomicStatus | None,
                    disabled: bool | None, dietary_needs: tuple[DietaryNeed, ...] | None, dietary_note: str | None,
                    enrolled_on: date) -> None:
        self._set(district, street, economic_status, disabled, dietary_needs, dietary_note)
        self.enrolled_on = enrolled_on
        self.active = True

    def change(self, district: str, street: str, economic_status: EconomicStatus, disabled: bool,
               dietary_needs: tuple[DietaryNeed, ...], dietary_note: str | None) -> None:
        self.check_active()
        self._details_changed(resident_id=self.resident_id, district=district, street=street,
                              economic_status=economic_status, disabled=disabled, dietary_needs=dietary_needs,
                              dietary_note=dietary_note)

    @event(DetailsChanged)
    def _details_changed(self, resident_id: UUID, district: str, street: str,
                         economic_status: EconomicStatus | None, disabled: bool | None,
                         dietary_needs: tuple[DietaryNeed, ...] | None, dietary_note: str | None) -> None:
        self._set(district, street, economic_status, disabled, dietary_needs, dietary_note)

    def withdraw(self, on: date) -> None:
        self.check_active()
        self._withdrawn(resident_id=self.resident_id, withdrawn_on=on)

    @event(Withdrawn)
    def _withdrawn(self, resident_id: UUID, withdrawn_on: date) -> None:
        self.active = False

    def record_follow_up(self, batch_id: UUID, outcome: FollowUpOutcome, note: str | None, on: date) -> None:
        self._follow_up(resident_id=self.resident_id, batch_id=batch_id, outcome=outcome, note=note,
                        followed_up_on=on)

    @event(RecallFollowUpRecorded)
    def _follow_up(self, resident_id: UUID, batch_id: UUID, outcome: FollowUpOutcome, note: str | None,
                   followed_up_on: date) -> None:
        self.follow_ups[batch_id] = outcome

    # -- serving ------------------------------------------------------------------------------------------

    def check_active(self) -> None:
        if not self.active:
            raise ElderNotEnrolledError(self.resident_id)

    def category_on(self, revision: RuleRevision, day: date) -> SubsidyCategory:
        """The subsidy category of a meal on `day` (age is taken on the day itself)."""
        self.check_active()
        if self.birth_date is None or self.economic_status is None:
            raise ElderNotEligibleError(self.resident_id, "the resident's personal data was erased")
        return subsidy_category(revision, self.economic_status, bool(self.disabled), age_on(self.birth_date, day))
