"""GraphQL types of the meal service's money: the rule table's revisions and a draft's preview, and the
monthly settlement by payer (the finance office's view) with its lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.domains.meals.settlement import LineKind
from civicledger.domains.meals.values import Locality, LostSharesPayer, Payer, SubsidyCategory
from civicledger.graphql.meals.types import (
    LIST_DEFAULT,
    LIST_MAX,
    LineKindEnum,
    ListAfter,
    ListFirst,
    LocalityEnum,
    LostSharesPayerEnum,
    MealCanteenType,
    PayerEnum,
    SharesType,
    SubsidyCategoryEnum,
    canteen,
    json_list,
)
from civicledger.graphql.relay import connection, list_connection, page_limit


@strawberry.type(name="MealRuleCategory", description="One row of a rule revision: a category's shares at the "
                                                      "base price, and who pays a share lost outside home.")
class RuleCategoryType:
    category: SubsidyCategoryEnum = strawberry.field(description="The subsidy category this row is for.")  # type: ignore[valid-type]
    shares: SharesType = strawberry.field(description="Each payer's share of one meal at the base price, in yuan "
                                          "(they add up to the revision's price).")
    lost_shares_to: LostSharesPayerEnum = strawberry.field(  # type: ignore[valid-type]
        description="Who pays the street and district shares when the elder eats outside their own street or "
                    "district (MealLocality).")


@strawberry.type(name="MealRuleRevision", description="One published revision of the meal subsidy rule table.")
class RuleRevisionType:
    revision: int = strawberry.field(description="Its number: 1 for the first, then one more for each revision "
                                     "published (revisions are only ever added).")
    effective_from: date = strawberry.field(description="The first day its rows apply to meals.")
    price: Decimal = strawberry.field(description="The base meal's price in yuan.")
    decision: str = strawberry.field(description="The published decision it implements.")
    categories: list[RuleCategoryType] = strawberry.field(description="One row per subsidy category (4).")
    correction_reason: str | None = strawberry.field(description="Set when it changed rules already in force.")
    published_by: str | None = strawberry.field(description="The user who published it (null if not known).")
    published_at: datetime | None = strawberry.field(description="When it was published (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> RuleRevisionType:
        return cls(revision=row["revision"], effective_from=row["effective_from"], price=row["price"],
                   decision=row["decision"], categories=[category(c) for c in json_list(row["categories"])],
                   correction_reason=row["correction_reason"], published_by=row["published_by"],
                   published_at=row["published_at"])


def category(item: dict[str, Any]) -> RuleCategoryType:
    return RuleCategoryType(category=SubsidyCategory(item["category"]), lost_shares_to=LostSharesPayer(
        item["lostSharesTo"]), shares=SharesType(**{p.value.lower(): Decimal(item[p.value]) for p in Payer}))


def shares_of(shares: Any) -> SharesType:
    return SharesType(enterprise=shares.enterprise, city=shares.city, district=shares.district,
                      street=shares.street, charity=shares.charity, elder=shares.elder)


RuleRevisionEdge, RuleRevisionConnection = connection("MealRuleRevision", RuleRevisionType, "Revisions of the rule "
                                                      "table, oldest first.")
REVISIONS_RULE = (page_limit(LIST_MAX, LIST_DEFAULT) + "Every revision, oldest first (in the order they were "
                  "published; a revision is never taken back).")


def revision_page(revisions: list[RuleRevisionType], first: int | None, after: str | None) -> Any:
    return list_connection(RuleRevisionEdge, RuleRevisionConnection, revisions, "mrule", first, after, None,
                           LIST_DEFAULT, LIST_MAX)


@strawberry.type(name="MealRuleTable", description="The rule table: every revision, and the one in force.")
class RuleTableType:
    all_revisions: strawberry.Private[list[RuleRevisionType]]
    in_force: RuleRevisionType | None = strawberry.field(description="In force on the date asked (default today).")

    @strawberry.field(description=REVISIONS_RULE)
    def revisions(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> RuleRevisionConnection:
        return revision_page(self.all_revisions, first, after)


@strawberry.type(name="MealRulePreviewLine", description="A category at a locality: the split in force before "
                                                         "the draft's date, the draft's, and the meals recorded "
                                                         "there in the sample window.")
class PreviewLineType:
    category: SubsidyCategoryEnum = strawberry.field(description="The subsidy category.")  # type: ignore[valid-type]
    locality: LocalityEnum = strawberry.field(  # type: ignore[valid-type]
        description="Where the meal was eaten relative to the elder's home.")
    before: SharesType | None = strawberry.field(description="The split per meal in force on the draft's date "
                                                 "without it, in yuan (null: no revision in force then).")
    after: SharesType = strawberry.field(description="The draft's split per meal, in yuan.")
    sample_meals: int = strawberry.field(description="Meals of this category at this locality recorded in the "
                                         "sample window (the last 28 days).")

    @strawberry.field(description="(after − before) × sample meals, per payer: what the sample would have cost "
                                  "each payer more (negative: less).")
    def sample_difference(self) -> SharesType:
        before = self.before or SharesType(enterprise=Decimal(0), city=Decimal(0), district=Decimal(0),
                                           street=Decimal(0), charity=Decimal(0), elder=Decimal(0))
        n = self.sample_meals
        return SharesType(**{p: (getattr(self.after, p) - getattr(before, p)) * n
                             for p in ("enterprise", "city", "district", "street", "charity", "elder")})


@strawberry.type(name="MealRulePreview", description="What publishing a revision would change. Writes nothing.")
class RulePreviewType:
    revision: int = strawberry.field(description="The number the revision would get if published now.")
    effective_from: date = strawberry.field(description="The draft's first day.")
    price: Decimal = strawberry.field(description="The draft's base meal price, in yuan.")
    sample_from: date = strawberry.field(description="First day of the sample window, inclusive (28 days before "
                                         "`sampleUntil`).")
    sample_until: date = strawberry.field(description="Last day of the sample window, exclusive (today).")
    lines: list[PreviewLineType] = strawberry.field(description="One line per subsidy category and locality "
                                                    "(at most 4 x 3).")


def preview_line(line: Any) -> PreviewLineType:
    return PreviewLineType(category=SubsidyCategory(line.category), locality=Locality(line.locality),
                           before=shares_of(line.before) if line.before else None, after=shares_of(line.after),
                           sample_meals=line.meals)


@strawberry.type(name="MealSettlementTotal", description="What one payer paid for a month's meals, in all.")
class SettlementTotalType:
    payer: PayerEnum = strawberry.field(description="Who pays.")  # type: ignore[valid-type]
    payer_code: str = strawberry.field(description="GUANGZHOU (the city), a district code, DISTRICT/street, or "
                                                   "a charity fund's code.")
    amount: Decimal = strawberry.field(description="Originals and corrections together.")
    original: Decimal = strawberry.field(description="The month's first settlement, in yuan.")
    corrections: Decimal = strawberry.field(description="Later corrections, in yuan (negative: paid back).")
    meals: int = strawberry.field(description="Meals counted.")
    canteens: int = strawberry.field(description="Canteens paid.")

    @classmethod
    def from_row(cls, row: Any) -> SettlementTotalType:
        return cls(payer=Payer(row["payer"]), payer_code=row["payer_code"], amount=row["amount"],
                   original=row["original"] or Decimal(0), corrections=row["corrections"], meals=int(row["meals"]),
                   canteens=int(row["canteens"]))


SettlementTotalEdge, SettlementTotalConnection = connection("MealSettlementTotal", SettlementTotalType, "A month's "
                                                            "totals by payer: the city, then each district, street "
                                                            "and charity fund by code.")


@strawberry.type(name="MealSettlementLine", description="One line of one canteen's settlement run.")
class SettlementLineType:
    row: strawberry.Private[Any]

    @strawberry.field(description="The month settled (its first day).")
    def month(self) -> date:
        return self.row["month"]  # type: ignore[no-any-return]

    @strawberry.field(description="1 for the month's first run; later runs pay corrections.")
    def run(self) -> int:
        return self.row["run"]  # type: ignore[no-any-return]

    @strawberry.field(description="What the line pays for.")
    def kind(self) -> LineKindEnum:  # type: ignore[valid-type]
        return LineKind(self.row["kind"])

    @strawberry.field(description="Who pays.")
    def payer(self) -> PayerEnum:  # type: ignore[valid-type]
        return Payer(self.row["payer"])

    @strawberry.field(description="The paying body's code (the district, street or charity fund).")
    def payer_code(self) -> str:
        return self.row["payer_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Negative for a correction that pays back.")
    def amount(self) -> Decimal:
        return self.row["amount"]  # type: ignore[no-any-return]

    @strawberry.field(description="Meals the line counts.")
    def meals(self) -> int:
        return self.row["meals"]  # type: ignore[no-any-return]

    @strawberry.field(description="When the settlement run recorded it.")
    def settled_at(self) -> datetime:
        return self.row["settled_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="The canteen's UUID.")
    def canteen_id(self) -> UUID:
        return self.row["canteen_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The canteen settled (null if it is not in the read model).")
    async def canteen(self, info: Info) -> MealCanteenType | None:
        return await canteen(info, self.row["canteen_id"])


@strawberry.type(name="MealSettlementLineEdge")
class SettlementLineEdge:
    cursor: str
    node: SettlementLineType


@strawberry.type(name="MealSettlementLineConnection")
class SettlementLineConnection:
    edges: list[SettlementLineEdge]
    page_info: relay.PageInfo
