"""The meal subsidy rule table: how a meal's price is split, by subsidy category, from which date.

Guangzhou's 2020 rule (`GUANGZHOU_2020`, DESIGN §4.4) at a 12-yuan base meal: the government pays 11 yuan
for poor or entitled elders (低收入 / 低保 / 特困) aged 60 and over, 9 for elders aged 80 and over, 7 for
those aged 60–79; of the government's share the city pays 3, the district 3 and the street the rest (5, 3
or 1). Eating outside one's own street loses the street share; outside one's district, the district share
too (`shares.split`).

Our reading, where the rule says nothing (documented in the README, "Elder meal service"):

- **Who pays a lost share** is a column of each row (`lost_shares_to`). The seed gives poor and entitled
  elders' lost shares to **charity** (their meal stays free: the remaining 1 yuan of their 12 is charity's
  too), and every other elder's to **the elder**: an 85-year-old who pays 3 yuan in her own street pays 9 in
  another district (city 3 + elder 9).
- **Disabled elders** (残疾 / 失能, 60+) get the 80+ row (9 yuan).
- **The enterprise's discount** is 0 in the seed: the rule fixes only the government's part; an admin sets
  a discount by publishing a revision.

Revisions are never changed or removed. A later one supersedes from its effective date; one that changes
what was already in force — dated before today, or on or before the latest revision's date — corrects
history and must say why (`correction_reason`). One stream for the city (`RULE_TABLE_ID`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.money import ZERO
from civicledger.domains.meals.errors import (
    MealRuleBackdatedError,
    MealRuleIncompleteError,
    MealRuleNotInForceError,
    MealRuleSharesDoNotAddUpError,
    MealValueInvalidError,
)
from civicledger.domains.meals.shares import CategoryRule, Shares
from civicledger.domains.meals.values import LostSharesPayer, SubsidyCategory

RULE_TABLE_ID = uuid5(NAMESPACE_URL, "civicledger:meals:rule-table")


@dataclass(frozen=True)
class RuleRevision:
    """One published revision: the base price and one row per subsidy category."""

    revision: int
    effective_from: date
    price: Decimal
    rules: tuple[CategoryRule, ...]
    decision: str

    def rule_for(self, category: SubsidyCategory) -> CategoryRule:
        return next(r for r in self.rules if r.category is category)


def check_rules(price: Decimal, rules: Sequence[CategoryRule]) -> None:
    """One row per category; no negative share; each row's shares add up to the price."""
    if price <= 0:
        raise MealValueInvalidError("price", "must be more than 0")
    given = [r.category for r in rules]
    repeated = {c.value for c in given if given.count(c) > 1}
    missing = {c.value for c in SubsidyCategory} - {c.value for c in given}
    if missing or repeated:
        raise MealRuleIncompleteError(missing, repeated)
    for rule in rules:
        if any(v < ZERO for v in rule.shares.by_payer().values()):
            raise MealValueInvalidError("categories", "shares must not be negative", category=rule.category.value)
        if rule.shares.total != price:
            raise MealRuleSharesDoNotAddUpError(rule.category.value, rule.shares.total, price)


class MealRuleTable(CivicAggregate):
    """The city's meal subsidy rule, revision by revision. Every revision's rows add up to its price (checked
    before it is published); revisions are only ever added."""

    class Established(CivicAggregate.Created):
        pass

    class RevisionPublished(CivicAggregate.Event):
        revision: RuleRevision
        published_by: str
        correction_reason: str | None

    @staticmethod
    def create_id() -> UUID:
        return RULE_TABLE_ID

    @event(Established)
    def __init__(self) -> None:
        self.revisions: list[RuleRevision] = []

    @property
    def latest_effective_from(self) -> date | None:
        return max((r.effective_from for r in self.revisions), default=None)

    def check(self, effective_from: date, price: Decimal, rules: Sequence[CategoryRule],
              correction_reason: str | None, today: date) -> None:
        check_rules(price, rules)
        latest = self.latest_effective_from
        if latest is not None and (effective_from < today or effective_from <= latest) and not correction_reason:
            raise MealRuleBackdatedError(effective_from, latest, today)

    def publish(self, effective_from: date, price: Decimal, rules: Sequence[CategoryRule], decision: str,
                correction_reason: str | None, by: str, today: date) -> RuleRevision:
        self.check(effective_from, price, rules, correction_reason, today)
        revision = self._draft(effective_from, price, rules, decision)
        self._revision_published(revision=revision, published_by=by, correction_reason=correction_reason)
        return revision

    def _draft(self, effective_from: date, price: Decimal, rules: Sequence[CategoryRule],
               decision: str) -> RuleRevision:
        order = list(SubsidyCategory)
        return RuleRevision(len(self.revisions) + 1, effective_from, price,
                            tuple(sorted(rules, key=lambda r: order.index(r.category))), decision)

    @event(RevisionPublished)
    def _revision_published(self, revision: RuleRevision, published_by: str, correction_reason: str | None) -> None:
        self.revisions.append(revision)

    # -- what is in force ---------------------------------------------------------------------------------

    def in_force(self, on: date) -> RuleRevision | None:
        """Among revisions dated on or before `on`, the latest-dated; of equal dates, the latest published."""
        candidates = [r for r in self.revisions if r.effective_from <= on]
        return max(candidates, key=lambda r: (r.effective_from, r.revision), default=None)

    def require(self, on: date) -> RuleRevision:
        revision = self.in_force(on)
        if revision is None:
            raise MealRuleNotInForceError(on)
        return revision

    def in_force_on(self, day: date) -> Mapping[str, Any] | None:
        """`core.effective.EffectiveDated`: the revision in force on `day` and until when, for inspectors."""
        revision = self.in_force(day)
        if revision is None:
            return None
        until = min((r.effective_from for r in self.revisions if r.effective_from > revision.effective_from),
                    default=None)
        return {"effectiveFrom": revision.effective_from, "effectiveUntil": until, "revision": revision.revision,
                "price": revision.price, "decision": revision.decision,
                "categories": {r.category.value: {**{p.value: v for p, v in r.shares.by_payer().items()},
                                                  "lostSharesTo": r.lost_shares_to.value} for r in revision.rules}}

    def with_draft(self, effective_from: date, price: Decimal, rules: Sequence[CategoryRule],
                   decision: str) -> tuple[MealRuleTable, RuleRevision]:
        """A copy with one more revision, for previews: never saved."""
        draft = object.__new__(MealRuleTable)
        draft.__dict__.update(self.__dict__)
        revision = self._draft(effective_from, price, rules, decision)
        draft.revisions = [*self.revisions, revision]
        return draft, revision


def _row(category: SubsidyCategory, city: int, district: int, street: int, charity: int, elder: int,
         lost_to: LostSharesPayer) -> CategoryRule:
    d = Decimal
    return CategoryRule(category, Shares(enterprise=d("0.00"), city=d(city).quantize(d("0.01")),
                                         district=d(district).quantize(d("0.01")),
                                         street=d(street).quantize(d("0.01")),
                                         charity=d(charity).quantize(d("0.01")), elder=d(elder).quantize(d("0.01"))),
                        lost_to)


# The 2020 Guangzhou rule at a 12-yuan base meal, with our reading of what it leaves open (module docstring).
GUANGZHOU_2020_EFFECTIVE = date(2020, 1, 1)
GUANGZHOU_2020_PRICE = Decimal("12.00")
GUANGZHOU_2020_DECISION = "Guangzhou 2020 elder meal subsidy rule (12-yuan base meal)"
GUANGZHOU_2020: tuple[CategoryRule, ...] = (
    _row(SubsidyCategory.POOR_OR_ENTITLED, 3, 3, 5, 1, 0, LostSharesPayer.CHARITY),
    _row(SubsidyCategory.DISABLED, 3, 3, 3, 0, 3, LostSharesPayer.ELDER),
    _row(SubsidyCategory.AGED_80_PLUS, 3, 3, 3, 0, 3, LostSharesPayer.ELDER),
    _row(SubsidyCategory.AGED_60_79, 3, 3, 1, 0, 5, LostSharesPayer.ELDER),
)
