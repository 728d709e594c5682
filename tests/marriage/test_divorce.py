"""Divorce by registration: the 30 days after the application are the cooling-off period (either party may
withdraw; no divorce is registered); the 30 days after that are the window to register; then it lapses."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.errors import (
    CoolingOffOverError,
    CoolingOffPeriodError,
    DivorceApplicationLapsedError,
    DivorcePendingError,
    MarriageNotLiveError,
    NoDivorceApplicationError,
    NotAPartyError,
)
from civicledger.domains.marriage.marital_record import MaritalStatus
from civicledger.domains.marriage.marriage import MarriageStatus
from tests.marriage.conftest import REGISTRAR_HAIZHU, REGISTRAR_TIANHE, Couple, World, ctx, event_count

MARRIED_ON = date(2026, 5, 20)
APPLIED_ON = date(2026, 6, 1)
LAST_COOLING_OFF_DAY = date(2026, 7, 1)  # 30 days after 1 June, the day of application not counted
FIRST_DAY_TO_REGISTER = date(2026, 7, 2)
LAST_DAY_TO_REGISTER = date(2026, 7, 31)


def married_and_applied(world: World) -> tuple[Couple, UUID]:
    couple = world.couple()
    world.on(MARRIED_ON)
    marriage_id = world.marry(couple)
    world.on(APPLIED_ON)
    world.marriage.apply_for_divorce(c.ApplyForDivorce(marriage_id), ctx(REGISTRAR_TIANHE))
    return couple, marriage_id


def test_a_divorce_on_the_last_day_of_the_cooling_off_period_is_refused(world: World) -> None:
    _, marriage_id = married_and_applied(world)
    world.on(LAST_COOLING_OFF_DAY)
    before = event_count(world.marriage.ledger)

    with pytest.raises(CoolingOffPeriodError) as refused:
        world.marriage.register_divorce(c.RegisterDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))

    assert refused.value.code == "RULE_VIOLATION"
    assert refused.value.details == {"rule": "COOLING_OFF", "appliedOn": "2026-06-01", "earliestDate": "2026-07-02"}
    assert event_count(world.marriage.ledger) == before


def test_the_day_after_the_cooling_off_period_the_divorce_is_registered_and_both_may_marry_again(world: World
                                                                                                  ) -> None:
    couple, marriage_id = married_and_applied(world)
    world.on(FIRST_DAY_TO_REGISTER)

    world.marriage.register_divorce(c.RegisterDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))

    marriage = world.marriage.get_marriage(marriage_id)
    assert marriage.status is MarriageStatus.DIVORCED and marriage.divorced_on == FIRST_DAY_TO_REGISTER
    assert marriage.divorce_certificate_number is not None
    assert marriage.divorce_certificate_number.startswith("L440105-2026-")
    record = world.marriage.marital_record(couple.husband)
    assert record is not None and record.status_on(FIRST_DAY_TO_REGISTER) is MaritalStatus.DIVORCED
    assert record.status_on(date(2026, 7, 1)) is MaritalStatus.MARRIED
    assert record.status_on(date(2026, 5, 19)) is MaritalStatus.UNMARRIED
    world.marry(Couple(couple.husband, world.woman()))  # the claim was released
    world.marry(Couple(world.man(), couple.wife), by=REGISTRAR_TIANHE)


def test_the_last_day_of_the_window_registers_and_the_day_after_it_has_lapsed(world: World) -> None:
    _, on_time = married_and_applied(world)
    _, too_late = married_and_applied(world)
    world.on(LAST_DAY_TO_REGISTER)
    world.marriage.register_divorce(c.RegisterDivorce(on_time), ctx(REGISTRAR_HAIZHU))
    world.on(date(2026, 8, 1))

    with pytest.raises(DivorceApplicationLapsedError) as refused:
        world.marriage.register_divorce(c.RegisterDivorce(too_late), ctx(REGISTRAR_HAIZHU))

    assert refused.value.details["lastDay"] == "2026-07-31"


def test_after_a_lapse_the_couple_applies_again_and_the_old_application_is_recorded_as_lapsed(world: World
                                                                                              ) -> None:
    _, marriage_id = married_and_applied(world)
    world.on(date(2026, 8, 3))

    world.marriage.apply_for_divorce(c.ApplyForDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))

    marriage = world.marriage.get_marriage(marriage_id)
    assert marriage.applied_on == date(2026, 8, 3)
    assert [type(e).__name__ for e in world.marriage.repository.event_store.get(marriage_id)][-2:] == [
        "DivorceApplicationLapsed", "DivorceApplied"]


def test_a_second_application_while_one_is_pending_is_refused(world: World) -> None:
    _, marriage_id = married_and_applied(world)

    with pytest.raises(DivorcePendingError):
        world.marriage.apply_for_divorce(c.ApplyForDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))


def test_either_party_withdraws_during_the_cooling_off_period(world: World) -> None:
    couple, marriage_id = married_and_applied(world)
    world.on(LAST_COOLING_OFF_DAY)

    world.marriage.withdraw_divorce_application(c.WithdrawDivorceApplication(marriage_id, couple.wife),
                                                ctx(REGISTRAR_HAIZHU))

    world.on(FIRST_DAY_TO_REGISTER)
    with pytest.raises(NoDivorceApplicationError):
        world.marriage.register_divorce(c.RegisterDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))


def test_no_withdrawal_after_the_cooling_off_period_and_none_by_a_stranger(world: World) -> None:
    couple, marriage_id = married_and_applied(world)
    with pytest.raises(NotAPartyError):
        world.marriage.withdraw_divorce_application(c.WithdrawDivorceApplication(marriage_id, world.man()),
                                                    ctx(REGISTRAR_HAIZHU))
    world.on(FIRST_DAY_TO_REGISTER)

    with pytest.raises(CoolingOffOverError):
        world.marriage.withdraw_divorce_application(c.WithdrawDivorceApplication(marriage_id, couple.husband),
                                                    ctx(REGISTRAR_HAIZHU))


def test_a_divorced_marriage_takes_no_new_application(world: World) -> None:
    _, marriage_id = married_and_applied(world)
    world.on(FIRST_DAY_TO_REGISTER)
    world.marriage.register_divorce(c.RegisterDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))

    with pytest.raises(MarriageNotLiveError):
        world.marriage.apply_for_divorce(c.ApplyForDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))


def test_no_divorce_without_an_application(world: World) -> None:
    marriage_id = world.marry(world.couple())

    with pytest.raises(NoDivorceApplicationError):
        world.marriage.register_divorce(c.RegisterDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))
