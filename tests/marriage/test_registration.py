"""Registering a marriage: legal ages on the registration date, identity through the registry, one live marriage
per person city-wide, certificate numbers per office and year, and who may register where."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from civicledger.core.errors import ForbiddenError, InvalidInputError
from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.errors import (
    AlreadyMarriedError,
    MarriageOfficeForbiddenError,
    NotAManAndAWomanError,
    PartyIneligibleError,
    PartyNotInRegistryError,
    SamePersonTwiceError,
    UnderAgeError,
)
from civicledger.domains.marriage.marital_record import MaritalStatus
from civicledger.domains.marriage.marriage import MarriageStatus
from civicledger.domains.residents.commands import RecordDeath
from tests.marriage.conftest import (
    ADMIN_WANG,
    INSPECTOR_ZHOU,
    REGISTRAR_HAIZHU,
    REGISTRAR_TIANHE,
    TODAY,
    Couple,
    World,
    ctx,
    event_count,
)


def test_a_man_of_22_and_a_woman_of_20_marry_on_their_birthdays(world: World) -> None:
    couple = Couple(world.man(born=date(2004, 5, 20)), world.woman(born=date(2006, 5, 20)))

    marriage_id = world.marry(couple)

    marriage = world.marriage.get_marriage(marriage_id)
    assert (marriage.husband_id, marriage.wife_id) == (couple.husband, couple.wife)
    assert marriage.status is MarriageStatus.MARRIED
    assert marriage.registered_on == TODAY
    assert marriage.office == "HAIZHU"
    assert world.marriage.marital_record(couple.husband).status_on(TODAY) is MaritalStatus.MARRIED  # type: ignore[union-attr]


def test_a_man_one_day_short_of_22_is_refused_and_nothing_is_written(world: World) -> None:
    couple = Couple(world.man(born=date(2004, 5, 21)), world.woman())
    before = event_count(world.marriage.ledger)

    with pytest.raises(UnderAgeError) as refused:
        world.marry(couple)

    assert refused.value.code == "RULE_VIOLATION"
    assert refused.value.details == {"rule": "UNDER_AGE", "residentId": str(couple.husband), "age": 21,
                                     "minimumAge": 22, "date": "2026-05-20"}
    assert event_count(world.marriage.ledger) == before
    assert world.marriage.marital_record(couple.husband) is None


def test_a_woman_one_day_short_of_20_is_refused(world: World) -> None:
    couple = Couple(world.man(), world.woman(born=date(2006, 5, 21)))

    with pytest.raises(UnderAgeError) as refused:
        world.marry(couple)

    assert refused.value.details["minimumAge"] == 20
    assert refused.value.details["residentId"] == str(couple.wife)


def test_a_woman_of_20_may_marry_but_a_man_of_20_may_not(world: World) -> None:
    twenty = date(2006, 1, 1)

    world.marry(Couple(world.man(), world.woman(born=twenty)))
    with pytest.raises(UnderAgeError):
        world.marry(Couple(world.man(born=twenty), world.woman()))


def test_born_on_29_february_a_man_turns_22_on_1_march_in_a_common_year(world: World) -> None:
    husband = world.man(born=date(2004, 2, 29))
    world.on(date(2026, 2, 28))
    with pytest.raises(UnderAgeError):
        world.marry(Couple(husband, world.woman()))

    world.on(date(2026, 3, 1))
    world.marry(Couple(husband, world.woman()))


def test_someone_already_married_is_refused_at_any_office(world: World) -> None:
    couple = world.couple()
    world.marry(couple, by=REGISTRAR_HAIZHU)
    another_woman = world.woman()
    before = event_count(world.marriage.ledger)

    with pytest.raises(AlreadyMarriedError) as refused:
        world.marry(Couple(couple.husband, another_woman), by=REGISTRAR_TIANHE)

    assert refused.value.code == "CONFLICT"
    assert refused.value.details["rule"] == "ALREADY_MARRIED"
    assert refused.value.details["residentId"] == str(couple.husband)
    assert event_count(world.marriage.ledger) == before


def test_the_same_couple_cannot_register_twice(world: World) -> None:
    couple = world.couple()
    world.marry(couple)

    with pytest.raises(AlreadyMarriedError):
        world.marry(couple, by=REGISTRAR_TIANHE)


def test_a_party_not_in_the_registry_is_refused(world: World) -> None:
    stranger = uuid.uuid4()

    with pytest.raises(PartyNotInRegistryError) as refused:
        world.marry(Couple(world.man(), stranger))

    assert refused.value.code == "NOT_FOUND"
    assert refused.value.details["rule"] == "NOT_IN_REGISTRY"


def test_the_same_person_twice_is_refused(world: World) -> None:
    man = world.man()

    with pytest.raises(SamePersonTwiceError) as refused:
        world.marry(Couple(man, man))

    assert refused.value.code == "INVALID_INPUT"


def test_two_men_are_refused(world: World) -> None:
    with pytest.raises(NotAManAndAWomanError):
        world.marry(Couple(world.man(), world.man()))


def test_a_deceased_party_is_refused(world: World) -> None:
    couple = world.couple()
    world.registry.record_death(RecordDeath(couple.wife, date(2026, 1, 2)),
                                ctx(ADMIN_WANG, reason="death certificate 2026-0001"))

    with pytest.raises(PartyIneligibleError):
        world.marry(couple)


def test_certificate_numbers_run_per_office_and_year(world: World) -> None:
    world.on(date(2041, 3, 3))  # a year no other test registers in
    first = world.marriage.get_marriage(world.marry(world.couple(), by=REGISTRAR_HAIZHU))
    second = world.marriage.get_marriage(world.marry(world.couple(), by=REGISTRAR_HAIZHU))
    at_tianhe = world.marriage.get_marriage(world.marry(world.couple(), by=REGISTRAR_TIANHE))
    world.on(date(2042, 1, 5))
    next_year = world.marriage.get_marriage(world.marry(world.couple(), by=REGISTRAR_HAIZHU))

    assert first.certificate_number == "J440105-2041-000001"
    assert second.certificate_number == "J440105-2041-000002"
    assert at_tianhe.certificate_number == "J440106-2041-000001"
    assert next_year.certificate_number == "J440105-2042-000001"


def test_any_office_serves_residents_of_any_district(world: World) -> None:
    couple = world.couple()  # he lives in Panyu, she in Haizhu

    marriage_id = world.marry(couple, by=REGISTRAR_TIANHE)

    assert world.marriage.get_marriage(marriage_id).office == "TIANHE"


def test_staff_register_only_at_their_own_office(world: World) -> None:
    with pytest.raises(MarriageOfficeForbiddenError) as refused:
        world.marry(world.couple(), by=REGISTRAR_HAIZHU, office="TIANHE")

    assert refused.value.code == "FORBIDDEN"


def test_an_admin_names_the_office_and_an_inspector_changes_nothing(world: World) -> None:
    with pytest.raises(InvalidInputError):
        world.marry(world.couple(), by=ADMIN_WANG)
    assert world.marriage.get_marriage(world.marry(world.couple(), by=ADMIN_WANG, office="荔湾区")).office == "LIWAN"
    with pytest.raises(ForbiddenError):
        world.marry(world.couple(), by=INSPECTOR_ZHOU, office="LIWAN")


def test_an_unknown_office_is_invalid_input(world: World) -> None:
    with pytest.raises(InvalidInputError):
        world.marry(world.couple(), by=ADMIN_WANG, office="ＨＡＩＺＨＵ")


def test_a_retry_with_the_same_idempotency_key_registers_once(world: World) -> None:
    couple = world.couple()
    command = c.RegisterMarriage(couple.husband, couple.wife)

    first = world.marriage.register_marriage(command, ctx(REGISTRAR_HAIZHU, key="marry-once-" + str(couple.wife)))
    again = world.marriage.register_marriage(command, ctx(REGISTRAR_HAIZHU, key="marry-once-" + str(couple.wife)))

    assert again.replayed and again.stream_id == first.stream_id
