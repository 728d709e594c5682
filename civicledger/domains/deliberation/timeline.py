"""How community deliberation appears on a resident's timeline: only for residents who take part (linked by
their resident id). No personal data: never what anyone said, nor the item's words — only that they joined,
how they voted (their own vote, on their own timeline) and how the item ended."""

from __future__ import annotations

from civicledger.core.timeline import TimelineContribution, TimelineEntry, entry
from civicledger.domains.deliberation.item import AgendaItem


def _words(value: str) -> str:
    return value.lower().replace("_", " ")


def _joined(e: AgendaItem.ParticipantAdded) -> TimelineEntry | None:
    if e.resident_id is None:
        return None
    return entry(e.resident_id, "deliberation.participant_added",
                 f"Invited to a community deliberation as {_words(e.participant.kind.value)}")


def _position(e: AgendaItem.PositionStated) -> TimelineEntry | None:
    if e.resident_id is None:
        return None
    return entry(e.resident_id, "deliberation.position_stated",
                 f"Stated a position in a community deliberation ({_words(e.stance.value)})")


def _vote(e: AgendaItem.VoteCast) -> TimelineEntry | None:
    if e.resident_id is None:
        return None
    return entry(e.resident_id, "deliberation.vote_cast", f"Voted {_words(e.choice.value)} in a community "
                 "deliberation")


def _decided(e: AgendaItem.Decided) -> TimelineEntry | None:
    if not e.resident_ids:
        return None
    return entry(e.resident_ids, "deliberation.item_decided",
                 f"A community deliberation they took part in was {_words(e.outcome.value)} ({e.votes_for} for, "
                 f"{e.votes_against} against, {e.abstentions} abstaining)")


def _supervised(e: AgendaItem.Supervised) -> TimelineEntry | None:
    if not e.resident_ids:
        return None
    return entry(e.resident_ids, "deliberation.item_supervised",
                 "A community deliberation they took part in was carried out and its supervision report made")


CONTRIBUTION = TimelineContribution(
    program="deliberation",
    rules={
        AgendaItem.ParticipantAdded: _joined,
        AgendaItem.PositionStated: _position,
        AgendaItem.VoteCast: _vote,
        AgendaItem.Decided: _decided,
        AgendaItem.Supervised: _supervised,
    },
)
