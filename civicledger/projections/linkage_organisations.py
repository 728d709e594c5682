"""`linkage_organisations`: community committees, social organisations and social-work stations, with staff."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.linkage.organisation import Organisation
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "name": "text", "kind": "text", "district": "text",
    "street": "text", "community": "text", "office": "text", "service_districts": "text", "pilot": "boolean",
    "staff": "jsonb", "registered_at": "timestamptz", "position": "bigint",
}


class LinkageOrganisationsProjection(RowProjection):
    """Organisations as registered, with their current staff (user id and title)."""

    name = "linkage_organisations"
    tables = ("linkage_organisations",)
    table = "linkage_organisations"
    columns = COLUMNS
    json_columns = ("staff",)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS linkage_organisations ("
            " id uuid PRIMARY KEY, seq bigint NOT NULL, version bigint NOT NULL, name text NOT NULL,"
            " kind text NOT NULL, district text NOT NULL, street text NOT NULL, community text, office text,"
            " service_districts text NOT NULL, pilot boolean NOT NULL, staff jsonb NOT NULL,"
            " registered_at timestamptz NOT NULL, position bigint NOT NULL)"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_organisations_seq_idx"
                           " ON linkage_organisations (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_organisations_staff_idx"
                           " ON linkage_organisations USING gin (staff jsonb_path_ops)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_organisations_office_idx"
                           " ON linkage_organisations (office)")

    @on(Organisation.Registered)
    def _registered(self, rows: Rows, env: Envelope, e: Organisation.Registered) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, name=e.name, kind=e.kind.value,
                 district=e.district, street=e.street, community=e.community, office=e.office,
                 service_districts=",".join(e.service_districts), pilot=e.pilot, staff=[],
                 registered_at=e.timestamp, version=env.version, position=env.position)

    @on(Organisation.StaffMemberAdded)
    def _staff_added(self, rows: Rows, env: Envelope, e: Organisation.StaffMemberAdded) -> None:
        if (row := rows.of(env.stream_id)) is not None:
            row["staff"].append({"staffId": e.staff_id, "title": e.title})
            row.update(version=env.version, position=env.position)

    @on(Organisation.StaffMemberRemoved)
    def _staff_removed(self, rows: Rows, env: Envelope, e: Organisation.StaffMemberRemoved) -> None:
        if (row := rows.of(env.stream_id)) is not None:
            row["staff"] = [s for s in row["staff"] if s["staffId"] != e.staff_id]
            row.update(version=env.version, position=env.position)


async def organisations_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM linkage_organisations WHERE id = ANY($1)", list(ids))


async def search_organisations(conn: asyncpg.Connection, *, district: str | None = None, kind: str | None = None,
                               pilot: bool | None = None, after_seq: int | None = None,
                               limit: int = 20) -> list[asyncpg.Record]:
    """Keyset page in registration order; `limit + 1` rows."""
    clauses: list[str] = ["seq > $1"]
    args: list[Any] = [after_seq or 0]
    for column, value in (("district", district), ("kind", kind), ("pilot", pilot)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM linkage_organisations WHERE {' AND '.join(clauses)}"
                            f" ORDER BY seq LIMIT ${len(args)}", *args)


async def memberships(conn: asyncpg.Connection, staff_id: str, office: str | None) -> list[asyncpg.Record]:
    """The organisations a principal acts for (as `Organisation.has_member` decides on the write side)."""
    return await conn.fetch(
        "SELECT id, kind FROM linkage_organisations WHERE staff @> $1::jsonb OR (office IS NOT NULL AND office = $2)",
        json.dumps([{"staffId": staff_id}]), office,
    )
