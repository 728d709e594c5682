"""The formulas on worked examples: 低保 gap, fixed per-person standards, capped one-off and medical shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from civicledger.domains.assistance.programs import GUANGZHOU_STANDARDS, Program
from civicledger.domains.assistance.rules import (
    MemberMeans,
    Revision,
    capped_one_off,
    evaluate,
    gap_amount,
    member_means,
    per_person_amount,
    share_of_costs,
)
from civicledger.domains.assistance.verification import DataSource, MemberRecord

D = Decimal
DIBAO_900 = Revision(1, date(2017, 7, 1), D("900"), D("21600"))
DIBAO_950 = Revision(2, date(2018, 7, 1), D("950"), D("22800"))


def means(income: str, assets: str = "0", declared: str | None = None, flags: tuple[str, ...] = (),
          costs: str = "0", received: str = "0") -> MemberMeans:
    records = {DataSource.SOCIAL_INSURANCE: MemberRecord(monthly_income=D(income)),
               DataSource.BANK_DEPOSITS: MemberRecord(assets=D(assets), flags=flags),
               DataSource.MEDICAL_INSURANCE: MemberRecord(medical_costs=D(costs),
                                                          medical_assistance_received=D(received))}
    return member_means(D(declared if declared is not None else income), D("0"), records)


def household(*members: MemberMeans) -> dict:
    return {uuid4(): m for m in members}


def test_three_people_with_400_a_head_get_1650_at_the_950_standard() -> None:
    assert gap_amount(D("950"), total_income=D("1200"), household_size=3) == D("1650.00")


def test_the_same_household_got_1500_at_the_900_standard() -> None:
    assert gap_amount(D("900"), total_income=D("1200"), household_size=3) == D("1500.00")


def test_the_gap_is_never_negative() -> None:
    assert gap_amount(D("950"), total_income=D("3300"), household_size=3) == D("0.00")


def test_the_amount_is_rounded_once_to_the_fen_not_via_a_rounded_per_capita_figure() -> None:
    # 1000 / 3 = 333.333…: rounding the per-capita income first would pay 1850.01.
    assert gap_amount(D("950"), total_income=D("1000"), household_size=3) == D("1850.00")
    assert gap_amount(D("950.005"), total_income=D("0"), household_size=1) == D("950.01")  # half-up


def test_an_assessment_of_the_worked_example_is_eligible_for_1650() -> None:
    outcome = evaluate(Program.MINIMUM_LIVING.rule, DIBAO_950, household(means("400"), means("400"), means("400")))

    assert (outcome.household_size, outcome.per_capita_income, outcome.amount) == (3, D("400.00"), D("1650.00"))
    assert outcome.eligible and outcome.findings == ()


def test_income_at_the_standard_is_not_eligible_and_pays_nothing() -> None:
    outcome = evaluate(Program.MINIMUM_LIVING.rule, DIBAO_950, household(means("950")))

    assert not outcome.eligible
    assert outcome.amount == D("0.00")
    assert "INCOME_AT_OR_ABOVE_STANDARD" in outcome.findings


def test_assets_above_the_limit_per_person_make_a_household_ineligible() -> None:
    outcome = evaluate(Program.MINIMUM_LIVING.rule, DIBAO_950, household(means("0", "30000"), means("0", "20000")))

    assert not outcome.eligible and "ASSETS_ABOVE_LIMIT" in outcome.findings


def test_the_larger_of_declared_and_verified_income_counts_and_the_gap_is_flagged() -> None:
    hidden = means("600", declared="200")

    outcome = evaluate(Program.MINIMUM_LIVING.rule, DIBAO_950, household(hidden))

    assert hidden.counted_income == D("600.00")
    assert outcome.amount == D("350.00")
    assert "UNDECLARED_INCOME" in outcome.findings


def test_a_member_found_deceased_blocks_the_assessment() -> None:
    outcome = evaluate(Program.MINIMUM_LIVING.rule, DIBAO_950, household(means("0", flags=("DECEASED",))))

    assert not outcome.eligible and "MEMBER_DECEASED" in outcome.findings


def test_fixed_per_person_programs_pay_the_standard_for_each_person_covered() -> None:
    orphans = evaluate(Program.ORPHAN.rule, Revision(2, date(2018, 7, 1), D("2263")), household(means("0"), means("0")))

    assert per_person_amount(D("1721"), 1) == D("1721.00")
    assert orphans.amount == D("4526.00") and orphans.eligible


def test_temporary_assistance_is_the_need_up_to_the_cap_per_person() -> None:
    cap = Revision(2, date(2018, 7, 1), D("2850"), D("22800"))

    small = evaluate(Program.TEMPORARY.rule, cap, household(means("300"), means("0")), need=D("3000"))
    large = evaluate(Program.TEMPORARY.rule, cap, household(means("300"), means("0")), need=D("9000"))

    assert capped_one_off(D("3000"), D("2850"), 2) == D("3000.00")
    assert small.amount == D("3000.00") and "CAP_APPLIED" not in small.findings
    assert large.amount == D("5700.00") and "CAP_APPLIED" in large.findings


def test_medical_assistance_is_a_share_of_costs_within_what_is_left_of_the_annual_cap() -> None:
    medical = Revision(1, date(2017, 7, 1), D("40000"), share=D("0.70"))

    outcome = evaluate(Program.MEDICAL.rule, medical, household(
        means("0", costs="1234.57"), means("0", costs="50000", received="10000")))

    assert share_of_costs(D("1234.57"), D("0.70"), D("40000"), D("0")) == D("864.20")  # 864.199 rounds up
    assert share_of_costs(D("50000"), D("0.70"), D("40000"), D("10000")) == D("30000.00")
    assert outcome.amount == D("30864.20") and "ANNUAL_CAP_APPLIED" in outcome.findings


def test_low_income_recognition_pays_nothing_but_is_eligible_below_the_threshold() -> None:
    threshold = Revision(2, date(2018, 7, 1), D("1425"), D("34200"))

    outcome = evaluate(Program.LOW_INCOME.rule, threshold, household(means("1300"), means("1400")))

    assert outcome.eligible and outcome.amount == D("0.00")


@pytest.mark.parametrize("program, before, after", [
    (Program.MINIMUM_LIVING, "900", "950"), (Program.LOW_INCOME, "1350", "1425"),
    (Program.SPECIAL_HARDSHIP, "1630", "1721"), (Program.ORPHAN, "2143", "2263"),
    (Program.VAGRANT_ADULT, "540", "570"), (Program.VAGRANT_MINOR, "630", "665"),
])
def test_the_seeded_standards_are_guangzhous_2018_adjustment(program: Program, before: str, after: str) -> None:
    seeded = [(s.effective_from, s.amount) for s in GUANGZHOU_STANDARDS if s.program is program]

    assert seeded == [(date(2017, 7, 1), D(before)), (date(2018, 7, 1), D(after))]


def test_the_low_income_threshold_is_one_and_a_half_times_the_dibao_standard() -> None:
    amounts = {(s.program, s.effective_from): s.amount for s in GUANGZHOU_STANDARDS}

    for day in (date(2017, 7, 1), date(2018, 7, 1)):
        assert amounts[(Program.LOW_INCOME, day)] == amounts[(Program.MINIMUM_LIVING, day)] * D("1.5")
