"""Marriage registration's entries on both parties' timelines: registration, divorce applications (filed,
withdrawn, lapsed), the divorce, corrections. Summaries name the office, dates and certificate numbers; never
the other party's name or ID number."""

from __future__ import annotations

from datetime import date

from civicledger.core.guangzhou import district_name
from civicledger.core.timeline import TimelineContribution, TimelineEntry, entry
from civicledger.domains.marriage.appointment import MarriageAppointment
from civicledger.domains.marriage.marriage import Marriage
from civicledger.domains.marriage.rules import cooling_off_ends


def _office(code: str) -> str:
    return f"{district_name(code)} marriage office"


def _registered(e: Marriage.Registered) -> TimelineEntry:
    return entry((e.husband_id, e.wife_id), "marriage.registered",
                 f"Marriage registered at the {_office(e.office)} on {e.registered_on:%Y-%m-%d} "
                 f"(certificate {e.certificate_number})")


def _on(d: date) -> str:
    return f"{d:%Y-%m-%d}"


def _corrected(e: Marriage.Corrected) -> TimelineEntry:
    what = ", ".join(f"{k.replace('_', ' ')} {e.before.get(k) or '-'} → {v}" for k, v in sorted(e.changes.items()))
    return entry(e.parties, "marriage.corrected", f"Marriage registration corrected by a supervisor: {what}")


CONTRIBUTION = TimelineContribution(
    program="marriage",
    rules={
        Marriage.Registered: _registered,
        Marriage.DivorceApplied: lambda e: entry(
            e.parties, "marriage.divorce_applied",
            f"Divorce application received at the {_office(e.office)} on {_on(e.applied_on)}; the 30-day "
            "cooling-off period runs to " + _on(cooling_off_ends(e.applied_on))),
        Marriage.DivorceApplicationWithdrawn: lambda e: entry(
            e.parties, "marriage.divorce_withdrawn",
            f"Divorce application of {_on(e.applied_on)} withdrawn on {_on(e.withdrawn_on)}"),
        Marriage.DivorceApplicationLapsed: lambda e: entry(
            e.parties, "marriage.divorce_lapsed",
            f"Divorce application of {_on(e.applied_on)} lapsed (not registered by {_on(e.lapsed_on)})"),
        Marriage.Divorced: lambda e: entry(
            e.parties, "marriage.divorced",
            f"Divorce registered at the {_office(e.office)} on {_on(e.divorced_on)} "
            f"(certificate {e.certificate_number})"),
        Marriage.Corrected: _corrected,
        Marriage.EndedByDeath: lambda e: entry(
            [p for p in e.parties if p != e.deceased_id], "marriage.widowed",
            f"Marriage ended by the spouse's death on {_on(e.died_on)}"),
        MarriageAppointment.Booked: lambda e: entry(
            e.party_ids, "marriage.appointment",
            f"Appointment at the {_office(e.office)} on {_on(e.on)} {e.slot} "
            f"({e.kind.value.lower().replace('_', ' ')})"),
    },
)
