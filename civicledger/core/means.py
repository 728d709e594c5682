"""A household member's own declaration of means — monthly income and assets in yuan — as every program that
asks for one takes it (an assistance application, a linkage referral asking another program to open one).
Amounts arrive as given (numbers or numeric strings) and are checked by the program that uses them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

Amount = Decimal | str | int


@dataclass(frozen=True)
class DeclaredMeans:
    resident_id: UUID
    monthly_income: Amount
    assets: Amount = "0"
