from __future__ import annotations

from uuid import uuid4

import pytest

from civicledger.domains.residents.errors import (
    AlreadyInHouseholdError,
    HeadCannotLeaveError,
    NotAHouseholdMemberError,
    SecondHeadError,
)
from civicledger.domains.residents.household import Household, Relationship

WANG_FANG = uuid4()
LI_WEI = uuid4()
LI_XIAOMING = uuid4()


def a_household_of_three() -> Household:
    household = Household(head_id=WANG_FANG, district="HAIZHU")
    household.add_member(LI_WEI, Relationship.SPOUSE)
    household.add_member(LI_XIAOMING, Relationship.CHILD)
    return household


def test_a_new_household_has_its_head_as_only_member() -> None:
    household = Household(head_id=WANG_FANG, district="HAIZHU")

    assert household.members == {WANG_FANG: Relationship.HEAD}
    assert household.size == 1


def test_a_member_cannot_be_added_twice() -> None:
    household = a_household_of_three()

    with pytest.raises(AlreadyInHouseholdError):
        household.add_member(LI_WEI, Relationship.SPOUSE)


def test_a_household_has_exactly_one_head() -> None:
    household = a_household_of_three()

    with pytest.raises(SecondHeadError):
        household.add_member(uuid4(), Relationship.HEAD)


def test_the_head_leaves_only_when_a_new_head_is_named() -> None:
    household = a_household_of_three()

    with pytest.raises(HeadCannotLeaveError):
        household.remove_member(WANG_FANG)
    household.remove_member(WANG_FANG, new_head_id=LI_WEI)

    assert household.head_id == LI_WEI
    assert household.members[LI_WEI] is Relationship.HEAD
    assert household.size == 2


def test_removing_someone_who_is_not_a_member_fails() -> None:
    with pytest.raises(NotAHouseholdMemberError):
        a_household_of_three().remove_member(uuid4())
