"""The rule table and the split of a meal's price, without a database: the 2020 Guangzhou rule on worked
examples, lost shares, the choice of category, and the table's own checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from civicledger.domains.meals.enrolment import age_on, subsidy_category
from civicledger.domains.meals.errors import (
    MealRuleBackdatedError,
    MealRuleIncompleteError,
    MealRuleSharesDoNotAddUpError,
)
from civicledger.domains.meals.rule_table import GUANGZHOU_2020, GUANGZHOU_2020_PRICE, MealRuleTable
from civicledger.domains.meals.shares import CategoryRule, Shares, locality, split
from civicledger.domains.meals.values import EconomicStatus, Locality, LostSharesPayer, SubsidyCategory

D = Decimal
RULE_2020 = {r.category: r for r in GUANGZHOU_2020}
TODAY = date(2026, 3, 4)


def shares(**given: str) -> Shares:
    return Shares(**{k: D(v) for k, v in given.items()})


def a_table() -> MealRuleTable:
    table = MealRuleTable()
    table.publish(date(2020, 1, 1), GUANGZHOU_2020_PRICE, GUANGZHOU_2020, "2020 rule", None, "admin-wang", TODAY)
    return table


def test_an_85_year_old_in_her_own_street_gets_9_from_the_government_3_city_3_district_3_street() -> None:
    split_ = split(RULE_2020[SubsidyCategory.AGED_80_PLUS], Locality.OWN_STREET)

    assert split_ == shares(city="3", district="3", street="3", elder="3")
    assert split_.government == D("9") and split_.total == D("12")


def test_the_same_elder_in_another_district_pays_the_lost_district_and_street_shares_herself() -> None:
    split_ = split(RULE_2020[SubsidyCategory.AGED_80_PLUS], Locality.OTHER_DISTRICT)

    assert split_ == shares(city="3", elder="9")
    assert split_.total == D("12")


def test_in_another_street_of_her_own_district_only_the_street_share_is_lost() -> None:
    assert split(RULE_2020[SubsidyCategory.AGED_80_PLUS], Locality.OWN_DISTRICT) == shares(
        city="3", district="3", elder="6")


def test_a_poor_or_entitled_elder_eats_free_and_charity_covers_what_is_lost_elsewhere() -> None:
    home = split(RULE_2020[SubsidyCategory.POOR_OR_ENTITLED], Locality.OWN_STREET)
    away = split(RULE_2020[SubsidyCategory.POOR_OR_ENTITLED], Locality.OTHER_DISTRICT)

    assert home == shares(city="3", district="3", street="5", charity="1") and home.government == D("11")
    assert away == shares(city="3", charity="9")


def test_a_60_to_79_year_old_gets_7_with_a_1_yuan_street_share() -> None:
    assert split(RULE_2020[SubsidyCategory.AGED_60_79], Locality.OWN_STREET) == shares(
        city="3", district="3", street="1", elder="5")


@pytest.mark.parametrize("category", list(SubsidyCategory))
@pytest.mark.parametrize("where", list(Locality))
def test_shares_always_add_up_to_the_price(category: SubsidyCategory, where: Locality) -> None:
    assert split(RULE_2020[category], where).total == GUANGZHOU_2020_PRICE


def test_locality_is_seen_from_the_elders_home() -> None:
    assert locality("HAIZHU", "江海街", "HAIZHU", "江海街") is Locality.OWN_STREET
    assert locality("HAIZHU", "江海街", "HAIZHU", "素社街") is Locality.OWN_DISTRICT
    assert locality("HAIZHU", "江海街", "TIANHE", "江海街") is Locality.OTHER_DISTRICT


def test_an_elder_qualifying_twice_gets_the_larger_government_share() -> None:
    revision = a_table().require(TODAY)

    assert subsidy_category(revision, EconomicStatus.ENTITLED, False, 85) is SubsidyCategory.POOR_OR_ENTITLED
    assert subsidy_category(revision, EconomicStatus.ORDINARY, True, 65) is SubsidyCategory.DISABLED
    assert subsidy_category(revision, EconomicStatus.ORDINARY, False, 80) is SubsidyCategory.AGED_80_PLUS
    assert subsidy_category(revision, EconomicStatus.ORDINARY, False, 79) is SubsidyCategory.AGED_60_79


def test_age_turns_on_the_birthday() -> None:
    assert age_on(date(1946, 3, 5), date(2026, 3, 4)) == 79
    assert age_on(date(1946, 3, 5), date(2026, 3, 5)) == 80


def test_a_row_whose_shares_do_not_add_up_is_refused() -> None:
    rows = list(GUANGZHOU_2020)
    rows[2] = CategoryRule(SubsidyCategory.AGED_80_PLUS, shares(city="3", district="3", street="3", elder="2"),
                           LostSharesPayer.ELDER)

    with pytest.raises(MealRuleSharesDoNotAddUpError) as refused:
        MealRuleTable().publish(date(2026, 4, 1), D("12"), rows, "draft", None, "admin-wang", TODAY)

    assert refused.value.details["category"] == "AGED_80_PLUS" and D(refused.value.details["total"]) == 11


def test_a_table_missing_a_category_is_refused() -> None:
    with pytest.raises(MealRuleIncompleteError) as refused:
        MealRuleTable().publish(date(2026, 4, 1), D("12"), GUANGZHOU_2020[:3], "draft", None, "admin-wang", TODAY)

    assert refused.value.details["missing"] == ["AGED_60_79"]


def test_a_backdated_revision_needs_a_correction_reason() -> None:
    table = a_table()

    with pytest.raises(MealRuleBackdatedError):
        table.publish(date(2026, 3, 1), D("12"), GUANGZHOU_2020, "draft", None, "admin-wang", TODAY)
    table.publish(date(2026, 3, 1), D("12"), GUANGZHOU_2020, "draft", "the March decision was published late",
                  "admin-wang", TODAY)

    assert [r.revision for r in table.revisions] == [1, 2]


def test_a_revision_from_a_later_date_supersedes_from_then_and_inspectors_see_which_was_in_force() -> None:
    table = a_table()
    richer = [CategoryRule(r.category, replace(r.shares, enterprise=D("1"), elder=r.shares.elder - 1)
                           if r.shares.elder else r.shares, r.lost_shares_to) for r in GUANGZHOU_2020]

    table.publish(date(2026, 4, 1), D("12"), richer, "enterprise discount", None, "admin-wang", TODAY)

    assert table.in_force(date(2026, 3, 31)).revision == 1
    assert table.in_force(date(2026, 4, 1)).revision == 2
    values = table.in_force_on(date(2026, 3, 31))
    assert values["effectiveUntil"] == date(2026, 4, 1)
    assert values["categories"]["AGED_80_PLUS"]["STREET"] == D("3.00")
    assert table.in_force_on(date(2019, 12, 31)) is None
