"""`meal_elders`: one row per enrolled (or formerly enrolled) elder, with what the canteen must know: home
district and street, subsidy basis and dietary needs. The subsidy basis and dietary needs are personal data
(低保 / 特困 status, disability, health): declared below, scrubbed on erasure, masked by GraphQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.meals.enrolment import MealEnrolment as Enrolment
from civicledger.projections.base import Envelope, PersonalColumns, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "resident_id": "uuid", "district": "text", "street": "text",
    "economic_status": "text", "disabled": "boolean", "dietary_needs": "jsonb", "dietary_note": "text",
    "active": "boolean", "enrolled_on": "date", "withdrawn_on": "date", "follow_ups": "int", "erased": "boolean",
    "updated_at": "timestamptz", "position": "bigint",
}
PERSONAL = ("economic_status", "disabled", "dietary_needs", "dietary_note")


class MealEldersProjection(RowProjection):
    """Enrolled elders as they stand now."""

    name = "meal_elders"
    tables = ("meal_elders",)
    table = "meal_elders"
    columns = COLUMNS
    json_columns = ("dietary_needs",)
    personal_columns = (PersonalColumns("meal_elders", resident_column="resident_id", columns=PERSONAL,
                                        erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS meal_elders ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS meal_elders_seq_idx ON meal_elders (seq)")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS meal_elders_resident_idx ON meal_elders (resident_id)")
        await conn.execute("CREATE INDEX IF NOT EXISTS meal_elders_district_idx ON meal_elders (district, street, seq)")

    @staticmethod
    def _details(e: Any) -> dict[str, Any]:
        return {"district": e.district, "street": e.street,
                "economic_status": e.economic_status.value if e.economic_status else None, "disabled": e.disabled,
                "dietary_needs": [n.value for n in e.dietary_needs] if e.dietary_needs is not None else None,
                "dietary_note": e.dietary_note}

    @on(Enrolment.Enrolled)
    def _enrolled(self, rows: Rows, env: Envelope, e: Enrolment.Enrolled) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, resident_id=e.resident_id, active=True,
                 enrolled_on=e.enrolled_on, follow_ups=0, erased=False, **self._details(e))
        self._changed(rows, env)

    @on(Enrolment.Reenrolled)
    def _reenrolled(self, rows: Rows, env: Envelope, e: Enrolment.Reenrolled) -> None:
        self._changed(rows, env, active=True, enrolled_on=e.enrolled_on, withdrawn_on=None, **self._details(e))

    @on(Enrolment.DetailsChanged)
    def _details_changed(self, rows: Rows, env: Envelope, e: Enrolment.DetailsChanged) -> None:
        self._changed(rows, env, **self._details(e))

    @on(Enrolment.Withdrawn)
    def _withdrawn(self, rows: Rows, env: Envelope, e: Enrolment.Withdrawn) -> None:
        self._changed(rows, env, active=False, withdrawn_on=e.withdrawn_on)

    @on(Enrolment.RecallFollowUpRecorded)
    def _followed_up(self, rows: Rows, env: Envelope, e: Enrolment.RecallFollowUpRecorded) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            self._changed(rows, env, follow_ups=(row["follow_ups"] or 0) + 1)

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)


async def elders_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM meal_elders WHERE id = ANY($1)", list(ids))


async def search_elders(conn: asyncpg.Connection, *, district: str | None = None, street: str | None = None,
                        active: bool | None = None, after: int | None = None, limit: int = 50
                        ) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM meal_elders WHERE ($1::text IS NULL OR district = $1) AND ($2::text IS NULL OR street = $2)"
        " AND ($3::boolean IS NULL OR active = $3) AND seq > $4 ORDER BY seq LIMIT $5",
        district, street, active, after or 0, limit + 1)
