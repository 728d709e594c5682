"""`households`: one row per household with its members and their relationship to the head."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.residents.household import Household
from civicledger.projections.base import Envelope, Projection, topics_of
from civicledger.projections.sql import upsert_rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "head_id": "uuid", "district": "text",
    "members": "jsonb", "size": "int", "established_at": "timestamptz", "updated_at": "timestamptz",
    "position": "bigint",
}


class HouseholdsProjection(Projection):
    """Households with members in the order they joined."""

    name = "households"
    tables = ("households",)
    topics = topics_of(Household.Established, Household.MemberAdded, Household.MemberRemoved)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS households ("
            " id uuid PRIMARY KEY, version bigint NOT NULL, seq bigint NOT NULL, head_id uuid,"
            " district text NOT NULL, members jsonb NOT NULL, size int NOT NULL,"
            " established_at timestamptz, updated_at timestamptz, position bigint NOT NULL)"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS households_district_idx ON households (district, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS households_members_idx ON households USING gin (members)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        ids = {env.stream_id for env in batch}
        rows: dict[Any, dict[str, Any]] = {}
        for r in await conn.fetch("SELECT * FROM households WHERE id = ANY($1)", list(ids)):
            row = dict(r)
            row["members"] = json.loads(row["members"])
            rows[row["id"]] = row
        for env in batch:
            e = env.event
            if isinstance(e, Household.Established):
                rows[env.stream_id] = {
                    "id": env.stream_id, "seq": env.position, "head_id": e.head_id, "district": e.district,
                    "members": [{"residentId": str(e.head_id), "relationship": "HEAD"}],
                    "established_at": e.timestamp,
                }
            row = rows.get(env.stream_id)
            if row is None:
                continue
            if isinstance(e, Household.MemberAdded):
                row["members"].append({"residentId": str(e.resident_id), "relationship": e.relationship.value})
            elif isinstance(e, Household.MemberRemoved):
                row["members"] = [m for m in row["members"] if m["residentId"] != str(e.resident_id)]
                if e.new_head_id:
                    row["head_id"] = e.new_head_id
                    for m in row["members"]:
                        if m["residentId"] == str(e.new_head_id):
                            m["relationship"] = "HEAD"
                elif row["head_id"] == e.resident_id:
                    row["head_id"] = None
            row.update(version=env.version, updated_at=e.timestamp, position=env.position,
                       size=len(row["members"]))
        for row in rows.values():
            row["members"] = json.dumps(row["members"])
        await upsert_rows(conn, "households", "id", COLUMNS, rows.values())


async def households_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM households WHERE id = ANY($1)", list(ids))
