"""The command path's shortcuts (issue 12, `append_ratio_1`) give exactly what the steps they replace give: the
library's aggregate creation, `uuid.uuid4()` and its text."""

from __future__ import annotations

import uuid
from datetime import date

from eventsourcing.domain import CanInitAggregate

from civicledger.core.aggregate import random_uuid
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.meals.enrolment import MealEnrolment, enrolment_id
from civicledger.domains.residents.household import Household
from civicledger.domains.residents.resident import Gender, Residency, Resident

ACTOR = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")


def _is_uuid4(value: uuid.UUID) -> bool:
    return value.version == 4 and value.variant == uuid.RFC_4122


def test_a_new_aggregate_id_is_a_random_version_4_uuid() -> None:
    ids = [random_uuid() for _ in range(5000)]

    assert len(set(ids)) == len(ids)
    for made in ids[:500]:
        parsed = uuid.UUID(str(made))
        assert _is_uuid4(made) and parsed == made and hash(parsed) == hash(made)
        assert uuid.UUID(bytes=made.bytes, version=4) == made  # what uuid4() makes of the same 16 bytes
    assert made.is_safe is uuid.SafeUUID.unknown
    assert _is_uuid4(Resident.create_id())


def test_a_correlation_id_is_the_text_of_a_random_version_4_uuid() -> None:
    texts = [str(CommandContext(actor=ACTOR).correlation_id) for _ in range(5000)]

    assert len(set(texts)) == len(texts)
    for text in texts[:500]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and _is_uuid4(parsed)


def _registered() -> Resident:
    return Resident(name="王芳", id_number="440105196005011232", gender=Gender.FEMALE,
                    birth_date=date(1960, 5, 1), phone=None, district="HAIZHU", street="江海街",
                    community="红卫社区", residency=Residency.REGISTERED)


def test_a_created_aggregate_is_the_one_the_library_builds_from_its_event() -> None:
    for aggregate in (_registered(), Household(head_id=uuid.uuid4(), district="HAIZHU")):
        created = aggregate.collect_events()[0]

        ours = created.mutate(None)
        library = CanInitAggregate.mutate(created, None)

        assert type(ours) is type(library) is type(aggregate)
        assert vars(ours) == vars(library) == vars(aggregate)
        assert (ours.id, ours.version, ours.created_on) == (created.originator_id, 1, created.timestamp)


def test_an_aggregate_with_an_id_of_its_own_gets_it_and_its_creation_event_says_so() -> None:
    resident_id = uuid.uuid4()
    enrolment = MealEnrolment(resident_id=resident_id, district="HAIZHU", street="江海街", birth_date=None,
                          economic_status=None, disabled=None, dietary_needs=None, dietary_note=None,
                          enrolled_on=date(2026, 3, 1))

    created = enrolment.collect_events()[0]
    assert enrolment.id == enrolment_id(resident_id) == created.originator_id
    assert created.originator_version == 1 and created.originator_topic.endswith(":MealEnrolment")
    assert vars(CanInitAggregate.mutate(created, None)) == vars(enrolment)
