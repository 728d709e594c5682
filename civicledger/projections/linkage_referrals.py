"""`linkage_referrals`: each referral as it stands (for queues, dashboards and the referral screen), its full
history (`linkage_referral_history`, one row per event), and every sharing of personal data with the basis
and, for overrides, the reason (`linkage_data_sharing`, shown to inspectors).

Personal columns (the shared description and phone, the outcome, the resident's comment) are blanked when
the resident is erased; history rows and sharing records hold none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from civicledger.domains.linkage.referral import Referral, ReferralStatus
from civicledger.projections.base import Envelope, PersonalColumns, on
from civicledger.projections.linkage_referral_rows import COLUMNS, DDL, history_details, new_row
from civicledger.projections.rows import RowProjection, Rows
from civicledger.projections.sql import copy_rows

HISTORY = ("referral_id", "position", "version", "kind", "details", "actor_id", "actor_role", "actor_office",
           "reason", "occurred_at")
SHARING = ("referral_id", "position", "resident_id", "organisation_id", "basis", "override_reason", "shared_by",
           "shared_at", "correlation_id")

S = ReferralStatus


class LinkageReferralsProjection(RowProjection):
    """Referrals with status, deadlines, escalations, sharing, feedback and the other program's outcome."""

    name = "linkage_referrals"
    tables = ("linkage_referrals", "linkage_referral_history", "linkage_data_sharing")
    table = "linkage_referrals"
    columns = COLUMNS
    json_columns = ("escalations",)
    personal_columns = (PersonalColumns(
        "linkage_referrals", "resident_id",
        ("shared_description", "shared_contact_phone", "outcome", "feedback_comment"), erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        for statement in DDL:
            await conn.execute(statement)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        state = _Batch(Rows(await self.load(conn, list(dict.fromkeys(env.stream_id for env in batch)))))
        for env in batch:
            self.dispatch(env, state)
            row = state.rows.of(env.stream_id)
            if row is None:
                continue
            e = env.event
            row.update(version=env.version, updated_at=e.timestamp, position=env.position)
            state.history.append((env.stream_id, env.position, env.version, env.kind, history_details(e),
                                  env.actor_id, env.actor_role, env.actor_office, env.reason, e.timestamp))
        await self.write(conn, state.rows.changed())
        await copy_rows(conn, "linkage_referral_history", HISTORY, state.history)
        await copy_rows(conn, "linkage_data_sharing", SHARING, state.sharing)

    def _on(self, b: _Batch, env: Envelope, **values: Any) -> dict[str, Any] | None:
        row = b.rows.of(env.stream_id)
        if row is not None:
            row.update(values)
        return row

    @on(Referral.Referred)
    def _referred(self, b: _Batch, env: Envelope, e: Referral.Referred) -> None:
        b.rows.new(env.stream_id, **new_row(env, e))

    @on(Referral.Accepted)
    def _accepted(self, b: _Batch, env: Envelope, e: Referral.Accepted) -> None:
        row = self._on(b, env, status=S.ACCEPTED.value, accepted_at=e.timestamp, complete_due=e.complete_due)
        if row is not None:
            row["first_accepted_at"] = row["first_accepted_at"] or e.timestamp

    @on(Referral.Declined)
    def _declined(self, b: _Batch, env: Envelope, e: Referral.Declined) -> None:
        if (row := b.rows.peek(env.stream_id)) is not None:
            self._on(b, env, status=S.DECLINED.value, declines=row["declines"] + 1, last_decline_reason=e.reason)

    @on(Referral.Reassigned)
    def _reassigned(self, b: _Batch, env: Envelope, e: Referral.Reassigned) -> None:
        self._on(b, env, status=S.REFERRED.value, organisation_id=e.organisation_id,
                 organisation_name=e.organisation_name, lead_party=e.lead_party.value,
                 deviation_reason=e.deviation_reason, accept_due=e.accept_due, assignment=e.assignment,
                 accepted_at=None, complete_due=None, shared_description=None, shared_contact_phone=None,
                 sharing_basis=None, shared_organisation_id=None, shared_at=None, override_reason=None)

    @on(Referral.WorkStarted)
    def _work_started(self, b: _Batch, env: Envelope, e: Referral.WorkStarted) -> None:
        self._on(b, env, status=S.IN_PROGRESS.value)

    @on(Referral.Completed)
    def _completed(self, b: _Batch, env: Envelope, e: Referral.Completed) -> None:
        self._on(b, env, status=S.COMPLETED.value, completed_at=e.timestamp, outcome=e.outcome)

    @on(Referral.FeedbackGiven)
    def _feedback(self, b: _Batch, env: Envelope, e: Referral.FeedbackGiven) -> None:
        self._on(b, env, satisfaction=e.satisfaction, feedback_comment=e.comment, feedback_at=e.timestamp)

    @on(Referral.Closed)
    def _closed(self, b: _Batch, env: Envelope, e: Referral.Closed) -> None:
        self._on(b, env, status=S.CLOSED.value, closed_at=e.timestamp)

    @on(Referral.Withdrawn)
    def _withdrawn(self, b: _Batch, env: Envelope, e: Referral.Withdrawn) -> None:
        self._on(b, env, status=S.WITHDRAWN.value, closed_at=e.timestamp)

    @on(Referral.PersonalDataShared)
    def _shared(self, b: _Batch, env: Envelope, e: Referral.PersonalDataShared) -> None:
        if self._on(b, env, sharing_basis=e.basis.value, shared_organisation_id=e.organisation_id,
                    shared_description=e.description, shared_contact_phone=e.contact_phone,
                    shared_at=e.timestamp, override_reason=e.override_reason) is not None:
            b.sharing.append((env.stream_id, env.position, e.resident_id, e.organisation_id, e.basis.value,
                              e.override_reason, e.shared_by, e.timestamp, env.correlation_id))

    @on(Referral.Escalated)
    def _escalated(self, b: _Batch, env: Envelope, e: Referral.Escalated) -> None:
        if (row := b.rows.peek(env.stream_id)) is not None:
            self._on(b, env, escalations=[*row["escalations"], f"{e.deadline.value}:{e.assignment}"],
                     last_escalated_at=e.timestamp)

    @on(Referral.ProgramApplicationRequested)
    def _application_requested(self, b: _Batch, env: Envelope, e: Referral.ProgramApplicationRequested) -> None:
        self._on(b, env, program=e.program, program_scheme=e.scheme, program_household_id=e.household_id,
                 program_requested_at=e.timestamp, program_application_id=None, program_outcome=None,
                 program_decided_at=None)

    @on(Referral.ProgramApplicationOpened)
    def _application_opened(self, b: _Batch, env: Envelope, e: Referral.ProgramApplicationOpened) -> None:
        self._on(b, env, program_application_id=e.application_id)

    @on(Referral.ProgramApplicationRefused)
    def _application_refused(self, b: _Batch, env: Envelope, e: Referral.ProgramApplicationRefused) -> None:
        self._on(b, env, program_outcome="REFUSED", program_decided_at=e.timestamp)

    @on(Referral.ProgramOutcomeReported)
    def _outcome(self, b: _Batch, env: Envelope, e: Referral.ProgramOutcomeReported) -> None:
        self._on(b, env, program_application_id=e.application_id, program_outcome=e.outcome,
                 program_decided_at=e.timestamp)


@dataclass
class _Batch:
    rows: Rows
    history: list[tuple[Any, ...]] = field(default_factory=list)
    sharing: list[tuple[Any, ...]] = field(default_factory=list)


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
