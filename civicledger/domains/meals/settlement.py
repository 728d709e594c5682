"""The monthly settlement of one canteen: what each payer owes it for the month's meals, paid once.

Each run compares what the month's live meals are owed, payer by payer (the shares frozen on each meal), with
what earlier runs already paid: the first run pays ORIGINAL lines; a later run pays only differences, as
CORRECTION lines (a meal voided, or added late, after the month was settled); a run that finds no
difference writes nothing. So running it twice pays once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.money import ZERO
from civicledger.domains.meals.meal_day import ServedMeal
from civicledger.domains.meals.values import SETTLED_PAYERS, Payer

CITY_CODE = "GUANGZHOU"


class LineKind(str, Enum):
    ORIGINAL = "ORIGINAL"
    CORRECTION = "CORRECTION"


@dataclass(frozen=True)
class SettlementLine:
    """What one payer pays the canteen in one run: `payer_code` names the payer (the city, a district, a
    street as `DISTRICT/street`, a charity fund)."""

    payer: Payer
    payer_code: str
    amount: Decimal
    meals: int
    kind: LineKind


def settlement_id(canteen_id: UUID, month: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"civicledger:meals:settlement:{canteen_id}:{month:%Y-%m}")


def payer_code(payer: Payer, district: str, street: str, charity_fund: str) -> str:
    return {Payer.CITY: CITY_CODE, Payer.DISTRICT: district, Payer.STREET: f"{district}/{street}",
            Payer.CHARITY: charity_fund}[payer]


Due = dict[tuple[Payer, str], tuple[Decimal, int]]


def amounts_due(meals: Iterable[ServedMeal], district: str, street: str, charity_fund: str) -> Due:
    """Per settled payer: the sum of its shares over these meals, and how many meals it paid towards."""
    due: Due = {}
    for meal in meals:
        for payer in SETTLED_PAYERS:
            amount = meal.shares.of(payer)
            if amount > ZERO:
                key = (payer, payer_code(payer, district, street, charity_fund))
                total, count = due.get(key, (ZERO, 0))
                due[key] = (total + amount, count + 1)
    return due


class CanteenSettlement(CivicAggregate):
    """One canteen's month. What has been paid per payer is the sum of every line of every run; a run pays
    exactly the difference to what is due, so no payer ever pays a meal twice. One stream per canteen and
    month (`settlement_id`)."""

    class Opened(CivicAggregate.Created):
        canteen_id: UUID
        canteen_name: str
        month: date
        district: str
        street: str

    class Settled(CivicAggregate.Event):
        run: int
        lines: tuple[SettlementLine, ...]
        meals: int

    @staticmethod
    def create_id(canteen_id: UUID, month: date) -> UUID:
        return settlement_id(canteen_id, month)

    @event(Opened)
    def __init__(self, canteen_id: UUID, canteen_name: str, month: date, district: str, street: str) -> None:
        self.canteen_id = canteen_id
        self.canteen_name = canteen_name
        self.month = month
        self.district = district
        self.street = street
        self.runs = 0
        self.paid: Due = {}

    def settle(self, due: Due, meals: int) -> bool:
        """Pay what is due and not yet paid; False (nothing recorded) when everything already is."""
        kind = LineKind.ORIGINAL if self.runs == 0 else LineKind.CORRECTION
        lines = []
        for key in sorted({*due, *self.paid}, key=lambda k: (SETTLED_PAYERS.index(k[0]), k[1])):
            amount, count = due.get(key, (ZERO, 0))
            paid, paid_count = self.paid.get(key, (ZERO, 0))
            if amount != paid or count != paid_count:
                lines.append(SettlementLine(key[0], key[1], amount - paid, count - paid_count, kind))
        if self.runs and not lines:
            return False
        self._settled(run=self.runs + 1, lines=tuple(lines), meals=meals)
        return True

    @event(Settled)
    def _settled(self, run: int, lines: tuple[SettlementLine, ...], meals: int) -> None:
        self.runs = run
        for line in lines:
            key = (line.payer, line.payer_code)
            paid, count = self.paid.get(key, (ZERO, 0))
            self.paid[key] = (paid + line.amount, count + line.meals)
