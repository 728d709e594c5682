"""GraphQL types of the meal service: canteens and enrolled elders (Relay nodes over their read models), the
closed sets, a meal's split, and the keyset page shared by the program's connections.

An elder's subsidy basis (economic status, disability) and dietary needs are personal data: `null` (with
`personalDataMasked: true`) unless the one visibility rule (`permissions.sees_personal_data`) lets the reader
see the elder's personal data — and every unmasked read is recorded in the read-access log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.core.guangzhou import district_name
from civicledger.domains.meals.settlement import LineKind
from civicledger.domains.meals.values import (
    CanteenStatus,
    DietaryNeed,
    EconomicStatus,
    FollowUpOutcome,
    Locality,
    LostSharesPayer,
    OperatorType,
    Payer,
    ServiceMode,
    SiteKind,
    Sitting,
    SubsidyCategory,
    Unit,
)
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.permissions import sees_personal_data
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.meals_canteens import canteens_by_ids
from civicledger.projections.meals_elders import elders_by_ids

# The lists inside a meal-service node or report (a batch's runs and recall notices, an elder's canteens, the
# rule table's revisions, a month's totals by payer): pages of at most
# 200, 20 by default (a nested list costs its page size in a request's cost estimate).
LIST_MAX, LIST_DEFAULT = 200, 20
ListFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {LIST_MAX} (default "
                                                                  f"{LIST_DEFAULT}).")]
ListAfter = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]

SiteKindEnum = strawberry.enum(SiteKind, name="MealSiteKind", description="A canteen cooks; a delivery point "
                               "serves what its supplying canteen's kitchen cooked.")
OperatorTypeEnum = strawberry.enum(OperatorType, name="MealOperatorType", description="Who runs a canteen.")
CanteenStatusEnum = strawberry.enum(CanteenStatus, name="MealCanteenStatus", description="Whether a canteen serves.")
EconomicStatusEnum = strawberry.enum(EconomicStatus, name="ElderEconomicStatus", description="POOR: 低收入困难; "
                                     "ENTITLED: 低保 or 特困.")
SubsidyCategoryEnum = strawberry.enum(SubsidyCategory, name="MealSubsidyCategory",
                                     description="The rows of the meal rule table: an elder who qualifies for"
                                                 " several gets the one with the largest government share.")
LocalityEnum = strawberry.enum(Locality, name="MealLocality", description="Where the meal was served, seen from "
                               "the elder's home: it decides which government shares are paid.")
LostSharesPayerEnum = strawberry.enum(LostSharesPayer, name="MealLostSharesPayer",
                                     description="Who pays a government share lost by eating outside one's own"
                                                 " street or district.")
ServiceModeEnum = strawberry.enum(ServiceMode, name="MealServiceMode", description="How the meal reached the elder.")
SittingEnum = strawberry.enum(Sitting, name="MealSitting", description="Which meal of the day.")
PayerEnum = strawberry.enum(Payer, name="MealPayer", description="Who pays a share of a meal (企业让一点、政府补一点、"
                            "慈善捐一点、个人掏一点).")
describe_enum_values("MealPayer", {
    "ENTERPRISE": "The canteen's operator: its discount, a concession of its own (not settled).",
    "CITY": "The city government's subsidy.",
    "DISTRICT": "The district government's subsidy.",
    "STREET": "The street office's subsidy.",
    "CHARITY": "Charitable donations.",
    "ELDER": "The elder, at the counter (not settled).",
})
DietaryNeedEnum = strawberry.enum(DietaryNeed, name="DietaryNeed", description="A dietary need the canteen must meet.")
describe_enum_values("DietaryNeed", {
    "LOW_SALT": "Low salt.", "LOW_SUGAR": "Low sugar (e.g. diabetes).", "LOW_FAT": "Low fat.",
    "SOFT": "Soft food, for chewing difficulties.", "MINCED": "Minced food, for swallowing difficulties.",
    "VEGETARIAN": "No meat or fish.", "HALAL": "Halal.", "NO_SEAFOOD": "No seafood (allergy).",
})
UnitEnum = strawberry.enum(Unit, name="SupplierBatchUnit", description="The unit a batch's quantity is in.")
FollowUpOutcomeEnum = strawberry.enum(FollowUpOutcome, name="RecallFollowUpOutcome",
                                     description="What came of contacting an elder who ate from a recalled batch.")
describe_enum_values("MealSiteKind", {"CANTEEN": "长者饭堂: cooks and serves (eat-in, and delivery to elders' homes).",
                                      "DELIVERY_POINT": "助餐点: serves what its supplying canteen's kitchen cooked."})
describe_enum_values("MealOperatorType", {"SOCIAL_OPERATOR": "Run by an enterprise or a social organisation.",
                                          "GOVERNMENT_RUN": "Run by the government."})
describe_enum_values("MealCanteenStatus", {"OPEN": "Serving.", "CLOSED": "Closed (with a reason): no meals recorded."})
describe_enum_values("ElderEconomicStatus", {"ORDINARY": "Neither poor nor entitled: the subsidy of their age band.",
                                             "POOR": "A low-income household (低收入困难).",
                                             "ENTITLED": "Receives 低保 or 特困 support."})
describe_enum_values("MealSubsidyCategory", {"POOR_OR_ENTITLED": "Poor or entitled elders.",
                                             "DISABLED": "Disabled elders.",
                                             "AGED_80_PLUS": "Elders aged 80 or more.",
                                             "AGED_60_79": "Elders aged 60 to 79."})
describe_enum_values("MealLocality", {"OWN_STREET": "In the elder's own street: every share is paid.",
                                      "OWN_DISTRICT": "Another street of the home district: the street share is lost.",
                                      "OTHER_DISTRICT": "Another district: the street and district shares are lost."})
describe_enum_values("MealLostSharesPayer", {"ELDER": "The elder pays them at the counter.",
                                             "CHARITY": "The charity fund pays them."})
describe_enum_values("MealServiceMode", {"EAT_IN": "Eaten at the canteen or delivery point.",
                                         "DELIVERED": "Delivered to the elder's home."})
describe_enum_values("MealSitting", {"BREAKFAST": "Breakfast.", "LUNCH": "Lunch.", "DINNER": "Dinner."})
describe_enum_values("SupplierBatchUnit", {"KG": "Kilograms.", "LITRE": "Litres.", "PIECE": "Pieces.",
                                           "CASE": "Cases (as delivered)."})
describe_enum_values("RecallFollowUpOutcome", {"CONTACTED_WELL": "Reached, and well.",
                                               "CONTACTED_UNWELL": "Reached, unwell: referred for medical care.",
                                               "UNREACHABLE": "Could not be reached.",
                                               "FAMILY_INFORMED": "Their family was informed."})
LineKindEnum = strawberry.enum(LineKind, name="MealSettlementLineKind", description="ORIGINAL: a month's first "
                               "run; CORRECTION: a later difference (a meal voided or added late).")
describe_enum_values("MealSettlementLineKind", {
    "ORIGINAL": "The month's first settlement run for the canteen.",
    "CORRECTION": "A later run's difference: meals voided (negative) or recorded late.",
})


def json_list(raw: Any) -> list[Any]:
    return list(json.loads(raw) if isinstance(raw, (str, bytes)) else raw or [])




def reveal_elder(info: Info, row: Any, field: str) -> bool:
    """May this reader see this elder's personal data (never once erased)? If so, the read is recorded."""
    ctx = info.context
    if row["erased"] or not sees_personal_data(ctx.principal, row["district"], ctx.purpose):
        return False
    ctx.record_read(row["resident_id"], row["district"], field)
    return True


@strawberry.type(name="MealShares", description="What each payer pays for one meal, in yuan; the shares always "
                                                "add up to the price.")
class SharesType:
    enterprise: Decimal = strawberry.field(description="The operator's discount (企业让一点).")
    city: Decimal = strawberry.field(description="Paid by the city government, wherever in Guangzhou the elder "
                                     "eats.")
    district: Decimal = strawberry.field(description="Paid by the elder's home district, only inside it.")
    street: Decimal = strawberry.field(description="Paid by the elder's home street, only inside it.")
    charity: Decimal = strawberry.field(description="Paid by the charity fund (with the shares lost outside the "
                                        "elder's street or district when the rule gives them to it).")
    elder: Decimal = strawberry.field(description="Paid by the elder at the counter.")

    @strawberry.field(description="city + district + street.")
    def government(self) -> Decimal:
        return self.city + self.district + self.street

    @strawberry.field(description="Every share: the meal's price.")
    def total(self) -> Decimal:
        return self.enterprise + self.city + self.district + self.street + self.charity + self.elder


# -- canteens ------------------------------------------------------------------------------------------


@strawberry.type(name="MealCanteen", description="A canteen (长者饭堂) or delivery point (助餐点).")
class MealCanteenType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The canteen's UUID (the global id wraps it).")
    def canteen_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="Its name.")
    def name(self) -> str:
        return self.row["name"]  # type: ignore[no-any-return]

    @strawberry.field(description="A canteen or a delivery point.")
    def kind(self) -> SiteKindEnum:  # type: ignore[valid-type]
        return SiteKind(self.row["kind"])

    @strawberry.field(description="Who runs it.")
    def operator_type(self) -> OperatorTypeEnum:  # type: ignore[valid-type]
        return OperatorType(self.row["operator_type"])

    @strawberry.field(description="The operator's name.")
    def operator_name(self) -> str:
        return self.row["operator_name"]  # type: ignore[no-any-return]

    @strawberry.field(description="District code, e.g. HAIZHU.")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="The district's Chinese name.")
    def district_name(self) -> str:
        return district_name(self.row["district"])

    @strawberry.field(description="The street (街道) it is in.")
    def street(self) -> str:
        return self.row["street"]  # type: ignore[no-any-return]

    @strawberry.field(description="Seats (or meals a sitting).")
    def capacity(self) -> int:
        return self.row["capacity"]  # type: ignore[no-any-return]

    @strawberry.field(description="ISO weekdays it serves on: 1 = Monday … 7 = Sunday.")
    def opening_days(self) -> list[int]:
        return [int(d) for d in json_list(self.row["opening_days"])]

    @strawberry.field(description="The office code its staff's tokens carry.")
    def office(self) -> str:
        return self.row["office"]  # type: ignore[no-any-return]

    @strawberry.field(description="The charity fund that pays its charity shares.")
    def charity_fund(self) -> str:
        return self.row["charity_fund"]  # type: ignore[no-any-return]

    @strawberry.field(description="Open or closed.")
    def status(self) -> CanteenStatusEnum:  # type: ignore[valid-type]
        return CanteenStatus(self.row["status"])

    @strawberry.field(description="When it was registered.")
    def registered_at(self) -> datetime:
        return self.row["registered_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="A delivery point's supplying canteen (a canteen is its own kitchen: null).")
    async def kitchen(self, info: Info) -> MealCanteenType | None:
        return await canteen(info, self.row["kitchen_id"])

    @classmethod
    def from_row(cls, row: Any) -> MealCanteenType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("meal_canteens", canteens_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


async def canteen(info: Info, canteen_id: UUID | None) -> MealCanteenType | None:
    if canteen_id is None:
        return None
    row = await info.context.loader("meal_canteens", canteens_by_ids).load(canteen_id)
    return MealCanteenType.from_row(row) if row else None


@strawberry.type(name="MealCanteenEdge")
class MealCanteenEdge:
    cursor: str
    node: MealCanteenType


@strawberry.type(name="MealCanteenConnection")
class MealCanteenConnection:
    edges: list[MealCanteenEdge]
    page_info: relay.PageInfo


# -- elders --------------------------------------------------------------------------------------------------


@strawberry.type(name="MealElder", description="A resident enrolled (now or before) in the meal service.")
class MealElderType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The resident (their name, ID number, phone and address masked by role).")
    async def resident(self, info: Info) -> ResidentType | None:
        row = await info.context.loaders.resident.load(self.row["resident_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field(description="The resident's UUID (their Resident's global ID is `resident.id`).")
    def resident_id(self) -> UUID:
        return self.row["resident_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="Home district code: its district share is paid only in it.")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="Home street: its street share is paid only in it.")
    def street(self) -> str:
        return self.row["street"]  # type: ignore[no-any-return]

    @strawberry.field(description="False once withdrawn.")
    def active(self) -> bool:
        return self.row["active"]  # type: ignore[no-any-return]

    @strawberry.field(description="The day the elder was enrolled in the meal service.")
    def enrolled_on(self) -> date:
        return self.row["enrolled_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="The day the elder was withdrawn (null while enrolled).")
    def withdrawn_on(self) -> date | None:
        return self.row["withdrawn_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Personal data: null when masked.")
    def economic_status(self, info: Info) -> EconomicStatusEnum | None:  # type: ignore[valid-type]
        value = self.row["economic_status"]
        return EconomicStatus(value) if value and reveal_elder(info, self.row, "economicStatus") else None

    @strawberry.field(description="Personal data: null when masked.")
    def disabled(self, info: Info) -> bool | None:
        value = self.row["disabled"]
        return value if value is not None and reveal_elder(info, self.row, "disabled") else None

    @strawberry.field(description="Personal (health) data: null when masked.")
    def dietary_needs(self, info: Info) -> list[DietaryNeedEnum] | None:  # type: ignore[valid-type]
        value = self.row["dietary_needs"]
        if value is None or not reveal_elder(info, self.row, "dietaryNeeds"):
            return None
        return [DietaryNeed(n) for n in json_list(value)]

    @strawberry.field(description="Personal (health) data: null when masked.")
    def dietary_note(self, info: Info) -> str | None:
        value = self.row["dietary_note"]
        return value if value is not None and reveal_elder(info, self.row, "dietaryNote") else None

    @strawberry.field(description="True when this reader sees the elder's personal data masked (or it was erased).")
    def personal_data_masked(self, info: Info) -> bool:
        ctx = info.context
        return bool(self.row["erased"]) or not sees_personal_data(ctx.principal, self.row["district"], ctx.purpose)

    @classmethod
    def from_row(cls, row: Any) -> MealElderType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("meal_elders", elders_by_ids).load_many([ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="MealElderEdge")
class MealElderEdge:
    cursor: str
    node: MealElderType


@strawberry.type(name="MealElderConnection")
class MealElderConnection:
    edges: list[MealElderEdge]
    page_info: relay.PageInfo
