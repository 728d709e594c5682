"""`assistance_recalculation`: a process manager that follows the log like a read model.

It keeps, in its own tables and in the same transaction as its tracking row, which cases are live in which
program and the latest revision of each program's standard. When a revision is published it asks the
assistance service to recalculate every live case of that program, from the revision's effective date, with
arrears; when an approval or adjustment was decided on an older revision than the log already holds (the
publication raced the decision), it recalculates that case too.

Commands carry idempotency keys derived from (program, revision, case) — or from the position of the racing
decision — so a batch re-run after a crash, or a rebuild of this process from zero, writes nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.errors import CivicError, ConflictError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.core.metadata import CommandContext
from civicledger.domains.assistance.case import AssistanceCase as Case
from civicledger.domains.assistance.commands import RecalculateAssistance
from civicledger.domains.assistance.recalculation import recalculation_context
from civicledger.domains.assistance.standard import PROGRAM_OF_STREAM, AssistanceStandard
from civicledger.processes.context import event_id, uuid_or_none
from civicledger.projections.base import Envelope, Projection, on
from civicledger.projections.sql import upsert_rows

log = logging.getLogger(__name__)

Recalculate = Callable[[RecalculateAssistance, CommandContext], Awaitable[Recorded]]  # the command path
Commands = list[tuple[RecalculateAssistance, CommandContext]]


class AssistanceRecalculation(Projection):
    """Recalculates live cases when their program's standard changes."""

    name = "assistance_recalculation"
    tables = ("assistance_recalculation_cases", "assistance_recalculation_standards")

    def __init__(self, mapper: CivicMapper, recalculate: Recalculate, *, attempts: int = 3) -> None:
        super().__init__(mapper)
        self.recalculate = recalculate
        self.attempts = attempts

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_recalculation_cases (case_id uuid PRIMARY KEY,"
            " program text NOT NULL, live boolean NOT NULL, position bigint NOT NULL)")
        await conn.execute("CREATE INDEX IF NOT EXISTS assistance_recalculation_live_idx"
                           " ON assistance_recalculation_cases (program) WHERE live")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS assistance_recalculation_standards (program text PRIMARY KEY,"
            " revision int NOT NULL, position bigint NOT NULL)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        state = _State(conn)
        await state.load(batch)
        commands: list[tuple[RecalculateAssistance, CommandContext]] = []
        for env in batch:
            commands.extend(await self.dispatch(env, state))
        await state.save()
        for cmd, ctx in commands:
            await self._issue(cmd, ctx)

    # Each handler folds one event into the batch's state and returns the commands it calls for.

    @on(AssistanceStandard.RevisionPublished)
    async def _published(self, state: _State, env: Envelope, e: AssistanceStandard.RevisionPublished) -> Commands:
        program = PROGRAM_OF_STREAM[env.stream_id].value
        revision = e.revision.revision
        state.latest[program] = max(state.latest.get(program, 0), revision)
        state.standards_touched[program] = env.position
        live = sorted(await state.live_cases(program))
        return [(RecalculateAssistance(case, revision), recalculation_context(
            program, revision, case, correlation_id=uuid_or_none(env.correlation_id),
            causation_id=event_id(env.position))) for case in live]

    @on(Case.Applied)
    async def _applied(self, state: _State, env: Envelope, e: Case.Applied) -> Commands:
        state.cases[env.stream_id] = {"case_id": env.stream_id, "program": e.program.value, "live": False,
                                      "position": env.position}
        return []

    @on(Case.Rejected, Case.Terminated)
    async def _ended(self, state: _State, env: Envelope, e: Any) -> Commands:
        await state.set_live(env.stream_id, False, env.position)
        return []

    @on(Case.Approved, Case.AmountAdjusted)
    async def _decided(self, state: _State, env: Envelope, e: Any) -> Commands:
        """A decision made on an older revision than the log already holds (the publication raced it) is
        recalculated at once."""
        monthly = not (isinstance(e, Case.Approved) and e.one_off_amount is not None)
        decided_in = await state.set_live(env.stream_id, monthly, env.position)
        latest = state.latest.get(decided_in or "", 0)
        if decided_in is None or not monthly or latest <= e.standard_revision_seen:
            return []
        return [(RecalculateAssistance(env.stream_id, latest), recalculation_context(
            decided_in, latest, env.stream_id, after_position=env.position,
            correlation_id=uuid_or_none(env.correlation_id), causation_id=event_id(env.position)))]

    async def _issue(self, cmd: RecalculateAssistance, ctx: CommandContext) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                await self.recalculate(cmd, ctx)
                return
            except ConflictError:
                if attempt == self.attempts:
                    raise
            except CivicError as exc:
                # A case the rules no longer let us recalculate (e.g. no standard in force for its months) must
                # not hold back every other case: record it loudly and go on.
                log.error("recalculation of case %s under revision %s refused: %s", cmd.case_id,
                          cmd.standard_revision, exc.message)
                return


class _State:
    """Live cases per program and latest revisions, loaded for one batch and written back with it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.cases: dict[UUID, dict[str, Any]] = {}
        self.latest: dict[str, int] = {}
        self.live: dict[str, set[UUID]] = {}
        self.standards_touched: dict[str, int] = {}

    async def load(self, batch: Sequence[Envelope]) -> None:
        ids = [env.stream_id for env in batch if env.stream_id not in PROGRAM_OF_STREAM]
        for r in await self.conn.fetch("SELECT * FROM assistance_recalculation_cases WHERE case_id = ANY($1)", ids):
            self.cases[r["case_id"]] = dict(r)
        for r in await self.conn.fetch("SELECT program, revision FROM assistance_recalculation_standards"):
            self.latest[r["program"]] = r["revision"]

    async def live_cases(self, program: str) -> set[UUID]:
        if program not in self.live:
            rows = await self.conn.fetch(
                "SELECT case_id FROM assistance_recalculation_cases WHERE program = $1 AND live", program)
            # asyncpg returns its own UUID type: commands (and their fingerprints) take the standard one.
            self.live[program] = {r["case_id"] for r in rows} | {
                c for c, row in self.cases.items() if row["program"] == program and row["live"]}
            self.live[program] -= {c for c, row in self.cases.items() if row["program"] == program and not row["live"]}
        return self.live[program]

    async def set_live(self, case_id: UUID, live: bool, position: int) -> str | None:
        row = self.cases.get(case_id)
        if row is None:
            return None
        row.update(live=live, position=position)
        cases = await self.live_cases(row["program"])
        (cases.add if live else cases.discard)(case_id)
        return str(row["program"])

    async def save(self) -> None:
        await upsert_rows(self.conn, "assistance_recalculation_cases", "case_id",
                          {"case_id": "uuid", "program": "text", "live": "boolean", "position": "bigint"},
                          self.cases.values())
        await upsert_rows(self.conn, "assistance_recalculation_standards", "program",
                          {"program": "text", "revision": "int", "position": "bigint"},
                          [{"program": p, "revision": self.latest[p], "position": pos}
                           for p, pos in self.standards_touched.items()])

