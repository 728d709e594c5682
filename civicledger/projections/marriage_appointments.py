"""`marriage_appointments`: the offices' appointment books — one row per appointment, by office and day."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.marriage.appointment import MarriageAppointment as Appointment
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {"id": "uuid", "version": "bigint", "seq": "bigint", "office": "text", "kind": "text", "on_day": "date",
           "slot": "text", "party_ids": "jsonb", "status": "text", "registration_id": "uuid",
           "updated_at": "timestamptz", "position": "bigint"}


class MarriageAppointmentsProjection(RowProjection):
    """Appointments as they stand now."""

    name = "marriage_appointments"
    tables = ("marriage_appointments",)
    table = "marriage_appointments"
    columns = COLUMNS
    json_columns = ("party_ids",)

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS marriage_appointments ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS marriage_appointments_seq_idx"
                           " ON marriage_appointments (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS marriage_appointments_day_idx"
                           " ON marriage_appointments (office, on_day, slot, seq)")

    @on(Appointment.Booked)
    def _booked(self, rows: Rows, env: Envelope, e: Appointment.Booked) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, office=e.office, kind=e.kind.value, on_day=e.on,
                 slot=e.slot, party_ids=[str(p) for p in e.party_ids], status="BOOKED", registration_id=None,
                 version=env.version, updated_at=e.timestamp, position=env.position)

    @on(Appointment.Cancelled)
    def _cancelled(self, rows: Rows, env: Envelope, e: Appointment.Cancelled) -> None:
        self._changed(rows, env, status="CANCELLED")

    @on(Appointment.Attended)
    def _attended(self, rows: Rows, env: Envelope, e: Appointment.Attended) -> None:
        self._changed(rows, env, status="ATTENDED", registration_id=e.registration_id)

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)


async def appointments_of_day(conn: asyncpg.Connection, *, office: str, on_day: date, after: int | None,
                              limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM marriage_appointments WHERE office = $1 AND on_day = $2 AND seq > $3 ORDER BY seq LIMIT $4",
        office, on_day, after or 0, limit + 1)


async def appointments_by_ids(conn: asyncpg.Connection, ids: list[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM marriage_appointments WHERE id = ANY($1)", ids)
