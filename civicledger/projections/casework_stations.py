"""`casework_stations`: the social-work stations, what they run and their social workers (no resident data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.casework.station import Station
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "name": "text", "level": "text", "district": "text",
    "street": "text", "community": "text", "office": "text", "services": "jsonb", "social_workers": "jsonb",
    "registered_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class CaseworkStationsProjection(RowProjection):
    """Stations as they stand; `social_workers` is a list of {staffId, title} in the order they joined."""

    name = "casework_stations"
    tables = ("casework_stations",)
    table = "casework_stations"
    columns = COLUMNS
    json_columns = ("services", "social_workers")

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS casework_stations ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS casework_stations_seq_idx ON casework_stations (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS casework_stations_district_idx"
                           " ON casework_stations (district, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS casework_stations_office_idx ON casework_stations (office)")
        await conn.execute("CREATE INDEX IF NOT EXISTS casework_stations_workers_idx"
                           " ON casework_stations USING gin (social_workers jsonb_path_ops)")

    @on(Station.Registered)
    def _registered(self, rows: Rows, env: Envelope, e: Station.Registered) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, name=e.name, level=e.level.value,
                 district=e.district, street=e.street, community=e.community, office=e.office,
                 services=list(e.services), social_workers=[], registered_at=e.timestamp)
        self._changed(rows, env)

    @on(Station.SocialWorkerAdded)
    def _added(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row["social_workers"].append({"staffId": e.staff_id, "title": e.title})
            self._changed(rows, env)

    @on(Station.SocialWorkerRemoved)
    def _removed(self, rows: Rows, env: Envelope, e: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row["social_workers"] = [w for w in row["social_workers"] if w["staffId"] != e.staff_id]
            self._changed(rows, env)

    @staticmethod
    def _changed(rows: Rows, env: Envelope) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position)


async def stations_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM casework_stations WHERE id = ANY($1)", list(ids))


async def stations_of(conn: asyncpg.Connection, subject: str, office: str | None) -> frozenset[Any]:
    """The stations a principal works for: on the staff list, or the token names the station's office."""
    rows = await conn.fetch(
        "SELECT id FROM casework_stations WHERE social_workers @> jsonb_build_array(jsonb_build_object('staffId',"
        " $1::text)) OR ($2::text IS NOT NULL AND office = $2)", subject, office)
    return frozenset(r["id"] for r in rows)


async def search_stations(conn: asyncpg.Connection, *, district: str | None = None, street: str | None = None,
                          service: str | None = None, after_seq: int | None = None,
                          limit: int = 20) -> list[asyncpg.Record]:
    """Keyset page in registration order. `limit + 1` rows."""
    clauses, args = ["seq > $1"], [after_seq or 0]
    for clause, value in (("district = ${}", district), ("street = ${}", street), ("services ? ${}", service)):
        if value is not None:
            args.append(value)
            clauses.append(clause.format(len(args)))
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM casework_stations WHERE {' AND '.join(clauses)} ORDER BY seq"
                            f" LIMIT ${len(args)}", *args)
