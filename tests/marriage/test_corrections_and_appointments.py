"""Corrections by supervisors (with reasons; caseworkers refused), and appointments at the offices."""

from __future__ import annotations

from datetime import date

import pytest

from civicledger.core.errors import InvalidInputError
from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.appointment import AppointmentStatus
from civicledger.domains.marriage.errors import (
    AppointmentMismatchError,
    AppointmentStatusError,
    CorrectionForbiddenError,
    MarriageValueInvalidError,
    NothingToCorrectError,
    SamePersonTwiceError,
    UnderAgeError,
)
from civicledger.domains.marriage.marital_record import MaritalStatus
from tests.marriage.conftest import (
    ADMIN_WANG,
    REGISTRAR_HAIZHU,
    SUPERVISOR_HAIZHU,
    SUPERVISOR_TIANHE,
    TODAY,
    Couple,
    World,
    ctx,
    event_count,
)


def test_a_supervisor_corrects_the_registration_date_with_a_reason(world: World) -> None:
    couple = world.couple()
    marriage_id = world.marry(couple)

    world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 18)),
                                    ctx(SUPERVISOR_HAIZHU, reason="date keyed wrongly; paper register p. 12"))

    assert world.marriage.get_marriage(marriage_id).registered_on == date(2026, 5, 18)
    record = world.marriage.marital_record(couple.wife)
    assert record is not None and record.status_on(date(2026, 5, 18)) is MaritalStatus.MARRIED
    assert record.status_on(date(2026, 5, 17)) is MaritalStatus.UNMARRIED


def test_a_caseworker_may_not_correct_and_nothing_is_written(world: World) -> None:
    marriage_id = world.marry(world.couple())
    before = event_count(world.marriage.ledger)

    with pytest.raises(CorrectionForbiddenError) as refused:
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 18)),
                                        ctx(REGISTRAR_HAIZHU, reason="typo"))

    assert refused.value.code == "FORBIDDEN"
    assert event_count(world.marriage.ledger) == before


def test_a_supervisor_of_another_district_may_not_correct_but_an_admin_may(world: World) -> None:
    marriage_id = world.marry(world.couple())  # registered at Haizhu

    with pytest.raises(CorrectionForbiddenError):
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 18)),
                                        ctx(SUPERVISOR_TIANHE, reason="typo"))
    world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 18)),
                                    ctx(ADMIN_WANG, reason="typo"))


def test_a_correction_needs_a_reason_and_a_change(world: World) -> None:
    marriage_id = world.marry(world.couple())

    with pytest.raises(InvalidInputError):
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 18)),
                                        ctx(SUPERVISOR_HAIZHU))
    with pytest.raises(NothingToCorrectError):
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=TODAY),
                                        ctx(SUPERVISOR_HAIZHU, reason="check"))
    with pytest.raises(InvalidInputError):
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 18)),
                                        ctx(SUPERVISOR_HAIZHU, reason="typo\x00"))


def test_a_correction_may_not_move_the_date_into_the_future_or_under_age(world: World) -> None:
    couple = Couple(world.man(born=date(2004, 5, 1)), world.woman())
    marriage_id = world.marry(couple)

    with pytest.raises(MarriageValueInvalidError):
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 5, 21)),
                                        ctx(SUPERVISOR_HAIZHU, reason="typo"))
    with pytest.raises(UnderAgeError):
        world.marriage.correct_marriage(c.CorrectMarriage(marriage_id, registered_on=date(2026, 4, 30)),
                                        ctx(SUPERVISOR_HAIZHU, reason="typo"))


def test_a_booked_appointment_is_used_by_the_registration(world: World) -> None:
    couple = world.couple()
    booked = world.marriage.book_marriage_appointment(c.BookMarriageAppointment(
        couple.husband, couple.wife, "MARRIAGE", TODAY, "09:30"), ctx(REGISTRAR_HAIZHU))

    world.marriage.register_marriage(c.RegisterMarriage(couple.husband, couple.wife,
                                                        appointment_id=booked.stream_id), ctx(REGISTRAR_HAIZHU))

    appointment = world.marriage.get_appointment(booked.stream_id)
    assert appointment.status is AppointmentStatus.ATTENDED
    with pytest.raises(AppointmentStatusError):
        world.marriage.cancel_marriage_appointment(c.CancelMarriageAppointment(booked.stream_id),
                                                   ctx(REGISTRAR_HAIZHU, reason="no longer needed"))


def test_an_appointment_of_another_couple_does_not_register(world: World) -> None:
    theirs = world.couple()
    booked = world.marriage.book_marriage_appointment(c.BookMarriageAppointment(
        theirs.husband, theirs.wife, "MARRIAGE", TODAY, "10:00"), ctx(REGISTRAR_HAIZHU))
    ours = world.couple()

    with pytest.raises(AppointmentMismatchError):
        world.marriage.register_marriage(c.RegisterMarriage(ours.husband, ours.wife, appointment_id=booked.stream_id),
                                         ctx(REGISTRAR_HAIZHU))
    assert world.marriage.marital_record(ours.husband) is None


@pytest.mark.parametrize(("kind", "on", "slot"), [
    ("WEDDING", TODAY, "09:00"), ("MARRIAGE", date(2026, 5, 23), "09:00"), ("MARRIAGE", TODAY, "12:00"),
    ("MARRIAGE", date(2026, 5, 19), "09:00"), ("MARRIAGE", date(2026, 9, 1), "09:00"), ("ＭARRIAGE", TODAY, "09:00"),
])
def test_bad_appointments_are_invalid_input(world: World, kind: str, on: date, slot: str) -> None:
    couple = world.couple()

    with pytest.raises(MarriageValueInvalidError):
        world.marriage.book_marriage_appointment(c.BookMarriageAppointment(couple.husband, couple.wife, kind, on, slot),
                                                 ctx(REGISTRAR_HAIZHU))


def test_an_appointment_for_one_person_twice_is_refused_and_a_cancellation_needs_a_reason(world: World) -> None:
    couple = world.couple()
    with pytest.raises(SamePersonTwiceError):
        world.marriage.book_marriage_appointment(c.BookMarriageAppointment(
            couple.wife, couple.wife, "MARRIAGE", TODAY, "09:00"), ctx(REGISTRAR_HAIZHU))
    booked = world.marriage.book_marriage_appointment(c.BookMarriageAppointment(
        couple.husband, couple.wife, "MARRIAGE", TODAY, "09:00"), ctx(REGISTRAR_HAIZHU))

    with pytest.raises(InvalidInputError):
        world.marriage.cancel_marriage_appointment(c.CancelMarriageAppointment(booked.stream_id), ctx(REGISTRAR_HAIZHU))
    world.marriage.cancel_marriage_appointment(c.CancelMarriageAppointment(booked.stream_id),
                                               ctx(REGISTRAR_HAIZHU, reason="the couple called to cancel"))
    assert world.marriage.get_appointment(booked.stream_id).status is AppointmentStatus.CANCELLED


def test_a_correction_may_not_overlap_another_marriage_of_a_party(world: World) -> None:
    couple = world.couple()
    world.on(date(2026, 1, 5))
    first = world.marry(couple)
    world.on(date(2026, 1, 6))
    world.marriage.apply_for_divorce(c.ApplyForDivorce(first), ctx(REGISTRAR_HAIZHU))
    world.on(date(2026, 2, 10))
    world.marriage.register_divorce(c.RegisterDivorce(first), ctx(REGISTRAR_HAIZHU))
    world.on(date(2026, 3, 2))
    second = world.marry(Couple(couple.husband, world.woman()))

    with pytest.raises(MarriageValueInvalidError) as refused:
        world.marriage.correct_marriage(c.CorrectMarriage(second, registered_on=date(2026, 2, 9)),
                                        ctx(SUPERVISOR_HAIZHU, reason="typo"))
    world.marriage.correct_marriage(c.CorrectMarriage(second, registered_on=date(2026, 2, 10)),
                                    ctx(SUPERVISOR_HAIZHU, reason="the register says 10 February"))

    assert refused.value.details["residentId"] == str(couple.husband)
    assert world.marriage.get_marriage(second).registered_on == date(2026, 2, 10)
