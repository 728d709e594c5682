"""A three-party meeting (三社联动定期会议): the community committee, social organisations and social workers
of one community meet regularly, go through referrals, decide, and hand out tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.linkage.errors import MeetingQuorumError
from civicledger.domains.linkage.taxonomy import PartyType


@dataclass(frozen=True)
class Attendee:
    organisation_id: UUID
    party: PartyType
    staff_id: str


class ThreePartyMeeting(CivicAggregate):
    """Held for one community, with all three parties present (otherwise it is not a three-party meeting).
    The record is final once made: decisions are short statements that refer to referrals by id, never to a
    resident's circumstances. The tasks it gave out carry the meeting's id and are opened in the same command."""

    class Held(CivicAggregate.Created):
        community_id: UUID
        held_on: date
        attendees: tuple[Attendee, ...]
        referrals_discussed: tuple[UUID, ...]
        decisions: tuple[str, ...]
        recorded_by: str

    @event(Held)
    def __init__(self, community_id: UUID, held_on: date, attendees: tuple[Attendee, ...],
                 referrals_discussed: tuple[UUID, ...], decisions: tuple[str, ...], recorded_by: str) -> None:
        self.community_id = community_id
        self.held_on = held_on
        self.attendees = tuple(attendees)
        self.referrals_discussed = tuple(referrals_discussed)
        self.decisions = tuple(decisions)

    @staticmethod
    def check_quorum(attendees: tuple[Attendee, ...]) -> None:
        present = {a.party for a in attendees}
        missing = [p.value for p in PartyType if p not in present]
        if missing:
            raise MeetingQuorumError(missing)
