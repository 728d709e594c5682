"""`marriage_divorce_applications`: one row per divorce application — its office, the day it was received and
how it ended (withdrawn in the cooling-off period, lapsed, or a registered divorce). The statistics count
applications and withdrawals from it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from civicledger.domains.marriage.marriage import Marriage
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {"id": "text", "marriage_id": "uuid", "office": "text", "applied_on": "date", "outcome": "text",
           "closed_on": "date", "position": "bigint"}


def _key(marriage_id: Any, applied_on: Any) -> str:
    return f"{marriage_id}:{applied_on.isoformat()}"


class MarriageApplicationsProjection(RowProjection):
    """Divorce applications and their outcomes."""

    name = "marriage_divorce_applications"
    tables = ("marriage_divorce_applications",)
    table = "marriage_divorce_applications"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS marriage_divorce_applications ({ddl})")
        await conn.execute("CREATE INDEX IF NOT EXISTS marriage_divorce_applications_office_idx"
                           " ON marriage_divorce_applications (office, applied_on)")

    def keys_of(self, env: Envelope) -> Iterable[Any]:
        event = env.event
        applied_on = getattr(event, "applied_on", None) or getattr(event, "pending_application", None)
        return (_key(env.stream_id, applied_on),) if applied_on is not None else ()

    @on(Marriage.DivorceApplied)
    def _applied(self, rows: Rows, env: Envelope, e: Marriage.DivorceApplied) -> None:
        rows.new(_key(env.stream_id, e.applied_on), id=_key(env.stream_id, e.applied_on), marriage_id=env.stream_id,
                 office=e.office, applied_on=e.applied_on, outcome="PENDING", closed_on=None, position=env.position)

    def _closed(self, rows: Rows, env: Envelope, applied_on: Any, outcome: str, closed_on: Any) -> None:
        row = rows.of(_key(env.stream_id, applied_on))
        if row is not None:
            row.update(outcome=outcome, closed_on=closed_on, position=env.position)

    @on(Marriage.DivorceApplicationWithdrawn)
    def _withdrawn(self, rows: Rows, env: Envelope, e: Marriage.DivorceApplicationWithdrawn) -> None:
        self._closed(rows, env, e.applied_on, "WITHDRAWN", e.withdrawn_on)

    @on(Marriage.DivorceApplicationLapsed)
    def _lapsed(self, rows: Rows, env: Envelope, e: Marriage.DivorceApplicationLapsed) -> None:
        self._closed(rows, env, e.applied_on, "LAPSED", e.lapsed_on)

    @on(Marriage.EndedByDeath)
    def _ended_by_death(self, rows: Rows, env: Envelope, e: Marriage.EndedByDeath) -> None:
        if e.pending_application is not None:
            self._closed(rows, env, e.pending_application, "ENDED_BY_DEATH", e.died_on)

    @on(Marriage.Divorced)
    def _divorced(self, rows: Rows, env: Envelope, e: Marriage.Divorced) -> None:
        self._closed(rows, env, e.applied_on, "DIVORCED", e.divorced_on)
