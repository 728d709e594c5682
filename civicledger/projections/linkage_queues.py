"""Work queues over `linkage_referrals`, `linkage_tasks` and `linkage_needs`: what an organisation or a person
has to do, each item with its due time, bucketed as overdue, due soon or open at a given instant.

An organisation's queue: referrals to answer (due: the accept deadline), referrals to complete (the completion
deadline) and open tasks it owns. A community committee's queue adds its coordination: needs not yet referred,
declined referrals to reassign, completed referrals whose resident has not yet been asked for feedback. A
person's queue: the open tasks owned by them. Two targets here are the queue's own (they do not escalate):
refer a need within 48 hours of collection (24 if urgent), ask for feedback within 7 days of completion."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import asyncpg

REFER_WITHIN = "interval '48 hours'"
REFER_URGENT_WITHIN = "interval '24 hours'"
FEEDBACK_WITHIN = "interval '7 days'"

ITEMS_TEMPLATE = f"""
WITH items AS (
  SELECT 'REFERRAL_TO_ANSWER' AS kind, r.id AS item_id, r.id AS referral_id, r.need_id, NULL::uuid AS task_id,
         r.accept_due AS due, r.urgency, r.sub_item, r.community_id
    FROM linkage_referrals r WHERE r.organisation_id = {{org}} AND r.status = 'REFERRED'
  UNION ALL
  SELECT 'REFERRAL_TO_COMPLETE', r.id, r.id, r.need_id, NULL, r.complete_due, r.urgency, r.sub_item, r.community_id
    FROM linkage_referrals r WHERE r.organisation_id = {{org}} AND r.status IN ('ACCEPTED', 'IN_PROGRESS')
  UNION ALL
  SELECT 'TASK', t.id, t.referral_id, r.need_id, t.id, ((t.due_on + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'),
         r.urgency, r.sub_item, r.community_id
    FROM linkage_tasks t JOIN linkage_referrals r ON r.id = t.referral_id
   WHERE t.status = 'OPEN' AND r.assignment = t.assignment AND r.status IN ('ACCEPTED', 'IN_PROGRESS')
     AND (t.owner_organisation_id = {{org}} OR t.owner_staff_id = {{staff}})
  UNION ALL
  SELECT 'REFERRAL_TO_REASSIGN', r.id, r.id, r.need_id, NULL, r.accept_due, r.urgency, r.sub_item, r.community_id
    FROM linkage_referrals r WHERE r.community_id = {{org}} AND r.status = 'DECLINED'
  UNION ALL
  SELECT 'FEEDBACK_TO_COLLECT', r.id, r.id, r.need_id, NULL, r.completed_at + {FEEDBACK_WITHIN}, r.urgency,
         r.sub_item, r.community_id
    FROM linkage_referrals r WHERE r.community_id = {{org}} AND r.status = 'COMPLETED'
  UNION ALL
  SELECT 'NEED_TO_REFER', n.id, NULL, n.id, NULL,
         n.collected_at + CASE WHEN n.urgency = 'URGENT' THEN {REFER_URGENT_WITHIN} ELSE {REFER_WITHIN} END,
         n.urgency, n.sub_item, n.community_id
    FROM linkage_needs n WHERE n.community_id = {{org}} AND n.status = 'OPEN'
), bucketed AS (
  SELECT items.*, coalesce(due, 'infinity'::timestamptz) AS sort_due,
         CASE WHEN due < {{as_of}} THEN 'OVERDUE' WHEN due < {{soon}} THEN 'DUE_SOON' ELSE 'OPEN' END AS bucket
    FROM items
)
"""


@functools.lru_cache(maxsize=64)
def bucketed_items(org: str, staff: str, as_of: str, soon: str) -> str:
    """The queue's WITH clause (`items`, then `bucketed` with each item's bucket and sort key), its parameters
    named by the caller's placeholders: the organisation, the staff member, the instant, the instant plus the
    due-soon window."""
    return ITEMS_TEMPLATE.format(org=org, staff=staff, as_of=as_of, soon=soon)


ITEMS = bucketed_items("$1", "$2", "$3", "$4")


async def queue_counts(conn: asyncpg.Connection, *, organisation_id: Any = None, staff_id: str | None = None,
                       as_of: datetime, due_soon: timedelta) -> dict[str, int]:
    rows = await conn.fetch(ITEMS + "SELECT bucket, count(*) AS n FROM bucketed GROUP BY bucket",
                            organisation_id, staff_id, as_of, as_of + due_soon)
    counts = {"OVERDUE": 0, "DUE_SOON": 0, "OPEN": 0}
    counts.update({r["bucket"]: r["n"] for r in rows})
    return counts


async def queue_page(conn: asyncpg.Connection, *, organisation_id: Any = None, staff_id: str | None = None,
                     as_of: datetime, due_soon: timedelta, bucket: str | None = None,
                     after: tuple[datetime, Any] | None = None, limit: int = 20) -> list[asyncpg.Record]:
    """Soonest due first (items without a due time last); keyset on (due, item id); `limit + 1` rows."""
    clauses: list[str] = ["true"]
    args: list[Any] = [organisation_id, staff_id, as_of, as_of + due_soon]
    if bucket is not None:
        args.append(bucket)
        clauses.append(f"bucket = ${len(args)}")
    if after is not None:
        args += [after[0], after[1]]
        clauses.append(f"(sort_due, item_id) > (${len(args) - 1}, ${len(args)})")
    args.append(limit + 1)
    return await conn.fetch(ITEMS + f"SELECT * FROM bucketed WHERE {' AND '.join(clauses)}"
                            f" ORDER BY sort_due, item_id LIMIT ${len(args)}", *args)


async def overdue_candidates(conn: asyncpg.Connection, as_of: datetime, *, limit: int = 500) -> list[Any]:
    """Referrals whose accept or completion deadline has passed without an escalation in this assignment:
    the SLA sweep's candidates (the write model decides)."""
    rows = await conn.fetch(
        "SELECT id FROM linkage_referrals"
        " WHERE (status IN ('REFERRED', 'DECLINED') AND accept_due <= $1"
        "        AND NOT escalations ? ('ACCEPT:' || assignment))"
        "    OR (status IN ('ACCEPTED', 'IN_PROGRESS') AND complete_due <= $1"
        "        AND NOT escalations ? ('COMPLETE:' || assignment))"
        " ORDER BY accept_due LIMIT $2", as_of, limit)
    return [r["id"] for r in rows]
