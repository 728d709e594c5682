"""Charity matching's entries on residents' timelines: their need published (anonymously, with consent), support
accepted, support delivered, the need withdrawn. Never the donor's conditions or the amounts' sources."""

from __future__ import annotations

from civicledger.core.timeline import TimelineContribution, entry
from civicledger.domains.charity.match import CharityMatch
from civicledger.domains.charity.need import CharityNeed

CONTRIBUTION = TimelineContribution(
    program="charity",
    rules={
        CharityNeed.Published: lambda e: entry(
            e.resident_id, "charity.published",
            f"A need ({e.category.value.lower().replace('_', ' ')}) published anonymously for donors, with consent"),
        CharityNeed.Withdrawn: lambda e: entry(e.resident_id, "charity.withdrawn", "The charity need was withdrawn"),
        CharityMatch.Accepted: lambda e: entry(e.resident_id, "charity.matched", "A donor's support was accepted"),
        CharityMatch.Fulfilled: lambda e: entry(e.resident_id, "charity.fulfilled", "A donor's support was delivered"),
    },
)
