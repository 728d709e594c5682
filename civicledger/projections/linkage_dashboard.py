"""Community dashboards over `linkage_needs`, `linkage_referrals` and `linkage_meetings`, computed when asked
(overdue depends on the instant; medians need the whole distribution, which one community's rows give in
one index range).

- needs by category and referrals by status;
- median time to accept: from the first referral to the first acceptance — the resident's wait, declines
  and reassignments included; median time to complete: from the first referral to completion;
- overdue: open referrals past their accept deadline (waiting for an answer, or declined and not yet
  reassigned) or past their completion deadline, at `as_of`; escalated: referrals escalated at least once;
- satisfaction: mean and count of the residents' 1..5 scores;
- three-party meetings held, and the date of the last one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Dashboard:
    community_id: Any
    as_of: datetime
    needs_by_category: dict[str, int]
    referrals_by_status: dict[str, int]
    median_hours_to_accept: float | None
    median_hours_to_complete: float | None
    overdue: int
    escalated: int
    satisfaction_mean: float | None
    satisfaction_count: int
    meetings: int
    last_meeting_on: date | None


REFERRALS = """
SELECT
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_accepted_at - referred_at))
    FILTER (WHERE first_accepted_at IS NOT NULL) / 3600 AS accept_h,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - referred_at))
    FILTER (WHERE completed_at IS NOT NULL) / 3600 AS complete_h,
  count(*) FILTER (WHERE (status IN ('REFERRED', 'DECLINED') AND accept_due < $2)
                      OR (status IN ('ACCEPTED', 'IN_PROGRESS') AND complete_due < $2)) AS overdue,
  count(*) FILTER (WHERE jsonb_array_length(escalations) > 0) AS escalated,
  avg(satisfaction)::float8 AS satisfaction_mean,
  count(satisfaction) AS satisfaction_count
FROM linkage_referrals WHERE community_id = $1
"""


async def community_dashboard(conn: asyncpg.Connection, community_id: Any, as_of: datetime) -> Dashboard:
    needs = await conn.fetch("SELECT category, count(*) AS n FROM linkage_needs WHERE community_id = $1"
                             " GROUP BY category ORDER BY category", community_id)
    statuses = await conn.fetch("SELECT status, count(*) AS n FROM linkage_referrals WHERE community_id = $1"
                                " GROUP BY status ORDER BY status", community_id)
    figures = await conn.fetchrow(REFERRALS, community_id, as_of)
    meetings = await conn.fetchrow("SELECT count(*) AS n, max(held_on) AS last FROM linkage_meetings"
                                   " WHERE community_id = $1", community_id)
    return Dashboard(
        community_id=community_id, as_of=as_of,
        needs_by_category={r["category"]: r["n"] for r in needs},
        referrals_by_status={r["status"]: r["n"] for r in statuses},
        median_hours_to_accept=figures["accept_h"], median_hours_to_complete=figures["complete_h"],
        overdue=figures["overdue"], escalated=figures["escalated"],
        satisfaction_mean=figures["satisfaction_mean"], satisfaction_count=figures["satisfaction_count"],
        meetings=meetings["n"], last_meeting_on=meetings["last"],
    )
