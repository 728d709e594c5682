"""The linkage program process manager: closes the loop between a referral and another program.

It follows the global log like a projection, with its own tracking row (`linkage_programs`) advanced in the
same transaction as its link table, through the projection runner (batches, the safe horizon, crash and
resume). It acts only through application services:

- `Referral.ProgramApplicationRequested` → the program's intake command with the referral's id: assistance's
  `ApplyForAssistance`, or casework's `OpenCaseworkCase` at the station the request names; then
  `Referral.ProgramApplicationOpened` with the new case's id — or `Referral.ProgramApplicationRefused` with the
  program's error when it will not open one;
- `AssistanceCase.Applied` / `CaseworkCase.Opened` with a referral id → remember which referral the case belongs
  to (also for cases a caseworker opened directly with a referral id);
- `AssistanceCase.Approved` / `Rejected`, `CaseworkCase.Closed` (with the case's outcome from its goals) →
  `Referral.ProgramOutcomeReported`.

Commands run outside the tracking transaction, so a crash between a command and the tracking update makes the
next run repeat it: every command carries an idempotency key derived from the referral (and request or case),
so a repeat returns the first result and writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.errors import CivicError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.assistance import commands as assistance
from civicledger.domains.assistance.case import AssistanceCase
from civicledger.domains.casework import commands as casework
from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.values import IntakeSource
from civicledger.domains.linkage import commands as linkage
from civicledger.domains.linkage.referral import Referral
from civicledger.processes.context import caused_by
from civicledger.projections.base import Envelope, Projection, topics_of
from civicledger.slice import Execute, ProcessWiring

PROCESS = Actor(id="linkage-programs", role="system", office=None, district=None)


DECIDED = topics_of(AssistanceCase.Approved, AssistanceCase.Rejected, CaseworkCase.Closed)


def _outcome(e: Any) -> tuple[str, str]:
    """(program, outcome) of a decision another program made on a case a referral may have opened."""
    if isinstance(e, CaseworkCase.Closed):
        return "casework", e.outcome.value
    return "assistance", "APPROVED" if isinstance(e, AssistanceCase.Approved) else "REJECTED"


def _intake(e: Any, referral_id: UUID) -> object | None:
    """The command that opens what the referral asked for, in the program it names (None: not ours to file)."""
    if e.program == "assistance":
        return assistance.ApplyForAssistance(
            program=e.scheme, household_id=e.household_id, applicant_id=e.resident_id,
            declared=tuple(assistance.DeclaredMeans(rid, m.monthly_income, m.assets)
                           for rid, m in (e.declared or {}).items() if m is not None),
            statement=e.statement or "", referral_id=referral_id, need=e.need,
        )
    if e.program == "casework":
        return casework.OpenCaseworkCase(
            station_id=e.unit_id, resident_id=e.resident_id, service=e.scheme, presenting_need=e.statement or "",
            source=IntakeSource.LINKAGE_REFERRAL.value, referral_id=referral_id,
        )
    return None


class LinkageProgramsProcess(Projection):
    """Referral ⇄ another program's case (assistance, casework): file it, report the decision back."""

    name = "linkage_programs"
    tables = ("linkage_program_links",)
    topics = topics_of(Referral.ProgramApplicationRequested, AssistanceCase.Applied, AssistanceCase.Approved,
                       AssistanceCase.Rejected, CaseworkCase.Opened, CaseworkCase.Closed)

    def __init__(self, wiring: ProcessWiring) -> None:
        super().__init__(wiring.mapper)
        self.execute: Execute = wiring.execute
        self.programs = frozenset(wiring.services)  # the programs this deployment runs: the only ones filed to

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS linkage_program_links (application_id uuid PRIMARY KEY,"
            " referral_id uuid NOT NULL, program text NOT NULL, linked_at bigint NOT NULL)"
        )

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        # Which decided applications came from a referral: one query for the batch (most decisions did not);
        # links made earlier in this batch are added as they are made.
        decided = [env.stream_id for env in batch if env.topic in DECIDED]
        links: dict[UUID, UUID] = {r["application_id"]: r["referral_id"] for r in await conn.fetch(
            "SELECT application_id, referral_id FROM linkage_program_links WHERE application_id = ANY($1)",
            decided)} if decided else {}
        for env in batch:
            e = env.event
            if isinstance(e, Referral.ProgramApplicationRequested):
                await self._file(conn, env, e, links)
            elif isinstance(e, AssistanceCase.Applied | CaseworkCase.Opened) and e.referral_id is not None:
                program = "casework" if isinstance(e, CaseworkCase.Opened) else "assistance"
                await self._link(conn, env.stream_id, e.referral_id, program, env.position, links)
            elif env.topic in DECIDED:
                referral_id = links.get(env.stream_id)
                if referral_id is not None:
                    await self._report(env, referral_id, *_outcome(e))

    @staticmethod
    async def _link(conn: asyncpg.Connection, application_id: UUID, referral_id: UUID, program: str, position: int,
                    links: dict[UUID, UUID]) -> None:
        await conn.execute("INSERT INTO linkage_program_links VALUES ($1, $2, $3, $4)"
                           " ON CONFLICT (application_id) DO NOTHING", application_id, referral_id, program, position)
        links.setdefault(application_id, referral_id)

    @staticmethod
    def _ctx(env: Envelope, key: str) -> CommandContext:
        return caused_by(env, actor=PROCESS, reason="three-society linkage referral", idempotency_key=key,
                         origin="linkage-programs")

    async def _file(self, conn: asyncpg.Connection, env: Envelope, e: Any, links: dict[UUID, UUID]) -> None:
        referral_id = env.stream_id
        cmd = _intake(e, referral_id) if e.program in self.programs else None
        if cmd is None:
            return
        try:
            applied: Recorded = await self.execute(cmd, self._ctx(env, f"linkage:{referral_id}:apply:{e.request}"))
        except CivicError as refused:
            await self.execute(linkage.RecordProgramApplicationRefused(referral_id, e.request, refused.code,
                                                                       refused.message),
                               self._ctx(env, f"linkage:{referral_id}:refused:{e.request}"))
            return
        await self._link(conn, applied.stream_id, referral_id, e.program, env.position, links)
        await self.execute(linkage.RecordProgramApplication(referral_id, e.request, applied.stream_id),
                           self._ctx(env, f"linkage:{referral_id}:opened:{e.request}"))

    async def _report(self, env: Envelope, referral_id: UUID, program: str, outcome: str) -> None:
        await self.execute(linkage.ReportProgramOutcome(referral_id, program, env.stream_id, outcome),
                           self._ctx(env, f"linkage:{referral_id}:outcome:{env.stream_id}"))
