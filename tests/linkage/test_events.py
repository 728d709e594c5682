"""Linkage events as stored forever: personal fields always travel with the resident they are sealed under,
timeline summaries carry none of them, and the taxonomy is complete."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from uuid import uuid4

from civicledger.core.eventstore.mapper import personal_fields
from civicledger.domains.linkage import meeting, need, organisation, referral, routing, task, timeline
from civicledger.domains.linkage.taxonomy import SUB_ITEMS, Category, sub_items_of

AGGREGATES = (organisation.Organisation, need.Need, referral.Referral, task.LinkageTask,
              meeting.ThreePartyMeeting, routing.RoutingTable)


def event_classes() -> list[type]:
    found = []
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, aggregate.Event) and value is not aggregate.Event:
                found.append(value)
    return found


def test_every_personal_field_travels_with_the_resident_it_is_sealed_under() -> None:
    unsealable = []
    for cls in event_classes():
        fields = typing.get_type_hints(cls)
        for name, rule in personal_fields(cls):
            if name in fields and rule.startswith("field:") and rule[6:] not in fields:
                unsealable.append(f"{cls.__qualname__}.{name}")

    assert unsealable == []


def test_event_topics_are_where_they_will_stay() -> None:
    names = {f"{cls.__module__}:{cls.__qualname__}" for cls in event_classes()}

    assert "civicledger.domains.linkage.referral:Referral.Declined" in names
    assert "civicledger.domains.linkage.referral:Referral.Escalated" in names
    assert "civicledger.domains.linkage.referral:Referral.ProgramOutcomeReported" in names
    assert "civicledger.domains.linkage.need:Need.Collected" in names
    assert "civicledger.domains.linkage.task:LinkageTask.Completed" in names


def test_the_taxonomy_has_four_categories_of_four_sub_items_each() -> None:
    assert len(SUB_ITEMS) == 16 and len({s.code for s in SUB_ITEMS}) == 16
    assert [len(sub_items_of(c)) for c in Category] == [4, 4, 4, 4]
    assert all(s.accept_within_hours > 0 and s.complete_within_days > 0 for s in SUB_ITEMS)


def test_timeline_summaries_never_quote_the_residents_words() -> None:
    resident = uuid4()
    completed = referral.Referral.Completed(originator_id=uuid4(), originator_version=5, timestamp=datetime.now(UTC),
                                            resident_id=resident, outcome="老人腿伤未愈", completed_by="so-liang")

    entries = timeline.CONTRIBUTION.entries_for(completed)

    assert [e.resident_ids for e in entries] == [(resident,)]
    assert "腿伤" not in entries[0].summary
