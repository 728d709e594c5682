"""Charity matching's read models, one row per record as it stands now:
`charity_needs` (published needs — what donors may read, and the resident id for the staff's own joins, never
served), `charity_offers` (donors' offers and what is left of them), `charity_matches` (each match, its status
and anonymous outcome)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from civicledger.domains.charity.match import CharityMatch
from civicledger.domains.charity.need import CharityNeed
from civicledger.domains.charity.offer import CharityOffer
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

ZERO = Decimal("0")


async def _create(conn: asyncpg.Connection, table: str, columns: dict[str, str], *indexes: str) -> None:
    ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in columns.items())
    await conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")
    await conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_seq_idx ON {table} (seq)")
    for i, columns_of in enumerate(indexes):
        await conn.execute(f"CREATE INDEX IF NOT EXISTS {table}_{i}_idx ON {table} ({columns_of})")


def _changed(rows: Rows, env: Envelope, **values: Any) -> dict[str, Any] | None:
    row = rows.of(env.stream_id)
    if row is not None:
        row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)
    return row


NEED_COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "resident_id": "uuid", "source": "text", "source_id": "uuid",
    "district": "text", "category": "text", "kind": "text", "quantity": "numeric", "committed": "numeric",
    "fulfilled": "numeric", "summary": "text", "needed_by": "date", "consent_basis": "text", "status": "text",
    "published_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class CharityNeedsProjection(RowProjection):
    """Published needs as they stand now."""

    name = "charity_needs"
    tables = ("charity_needs",)
    table = "charity_needs"
    columns = NEED_COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await _create(conn, "charity_needs", NEED_COLUMNS, "status, district, seq", "source_id")

    @on(CharityNeed.Published)
    def _published(self, rows: Rows, env: Envelope, e: CharityNeed.Published) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, resident_id=e.resident_id, source=e.source.value,
                 source_id=e.source_id, district=e.district, category=e.category.value, kind=e.kind.value,
                 quantity=e.quantity, committed=ZERO, fulfilled=ZERO, summary=e.summary, needed_by=e.needed_by,
                 consent_basis=e.consent_basis.value, status="OPEN", published_at=e.timestamp)
        _changed(rows, env)

    @on(CharityNeed.Committed)
    def _committed(self, rows: Rows, env: Envelope, e: CharityNeed.Committed) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            _changed(rows, env, committed=row["committed"] + e.quantity)

    @on(CharityNeed.Released)
    def _released(self, rows: Rows, env: Envelope, e: CharityNeed.Released) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            _changed(rows, env, committed=row["committed"] - e.quantity)

    @on(CharityNeed.Fulfilled)
    def _fulfilled(self, rows: Rows, env: Envelope, e: CharityNeed.Fulfilled) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            _changed(rows, env, fulfilled=row["fulfilled"] + e.quantity, status="MET" if e.met else row["status"])

    @on(CharityNeed.Withdrawn)
    def _withdrawn(self, rows: Rows, env: Envelope, e: CharityNeed.Withdrawn) -> None:
        _changed(rows, env, status="WITHDRAWN")


OFFER_COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "donor_name": "text", "kind": "text", "quantity": "numeric",
    "allocated": "numeric", "description": "text", "categories": "jsonb", "districts": "jsonb",
    "registered_by": "text", "registered_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class CharityOffersProjection(RowProjection):
    """Donors' offers and what is left of them."""

    name = "charity_offers"
    tables = ("charity_offers",)
    table = "charity_offers"
    columns = OFFER_COLUMNS
    json_columns = ("categories", "districts")

    async def create(self, conn: asyncpg.Connection) -> None:
        await _create(conn, "charity_offers", OFFER_COLUMNS, "kind, seq")

    @on(CharityOffer.Registered)
    def _registered(self, rows: Rows, env: Envelope, e: CharityOffer.Registered) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, donor_name=e.donor_name, kind=e.kind.value,
                 quantity=e.quantity, allocated=ZERO, description=e.description,
                 categories=[c.value for c in e.categories], districts=list(e.districts), registered_by=e.registered_by,
                 registered_at=e.timestamp)
        _changed(rows, env)

    @on(CharityOffer.Allocated)
    def _allocated(self, rows: Rows, env: Envelope, e: CharityOffer.Allocated) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            _changed(rows, env, allocated=row["allocated"] + e.quantity)

    @on(CharityOffer.Released)
    def _released(self, rows: Rows, env: Envelope, e: CharityOffer.Released) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            _changed(rows, env, allocated=row["allocated"] - e.quantity)


MATCH_COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "need_id": "uuid", "offer_id": "uuid",
    "quantity": "numeric", "status": "text", "outcome": "text", "proposed_by": "text", "accepted_by": "text",
    "proposed_at": "timestamptz", "fulfilled_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class CharityMatchesProjection(RowProjection):
    """Matches, their status and anonymous outcome."""

    name = "charity_matches"
    tables = ("charity_matches",)
    table = "charity_matches"
    columns = MATCH_COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await _create(conn, "charity_matches", MATCH_COLUMNS, "offer_id, seq", "need_id, seq")

    @on(CharityMatch.Proposed)
    def _proposed(self, rows: Rows, env: Envelope, e: CharityMatch.Proposed) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, need_id=e.need_id, offer_id=e.offer_id,
                 quantity=e.quantity, status="PROPOSED", outcome=None, proposed_by=e.proposed_by, accepted_by=None,
                 proposed_at=e.timestamp, fulfilled_at=None)
        _changed(rows, env)

    @on(CharityMatch.Accepted)
    def _accepted(self, rows: Rows, env: Envelope, e: CharityMatch.Accepted) -> None:
        _changed(rows, env, status="ACCEPTED", accepted_by=e.accepted_by)

    @on(CharityMatch.Declined)
    def _declined(self, rows: Rows, env: Envelope, e: CharityMatch.Declined) -> None:
        _changed(rows, env, status="DECLINED")

    @on(CharityMatch.Fulfilled)
    def _fulfilled(self, rows: Rows, env: Envelope, e: CharityMatch.Fulfilled) -> None:
        _changed(rows, env, status="FULFILLED", outcome=e.outcome, fulfilled_at=e.timestamp)


# -- queries ---------------------------------------------------------------------------------------------------

async def needs_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_needs WHERE id = ANY($1)", list(ids))


async def offers_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_offers WHERE id = ANY($1)", list(ids))


async def matches_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_matches WHERE id = ANY($1)", list(ids))


async def search_needs(conn: asyncpg.Connection, *, status: str | None = None, district: str | None = None,
                       category: str | None = None, kind: str | None = None, after: int | None = None,
                       limit: int = 20) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM charity_needs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR district = $2)"
        " AND ($3::text IS NULL OR category = $3) AND ($4::text IS NULL OR kind = $4) AND seq > $5 ORDER BY seq"
        " LIMIT $6", status, district, category, kind, after or 0, limit + 1)


async def search_offers(conn: asyncpg.Connection, *, kind: str | None = None, after: int | None = None,
                        limit: int = 20) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_offers WHERE ($1::text IS NULL OR kind = $1) AND seq > $2"
                            " ORDER BY seq LIMIT $3", kind, after or 0, limit + 1)


async def offers_fitting(conn: asyncpg.Connection, need: Any, *, after: int | None = None, limit: int = 20
                         ) -> list[asyncpg.Record]:
    """The rules' proposals for a need: offers of its kind, within their category and district conditions
    (none named: any), with something left."""
    return await conn.fetch(
        "SELECT * FROM charity_offers WHERE kind = $1 AND (jsonb_array_length(categories) = 0 OR categories ? $2)"
        " AND (jsonb_array_length(districts) = 0 OR districts ? $3) AND quantity > allocated AND seq > $4"
        " ORDER BY seq LIMIT $5", need["kind"], need["category"], need["district"], after or 0, limit + 1)


async def matches_of(conn: asyncpg.Connection, *, offer_id: Any = None, need_id: Any = None,
                     after: int | None = None, limit: int = 20) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM charity_matches WHERE ($1::uuid IS NULL OR offer_id = $1) AND ($2::uuid IS NULL OR"
        " need_id = $2) AND seq > $3 ORDER BY seq LIMIT $4", offer_id, need_id, after or 0, limit + 1)
