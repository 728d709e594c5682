"""The assistance program's entries on the timelines of every member of the household.

Summaries name the program, the step and the months concerned; never incomes, assets or amounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from civicledger.core.timeline import TimelineContribution, TimelineEntry, entry
from civicledger.domains.assistance.case import AssistanceCase as Case
from civicledger.domains.assistance.programs import Program


def _label(program: Program) -> str:
    return program.rule.label


def audience(e: Any) -> tuple[UUID, ...]:
    """Every member of the household, and the persons covered."""
    return tuple(dict.fromkeys([*e.household_members, *e.members]))


def _members(kind: str, text: Callable[[Any], str]) -> Callable[[Any], TimelineEntry]:
    return lambda e: entry(audience(e), f"assistance.{kind}", text(e))


def _applied(e: Case.Applied) -> TimelineEntry:
    size = len(e.members)
    who = "1 person" if size == 1 else f"{size} people"
    via = " on a referral" if e.referral_id else ""
    return entry(audience(e), "assistance.applied", f"Applied for {_label(e.program)} for {who}{via}")


def _assessed(e: Case.Assessed) -> TimelineEntry:
    verdict = "eligible" if e.eligible else "not eligible"
    return entry(audience(e), "assistance.assessed", f"Assessed as {verdict} after household economic verification")


def _approved(e: Case.Approved) -> TimelineEntry:
    what = "One-off assistance approved" if e.one_off_amount is not None \
        else f"Assistance approved from {e.first_month:%Y-%m}"
    return entry(audience(e), "assistance.approved", what)


CONTRIBUTION = TimelineContribution(
    program="assistance",
    rules={
        Case.Applied: _applied,
        Case.VerificationRequested: _members(
            "verification_requested",
            lambda e: f"Household economic verification requested ({len(e.sources)} sources)"),
        Case.Assessed: _assessed,
        Case.NoticePosted: _members("notice_posted", lambda e: f"Public notice posted until {e.ends_on:%Y-%m-%d}"),
        Case.Approved: _approved,
        Case.Rejected: _members("rejected", lambda e: "Application rejected"),
        Case.Recalculated: _members(
            "recalculated", lambda e: f"Entitlement recalculated under a new standard from {e.from_month:%Y-%m}"),
        Case.CircumstancesChanged: _members("circumstances_changed", lambda e: "Change of circumstances reported"),
        Case.AmountAdjusted: _members("adjusted", lambda e: f"Entitlement adjusted from {e.from_month:%Y-%m}"),
        Case.ReviewCompleted: _members(
            "reviewed", lambda e: f"Periodic review completed; next review due {e.next_review_due:%Y-%m}"),
        Case.Suspended: _members("suspended", lambda e: f"Assistance suspended from {e.from_month:%Y-%m}"),
        Case.Resumed: _members("resumed", lambda e: f"Assistance resumed from {e.from_month:%Y-%m}"),
        Case.Terminated: _members("terminated", lambda e: f"Assistance ended from {e.from_month:%Y-%m}"),
    },
)
