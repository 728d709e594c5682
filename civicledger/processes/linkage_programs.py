"""The linkage program process manager: closes the loop between a referral and another program.

It follows the global log like a projection, with its own tracking row (`linkage_programs`) advanced in the
same transaction as its link table, through the projection runner (batches, the safe horizon, crash and
resume). It acts only through application services:

- `Referral.ProgramApplicationRequested` → `AssistanceService.apply_for_assistance(..., referral_id=...)`, then
  `Referral.ProgramApplicationOpened` with the new case's id — or `Referral.ProgramApplicationRefused` with the
  assistance program's error when it will not open one;
- `AssistanceCase.Applied` with a referral id → remember which referral the case belongs to (also for cases a
  caseworker opened directly with a referral id);
- `AssistanceCase.Approved` / `Rejected` → `Referral.ProgramOutcomeReported`.

Commands run outside the tracking transaction, so a crash between a command and the tracking update makes the
next run repeat it: every command carries an idempotency key derived from the referral (and request or case),
so a repeat returns the first result and writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.errors import CivicError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.assistance import commands as assistance
from civicledger.domains.assistance.case import AssistanceCase
from civicledger.domains.assistance.services import AssistanceService
from civicledger.domains.linkage import commands as linkage
from civicledger.domains.linkage.referral import Referral
from civicledger.domains.linkage.services import LinkageService
from civicledger.projections.base import Envelope, Projection, topics_of

PROCESS = Actor(id="linkage-programs", role="system", office=None, district=None)
Run = Callable[..., Awaitable[Any]]


DECIDED = topics_of(AssistanceCase.Approved, AssistanceCase.Rejected)


class LinkageProgramsProcess(Projection):
    """Referral ⇄ assistance application: file the application, report the decision back."""

    name = "linkage_programs"
    tables = ("linkage_program_links",)
    topics = topics_of(Referral.ProgramApplicationRequested, AssistanceCase.Applied, AssistanceCase.Approved,
                       AssistanceCase.Rejected)

    def __init__(self, mapper: Any, *, linkage_service: LinkageService, assistance_service: AssistanceService,
                 run: Run | None = None) -> None:
        super().__init__(mapper)
        self.linkage = linkage_service
        self.assistance = assistance_service
        self.run: Run = run or asyncio.to_thread

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
            elif isinstance(e, AssistanceCase.Applied) and e.referral_id is not None:
                await self._link(conn, env.stream_id, e.referral_id, env.position, links)
            elif isinstance(e, AssistanceCase.Approved | AssistanceCase.Rejected):
                referral_id = links.get(env.stream_id)
                if referral_id is not None:
                    outcome = "APPROVED" if isinstance(e, AssistanceCase.Approved) else "REJECTED"
                    await self._report(env, referral_id, outcome)

    @staticmethod
    async def _link(conn: asyncpg.Connection, application_id: UUID, referral_id: UUID, position: int,
                    links: dict[UUID, UUID]) -> None:
        await conn.execute("INSERT INTO linkage_program_links VALUES ($1, $2, 'assistance', $3)"
                           " ON CONFLICT (application_id) DO NOTHING", application_id, referral_id, position)
        links.setdefault(application_id, referral_id)

    def _ctx(self, env: Envelope, key: str) -> CommandContext:
        correlation = {"correlation_id": env.correlation_id} if env.correlation_id else {}
        return CommandContext(actor=PROCESS, reason="three-society linkage referral", idempotency_key=key,
                              origin="linkage-programs", **correlation)

    async def _file(self, conn: asyncpg.Connection, env: Envelope, e: Any, links: dict[UUID, UUID]) -> None:
        referral_id = env.stream_id
        if e.program != "assistance":
            return
        cmd = assistance.ApplyForAssistance(
            program=e.scheme, household_id=e.household_id, applicant_id=e.resident_id,
            declared=tuple(assistance.DeclaredMeans(rid, m.monthly_income, m.assets)
                           for rid, m in (e.declared or {}).items() if m is not None),
            statement=e.statement or "", referral_id=referral_id, need=e.need,
        )
        try:
            applied: Recorded = await self.run(self.assistance.apply_for_assistance, cmd,
                                               self._ctx(env, f"linkage:{referral_id}:apply:{e.request}"))
        except CivicError as refused:
            await self.run(self.linkage.record_program_application_refused,
                           linkage.RecordProgramApplicationRefused(referral_id, e.request, refused.code,
                                                                   refused.message),
                           self._ctx(env, f"linkage:{referral_id}:refused:{e.request}"))
            return
        await self._link(conn, applied.stream_id, referral_id, env.position, links)
        await self.run(self.linkage.record_program_application,
                       linkage.RecordProgramApplication(referral_id, e.request, applied.stream_id),
                       self._ctx(env, f"linkage:{referral_id}:opened:{e.request}"))

    async def _report(self, env: Envelope, referral_id: UUID, outcome: str) -> None:
        await self.run(self.linkage.report_program_outcome,
                       linkage.ReportProgramOutcome(referral_id, "assistance", env.stream_id, outcome),
                       self._ctx(env, f"linkage:{referral_id}:outcome:{env.stream_id}"))
