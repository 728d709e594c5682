"""The meal service's entries on elders' timelines: enrolment, meals summarised per day (one entry per elder
when a canteen's day sheet is closed, not one per meal), late and voided meals, and recall follow-ups.

Summaries name the canteen, the date, counts and outcomes; never dietary needs, notes, categories (they
reveal 低保 / 特困 status) or amounts."""

from __future__ import annotations

from civicledger.core.timeline import TimelineContribution, TimelineEntry, entry
from civicledger.domains.meals.enrolment import MealEnrolment as Enrolment
from civicledger.domains.meals.meal_day import MealDay
from civicledger.domains.meals.values import FollowUpOutcome

OUTCOMES = {FollowUpOutcome.CONTACTED_WELL: "contacted, well", FollowUpOutcome.CONTACTED_UNWELL:
            "contacted, unwell: referred for care", FollowUpOutcome.UNREACHABLE: "could not be reached",
            FollowUpOutcome.FAMILY_INFORMED: "family informed"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _day_closed(e: MealDay.Closed) -> list[TimelineEntry]:
    entries = []
    for day in e.elders:
        how = [part for part in (f"{day.eat_in} eaten in" if day.eat_in else "",
                                 f"{day.delivered} delivered" if day.delivered else "") if part]
        entries.append(entry(day.resident_id, "meals.day", f"{_plural(day.meals, 'meal')} at {e.canteen_name}"
                             f" on {e.served_on:%Y-%m-%d} ({', '.join(how)})"))
    return entries


def _late(e: MealDay.MealsServed) -> list[TimelineEntry] | None:
    if e.late_reason is None:
        return None  # counted when the day's sheet is closed
    counts: dict[object, int] = {}
    for meal in e.meals:
        counts[meal.resident_id] = counts.get(meal.resident_id, 0) + 1
    return [entry(resident, "meals.late", f"{_plural(n, 'meal')} of {e.served_on:%Y-%m-%d} added after the day"
                  " was closed") for resident, n in counts.items()]


def _voided(e: MealDay.MealVoided) -> TimelineEntry | None:
    if not e.after_close:
        return None
    return entry(e.resident_id, "meals.voided", f"A meal of {e.served_on:%Y-%m-%d} voided after the day was closed")


CONTRIBUTION = TimelineContribution(
    program="meals",
    rules={
        Enrolment.Enrolled: lambda e: entry(e.resident_id, "meals.enrolled", "Enrolled in the elder meal service"),
        Enrolment.Reenrolled: lambda e: entry(e.resident_id, "meals.enrolled",
                                              "Enrolled again in the elder meal service"),
        Enrolment.DetailsChanged: lambda e: entry(e.resident_id, "meals.changed", "Meal service details updated"),
        Enrolment.Withdrawn: lambda e: entry(e.resident_id, "meals.withdrawn", "Left the elder meal service"),
        Enrolment.RecallFollowUpRecorded: lambda e: entry(
            e.resident_id, "meals.recall_contact", f"Contacted after a food recall: {OUTCOMES[e.outcome]}"),
        MealDay.Closed: _day_closed,
        MealDay.MealsServed: _late,
        MealDay.MealVoided: _voided,
    },
)
