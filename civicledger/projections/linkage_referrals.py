"""`linkage_referrals`: each referral as it stands (for queues, dashboards and the referral screen), its full
history (`linkage_referral_history`, one row per event), and every sharing of personal data with the basis
and, for overrides, the reason (`linkage_data_sharing`, shown to inspectors).

Personal columns (the shared description and phone, the outcome, the resident's comment) are blanked when
the resident is erased; history rows and sharing records hold none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.linkage.referral import Referral, ReferralStatus
from civicledger.projections.base import Envelope, PersonalColumns, Projection, topics_of
from civicledger.projections.linkage_referral_rows import COLUMNS, DDL, history_details, new_row
from civicledger.projections.sql import copy_rows, upsert_rows

HISTORY = ("referral_id", "position", "version", "kind", "details", "actor_id", "actor_role", "actor_office",
           "reason", "occurred_at")
SHARING = ("referral_id", "position", "resident_id", "organisation_id", "basis", "override_reason", "shared_by",
           "shared_at", "correlation_id")

S = ReferralStatus


class LinkageReferralsProjection(Projection):
    """Referrals with status, deadlines, escalations, sharing, feedback and the other program's outcome."""

    name = "linkage_referrals"
    tables = ("linkage_referrals", "linkage_referral_history", "linkage_data_sharing")
    topics = topics_of(
        Referral.Referred, Referral.Accepted, Referral.Declined, Referral.Reassigned, Referral.WorkStarted,
        Referral.Completed, Referral.FeedbackGiven, Referral.Closed, Referral.Withdrawn,
        Referral.PersonalDataShared, Referral.Escalated, Referral.ProgramApplicationRequested,
        Referral.ProgramApplicationOpened, Referral.ProgramApplicationRefused, Referral.ProgramOutcomeReported,
    )
    personal_columns = (PersonalColumns(
        "linkage_referrals", "resident_id",
        ("shared_description", "shared_contact_phone", "outcome", "feedback_comment"), erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        for statement in DDL:
            await conn.execute(statement)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        rows = {r["id"]: {**dict(r), "escalations": json.loads(r["escalations"])} for r in await conn.fetch(
            "SELECT * FROM linkage_referrals WHERE id = ANY($1)", list({env.stream_id for env in batch}))}
        history, sharing = [], []
        for env in batch:
            e = env.event
            if isinstance(e, Referral.Referred):
                rows[env.stream_id] = new_row(env, e)
            row = rows.get(env.stream_id)
            if row is None:
                continue
            self._change(row, e)
            row.update(version=env.version, updated_at=e.timestamp, position=env.position)
            history.append((env.stream_id, env.position, env.version, env.kind, history_details(e), env.actor_id,
                            env.actor_role, env.actor_office, env.reason, e.timestamp))
            if isinstance(e, Referral.PersonalDataShared):
                sharing.append((env.stream_id, env.position, e.resident_id, e.organisation_id, e.basis.value,
                                e.override_reason, e.shared_by, e.timestamp, env.correlation_id))
        for row in rows.values():
            row["escalations"] = json.dumps(row["escalations"])
        await upsert_rows(conn, "linkage_referrals", "id", COLUMNS, rows.values())
        await copy_rows(conn, "linkage_referral_history", HISTORY, history)
        await copy_rows(conn, "linkage_data_sharing", SHARING, sharing)

    @staticmethod
    def _change(row: dict[str, Any], e: Any) -> None:
        if isinstance(e, Referral.Accepted):
            row.update(status=S.ACCEPTED.value, accepted_at=e.timestamp, complete_due=e.complete_due)
            row["first_accepted_at"] = row["first_accepted_at"] or e.timestamp
        elif isinstance(e, Referral.Declined):
            row.update(status=S.DECLINED.value, declines=row["declines"] + 1, last_decline_reason=e.reason)
        elif isinstance(e, Referral.Reassigned):
            row.update(status=S.REFERRED.value, organisation_id=e.organisation_id,
                       organisation_name=e.organisation_name, lead_party=e.lead_party.value,
                       deviation_reason=e.deviation_reason, accept_due=e.accept_due, assignment=e.assignment,
                       accepted_at=None, complete_due=None, shared_description=None, shared_contact_phone=None,
                       sharing_basis=None, shared_organisation_id=None, shared_at=None, override_reason=None)
        elif isinstance(e, Referral.WorkStarted):
            row["status"] = S.IN_PROGRESS.value
        elif isinstance(e, Referral.Completed):
            row.update(status=S.COMPLETED.value, completed_at=e.timestamp, outcome=e.outcome)
        elif isinstance(e, Referral.FeedbackGiven):
            row.update(satisfaction=e.satisfaction, feedback_comment=e.comment, feedback_at=e.timestamp)
        elif isinstance(e, Referral.Closed):
            row.update(status=S.CLOSED.value, closed_at=e.timestamp)
        elif isinstance(e, Referral.Withdrawn):
            row.update(status=S.WITHDRAWN.value, closed_at=e.timestamp)
        elif isinstance(e, Referral.PersonalDataShared):
            row.update(sharing_basis=e.basis.value, shared_organisation_id=e.organisation_id,
                       shared_description=e.description, shared_contact_phone=e.contact_phone,
                       shared_at=e.timestamp, override_reason=e.override_reason)
        elif isinstance(e, Referral.Escalated):
            row["escalations"] = [*row["escalations"], f"{e.deadline.value}:{e.assignment}"]
            row["last_escalated_at"] = e.timestamp
        elif isinstance(e, Referral.ProgramApplicationRequested):
            row.update(program=e.program, program_scheme=e.scheme, program_household_id=e.household_id,
                       program_requested_at=e.timestamp, program_application_id=None, program_outcome=None,
                       program_decided_at=None)
        elif isinstance(e, Referral.ProgramApplicationOpened):
            row["program_application_id"] = e.application_id
        elif isinstance(e, Referral.ProgramApplicationRefused):
            row.update(program_outcome="REFUSED", program_decided_at=e.timestamp)
        elif isinstance(e, Referral.ProgramOutcomeReported):
            row.update(program_application_id=e.application_id, program_outcome=e.outcome,
                       program_decided_at=e.timestamp)


async def referrals_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM linkage_referrals WHERE id = ANY($1)", list(ids))


async def search_referrals(conn: asyncpg.Connection, *, community_id: Any = None, organisation_id: Any = None,
                           resident_id: Any = None, status: str | None = None, district: str | None = None,
                           street: str | None = None, escalated: bool | None = None, after_seq: int | None = None,
                           limit: int = 20) -> list[asyncpg.Record]:
    """Keyset page in referral order; `escalated` finds what reached the street office. `limit + 1` rows."""
    clauses: list[str] = ["seq > $1"]
    args: list[Any] = [after_seq or 0]
    for column, value in (("community_id", community_id), ("organisation_id", organisation_id),
                          ("resident_id", resident_id), ("status", status), ("district", district),
                          ("street", street)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if escalated is not None:
        clauses.append(f"{'' if escalated else 'NOT '}jsonb_array_length(escalations) > 0")
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM linkage_referrals WHERE {' AND '.join(clauses)}"
                            f" ORDER BY seq LIMIT ${len(args)}", *args)


async def referral_history(conn: asyncpg.Connection, referral_id: Any, *, after: int | None = None,
                           limit: int = 50) -> list[asyncpg.Record]:
    """Oldest first; `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM linkage_referral_history WHERE referral_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        referral_id, after or 0, limit + 1)


async def data_sharing(conn: asyncpg.Connection, *, basis: str | None = None, referral_id: Any = None,
                       before: int | None = None, limit: int = 20) -> list[asyncpg.Record]:
    """Newest first; `limit + 1` rows."""
    clauses: list[str] = ["position < $1"]
    args: list[Any] = [before or 2**62]
    for column, value in (("basis", basis), ("referral_id", referral_id)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM linkage_data_sharing WHERE {' AND '.join(clauses)}"
                            f" ORDER BY position DESC LIMIT ${len(args)}", *args)
