"""A resident's need, as the community collected it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.linkage.errors import NeedNotOpenError
from civicledger.domains.linkage.taxonomy import Category
from civicledger.domains.linkage.values import Channel, Confirmation, Urgency


class NeedStatus(str, Enum):
    OPEN = "OPEN"  # collected, not yet referred
    REFERRED = "REFERRED"  # handed on: the referral carries the rest of the story
    WITHDRAWN = "WITHDRAWN"  # the resident no longer wants help with it


class Need(CivicAggregate):
    """Classified by one of the 16 sub-items, collected by a community committee. It is referred at most once
    (a referral is reassigned, not repeated); a withdrawn need never changes. The resident's consent to share
    their details with the party that takes the need on is recorded here, and only the resident changes it."""

    class Event(CivicAggregate.Event):
        # The resident's own words and contact details are theirs: sealed under their key.
        personal_data: ClassVar[Mapping[str, str]] = {
            "description": "field:resident_id", "contact_phone": "field:resident_id",
            "resident_reason": "field:resident_id",
        }

    class Collected(Event, CivicAggregate.Created):
        resident_id: UUID
        community_id: UUID
        district: str
        channel: Channel
        category: Category
        sub_item: str
        urgency: Urgency
        description: str
        contact_phone: str | None
        consent_given: bool
        consent_confirmation: Confirmation | None

    @event(Collected)
    def __init__(self, resident_id: UUID, community_id: UUID, district: str, channel: Channel, category: Category,
                 sub_item: str, urgency: Urgency, description: str, contact_phone: str | None, consent_given: bool,
                 consent_confirmation: Confirmation | None) -> None:
        self.resident_id = resident_id
        self.community_id = community_id
        self.district = district
        self.channel = channel
        self.category = category
        self.sub_item = sub_item
        self.urgency = urgency
        self.description = description
        self.contact_phone = contact_phone
        self.consent_given = consent_given
        self.status = NeedStatus.OPEN
        self.referral_id: UUID | None = None

    # -- consent (the resident's word, recorded with their confirmation) ------------------------------------

    def give_consent(self, confirmation: Confirmation) -> None:
        self._check_not_withdrawn()
        self._consent_given(resident_id=self.resident_id, confirmation=confirmation)

    @event("ConsentGiven")
    def _consent_given(self, resident_id: UUID, confirmation: Confirmation) -> None:
        self.consent_given = True

    def withdraw_consent(self, confirmation: Confirmation) -> None:
        self._check_not_withdrawn()
        self._consent_withdrawn(resident_id=self.resident_id, confirmation=confirmation)

    @event("ConsentWithdrawn")
    def _consent_withdrawn(self, resident_id: UUID, confirmation: Confirmation) -> None:
        self.consent_given = False

    # -- referral and withdrawal ---------------------------------------------------------------------------

    def refer(self, referral_id: UUID) -> None:
        if self.status is not NeedStatus.OPEN:
            raise NeedNotOpenError(self.id, self.status.value)
        self._referred(referral_id=referral_id)

    @event("Referred")
    def _referred(self, referral_id: UUID) -> None:
        self.status = NeedStatus.REFERRED
        self.referral_id = referral_id

    def withdraw(self, resident_reason: str, confirmation: Confirmation) -> None:
        self._check_not_withdrawn()
        self._withdrawn(resident_id=self.resident_id, resident_reason=resident_reason, confirmation=confirmation)

    @event("Withdrawn")
    def _withdrawn(self, resident_id: UUID, resident_reason: str, confirmation: Confirmation) -> None:
        self.status = NeedStatus.WITHDRAWN

    def _check_not_withdrawn(self) -> None:
        if self.status is NeedStatus.WITHDRAWN:
            raise NeedNotOpenError(self.id, self.status.value)
