"""A match of a need and an offer: proposed by the rules, accepted by a caseworker, fulfilled."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.charity.errors import CharityStatusError
from civicledger.domains.charity.values import MatchStatus


class CharityMatch(CivicAggregate):
    """PROPOSED → ACCEPTED (the offer's quantity allocated, the need's committed) → FULFILLED; a proposed or
    accepted match may be DECLINED (an accepted one gives its quantities back). The outcome a donor reads is
    anonymous."""

    class Proposed(CivicAggregate.Created):
        need_id: UUID
        offer_id: UUID
        quantity: Decimal
        proposed_by: str

    class Accepted(CivicAggregate.Event):
        resident_id: UUID
        accepted_by: str

    class Declined(CivicAggregate.Event):
        was_accepted: bool

    class Fulfilled(CivicAggregate.Event):
        resident_id: UUID
        outcome: str

    @event(Proposed)
    def __init__(self, need_id: UUID, offer_id: UUID, quantity: Decimal, proposed_by: str) -> None:
        self.need_id = need_id
        self.offer_id = offer_id
        self.quantity = quantity
        self.status = MatchStatus.PROPOSED

    def _check(self, action: str, *allowed: MatchStatus) -> None:
        if self.status not in allowed:
            raise CharityStatusError("match", self.id, self.status.value, action)

    def accept(self, resident_id: UUID, by: str) -> None:
        self._check("accept", MatchStatus.PROPOSED)
        self._accepted(resident_id=resident_id, accepted_by=by)

    @event(Accepted)
    def _accepted(self, resident_id: UUID, accepted_by: str) -> None:
        self.status = MatchStatus.ACCEPTED

    def decline(self) -> bool:
        """Decline; True when it had been accepted (its quantities go back)."""
        self._check("decline", MatchStatus.PROPOSED, MatchStatus.ACCEPTED)
        was_accepted = self.status is MatchStatus.ACCEPTED
        self._declined(was_accepted=was_accepted)
        return was_accepted

    @event(Declined)
    def _declined(self, was_accepted: bool) -> None:
        self.status = MatchStatus.DECLINED

    def fulfil(self, resident_id: UUID, outcome: str) -> None:
        self._check("confirm fulfilment", MatchStatus.ACCEPTED)
        self._fulfilled(resident_id=resident_id, outcome=outcome)

    @event(Fulfilled)
    def _fulfilled(self, resident_id: UUID, outcome: str) -> None:
        self.status = MatchStatus.FULFILLED
