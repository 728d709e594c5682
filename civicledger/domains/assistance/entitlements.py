"""Months, payment schedules and entitlement lines.

A case's schedule says what it pays a month, from which month, under which standard revision and assessment.
Payroll turns a month of the schedule into a MONTHLY line (once per month). When the schedule changes for
months already paid (a standard raised from an earlier date, an adjustment), the difference becomes
ARREARS lines, one per month, kept apart from the monthly lines; nothing is ever clawed back."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from civicledger.core.money import ZERO


class EntitlementKind(str, Enum):
    MONTHLY = "MONTHLY"
    ARREARS = "ARREARS"
    ONE_OFF = "ONE_OFF"


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class ScheduleEntry:
    from_month: date
    monthly_amount: Decimal
    standard_revision: int
    standard_amount: Decimal
    assessment_id: UUID


def entry_for(schedule: Sequence[ScheduleEntry], month: date) -> ScheduleEntry | None:
    """The entry in force for `month` (schedules are in date order: see `merged`)."""
    found = None
    for entry in schedule:
        if entry.from_month > month:
            break
        found = entry
    return found


def amount_for(schedule: Sequence[ScheduleEntry], month: date) -> Decimal:
    entry = entry_for(schedule, month)
    return entry.monthly_amount if entry else ZERO


def merged(entries: Sequence[ScheduleEntry]) -> tuple[ScheduleEntry, ...]:
    """Drop entries that change nothing (same amount, revision and assessment as the one before)."""
    out: list[ScheduleEntry] = []
    for entry in sorted(entries, key=lambda e: e.from_month):
        if out and (out[-1].monthly_amount, out[-1].standard_revision, out[-1].assessment_id) == (
                entry.monthly_amount, entry.standard_revision, entry.assessment_id):
            continue
        if out and out[-1].from_month == entry.from_month:
            out[-1] = entry
            continue
        out.append(entry)
    return tuple(out)


@dataclass(frozen=True)
class ArrearsLine:
    service_month: date
    amount: Decimal


def arrears(schedule: Sequence[ScheduleEntry], accrued: Mapping[date, Decimal], paid_months: Sequence[date],
            since: date) -> list[ArrearsLine]:
    """For every month already paid from `since` on, what the schedule now owes beyond what was accrued."""
    lines = []
    for month in sorted(m for m in paid_months if m >= since):
        owed = amount_for(schedule, month) - accrued.get(month, ZERO)
        if owed > 0:
            lines.append(ArrearsLine(month, owed))
    return lines


def first_difference(old: Sequence[ScheduleEntry], new: Sequence[ScheduleEntry]) -> date | None:
    """The first month whose amount or basis differs between two schedules (None if none does)."""
    months = sorted({e.from_month for e in old} | {e.from_month for e in new})
    for month in months:
        a, b = entry_for(old, month), entry_for(new, month)
        key_a = (a.monthly_amount, a.standard_revision, a.assessment_id) if a else None
        key_b = (b.monthly_amount, b.standard_revision, b.assessment_id) if b else None
        if key_a != key_b:
            return month
    return None
