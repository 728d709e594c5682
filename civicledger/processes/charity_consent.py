"""`charity_consent`: a process manager that takes a published charity need down when the resident withdraws
the consent it rests on — their consent on the linkage need (`Need.ConsentWithdrawn`), or the linkage need
itself (`Need.Withdrawn`). It sends `WithdrawCharityNeed` as the system, caused by that event and keyed by it,
so a crash and a repeat write nothing twice; a need never published, or already met or withdrawn, is left as
it is."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from civicledger.core.errors import CivicError, ConflictError
from civicledger.core.metadata import Actor
from civicledger.domains.charity.commands import WithdrawCharityNeed
from civicledger.domains.charity.errors import CharityRecordNotFoundError, CharityStatusError
from civicledger.domains.charity.need import need_id
from civicledger.domains.charity.values import NeedSource
from civicledger.domains.linkage.need import Need
from civicledger.processes.context import caused_by
from civicledger.projections.base import Envelope, Projection, on
from civicledger.slice import Execute, ProcessWiring

log = logging.getLogger(__name__)
PROCESS = Actor(id="charity-consent", role="system", office=None, district=None)


class CharityConsentWithdrawals(Projection):
    """Consent withdrawn (or the need withdrawn) on a linkage need → its charity need taken down."""

    name = "charity_consent"
    tables = ()

    def __init__(self, wiring: ProcessWiring, *, attempts: int = 3) -> None:
        super().__init__(wiring.mapper)
        self.execute: Execute = wiring.execute
        self.attempts = attempts

    async def create(self, conn: asyncpg.Connection) -> None:
        pass  # no state of its own: the charity need's status says whether there is anything to do

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        for env in batch:
            reason = self.dispatch(env)
            if reason:
                await self._take_down(env, reason)

    @on(Need.ConsentWithdrawn)  # type: ignore[attr-defined]
    def _consent_withdrawn(self, env: Envelope, e: object) -> str:
        return "the resident withdrew their consent on the source need"

    @on(Need.Withdrawn)  # type: ignore[attr-defined]
    def _need_withdrawn(self, env: Envelope, e: object) -> str:
        return "the resident withdrew the source need"

    async def _take_down(self, env: Envelope, reason: str) -> None:
        ctx = caused_by(env, actor=PROCESS, reason=reason, origin="charity-consent",
                        idempotency_key=f"charity-consent:{env.position}")
        command = WithdrawCharityNeed(need_id(NeedSource.LINKAGE, env.stream_id))
        for attempt in range(1, self.attempts + 1):
            try:
                await self.execute(command, ctx)
                return
            except (CharityRecordNotFoundError, CharityStatusError):
                return  # never published, or already met or withdrawn: nothing to take down
            except ConflictError:
                if attempt == self.attempts:
                    raise
            except CivicError as exc:
                log.error("charity need of linkage need %s not taken down: %s", env.stream_id, exc.message)
                return
