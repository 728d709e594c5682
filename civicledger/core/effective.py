"""Effective-dated data: "as in force on date D", as opposed to "as recorded at instant T".

Standards, entitlements and meal rules change by published decisions that take effect on a business date
(Asia/Shanghai), often recorded days after — or before — that date. Two questions follow, and inspectors
ask both: *what did the system know at instant T* (time travel: replay the stream's events up to T) and
*what was in force on date D* (this protocol). Together: "what did the system, as recorded at T, hold to be
in force on D" — e.g. the 低保 standard for July 2018 as the system showed it on 1 August, before the
adjustment recorded on 11 August took effect retroactively from 1 July.

An aggregate takes part by implementing `EffectiveDated` — `AssistanceStandard` (the revision in force) and
`AssistanceCase` (the monthly entitlement in force, and whether that month is payable) do; a new program's
rule can keep a `Schedule` and delegate:

    class MealSubsidyRule(CivicAggregate):
        def __init__(...):
            self.schedule = Schedule()

        @event("Adjusted")
        def _adjusted(self, effective_from: date, monthly_yuan: Decimal, decision: str) -> None:
            self.schedule.set(effective_from, {"monthlyYuan": monthly_yuan, "decision": decision})

        def in_force_on(self, day: date) -> Mapping[str, Any] | None:
            return self.schedule.in_force_on(day)

GraphQL's `streamInForce(id, on, asOf)` rebuilds any such aggregate as recorded at `asOf` (default: now)
and answers `in_force_on(on)`; programs may also expose typed fields built on the same method."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class EffectiveDated(Protocol):
    def in_force_on(self, day: date) -> Mapping[str, Any] | None:
        """The values in force on this business date, or None before the first effective date."""


@dataclass
class Schedule:
    """Values by the date they take effect; a later decision for the same date replaces the earlier one."""

    versions: dict[date, Mapping[str, Any]] = field(default_factory=dict)

    def set(self, effective_from: date, values: Mapping[str, Any]) -> None:
        self.versions[effective_from] = dict(values)

    def in_force_on(self, day: date) -> Mapping[str, Any] | None:
        start = max((d for d in self.versions if d <= day), default=None)
        if start is None:
            return None
        return {"effectiveFrom": start, "effectiveUntil": self.next_change_after(start), **self.versions[start]}

    def next_change_after(self, day: date) -> date | None:
        return min((d for d in self.versions if d > day), default=None)
