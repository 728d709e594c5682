"""The assistance programs, how each one pays, and Guangzhou's published standards (DESIGN §4.1).

Every figure a calculation uses is here or in a published standard revision, never inline in the code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from civicledger.domains.assistance.verification import MEANS_TEST_SOURCES, STATUS_SOURCES, DataSource


class Program(str, Enum):
    MINIMUM_LIVING = "MINIMUM_LIVING"  # 最低生活保障 (低保)
    LOW_INCOME = "LOW_INCOME"  # 低收入困难家庭认定
    SPECIAL_HARDSHIP = "SPECIAL_HARDSHIP"  # 特困人员 ("三无") and welfare-institution central support
    ORPHAN = "ORPHAN"  # 孤儿养育
    TEMPORARY = "TEMPORARY"  # 临时救助
    MEDICAL = "MEDICAL"  # 医疗救助
    VAGRANT_ADULT = "VAGRANT_ADULT"  # 成年流浪乞讨受助人员 (basic food)
    VAGRANT_MINOR = "VAGRANT_MINOR"  # 未成年受助人员

    @property
    def rule(self) -> ProgramRule:
        return RULES[self]


class Payment(str, Enum):
    GAP = "GAP"  # monthly: (standard − per-capita monthly income) × household size
    RECOGNITION = "RECOGNITION"  # a recognised status (opens other help); no monthly cash
    PER_PERSON = "PER_PERSON"  # monthly: standard × persons covered
    ONE_OFF_CAPPED = "ONE_OFF_CAPPED"  # once: min(need, standard × household size); the standard is the cap
    SHARE_OF_COSTS = "SHARE_OF_COSTS"  # once: Σ min(costs × share, annual cap − received this year)


@dataclass(frozen=True)
class ProgramRule:
    name_zh: str
    name_en: str
    payment: Payment
    means_tested: bool  # income and asset limits apply
    whole_household: bool  # every household member is declared and counted (else: the persons covered)
    public_notice: bool  # an eligible assessment is publicly posted before approval
    review_months: int | None  # periodic review interval of an active case
    mandatory_sources: frozenset[DataSource]

    @property
    def monthly(self) -> bool:
        return self.payment in (Payment.GAP, Payment.RECOGNITION, Payment.PER_PERSON)

    @property
    def label(self) -> str:
        return f"{self.name_en} ({self.name_zh})"


P = Payment
RULES: dict[Program, ProgramRule] = {
    Program.MINIMUM_LIVING: ProgramRule("低保", "minimum living guarantee", P.GAP, True, True, True, 12,
                                        MEANS_TEST_SOURCES),
    Program.LOW_INCOME: ProgramRule("低收入困难家庭", "low-income household recognition", P.RECOGNITION, True, True,
                                    True, 12, MEANS_TEST_SOURCES),
    Program.SPECIAL_HARDSHIP: ProgramRule("特困供养", "special-hardship support", P.PER_PERSON, True, False, True, 12,
                                          MEANS_TEST_SOURCES),
    # Orphans and people in vagrant aid are not publicly posted (minors, emergencies) nor means-tested.
    Program.ORPHAN: ProgramRule("孤儿养育", "orphan support", P.PER_PERSON, False, False, False, 12, STATUS_SOURCES),
    Program.TEMPORARY: ProgramRule("临时救助", "temporary assistance", P.ONE_OFF_CAPPED, True, True, False, None,
                                   MEANS_TEST_SOURCES),
    Program.MEDICAL: ProgramRule("医疗救助", "medical assistance", P.SHARE_OF_COSTS, False, False, False, None,
                                 STATUS_SOURCES | {DataSource.MEDICAL_INSURANCE}),
    Program.VAGRANT_ADULT: ProgramRule("成年流浪乞讨人员救助", "adult vagrant aid (basic food)", P.PER_PERSON, False,
                                       False, False, 1, STATUS_SOURCES),
    Program.VAGRANT_MINOR: ProgramRule("未成年流浪人员救助", "minor vagrant aid", P.PER_PERSON, False, False, False, 1,
                                       STATUS_SOURCES),
}
del P


@dataclass(frozen=True)
class SeedRevision:
    program: Program
    effective_from: date
    amount: Decimal
    asset_limit_per_person: Decimal | None = None
    share: Decimal | None = None


def _pair(program: Program, before: str, after: str, assets_before: str | None = None,
          assets_after: str | None = None) -> tuple[SeedRevision, SeedRevision]:
    return (
        SeedRevision(program, date(2017, 7, 1), Decimal(before), Decimal(assets_before) if assets_before else None),
        SeedRevision(program, date(2018, 7, 1), Decimal(after), Decimal(assets_after) if assets_after else None),
    )


# Guangzhou's standards before and after the 2018 adjustment (the bureau's 2018 account). Standards move on
# 1 July; the account gives no effective dates, asset limits, caps or shares: those below are configuration
# (asset limits at 24 months of the program's standard; temporary assistance capped at 3 months of the 低保
# standard per person; medical assistance at 70% of out-of-pocket costs up to 40,000 yuan a person a year).
GUANGZHOU_STANDARDS: tuple[SeedRevision, ...] = (
    *_pair(Program.MINIMUM_LIVING, "900", "950", "21600", "22800"),
    *_pair(Program.LOW_INCOME, "1350", "1425", "32400", "34200"),
    *_pair(Program.SPECIAL_HARDSHIP, "1630", "1721", "21600", "22800"),
    *_pair(Program.ORPHAN, "2143", "2263"),
    *_pair(Program.VAGRANT_ADULT, "540", "570"),
    *_pair(Program.VAGRANT_MINOR, "630", "665"),
    *_pair(Program.TEMPORARY, "2700", "2850", "21600", "22800"),
    SeedRevision(Program.MEDICAL, date(2017, 7, 1), Decimal("40000"), None, Decimal("0.70")),
)
