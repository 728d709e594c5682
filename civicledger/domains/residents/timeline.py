"""The registry's entries on a resident's timeline."""

from __future__ import annotations

from functools import cache

from civicledger.core.guangzhou import District
from civicledger.core.timeline import TimelineContribution, entry
from civicledger.domains.residents.household import Household
from civicledger.domains.residents.resident import Residency, Resident


@cache  # (a handful of codes, each summary of a registration or a move names one)
def _district(code: str) -> str:
    try:
        d = District(code)
    except ValueError:
        return code
    return f"{d.value.title()} ({d.info.name_zh})"


def _registered(e: Resident.Registered) -> object:
    residency = "a registered (hukou) resident" if e.residency is Residency.REGISTERED \
        else "a non-registered (migrant) resident"
    return entry(e.originator_id, "resident.registered", f"Registered in {_district(e.district)} as {residency}")


def _corrected(e: object) -> object:
    fields = sorted(getattr(e, "changes", None) or {})
    labels = {"name": "name", "id_number": "ID number", "phone": "phone", "residency": "residency",
              "gender": "gender", "birth_date": "birth date"}
    what = ", ".join(labels.get(f, f) for f in fields) if fields else "personal details"
    return entry(e.originator_id, "resident.details_corrected", f"Corrected {what}")  # type: ignore[attr-defined]


CONTRIBUTION = TimelineContribution(
    program="residents",
    rules={
        Resident.Registered: _registered,
        Resident.DetailsCorrected: _corrected,
        Resident.AddressChanged: lambda e: entry(
            e.originator_id, "resident.address_changed", f"Moved to a new address in {_district(e.district)}"),
        Resident.DeathRecorded: lambda e: entry(e.originator_id, "resident.death_recorded", "Death recorded"),
        Resident.PersonalDataErased: lambda e: entry(
            e.originator_id, "resident.erased", "Personal data erased on a lawful request"),
        Household.Established: lambda e: entry(
            e.head_id, "household.established", "Became head of a newly registered household"),
        Household.MemberAdded: lambda e: entry(
            e.resident_id, "household.member_added",
            f"Joined a household ({e.relationship.value.replace('_', ' ').lower()} of the head)"),
        Household.MemberRemoved: lambda e: [
            entry(e.resident_id, "household.member_removed", "Left the household"),
            *([entry(e.new_head_id, "household.head_changed", "Became head of the household")]
              if e.new_head_id else []),
        ],
    },
)
