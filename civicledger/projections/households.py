"""`households`: one row per household with its members and their relationship to the head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.residents.household import Household
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "head_id": "uuid", "district": "text",
    "members": "jsonb", "size": "int", "established_at": "timestamptz", "updated_at": "timestamptz",
    "position": "bigint",
}


class HouseholdsProjection(RowProjection):
    """Households with members in the order they joined."""

    name = "households"
    tables = ("households",)
    table = "households"
    columns = COLUMNS
    json_columns = ("members",)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS households ("
            " id uuid PRIMARY KEY, version bigint NOT NULL, seq bigint NOT NULL, head_id uuid,"
            " district text NOT NULL, members jsonb NOT NULL, size int NOT NULL,"
            " established_at timestamptz, updated_at timestamptz, position bigint NOT NULL)"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS households_district_idx ON households (district, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS households_members_idx ON households USING gin (members)")

    @on(Household.Established)
    def _established(self, rows: Rows, env: Envelope, e: Household.Established) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, head_id=e.head_id, district=e.district,
                 members=[{"residentId": str(e.head_id), "relationship": "HEAD"}], established_at=e.timestamp)
        self._changed(rows, env)

    @on(Household.MemberAdded)
    def _added(self, rows: Rows, env: Envelope, e: Household.MemberAdded) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row["members"].append({"residentId": str(e.resident_id), "relationship": e.relationship.value})
            self._changed(rows, env)

    @on(Household.MemberRemoved)
    def _removed(self, rows: Rows, env: Envelope, e: Household.MemberRemoved) -> None:
        row = rows.of(env.stream_id)
        if row is None:
            return
        row["members"] = [m for m in row["members"] if m["residentId"] != str(e.resident_id)]
        if e.new_head_id:
            row["head_id"] = e.new_head_id
            for m in row["members"]:
                if m["residentId"] == str(e.new_head_id):
                    m["relationship"] = "HEAD"
        elif row["head_id"] == e.resident_id:
            row["head_id"] = None
        self._changed(rows, env)

    @staticmethod
    def _changed(rows: Rows, env: Envelope) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position,
                       size=len(row["members"]))


async def households_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM households WHERE id = ANY($1)", list(ids))
