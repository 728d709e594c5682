"""How one meal's price is split between the payers: pure arithmetic over one row of the rule table.

A row states six shares that add up to the price: the enterprise's discount, the city's, the district's and
the street's subsidy (together the government's), charity's and the elder's. The district and street shares
are paid by the elder's *home* district and street, so they are paid only where the elder eats at home:

- in another street of the home district the street share is **lost**;
- in another district the district share is lost as well;

and a lost share falls to the payer the row names (`lost_shares_to`: the elder, or charity). The split is
moved, never recomputed, so its shares always add up to the price."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from civicledger.core.money import ZERO
from civicledger.domains.meals.values import Locality, LostSharesPayer, Payer, SubsidyCategory


@dataclass(frozen=True)
class Shares:
    """What each payer pays for one meal, in yuan."""

    enterprise: Decimal = ZERO
    city: Decimal = ZERO
    district: Decimal = ZERO
    street: Decimal = ZERO
    charity: Decimal = ZERO
    elder: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.enterprise + self.city + self.district + self.street + self.charity + self.elder

    @property
    def government(self) -> Decimal:
        return self.city + self.district + self.street

    def of(self, payer: Payer) -> Decimal:
        return getattr(self, payer.value.lower())  # type: ignore[no-any-return]

    def by_payer(self) -> dict[Payer, Decimal]:
        return {payer: self.of(payer) for payer in Payer}


@dataclass(frozen=True)
class CategoryRule:
    """One row of the rule table: a subsidy category's shares at the base price, and who pays lost shares."""

    category: SubsidyCategory
    shares: Shares
    lost_shares_to: LostSharesPayer


def locality(home_district: str, home_street: str, district: str, street: str) -> Locality:
    """Where the canteen is, seen from the elder's home."""
    if home_district != district:
        return Locality.OTHER_DISTRICT
    return Locality.OWN_STREET if home_street == street else Locality.OWN_DISTRICT


def split(rule: CategoryRule, where: Locality) -> Shares:
    """The row's shares, with the shares lost at `where` moved to the payer the row names."""
    shares = rule.shares
    lost = ZERO
    if where is not Locality.OWN_STREET:
        lost += shares.street
        shares = replace(shares, street=ZERO)
    if where is Locality.OTHER_DISTRICT:
        lost += shares.district
        shares = replace(shares, district=ZERO)
    if rule.lost_shares_to is LostSharesPayer.CHARITY:
        return replace(shares, charity=shares.charity + lost)
    return replace(shares, elder=shares.elder + lost)
