"""The one input for a household member's own declaration of means, taken by every program that asks for one
(an assistance application, a change of circumstances, a linkage referral asking another program)."""

from __future__ import annotations

import strawberry

from civicledger.core.means import DeclaredMeans
from civicledger.graphql.relay import uuid_of


@strawberry.input(name="DeclaredMeansInput", description="One member's own declaration, in yuan.")
class DeclaredMeansInput:
    resident_id: strawberry.ID
    monthly_income: str = strawberry.field(description="Monthly income, e.g. \"400\" or \"1234.50\".")
    assets: str = strawberry.field(default="0", description=("Assets (savings, securities ...) in yuan, e.g. "
                                                             "\"20000\"; default \"0\"."))

    def to_command(self) -> DeclaredMeans:
        return DeclaredMeans(uuid_of(self.resident_id, "Resident"), self.monthly_income, self.assets)
