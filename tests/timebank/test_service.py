"""The time bank's rules through its service: hours count once the organising party verifies them; a balance
never pays more than it holds; hours move only within a household, within limits; bad input writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from civicledger.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.timebank import commands as c
from civicledger.domains.timebank.errors import (
    InsufficientHoursError,
    NotSameHouseholdError,
    NotTheOrganiserError,
    ServiceRecordNotPendingError,
    TimeAccountNotFoundError,
    TimeBankValueInvalidError,
    TransferLimitExceededError,
)
from tests.timebank.conftest import CASEWORKER_LI, CASEWORKER_ZHANG, INSPECTOR_ZHOU, SATURDAY, World, ctx, event_count


def redeem(world: World, volunteer: object, hours: str, **extra: object) -> object:
    return world.timebank.redeem_volunteer_hours(c.RedeemVolunteerHours(volunteer, hours, "上门理发", "江海街长者服务站",
                                                                        **extra), ctx(CASEWORKER_LI))  # type: ignore[arg-type]


def test_verified_hours_are_banked_and_redeemable(world: World) -> None:
    volunteer = world.volunteer()
    world.verified(volunteer, "3.5")

    redeem(world, volunteer, "2")

    assert world.balance(volunteer) == Decimal("1.50")


def test_unverified_hours_are_not_banked(world: World) -> None:
    volunteer = world.volunteer()
    world.record(volunteer, "6")

    with pytest.raises(TimeAccountNotFoundError):
        redeem(world, volunteer, "1")
    assert world.balance(volunteer) == 0


def test_a_rejected_record_banks_nothing_and_cannot_be_verified_after(world: World) -> None:
    volunteer = world.volunteer()
    record = world.record(volunteer, "4")
    world.timebank.reject_volunteer_service(c.RejectVolunteerService(record), ctx(world.organiser, "no sign-in sheet"))

    with pytest.raises(ServiceRecordNotPendingError):
        world.timebank.verify_volunteer_service(c.VerifyVolunteerService(record), ctx(world.organiser))
    assert world.balance(volunteer) == 0


def test_only_the_organising_party_verifies(world: World, timebank_ledger: Ledger) -> None:
    volunteer = world.volunteer()
    record = world.record(volunteer, "2")
    before = event_count(timebank_ledger)

    with pytest.raises(NotTheOrganiserError):
        world.timebank.verify_volunteer_service(c.VerifyVolunteerService(record), ctx(CASEWORKER_LI))
    with pytest.raises(ForbiddenError):
        world.timebank.verify_volunteer_service(c.VerifyVolunteerService(record), ctx(
            replace(INSPECTOR_ZHOU, office=world.organiser.office)))
    assert event_count(timebank_ledger) == before


def test_verifying_twice_banks_once(world: World) -> None:
    volunteer = world.volunteer()
    record = world.verified(volunteer, "2")

    with pytest.raises(ServiceRecordNotPendingError):
        world.timebank.verify_volunteer_service(c.VerifyVolunteerService(record), ctx(world.organiser))
    assert world.balance(volunteer) == Decimal("2.00")


def test_redeeming_more_than_banked_is_refused_and_writes_nothing(world: World, timebank_ledger: Ledger) -> None:
    volunteer = world.volunteer()
    world.verified(volunteer, "3")
    before = event_count(timebank_ledger)

    with pytest.raises(InsufficientHoursError) as refused:
        redeem(world, volunteer, "3.25")

    assert refused.value.code == "RULE_VIOLATION"
    assert refused.value.details["balance"] == "3.00"
    assert event_count(timebank_ledger) == before
    assert world.balance(volunteer) == Decimal("3.00")


def test_a_stale_expected_version_is_a_conflict_not_a_retry(world: World) -> None:
    volunteer = world.volunteer()
    world.verified(volunteer, "5")
    redeem(world, volunteer, "1")

    with pytest.raises(ConflictError):
        redeem(world, volunteer, "1", expected_version=2)
    assert world.balance(volunteer) == Decimal("4.00")


@pytest.mark.parametrize("hours", ["0", "-1", "12.5", "1.1", "２", "abc", "1e3", "NaN"])
def test_hours_out_of_shape_are_refused(world: World, hours: str) -> None:
    volunteer = world.volunteer()

    with pytest.raises(InvalidInputError):
        world.record(volunteer, hours)


@pytest.mark.parametrize("description", ["a\x00b", "长" * 501, ""])
def test_descriptions_with_nul_too_long_or_empty_are_refused(world: World, description: str) -> None:
    volunteer = world.volunteer()

    with pytest.raises(InvalidInputError):
        world.timebank.record_volunteer_service(c.RecordVolunteerService(
            volunteer, "SOCIAL-ORG-X", "启智社工", "ELDER_CARE", SATURDAY, "2", description), ctx(CASEWORKER_LI))


def test_a_service_in_the_future_or_of_an_unknown_category_is_refused(world: World) -> None:
    volunteer = world.volunteer()

    with pytest.raises(TimeBankValueInvalidError):
        world.record(volunteer, "2", on=date(2026, 3, 10))
    with pytest.raises(TimeBankValueInvalidError):
        world.timebank.record_volunteer_service(c.RecordVolunteerService(
            volunteer, "SOCIAL-ORG-X", "启智社工", "KARAOKE", SATURDAY, "2", "唱歌"), ctx(CASEWORKER_LI))


def test_another_districts_volunteer_is_refused(world: World) -> None:
    volunteer = world.volunteer("TIANHE", "石牌街")

    with pytest.raises(ForbiddenError):
        world.record(volunteer, "2", by=CASEWORKER_LI)
    world.record(volunteer, "2", by=CASEWORKER_ZHANG)


def test_an_unknown_volunteer_is_not_found(world: World) -> None:
    from uuid import uuid4

    with pytest.raises(NotFoundError):
        world.record(uuid4(), "2")


# -- transfers within a household -----------------------------------------------------------------------------


def transfer(world: World, giver: object, receiver: object, household: object, hours: str) -> object:
    return world.timebank.transfer_volunteer_hours(c.TransferVolunteerHours(giver, receiver, household, hours),  # type: ignore[arg-type]
                                                   ctx(CASEWORKER_LI))


def test_hours_go_to_a_member_of_the_same_household(world: World) -> None:
    mother, son = world.volunteer(), world.volunteer()
    household = world.household(mother, son)
    world.verified(mother, "10")

    transfer(world, mother, son, household, "4")

    assert world.balance(mother) == Decimal("6.00")
    assert world.balance(son) == Decimal("4.00")


def test_hours_never_go_outside_the_household(world: World, timebank_ledger: Ledger) -> None:
    mother, son, neighbour = world.volunteer(), world.volunteer(), world.volunteer()
    household = world.household(mother, son)
    world.verified(mother, "10")
    before = event_count(timebank_ledger)

    with pytest.raises(NotSameHouseholdError):
        transfer(world, mother, neighbour, household, "4")
    assert event_count(timebank_ledger) == before


def test_a_transfer_is_bounded_by_the_balance_and_the_limits(world: World) -> None:
    mother, son = world.volunteer(), world.volunteer()
    household = world.household(mother, son)
    world.verified(mother, "12")
    with pytest.raises(InsufficientHoursError):
        transfer(world, mother, son, household, "12.25")
    for _ in range(5):
        world.verified(mother, "12")  # 72 hours

    with pytest.raises(TransferLimitExceededError):
        transfer(world, mother, son, household, "50.25")
    transfer(world, mother, son, household, "50")
    for _ in range(4):
        world.verified(mother, "12")  # 70 hours left
    with pytest.raises(TransferLimitExceededError):
        transfer(world, mother, son, household, "50.25")
    transfer(world, mother, son, household, "50")  # 100 hours this year: the yearly limit reached
    with pytest.raises(TransferLimitExceededError) as yearly:
        transfer(world, mother, son, household, "0.25")

    assert yearly.value.details["alreadyTransferred"] == "100.00"
    assert world.balance(son) == Decimal("100.00")
    assert world.balance(mother) == Decimal("20.00")
