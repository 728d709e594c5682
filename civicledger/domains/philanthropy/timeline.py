"""Venture philanthropy's entries on residents' timelines: a resident taking part in a funded project as one of
its beneficiaries. The summary names the organisation only — never the project's title or category, which can
reveal a disability or hardship."""

from __future__ import annotations

from civicledger.core.timeline import TimelineContribution, entry
from civicledger.domains.philanthropy.proposal import Proposal

CONTRIBUTION = TimelineContribution(
    program="philanthropy",
    rules={
        Proposal.BeneficiaryEnrolled: lambda e: entry(
            e.resident_id, "philanthropy.beneficiary",
            f"Took part in a community project (公益创投) run by {e.organisation}"),
    },
)
