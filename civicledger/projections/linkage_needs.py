"""`linkage_needs`: every collected need, its classification, consent and where it went.

`description` and `contact_phone` are the resident's personal data: blanked when the resident is erased."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.linkage.need import Need, NeedStatus
from civicledger.projections.base import Envelope, PersonalColumns, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "resident_id": "uuid", "community_id": "uuid",
    "district": "text", "channel": "text", "category": "text", "sub_item": "text", "urgency": "text",
    "description": "text", "contact_phone": "text", "consent_given": "boolean", "status": "text",
    "referral_id": "uuid", "collected_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
    "erased": "boolean",
}


class LinkageNeedsProjection(RowProjection):
    """Needs as collected, with consent as it stands and the referral they went to."""

    name = "linkage_needs"
    tables = ("linkage_needs",)
    table = "linkage_needs"
    columns = COLUMNS
    personal_columns = (PersonalColumns("linkage_needs", "resident_id", ("description", "contact_phone"),
                                        erased_flag="erased"),)

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS linkage_needs ("
            " id uuid PRIMARY KEY, seq bigint NOT NULL, version bigint NOT NULL, resident_id uuid NOT NULL,"
            " community_id uuid NOT NULL, district text NOT NULL, channel text NOT NULL, category text NOT NULL,"
            " sub_item text NOT NULL, urgency text NOT NULL, description text, contact_phone text,"
            " consent_given boolean NOT NULL, status text NOT NULL, referral_id uuid,"
            " collected_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, position bigint NOT NULL,"
            " erased boolean NOT NULL DEFAULT false)"
        )
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_needs_community_idx"
                           " ON linkage_needs (community_id, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS linkage_needs_resident_idx ON linkage_needs (resident_id)")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS linkage_needs_seq_idx ON linkage_needs (seq)")

    @on(Need.Collected)
    def _collected(self, rows: Rows, env: Envelope, e: Need.Collected) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, resident_id=e.resident_id,
                 community_id=e.community_id, district=e.district, channel=e.channel.value,
                 category=e.category.value, sub_item=e.sub_item, urgency=e.urgency.value,
                 description=e.description, contact_phone=e.contact_phone, consent_given=e.consent_given,
                 status=NeedStatus.OPEN.value, referral_id=None, collected_at=e.timestamp,
                 erased=e.description is None)
        _changed(rows, env)

    @on(Need.ConsentGiven, Need.ConsentWithdrawn)
    def _consent(self, rows: Rows, env: Envelope, e: Any) -> None:
        _changed(rows, env, consent_given=isinstance(e, Need.ConsentGiven))

    @on(Need.Referred)
    def _referred(self, rows: Rows, env: Envelope, e: Need.Referred) -> None:
        _changed(rows, env, status=NeedStatus.REFERRED.value, referral_id=e.referral_id)

    @on(Need.Withdrawn)
    def _withdrawn(self, rows: Rows, env: Envelope, e: Need.Withdrawn) -> None:
        _changed(rows, env, status=NeedStatus.WITHDRAWN.value)


def _changed(rows: Rows, env: Envelope, **values: Any) -> None:
    if (row := rows.of(env.stream_id)) is not None:
        row.update(values, version=env.version, updated_at=env.event.timestamp, position=env.position)


async def needs_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM linkage_needs WHERE id = ANY($1)", list(ids))


async def search_needs(conn: asyncpg.Connection, *, community_id: Any = None, resident_id: Any = None,
                       status: str | None = None, category: str | None = None, after_seq: int | None = None,
                       limit: int = 20) -> list[asyncpg.Record]:
    clauses: list[str] = ["seq > $1"]
    args: list[Any] = [after_seq or 0]
    for column, value in (("community_id", community_id), ("resident_id", resident_id), ("status", status),
                          ("category", category)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    args.append(limit + 1)
    return await conn.fetch(f"SELECT * FROM linkage_needs WHERE {' AND '.join(clauses)}"
                            f" ORDER BY seq LIMIT ${len(args)}", *args)
