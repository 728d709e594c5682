"""The closed sets of the meal service, each named as stored in events (names are kept forever)."""

from __future__ import annotations

from enum import Enum


class SiteKind(str, Enum):
    CANTEEN = "CANTEEN"  # 长者饭堂: cooks and serves (eat-in, and delivery to elders' homes)
    DELIVERY_POINT = "DELIVERY_POINT"  # 助餐点: serves what its supplying canteen's kitchen cooked


class OperatorType(str, Enum):
    SOCIAL_OPERATOR = "SOCIAL_OPERATOR"  # run by an enterprise or social organisation (86% in the account)
    GOVERNMENT_RUN = "GOVERNMENT_RUN"


class CanteenStatus(str, Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class EconomicStatus(str, Enum):
    """What the caseworker established at enrolment: poor (低收入困难) or entitled (低保 / 特困) elders get the
    poor-or-entitled subsidy; everyone else the subsidy of their age band."""

    ORDINARY = "ORDINARY"
    POOR = "POOR"
    ENTITLED = "ENTITLED"


class SubsidyCategory(str, Enum):
    """The rows of the rule table. An elder who qualifies for several gets the one with the largest government
    share (see `enrolment.subsidy_category`)."""

    POOR_OR_ENTITLED = "POOR_OR_ENTITLED"
    DISABLED = "DISABLED"
    AGED_80_PLUS = "AGED_80_PLUS"
    AGED_60_79 = "AGED_60_79"


class Locality(str, Enum):
    """Where the elder ate (or was delivered from) relative to their home: it decides which government shares
    are paid."""

    OWN_STREET = "OWN_STREET"
    OWN_DISTRICT = "OWN_DISTRICT"  # another street of the home district: the street share is lost
    OTHER_DISTRICT = "OTHER_DISTRICT"  # the street and the district shares are lost


class LostSharesPayer(str, Enum):
    """Who pays a government share lost by eating outside one's own street or district."""

    ELDER = "ELDER"
    CHARITY = "CHARITY"


class ServiceMode(str, Enum):
    EAT_IN = "EAT_IN"
    DELIVERED = "DELIVERED"


class Sitting(str, Enum):
    BREAKFAST = "BREAKFAST"
    LUNCH = "LUNCH"
    DINNER = "DINNER"


class Payer(str, Enum):
    """The four parties (the government as three tiers): 企业让一点、政府补一点、慈善捐一点、个人掏一点."""

    ENTERPRISE = "ENTERPRISE"
    CITY = "CITY"
    DISTRICT = "DISTRICT"
    STREET = "STREET"
    CHARITY = "CHARITY"
    ELDER = "ELDER"


# Payers the monthly settlement pays a canteen (the elder pays at the counter; the enterprise's discount is
# the operator's own concession).
SETTLED_PAYERS = (Payer.CITY, Payer.DISTRICT, Payer.STREET, Payer.CHARITY)


class DietaryNeed(str, Enum):
    LOW_SALT = "LOW_SALT"
    LOW_SUGAR = "LOW_SUGAR"
    LOW_FAT = "LOW_FAT"
    SOFT = "SOFT"
    MINCED = "MINCED"
    VEGETARIAN = "VEGETARIAN"
    HALAL = "HALAL"
    NO_SEAFOOD = "NO_SEAFOOD"


class Unit(str, Enum):
    KG = "KG"
    LITRE = "LITRE"
    PIECE = "PIECE"
    CASE = "CASE"


class FollowUpOutcome(str, Enum):
    """What came of contacting an elder after a recall."""

    CONTACTED_WELL = "CONTACTED_WELL"
    CONTACTED_UNWELL = "CONTACTED_UNWELL"  # unwell: referred for medical care
    UNREACHABLE = "UNREACHABLE"
    FAMILY_INFORMED = "FAMILY_INFORMED"
