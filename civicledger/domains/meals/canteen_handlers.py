"""Canteens and the rule table: what admins (and the districts' supervisors, for their canteens) do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from civicledger.core import text
from civicledger.core.access import ADMIN, require_role
from civicledger.core.clock import business_date, using_clock
from civicledger.core.commands import handles
from civicledger.core.errors import InvalidInputError, StaleVersionError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.core.money import yuan_to_the_fen
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.canteen import Canteen
from civicledger.domains.meals.errors import CanteenKindError, MealValueInvalidError
from civicledger.domains.meals.rule_table import (
    GUANGZHOU_2020,
    GUANGZHOU_2020_DECISION,
    GUANGZHOU_2020_EFFECTIVE,
    GUANGZHOU_2020_PRICE,
    RULE_TABLE_ID,
    MealRuleTable,
    RuleRevision,
)
from civicledger.domains.meals.rules import MAX_CAPACITY, bounded_int, opening_days, parse_enum
from civicledger.domains.meals.service_base import MealServiceBase
from civicledger.domains.meals.shares import CategoryRule, Shares, split
from civicledger.domains.meals.values import (
    Locality,
    LostSharesPayer,
    OperatorType,
    SiteKind,
    SubsidyCategory,
)

DEFAULT_CHARITY_FUND = "GZ-CHARITY-ELDER-MEALS"  # 广州市慈善会 elder-meal fund, unless a canteen names its own


@dataclass(frozen=True)
class PreviewLine:
    """One category at one locality: the split in force before the draft's date and under the draft, and
    the meals recorded at that category and locality in the sample window (what the change would cost)."""

    category: SubsidyCategory
    locality: Locality
    before: Shares | None
    after: Shares
    meals: int


@dataclass(frozen=True)
class RulePreview:
    revision: RuleRevision
    lines: tuple[PreviewLine, ...]


class CanteenHandlers(MealServiceBase):
    # -- canteens -----------------------------------------------------------------------------------------

    @handles
    def register_canteen(self, cmd: c.RegisterCanteen, ctx: CommandContext) -> Recorded:
        kind = parse_enum(SiteKind, cmd.kind, "kind")
        district, street = text.district_and_street(cmd.district, cmd.street)
        kitchen_id = None
        if kind is SiteKind.DELIVERY_POINT:
            if cmd.kitchen_id is None:
                raise MealValueInvalidError("kitchenId", "a delivery point names the canteen whose kitchen supplies it")
            kitchen = self.get_canteen(cmd.kitchen_id)
            if kitchen.kind is not SiteKind.CANTEEN:
                raise CanteenKindError(kitchen.id, kitchen.kind.value, "canteen with a kitchen")
            kitchen_id = kitchen.id
            self._administrator(ctx, district, kitchen.district)  # it links two records: both districts
        else:
            self._administrator(ctx, district)
        canteen = Canteen(
            name=text.organisation_name(cmd.name), kind=kind,
            operator_type=parse_enum(OperatorType, cmd.operator_type, "operatorType"),
            operator_name=text.organisation_name(cmd.operator_name, "operatorName"), district=district,
            street=street, capacity=bounded_int(cmd.capacity, "capacity", 1, MAX_CAPACITY),
            opening_days=opening_days(cmd.opening_days),
            office=text.line(cmd.office, "office", max_length=text.IDENTIFIER_MAX), kitchen_id=kitchen_id,
            charity_fund=text.optional_line(cmd.charity_fund, "charityFund", max_length=text.IDENTIFIER_MAX)
            or DEFAULT_CHARITY_FUND,
        )
        return self._save(canteen, ctx=ctx, command=cmd)

    @handles
    def close_canteen(self, cmd: c.CloseCanteen, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        canteen = self.get_canteen(cmd.canteen_id, cmd.expected_version)
        self._administrator(ctx, canteen.district)
        canteen.close(business_date())
        return self._save(canteen, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def reopen_canteen(self, cmd: c.ReopenCanteen, ctx: CommandContext) -> Recorded:
        canteen = self.get_canteen(cmd.canteen_id, cmd.expected_version)
        self._administrator(ctx, canteen.district)
        canteen.reopen(business_date())
        return self._save(canteen, ctx=ctx, command=cmd)

    # -- the rule table (admins) ----------------------------------------------------------------------------

    @handles
    def publish_meal_rule(self, cmd: c.PublishMealRule, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, ADMIN)
        price, rules = _rules(cmd)
        table = self.rule_table(cmd.expected_version)
        if table is None:
            if cmd.expected_version not in (None, 0):
                raise StaleVersionError(RULE_TABLE_ID, cmd.expected_version, 0)
            table = MealRuleTable()
        table.publish(cmd.effective_from, price, rules, _decision(cmd.decision), _correction(cmd.correction_reason),
                      by=ctx.actor.id, today=business_date())
        return self._save(table, ctx=ctx, command=cmd)

    def preview_meal_rule(self, cmd: c.PublishMealRule, sample: Mapping[tuple[str, str], int]) -> RulePreview:
        """The draft's split for every category and locality next to the split in force just before its date;
        `sample` counts recorded meals by (category, locality). Checks the draft as publishing would; writes
        nothing."""
        with using_clock(self.clock):
            price, rules = _rules(cmd)
            table = self.rule_table() or MealRuleTable()
            table.check(cmd.effective_from, price, rules, _correction(cmd.correction_reason), business_date())
            _, draft = table.with_draft(cmd.effective_from, price, rules, _decision(cmd.decision))
            current = table.in_force(cmd.effective_from)
            lines = tuple(
                PreviewLine(category, where, split(current.rule_for(category), where) if current else None,
                            split(draft.rule_for(category), where), sample.get((category.value, where.value), 0))
                for category in SubsidyCategory for where in Locality)
            return RulePreview(draft, lines)

    def seed_guangzhou_rule(self, ctx: CommandContext) -> Recorded | None:
        """Publish the 2020 Guangzhou rule when the table is empty (keyed, so a retry replays)."""
        table = self.rule_table()
        if table is not None and table.revisions:
            return None
        cmd = c.PublishMealRule(
            effective_from=GUANGZHOU_2020_EFFECTIVE, price=GUANGZHOU_2020_PRICE, decision=GUANGZHOU_2020_DECISION,
            categories=tuple(_as_command(r) for r in GUANGZHOU_2020))
        return self.publish_meal_rule(cmd, replace(ctx, idempotency_key="seed-meal-rule:2020-01-01"))


def _amount(value: object, field: str) -> Decimal:
    try:
        return yuan_to_the_fen(value, field=field)
    except InvalidInputError as exc:
        raise MealValueInvalidError(field, exc.message) from None


def _rules(cmd: c.PublishMealRule) -> tuple[Decimal, list[CategoryRule]]:
    if len(cmd.categories) > 2 * len(SubsidyCategory):
        raise MealValueInvalidError("categories", "one row per subsidy category")
    rules = [CategoryRule(
        parse_enum(SubsidyCategory, row.category, "categories.category"),
        Shares(*(_amount(getattr(row, p), f"categories.{p}")
                 for p in ("enterprise", "city", "district", "street", "charity", "elder"))),
        parse_enum(LostSharesPayer, row.lost_shares_to, "categories.lostSharesTo")) for row in cmd.categories]
    return _amount(cmd.price, "price"), rules


def _decision(raw: str) -> str:
    return text.line(raw, "decision", max_length=text.REFERENCE_MAX)


def _correction(raw: str | None) -> str | None:
    return text.optional_free_text(raw, "correctionReason", max_length=text.SHORT_TEXT_MAX)


def _as_command(rule: CategoryRule) -> c.CategoryShares:
    s = rule.shares
    return c.CategoryShares(rule.category.value, s.enterprise, s.city, s.district, s.street, s.charity, s.elder,
                            rule.lost_shares_to.value)

