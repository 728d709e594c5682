"""`deliberation_items`: one row per agenda item as it stands — where it is (district, street, community), its
stage, its participants, the votes and their tally, the decision with its basis, the execution tasks and the
supervision report with its outcome counts; what a community's or a street's agenda lists and filters.

No resident's personal data: residents take part by their resident id; what they said is in
`deliberation_positions`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.deliberation.item import AgendaItem
from civicledger.domains.deliberation.values import Stage
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "district": "text", "street": "text", "community": "text",
    "title": "text", "description": "text", "stage": "text", "concluded": "boolean", "proposed_on": "date",
    "proposed_by": "text", "plan": "text", "meeting_on": "date", "participants": "jsonb", "votes": "jsonb",
    "votes_for": "int", "votes_against": "int", "abstentions": "int", "positions": "int", "consultation_on": "date",
    "decision": "text", "basis": "text", "decided_on": "date", "tasks": "jsonb", "execution_on": "date",
    "report": "text", "outcomes": "jsonb", "reported_on": "date", "updated_at": "timestamptz", "position": "bigint",
}


class DeliberationItemsProjection(RowProjection):
    """Agenda items as they stand, for a community's and a street's agenda and the item screen."""

    name = "deliberation_items"
    tables = ("deliberation_items",)
    table = "deliberation_items"
    columns = COLUMNS
    json_columns = ("participants", "votes", "tasks", "outcomes")

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS deliberation_items ({ddl})")
        for name, columns in (("seq", "seq"), ("place", "district, street, community, seq"),
                              ("stage", "district, stage, seq")):
            unique = "UNIQUE " if name == "seq" else ""
            await conn.execute(f"CREATE {unique}INDEX IF NOT EXISTS deliberation_items_{name}_idx"
                               f" ON deliberation_items ({columns})")

    @on(AgendaItem.Proposed)
    def _proposed(self, rows: Rows, env: Envelope, e: AgendaItem.Proposed) -> None:
        row = rows.new(env.stream_id, **dict.fromkeys(COLUMNS))
        row.update(id=env.stream_id, seq=env.position, district=e.district, street=e.street, community=e.community,
                   title=e.title, description=e.description, stage=Stage.TOPIC_COLLECTION.value, concluded=False,
                   proposed_on=e.proposed_on, proposed_by=e.proposed_by, participants=[], votes=[], votes_for=0,
                   votes_against=0, abstentions=0, positions=0, tasks=[], outcomes=[])
        self._changed(row, env)

    @on(AgendaItem.Prepared)
    def _prepared(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, stage=Stage.PREPARATION.value, plan=e.plan, meeting_on=e.meeting_on)

    @on(AgendaItem.ParticipantAdded)
    def _participant(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            p = e.participant
            added = {"number": p.number, "kind": p.kind.value, "name": p.name,
                     "residentId": str(p.resident_id) if p.resident_id else None}
            self._update(rows, env, participants=[*row["participants"], added])

    @on(AgendaItem.ConsultationOpened)
    def _consultation(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, stage=Stage.CONSULTATION.value, consultation_on=e.opened_on)

    @on(AgendaItem.PositionStated)
    def _position(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, positions=e.number)

    @on(AgendaItem.VoteCast)
    def _vote(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is None:
            return
        column = {"FOR": "votes_for", "AGAINST": "votes_against", "ABSTAIN": "abstentions"}[e.choice.value]
        self._update(rows, env, votes=[*row["votes"], {"participant": e.participant, "choice": e.choice.value}],
                     **{column: row[column] + 1})

    @on(AgendaItem.Decided)
    def _decided(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, stage=Stage.DECISION.value, decision=e.outcome.value, basis=e.basis,
                     decided_on=e.decided_on, votes_for=e.votes_for, votes_against=e.votes_against,
                     abstentions=e.abstentions, concluded=e.outcome.value == "REJECTED")

    @on(AgendaItem.ExecutionStarted)
    def _execution(self, rows: Rows, env: Envelope, e: Any) -> None:
        tasks = [{"number": t.number, "title": t.title, "assignee": t.assignee, "dueOn": t.due_on.isoformat(),
                  "done": False, "note": None, "completedOn": None} for t in e.tasks]
        self._update(rows, env, stage=Stage.EXECUTION.value, tasks=tasks, execution_on=e.started_on)

    @on(AgendaItem.TaskCompleted)
    def _task(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            done = {"done": True, "note": e.note, "completedOn": e.completed_on.isoformat()}
            self._update(rows, env, tasks=[{**t, **done} if t["number"] == e.number else t for t in row["tasks"]])

    @on(AgendaItem.Supervised)
    def _supervised(self, rows: Rows, env: Envelope, e: Any) -> None:
        self._update(rows, env, stage=Stage.SUPERVISION.value, concluded=True, report=e.report,
                     outcomes=[{"kind": o.kind.value, "count": o.count} for o in e.outcomes],
                     reported_on=e.reported_on)

    def _update(self, rows: Rows, env: Envelope, **values: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(values)
            self._changed(row, env)

    @staticmethod
    def _changed(row: dict[str, Any], env: Envelope) -> None:
        row.update(version=env.version, updated_at=env.event.timestamp, position=env.position)


async def items_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM deliberation_items WHERE id = ANY($1)", list(ids))


async def search_items(conn: asyncpg.Connection, *, district: str | None = None, street: str | None = None,
                       community: str | None = None, stage: str | None = None, after_seq: int | None = None,
                       limit: int = 20) -> list[asyncpg.Record]:
    """Items by place and stage, oldest first, keyset-paged. `limit + 1` rows."""
    clauses, args = ["seq > $1"], [after_seq or 0]
    for clause, value in (("district = ${}", district), ("street = ${}", street), ("community = ${}", community),
                          ("stage = ${}", stage)):
        if value is not None:
            args.append(value)
            clauses.append(clause.format(len(args)))
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM deliberation_items WHERE {' AND '.join(clauses)} ORDER BY seq"
                            f" LIMIT ${len(args)}", *args)
